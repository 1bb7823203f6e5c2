#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh - run every libFuzzer target of tests/fuzz/ over its corpus.
#
#   tests/fuzz/run.sh [--short | --long SECONDS] [--build-dir DIR] [TARGET...]
#
#   --short          (default) the CI run: -runs=20000 per target (fuzz_xdp_loader 3000,
#                    fuzz_xdp_interp 10000), fixed seed, one process.
#   --long SECONDS   fuzz each target for SECONDS (-max_total_time), new inputs kept in
#                    BUILD_DIR/corpus-<target> (the committed corpus is only read).
#
# Before fuzzing, every file of regress/<target>/ (inputs that once crashed) is replayed; a
# failing replay is a crash. Prints one line per target, "fuzz_<t>: N runs, 0 crashes", and exits
# non-zero if any target crashed (or did not build). A crash input found now is copied to
# regress/<target>/ so that it is replayed from then on (commit it with its fix), and its log
# is kept in BUILD_DIR/logs/.
#
# Builds with tests/fuzz/build.sh first (incremental). Environment: FUZZ_RUNS (runs per target
# for --short, overrides the per-target defaults), FUZZ_SEED (default 1).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=short
long_secs=0
build=$top/build-fuzz
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--short) mode=short ;;
	--long)
		mode=long
		long_secs=${2:?--long needs SECONDS}
		shift
		;;
	--build-dir)
		build=${2:?--build-dir needs DIR}
		shift
		;;
	-h | --help)
		sed -n '4,20p' "$0"
		exit 0
		;;
	fuzz_*) targets+=("$1") ;;
	*)
		echo "run.sh: unknown argument '$1'" >&2
		exit 2
		;;
	esac
	shift
done
[ ${#targets[@]} -gt 0 ] ||
	targets=(fuzz_frame fuzz_config fuzz_ctl_proto fuzz_maps fuzz_xdp_loader fuzz_xdp_interp)

mkdir -p "$build"
if ! "$here/build.sh" "$build" >"$build/build.log" 2>&1; then
	cat "$build/build.log" >&2
	for t in "${targets[@]}"; do
		echo "$t: not built, 1 crashes"
	done
	exit 1
fi
mkdir -p "$build/logs"

# Per-target options: the input size each parser can meaningfully take, and a dictionary.
opts_for() {
	local t=$1
	local o=(-seed="${FUZZ_SEED:-1}" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1)
	case $t in
	fuzz_frame) o+=(-max_len=1921) ;;        # selector byte + the test port's largest frame
	fuzz_config) o+=(-max_len=8192) ;;
	fuzz_ctl_proto) o+=(-max_len=4200) ;;    # a little past CTL_REQUEST_MAX
	fuzz_maps) o+=(-max_len=1024) ;;
	fuzz_xdp_loader) o+=(-max_len=20000) ;;  # the largest seed object (13.5 KB) and patches
	fuzz_xdp_interp) o+=(-max_len=2048 -len_control=20) ;; # reach long programs sooner
	esac
	[ -f "$here/dict/$t.dict" ] && o+=(-dict="$here/dict/$t.dict")
	printf '%s\n' "${o[@]}"
}

# --short runs per target: the XDP targets are slower per input (a whole ELF open; a program
# run), so they get fewer to keep their CI time under 30 s each on this 2-core machine.
short_runs_for() {
	case $1 in
	fuzz_xdp_loader) echo 3000 ;;
	fuzz_xdp_interp) echo 10000 ;;
	*) echo 20000 ;;
	esac
}

failed=0
for t in "${targets[@]}"; do
	bin=$build/$t
	log=$build/logs/$t.log
	corpus=$here/corpus/$t
	regress=$here/regress/$t
	mapfile -t opts < <(opts_for "$t")
	crashes=0
	runs=0
	: >"$log"

	# 1. Regressions: each file once; any failure is a crash.
	if [ -d "$regress" ] && [ -n "$(ls -A "$regress" 2>/dev/null)" ]; then
		for f in "$regress"/*; do
			if ! "$bin" "${opts[@]}" "$f" >>"$log" 2>&1; then
				echo "$t: regression $(basename "$f") fails again (log: $log)" >&2
				crashes=$((crashes + 1))
			fi
			runs=$((runs + 1))
		done
	fi

	# 2. Fuzz over the committed corpus (read only: new units go to a scratch directory).
	work=$build/corpus-$t
	[ "$mode" = long ] || work=$(mktemp -d "$build/corpus-$t.XXXXXX")
	mkdir -p "$work"
	art=$build/artifacts-$t/
	rm -rf "$art" && mkdir -p "$art"
	if [ "$mode" = short ]; then
		lim=(-runs="${FUZZ_RUNS:-$(short_runs_for "$t")}")
	else
		lim=(-max_total_time="$long_secs")
	fi
	"$bin" "${opts[@]}" "${lim[@]}" -artifact_prefix="$art" "$work" "$corpus" >>"$log" 2>&1
	rc=$?
	n=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
	runs=$((runs + ${n:-0}))
	if [ $rc -ne 0 ]; then
		crashes=$((crashes + 1))
		mkdir -p "$regress"
		for c in "$art"*; do
			[ -f "$c" ] || continue
			cp "$c" "$regress/$(basename "$c")"
			echo "$t: new crash input kept as regress/$t/$(basename "$c") (log: $log)" >&2
		done
	fi
	[ "$mode" = long ] || rm -rf "$work"
	echo "$t: $runs runs, $crashes crashes"
	[ $crashes -eq 0 ] || failed=1
done
exit $failed
