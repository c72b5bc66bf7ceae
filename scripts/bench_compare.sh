#!/usr/bin/env bash
# Go (GOEXPERIMENT=simd build and default build) against PyTorch on the CPU,
# one after the other in one command, same models and step definitions:
# `tag bench throughput` and scripts/bench_torch.py (1 and 2 threads).
# Prints a markdown table of per-step times and ratios.
#
#   scripts/bench_compare.sh                 # all models, 10 steps each
#   MODELS=mlp TASKS=40 STEPS=20 scripts/bench_compare.sh
#   NO_DEFAULT=1 scripts/bench_compare.sh    # skip the build without SIMD kernels
#
# Needs Go 1.26 and PyTorch for /usr/bin/python3 (Debian:
# apt-get install python3-torch libopenblas0-pthread).
set -euo pipefail
cd "$(dirname "$0")/.."
models=${MODELS:-mlp,cnn,resnet,glyphs,mnist}
steps=${STEPS:-10}
tasks=${TASKS:-0}
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

GOEXPERIMENT=simd go build -o "$tmp/tag-simd" ./cmd/tag
builds=simd
if [ -z "${NO_DEFAULT:-}" ]; then
  GOEXPERIMENT= go build -o "$tmp/tag-default" ./cmd/tag
  builds="simd default"
fi
for b in $builds; do
  echo "timing the Go $b build..." >&2
  "$tmp/tag-$b" bench throughput -models "$models" -steps "$steps" -tasks "$tasks" 2>/dev/null |
    awk -v b="$b" '$2 ~ /^[0-9]+$/ { print "go-" b, $1, $2, $3, $4, $5 }' >>"$tmp/times.txt"
done
echo "timing PyTorch..." >&2
"$python" scripts/bench_torch.py --models "$models" --steps "$steps" --tasks "$tasks" |
  awk '{ print $1 "-" $3 "thr", $2, $4, $5, $6, $7 }' >>"$tmp/times.txt"

# times.txt: SOURCE MODEL TASKS BATCH PLAIN_MS AFFINITY_MS
"$python" - "$tmp/times.txt" <<'PY'
import sys
rows = {}
models = []
for line in open(sys.argv[1]):
    src, model, tasks, batch, plain, aff = line.split()
    if model not in models:
        models.append(model)
    rows[(src, model)] = (int(tasks), float(plain), float(aff))
def get(src, m):
    return rows.get((src, m))
def every10(r):
    return (9 * r[1] + r[2]) / (10 * r[1])
print("| model | tasks | Go SIMD ms | Go default ms | PyTorch 1 thr ms | PyTorch 2 thr ms | "
      "Go SIMD / PyTorch best | Go default / Go SIMD | affinity step / plain (Go SIMD) | "
      "every-10 / plain: Go SIMD | every-10 / plain: PyTorch best |")
print("|---|" + "---:|" * 10)
fmt = lambda v: "–" if v is None else (f"{v:.0f}" if v >= 100 else f"{v:.3g}")
for m in models:
    s, d = get("go-simd", m), get("go-default", m)
    t = [r for r in (get("torch-1thr", m), get("torch-2thr", m)) if r]
    best = min(t, key=lambda r: r[1]) if t else None
    print(f"| {m} | {s[0]} | {s[1]:.2f} | {fmt(d and d[1])} | {fmt(get('torch-1thr', m) and get('torch-1thr', m)[1])} | "
          f"{fmt(get('torch-2thr', m) and get('torch-2thr', m)[1])} | {fmt(best and s[1] / best[1])} | "
          f"{fmt(d and d[1] / s[1])} | {s[2] / s[1]:.3g} | {every10(s):.3g} | {fmt(best and every10(best))} |")
PY
