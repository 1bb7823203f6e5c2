#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# SIGHUP with a broken configuration under traffic, in each locking profile. A -> B generator
# traffic (50 kpps) through the router. The config file is replaced by one with a YAML syntax
# error, SIGHUP; then by one that parses but has a bad value (a /33 prefix), SIGHUP; then by a
# good one with an extra neighbour, SIGHUP. Each
# broken reload must be refused with the file:line:col of the error in the log, the running
# configuration kept (B's route still listed, traffic still forwarded after each), and the good
# reload accepted. At the end every frame is accounted for, the pools are back at their idle
# level, and the drain at SIGTERM balances with no leak.
: "${SN_PROFILES:=vanilla rt-nested}"
. "$(dirname "$0")/lib.sh"
sn_init fault_sighup
sn_topo_abf
S=$SN_TMP
CFG=$S/router.yaml
sn_router_config "$S/good.yaml"
sn_router_config "$S/good2.yaml" "  - { address: 10.10.9.9, mac: \"$SN_MAC_B\", dev: f1 }"
# a flow mapping that is never closed (libyaml reports it at 4:7)
printf 'ports:\n  - { name: f0, type: afxdp, ifname: f0, mode: copy }\n  - { name: f1\nrouter: [\n' \
	>"$S/broken-syntax.yaml"
sed 's|{ prefix: 10.10.2.0/24, dev: f1 }|{ prefix: 10.10.2.0/33, dev: f1 }|' "$S/good.yaml" \
	>"$S/broken-value.yaml"
BAD_LINE=$(grep -n '10.10.2.0/33' "$S/broken-value.yaml" | cut -d: -f1)
"$SOFTNETD" --check-config "$S/broken-syntax.yaml" >/dev/null 2>&1 &&
	sn_fail "the broken-syntax config passes --check-config"
"$SOFTNETD" --check-config "$S/broken-value.yaml" >/dev/null 2>&1 &&
	sn_fail "the broken-value config passes --check-config"

# logged N PATTERN: the log has at least N lines matching PATTERN (extended regex)
logged() { [ "$(grep -cE "$2" "$SN_DAEMON_LOG")" -ge "$1" ]; }
# hup FILE WHAT N: install FILE as the config, SIGHUP, wait for the N-th "reload" outcome line
hup() {
	cp "$1" "$CFG"
	kill -HUP "$SN_DAEMON_PID"
	sn_wait_for "$P: softnetd's answer to SIGHUP ($2)" 10 logged "$3" 'reload failed|reloaded '
}
# still_forwarding WHAT: B's route is listed and the forwarded count grows by 2000
still_forwarding() {
	local f r
	r=$(sn_ctl routes show 2>&1) || sn_fail "$P: routes show after $1: $r"
	grep -q '10\.10\.2\.0/24' <<<"$r" || sn_fail "$P: B's route is gone after $1: $r"
	sn_stats "$S/now.json"
	f=$(sn_jvals "$S/now.json" totals.forwarded) || exit 1
	sn_wait_for "$P: traffic forwarded after $1" 10 sn_at_least totals.forwarded $((f + 2000))
}
# refused FILE WHAT N LINE: install FILE, SIGHUP; the N-th answer is a refusal logged with
# router.yaml:LINE:col (LINE an extended regex), softnetd still answers and still forwards. The
# refusal's log line is left in REFUSAL.
refused() {
	hup "$1" "$2" "$3"
	sn_daemon_alive "$P after a broken ($2) config and SIGHUP"
	REFUSAL=$(grep -E 'reload failed' "$SN_DAEMON_LOG" | tail -1)
	grep -qE "router\.yaml:$4:[0-9]+" <<<"$REFUSAL" ||
		sn_fail "$P: the $2 is not logged at router.yaml:$4:col: $REFUSAL"
	still_forwarding "the refused ($2) reload"
}

for P in $SN_PROFILES; do
	cp "$S/good.yaml" "$CFG"
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_e2e_begin "$NS_B" b0 f1
	sn_gen_from_a "$S/gen.json" "$SN_MAC_F0" 10.10.2.2 50000
	sn_wait_for "$P: traffic forwarded before the reloads" 10 sn_at_least totals.forwarded 2000

	refused "$S/broken-syntax.yaml" "YAML syntax error" 1 '[0-9]+'
	e1=$REFUSAL
	refused "$S/broken-value.yaml" "bad value" 2 "$BAD_LINE"
	e2=$REFUSAL

	hup "$S/good2.yaml" "good config" 3
	grep -qE 'reloaded ' "$SN_DAEMON_LOG" || sn_fail "$P: the good config was not reloaded"
	r=$(sn_ctl neigh 2>&1) || sn_fail "$P: neigh: $r"
	grep -q '10\.10\.9\.9' <<<"$r" || sn_fail "$P: the good reload's new neighbour is missing: $r"
	still_forwarding "the good reload"

	sn_e2e_end "$P" "$S/gen.json"
	sn_log "$P: refused: [$e1] [$e2]"
	sn_log "$P: $SN_E2E_SUMMARY"
	sn_e2e_expect_exact "$P"

	sn_stop_expect_drain "$P"
done
sn_pass "profiles: $SN_PROFILES"
