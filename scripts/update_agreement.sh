#!/bin/sh
# update_agreement.sh DATA LEAVE BUDGET [recipe flags...]
#
# Measures `tag update` against from-scratch runs on one built-in data set:
# three from-scratch `tag affinity` runs on every task (seeds 1, 2, 3), a run
# without the tasks LEAVE (comma-separated, seed 1), and `tag update` adding
# them back, compared with the from-scratch runs (changes.md: rank
# correlations, the yardstick of each two seeds, groupings at BUDGET, steps).
# Output folders under ${OUT:-runs/update}/DATA; TAG names the binary
# (default: tag on PATH).
set -eu
data=$1 leave=$2 budget=$3
shift 3
tag=${TAG:-tag}
out=${OUT:-runs/update}/$data
mkdir -p "$out"
for s in 1 2 3; do
	[ -f "$out/scratch$s/run.json" ] || $tag affinity -data "$data" -seed $s -out "$out/scratch$s" "$@" >"$out/scratch$s.log" 2>&1
done
all=$(sed -n '/"tasks": \[/,/\]/p' "$out/scratch1/run.json" | grep -o '"[^"]*"' | grep -v '"tasks"' | tr -d '"' | tr '\n' ',')
keep=$(echo "$all" | tr ',' '\n' | grep -v -x -F "$(echo "$leave" | tr ',' '\n')" | grep . | paste -sd, -)
[ -f "$out/without/run.json" ] || $tag affinity -data "$data" -tasks "$keep" -out "$out/without" "$@" >"$out/without.log" 2>&1
rm -rf "$out/update"
$tag update -from "$out/without" -add "$leave" -budget "$budget" -compare "$out/scratch1,$out/scratch2,$out/scratch3" \
	-out "$out/update" "$@" >"$out/update.log" 2>&1
echo "== $data: first run on $keep; added $leave"
grep -E '^features|^warning' "$out/update.log" || true
cat "$out/update/changes.md"
for s in 1 2 3; do
	echo "from scratch, seed $s, budget $budget:"
	$tag group -affinity "$out/scratch$s/affinity.csv" -budget "$budget" | tail -n +2
done
