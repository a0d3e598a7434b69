#!/usr/bin/env bash
# Runs the README's test command (npm test) with CPU burners beside it, to show that the suite does
# not depend on how fast or busy the machine is.
#   npm run test:loaded                       burners = cores + 1
#   HSTS_LOAD_BURNERS=6 npm run test:loaded   another number of burners
#   npm run test:loaded -- test/integration/up.test.ts    arguments go to vitest
# Each burner is a busy loop that ends on its own after HSTS_LOAD_MAX_S seconds (default 1 h) or
# when this script is gone; all are stopped when the suite ends, fails or is interrupted (Ctrl-C).
# Exits with the suite's status.
set -uo pipefail
cd "$(dirname "$0")/.."
burners=${HSTS_LOAD_BURNERS:-$(( $(nproc) + 1 ))}
max_s=${HSTS_LOAD_MAX_S:-3600}
[[ "$burners" =~ ^[0-9]+$ ]] || { echo "test-loaded: HSTS_LOAD_BURNERS must be a whole number" >&2; exit 2; }
[[ "$max_s" =~ ^[1-9][0-9]*$ ]] || { echo "test-loaded: HSTS_LOAD_MAX_S must be a whole number of seconds" >&2; exit 2; }

pids=()
stop_burners() {
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
  pids=()
}
trap stop_burners EXIT
trap 'stop_burners; exit 130' INT
trap 'stop_burners; exit 143' TERM

for _ in $(seq 1 "$burners"); do
  timeout "$max_s" bash -c 'while kill -0 "$1" 2>/dev/null; do for ((i = 0; i < 200000; i++)); do :; done; done' burner $$ &
  pids+=($!)
done
echo "test-loaded: $burners CPU burner(s) on $(nproc) core(s), each for at most ${max_s} s" >&2

started=$(date +%s)
npm test -- "$@"
status=$?
echo "test-loaded: npm test exited $status after $(( $(date +%s) - started )) s under load" >&2
exit "$status"
