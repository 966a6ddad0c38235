#!/usr/bin/env bash
# A/B of two swt binaries on one `swt translate` setting, runs alternating
# (old, new, old, new, ...) so that both see the same machine:
#   bench/ab_translate.sh OLD_SWT NEW_SWT MODEL SRC ROUNDS [TRANSLATE ARGS...]
# Prints the median wall seconds of each (start-up included), new/old speed,
# and whether both wrote the same translations.
set -euo pipefail
old=$1 new=$2 model=$3 src=$4 rounds=$5
shift 5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$rounds"); do
  for side in old new; do
    bin=$old
    [ "$side" = new ] && bin=$new
    start=$(date +%s.%N)
    "$bin" translate -m "$model" -i "$src" -o "$work/$side.txt" "$@" 2> /dev/null
    echo "$side $(echo "$(date +%s.%N) - $start" | bc)" >> "$work/times"
  done
done
python3 - "$work/times" "$*" <<'EOF'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    side, t = line.split()
    times.setdefault(side, []).append(float(t))
old, new = statistics.median(times["old"]), statistics.median(times["new"])
print(f"{sys.argv[2]}: old {old:.2f} s, new {new:.2f} s (medians of {len(times['old'])}), "
      f"speed new/old {old / new:.2f}x")
EOF
cmp -s "$work/old.txt" "$work/new.txt" && echo "translations identical" || echo "translations DIFFER"
