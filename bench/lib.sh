# SPDX-License-Identifier: GPL-2.0-only
# lib.sh - what the shell benchmarks share (sourced, bash): bench/fwd/run.sh and bench/xdp/run.sh
# collect their trials as JSON lines with bench_record, then reduce them to medians and ratios.
# (Their namespaces, processes and cleanup: bench/fwd/lib.sh.)

if [ -x /usr/bin/python3 ]; then BENCH_PY=/usr/bin/python3; else BENCH_PY=python3; fi

# bench_record FILE KEY=VALUE...: append one trial to FILE as a JSON line; a value that reads as
# an integer or a float stays a number, anything else is a string (e.g. symptom="...").
bench_record() {
	local file=$1
	shift
	"$BENCH_PY" - "$@" >>"$file" <<'PY'
import json, sys
d = {}
for kv in sys.argv[1:]:
    k, v = kv.split("=", 1)
    for conv in (int, float, str):
        try:
            d[k] = conv(v)
            break
        except ValueError:
            pass
print(json.dumps(d))
PY
}
