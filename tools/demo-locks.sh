#!/usr/bin/env bash
# The bhlock demonstration (the first demo, before the daemon forwarded anything): installs the
# dependencies, builds softnetd in release mode, then shows the PI-boost scenario on one CPU in
# each locking profile and the lock benchmark in short form (JSON on stdout).
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/install-deps.sh
if [ ! -f build/release/build.ninja ]; then
  meson setup build/release -Dbhlock_debug=false -Dbuildtype=release >/dev/null
fi
ninja -C build/release >/dev/null
echo "== A high-priority task (FIFO 60) enters BH while a low one (FIFO 10) is inside, on one CPU:"
./build/release/tests/unit/bhlock/test_pi_boost 2>&1 | grep -E '^\[(rt-|vanilla)|FAILED' || true
echo "   (vanilla has no BH lock and one BH task per CPU: nothing to wait for)"
echo "== Lock costs (ns per lock+unlock, ratios against peers measured in the same run):"
./build/release/bench/bench_locks --short
