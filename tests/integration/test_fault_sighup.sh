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

at_least() {
	local v
	sn_stats "$S/now.json"
	v=$(sn_jvals "$S/now.json" "$1") || exit 1
	[ "$v" -ge "$2" ]
}
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
	sn_wait_for "$P: traffic forwarded after $1" 10 at_least totals.forwarded $((f + 2000))
}

for P in $SN_PROFILES; do
	cp "$S/good.yaml" "$CFG"
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$S/idle.json"
	k0=$(sn_veth_drops "$NS_F" f0)
	x0=$(sn_xdp_xmit "$NS_A" a0)
	kb0=$(sn_veth_drops "$NS_B" b0 "$NS_F" f1)
	sn_sink_start "$NS_B" b0 "$S/sink.json"
	sn_gen_bg "$NS_A" "$S/gen.json" --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 --rate 50000 --duration 60 --flows 4
	sn_wait_for "$P: traffic forwarded before the reloads" 10 at_least totals.forwarded 2000

	hup "$S/broken-syntax.yaml" "YAML syntax error" 1
	sn_daemon_alive "$P after a broken (syntax) config and SIGHUP"
	e1=$(grep -E 'reload failed' "$SN_DAEMON_LOG" | tail -1)
	grep -qE "router\.yaml:[0-9]+:[0-9]+" <<<"$e1" ||
		sn_fail "$P: the syntax error is logged without file:line:col: $e1"
	still_forwarding "the refused (syntax) reload"

	hup "$S/broken-value.yaml" "bad value" 2
	sn_daemon_alive "$P after a broken (value) config and SIGHUP"
	e2=$(grep -E 'reload failed' "$SN_DAEMON_LOG" | tail -1)
	grep -qE "router\.yaml:$BAD_LINE:[0-9]+" <<<"$e2" ||
		sn_fail "$P: the bad value is not logged at router.yaml:$BAD_LINE:col: $e2"
	still_forwarding "the refused (value) reload"

	hup "$S/good2.yaml" "good config" 3
	grep -qE 'reloaded ' "$SN_DAEMON_LOG" || sn_fail "$P: the good config was not reloaded"
	r=$(sn_ctl neigh 2>&1) || sn_fail "$P: neigh: $r"
	grep -q '10\.10\.9\.9' <<<"$r" || sn_fail "$P: the good reload's new neighbour is missing: $r"
	still_forwarding "the good reload"

	sn_gen_stop "$S/gen.json"
	sn_stats_settle "$S/end.json"
	sleep 0.3
	sn_sink_stop "$S/sink.json"
	acc=$(sn_expect_accounting "$P" "$S/end.json") || exit 1
	sent=$(sn_jvals "$S/gen.json" sent) || exit 1
	recv=$(sn_jvals "$S/sink.json" received) || exit 1
	v0=$(sn_jvals "$S/idle.json" accounting.ingress.received ports.name=f1.tx_packets) || exit 1
	v1=$(sn_jvals "$S/end.json" accounting.ingress.received ports.name=f1.tx_packets) || exit 1
	read -r rx0 tx0 <<<"$v0"
	read -r rx tx <<<"$v1"
	rx=$((rx - rx0)) tx=$((tx - tx0))
	kd=$(($(sn_veth_drops "$NS_F" f0) - k0))
	sentk=$(($(sn_xdp_xmit "$NS_A" a0) - x0))
	kdb=$(($(sn_veth_drops "$NS_B" b0 "$NS_F" f1) - kb0))
	sn_log "$P: refused: [$e1] [$e2]"
	sn_log "$P: sent $sent (a0 sent $sentk), softnetd received $rx (kernel drops at f0: $kd), $acc, drops: $(sn_pkt drops "$S/idle.json" "$S/end.json"); f1 tx $tx, sink $recv (kernel drops at b0: $kdb)"
	[ "$sent" -le "$sentk" ] || sn_fail "$P: the generator says $sent, a0 sent $sentk"
	sn_expect_eq "$P: frames lost between A and softnetd (a0 sent - received - kernel drops at f0)" \
		$((sentk - rx - kd)) 0
	sn_expect_eq "$P: frames lost between f1 and the sink (f1 tx - sink - kernel drops at b0)" \
		$((tx - recv - kdb)) 0
	sn_expect_pools_idle "$P" "$S/idle.json" "$S/end.json"

	sn_stop_expect_drain "$P"
done
sn_pass "profiles: $SN_PROFILES"
