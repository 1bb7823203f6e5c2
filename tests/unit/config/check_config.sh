#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Drives the real softnetd binary ($SOFTNETD): every bad/NAME.yaml must exit 2 with exactly the
# line in bad/NAME.expect on stderr (FILE standing for the path as passed) and nothing on stdout;
# every config/examples/*.yaml must exit 0 with one summary line.
# usage: SOFTNETD=path check_config.sh BAD_DIR EXAMPLES_DIR
set -u
bad_dir=$1
examples_dir=$2
: "${SOFTNETD:?set SOFTNETD to the softnetd binary}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0

check() { # NAME WANT_RC WANT_STDERR_FILE ARGS...
	name=$1 want_rc=$2 want_err=$3
	shift 3
	"$SOFTNETD" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL $name: exit $rc, expected $want_rc"; cat "$tmp/err"; fail=1; return
	fi
	if [ -n "$want_err" ] && ! cmp -s "$want_err" "$tmp/err"; then
		echo "FAIL $name: stderr differs"; echo "  expected: $(cat "$want_err")"
		echo "  got:      $(cat "$tmp/err")"; fail=1; return
	fi
	echo "ok   $name"
}

for yaml in "$bad_dir"/*.yaml; do
	name=$(basename "$yaml" .yaml)
	expect="$bad_dir/$name.expect"
	if [ ! -f "$expect" ]; then
		echo "FAIL $name: no $name.expect"; fail=1; continue
	fi
	# The expected line names the file as FILE; the binary names it as passed.
	sed "s|^FILE:|$yaml:|" "$expect" >"$tmp/want"
	check "bad/$name" 2 "$tmp/want" --check-config "$yaml"
	[ -s "$tmp/out" ] && { echo "FAIL bad/$name: printed on stdout"; fail=1; }
	n=$((n + 1))
done
if [ "$n" -lt 15 ]; then
	echo "FAIL: only $n malformed configs, expected at least 15"; fail=1
fi

for yaml in "$examples_dir"/*.yaml; do
	# The XDP examples name objects where an install puts them: use the ones built here.
	if grep -q /usr/local/lib/softnetd/bpf/ "$yaml"; then
		: "${XDP_EXAMPLE_BPF_DIR:?set XDP_EXAMPLE_BPF_DIR for $yaml}"
		sed "s|/usr/local/lib/softnetd/bpf/|$XDP_EXAMPLE_BPF_DIR/|" "$yaml" \
			>"$tmp/$(basename "$yaml")"
		yaml=$tmp/$(basename "$yaml")
	fi
	check "example/$(basename "$yaml")" 0 /dev/null --check-config "$yaml"
	if [ "$(wc -l <"$tmp/out")" -ne 1 ] || ! grep -q "^$yaml: ok: " "$tmp/out"; then
		echo "FAIL example/$(basename "$yaml"): summary line missing"; fail=1
	fi
done

printf '%s: cannot read configuration: No such file or directory\n' "$tmp/missing.yaml" \
	>"$tmp/want_missing"
check missing-file 2 "$tmp/want_missing" --check-config "$tmp/missing.yaml"
printf '%s: cannot read configuration: Is a directory\n' "$tmp" >"$tmp/want_dir"
check directory 2 "$tmp/want_dir" --check-config "$tmp"
check help 0 /dev/null --help
grep -q -- "--check-config FILE" "$tmp/out" || { echo "FAIL help: no usage"; fail=1; }
check bad-option 2 "" --frobnicate
check missing-argument 2 "" --check-config
# The daemon itself reports a bad configuration exactly as --check-config does, and exits 2
# before touching anything.
check daemon-missing-config 2 "$tmp/want_missing" --config "$tmp/missing.yaml" \
	--runtime-dir "$tmp/run"
for yaml in "$bad_dir"/*.yaml; do
	sed "s|^FILE:|$yaml:|" "$bad_dir/$(basename "$yaml" .yaml).expect" >"$tmp/want"
	check "daemon/$(basename "$yaml" .yaml)" 2 "$tmp/want" --config "$yaml" \
		--runtime-dir "$tmp/run"
	break # one is enough: the same loader and message
done
check bad-profile-option 2 "" --profile turbo --config "$tmp/missing.yaml"
grep -q "expected vanilla|rt-bhlock|rt-nested, got 'turbo'" "$tmp/err" ||
	{ echo "FAIL bad-profile-option: no message"; fail=1; }
check bad-log-level-option 2 "" --log-level loud --config "$tmp/missing.yaml"
grep -q "expected err|warn|info|debug, got 'loud'" "$tmp/err" ||
	{ echo "FAIL bad-log-level-option: no message"; fail=1; }
[ -e "$tmp/run" ] && { echo "FAIL: the daemon made its runtime directory before checking"; fail=1; }

echo "$n malformed configs checked"
exit $fail
