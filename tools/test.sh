#!/usr/bin/env bash
# Runs softnetd's test suite and ends with one line "N passed, N failed, N skipped".
#   1. unit tests, debug build (lock validator and allocation checker on)
#   2. unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. stress tests under ThreadSanitizer
# Each test program is one test; a program that skips all its cases counts as skipped.
set -u
cd "$(dirname "$0")/.."
./tools/install-deps.sh

status=0
logs=()

build() { # dir, meson options...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  else
    meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { tail -50 "$dir.ninja.log"; return 1; }
}

run() { # dir, suite, [wrapper]
  local dir=$1 suite=$2 wrapper=${3:-}
  echo "== $suite tests in $dir"
  rm -f "$dir"/meson-logs/testlog*.json
  if [ -n "$wrapper" ]; then
    meson test -C "$dir" --suite "$suite" --print-errorlogs --wrapper "$wrapper" || status=1
  else
    meson test -C "$dir" --suite "$suite" --print-errorlogs || status=1
  fi
  # meson names the log after the wrapper when there is one (testlog-setarch.json).
  local log
  log=$(ls -t "$dir"/meson-logs/testlog*.json 2>/dev/null | head -n 1)
  logs+=("${log:-$dir/meson-logs/testlog.json}")
}

mkdir -p build
if build build/debug -Dbhlock_debug=true; then
  run build/debug unit
  run build/debug integration
else status=1; fi
if build build/asan -Dbhlock_debug=true -Db_sanitize=address,undefined -Db_lundef=false; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run build/asan unit
else status=1; fi
# TSan cannot map its shadow with this kernel's mmap randomisation; setarch -R turns it off.
if build build/tsan -Dbhlock_debug=true -Db_sanitize=thread -Db_lundef=false -Dstress_only=true; then
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 run build/tsan stress "setarch $(uname -m) -R"
else status=1; fi

# Fuzzers, a fixed number of iterations each (tests/fuzz/README.md has the long-run command).
fuzz_ok=0 fuzz_bad=0
echo "== fuzzers (short run)"
if [ -x tests/fuzz/run.sh ]; then
  if tests/fuzz/run.sh --short; then fuzz_ok=1; else fuzz_bad=1; status=1; fi
fi
export FUZZ_OK=$fuzz_ok FUZZ_BAD=$fuzz_bad

python3 - "${logs[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        r = json.loads(line)
        res = r.get("result")
        if res in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
import os
passed += int(os.environ.get("FUZZ_OK", "0"))
failed += int(os.environ.get("FUZZ_BAD", "0"))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
rc=$?
[ $status -ne 0 ] && [ $rc -eq 0 ] && { echo "a build or test step failed"; rc=1; }
exit $rc
