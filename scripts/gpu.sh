#!/usr/bin/env bash
# The GPU path, on an NVIDIA machine with JAX's CUDA PJRT plugin installed
# (pip install "jax[cuda13]"; jax 0.11.2 ships jax_plugins/xla_cuda13):
#   1. builds tag with the XLA backend (-tags xla, cgo);
#   2. finds xla_cuda_plugin.so under Python's site-packages and gives it to
#      GoMLX by absolute path (GOMLX_BACKEND=xla:<path>), with
#      GOMLX_NO_AUTO_INSTALL=1 so that nothing is downloaded;
#   3. runs `tag bench throughput` (plain and affinity-measuring steps) and
#      estimates a CelebA-size epoch (160,000 images at 64×64, ResNet trunk);
#   4. runs a short CelebA-size `tag run`: CelebA itself when CELEBA=DIR is
#      set (its standard layout), else the glyph images rendered at 64×64.
#
#   scripts/gpu.sh                         # everything, output in runs/gpu/
#   PJRT_PLUGIN=/abs/xla_cuda_plugin.so scripts/gpu.sh
#   CELEBA=~/celeba scripts/gpu.sh
#   STEPS=50 EPOCHS=2 GLYPHS=20000 scripts/gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
out=${OUT_DIR:-runs/gpu}
steps=${STEPS:-20}
epochs=${EPOCHS:-1}
glyphs=${GLYPHS:-10000}

plugin=${PJRT_PLUGIN:-}
if [ -z "$plugin" ]; then
  plugin=$("$python" - <<'PY'
import glob, os, site, sys
dirs = list(site.getsitepackages()) + [site.getusersitepackages()] + sys.path
for d in dirs:
    hits = sorted(glob.glob(os.path.join(d, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so")), reverse=True)
    if hits:
        print(os.path.abspath(hits[0]))
        sys.exit(0)
sys.exit(1)
PY
  ) || { echo "gpu.sh: no jax_plugins/xla_cuda*/xla_cuda_plugin.so under $python's site-packages;" \
    "install jax[cuda13] or set PJRT_PLUGIN=/absolute/path/xla_cuda_plugin.so" >&2; exit 1; }
fi
case "$plugin" in
  /*) ;;
  *) echo "gpu.sh: PJRT_PLUGIN must be an absolute path, got $plugin" >&2; exit 1 ;;
esac
[ -f "$plugin" ] || { echo "gpu.sh: $plugin does not exist" >&2; exit 1; }
export GOMLX_NO_AUTO_INSTALL=1
export GOMLX_BACKEND="xla:$plugin"
echo "PJRT plugin: $plugin" >&2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true

mkdir -p "$out"
bin="$out/tag-xla"
GOEXPERIMENT=simd go build -tags xla -o "$bin" ./cmd/tag
"$bin" version

echo "== tag bench throughput ($steps steps each)" >&2
"$bin" bench throughput -steps "$steps" | tee "$out/bench.txt"
# Plain-step time of the ResNet row (column 4, ms) → a CelebA epoch of 160,000 images.
awk '$1 == "resnet" { printf "ResNet trunk at 64×64, batch %d: CelebA epoch (160,000 images) ≈ %.1f s of plain steps\n", $3, 160000 / $3 * $4 / 1000 }' \
  "$out/bench.txt" | tee -a "$out/bench.txt"

echo "== short CelebA-size tag run" >&2
start=$(date +%s)
if [ -n "${CELEBA:-}" ]; then
  "$bin" run -celeba "$CELEBA" -size 64 -trunk resnet -epochs "$epochs" -methods mtl,tag -budgets 2 \
    -out "$out/celeba" -no-report
else
  "$bin" run -glyphs "$glyphs" -glyph-size 64 -trunk resnet -epochs "$epochs" -methods mtl,tag -budgets 2 \
    -out "$out/glyphs64" -no-report
fi
echo "tag run: $(( $(date +%s) - start )) s wall" | tee -a "$out/bench.txt"
