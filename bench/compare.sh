#!/bin/bash
# swt versus an idiomatic PyTorch (eager) baseline, side by side in one run:
# training tokens/s (small and base), greedy and beam-5 decoding sentences/s at
# batch 1 and 64 (base), training FLOP/s as a fraction of the measured sgemm peak.
#
#   bench/compare.sh [--quick] [--json] [more options: bench/pytorch/compare.py --help]
#
# Needs build/swt (or --swt PATH) and Debian's python3-torch (/usr/bin/python3).
# What is measured and how: bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
exec "$python" "$here/pytorch/compare.py" "$@"
