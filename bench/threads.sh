#!/bin/bash
# swt and PyTorch at 1 and 2 threads, idle and with one core busy (a background
# spin loop): training tokens/s (small), greedy and beam-5 decoding sentences/s at
# batch 1 and 64; medians over repeats, ratios t2/t1 and swt/PyTorch per cell.
#
#   bench/threads.sh [--quick] [--json] [more options: bench/pytorch/threads.py --help]
#
# Needs build/swt (or --swt PATH) and Debian's python3-torch (/usr/bin/python3).
# What is measured and how: bench/README.md, section "Threads".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}

# The background load is started and killed by threads.py (try/finally, and it dies
# with its parent); its pid is also kept here, so that the trap kills it whatever
# happens to the Python process.
pidfile=$(mktemp "${TMPDIR:-/tmp}/swt-threads-busy.XXXXXX")
export SWT_THREADS_BUSY_PIDFILE=$pidfile
child=
cleanup() {
  if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [[ -n $pid ]]; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# In the background and waited for, so that a signal to this script runs the trap
# at once (a foreground child would delay it until the child exits).
"$python" "$here/pytorch/threads.py" "$@" &
child=$!
rc=0
wait "$child" || rc=$?
child=
exit "$rc"
