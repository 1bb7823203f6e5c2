#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# SIGKILL under load, then a restart, in each locking profile. A -> B generator traffic (50 kpps)
# through the router; softnetd gets SIGKILL (no drain, no cleanup of its own). What a killed
# daemon leaves is listed: its control socket file, the XDP programs on f0/f1, libxdp's bpffs
# pins for the interfaces. A new softnetd on the same runtime directory must start (it removes
# the dead socket and the orphaned XSK programs), forward the traffic again with exact
# accounting, and, at SIGTERM, drain with no leak and leave nothing behind: no socket, no XDP
# program on f0/f1, no bpffs pin, no namespace of this test once it is over.
: "${SN_PROFILES:=vanilla rt-nested}"
. "$(dirname "$0")/lib.sh"
sn_init fault_sigkill
sn_topo_abf
CFG=$SN_TMP/router.yaml
sn_router_config "$CFG"
S=$SN_TMP

# xdp_prog NS IF: the id of the XDP program attached to IF (nothing when none)
xdp_prog() {
	ip -n "$1" -d link show "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1
}
# pins IFINDEX...: libxdp's bpffs entries for these interfaces (dispatcher mode pins there)
pins() {
	local i
	for i in "$@"; do
		ls -d /sys/fs/bpf/xdp/dispatch-"$i"-* 2>/dev/null
	done
}
ifindex() { ip netns exec "$1" cat "/sys/class/net/$2/ifindex"; }
sock_gone() { [ ! -e "$SN_RUNDIR/softnetd.sock" ]; }

IDX_F0=$(ifindex "$NS_F" f0)
IDX_F1=$(ifindex "$NS_F" f1)
for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_e2e_begin "$NS_B" b0 f1
	sn_gen_from_a "$S/gen.json" "$SN_MAC_F0" 10.10.2.2 50000
	sn_wait_for "$P: traffic forwarded before SIGKILL" 10 sn_at_least totals.forwarded 5000
	kill -KILL "$SN_DAEMON_PID"
	wait "$SN_DAEMON_PID" 2>/dev/null
	SN_DAEMON_PID=
	left=""
	[ -S "$SN_RUNDIR/softnetd.sock" ] && left+=" control-socket"
	p0=$(xdp_prog "$NS_F" f0)
	p1=$(xdp_prog "$NS_F" f1)
	[ -n "$p0" ] && left+=" xdp:f0=$p0"
	[ -n "$p1" ] && left+=" xdp:f1=$p1"
	pn=$(pins "$IDX_F0" "$IDX_F1" | wc -l)
	[ "$pn" -gt 0 ] && left+=" bpffs-pins:$pn"
	sn_log "$P: SIGKILL under load; left behind by the killed daemon:${left:- nothing}"

	# the restart, traffic still running; the sink keeps counting across it
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_wait_for "$P: traffic forwarded after the restart" 10 sn_at_least totals.forwarded 5000
	grep -q "removing stale socket" "$SN_DAEMON_LOG" ||
		sn_fail "$P: the restarted softnetd did not say it removed the stale control socket"
	if [ -n "$p0$p1" ]; then
		grep -q "a killed predecessor's): detached" "$SN_DAEMON_LOG" ||
			sn_fail "$P: the restarted softnetd did not detach the orphaned XSK programs"
	fi
	sn_e2e_end "$P" "$S/gen.json"
	# the sink counted what both daemons sent; the killed one's counters died with it, so the
	# exact chain is the restarted daemon's own equations (sn_e2e_end) and its drain (below)
	tx=$(sn_jvals "$S/end.json" ports.name=f1.tx_packets) || exit 1
	recv=$SN_E2E_RECV kdb=$SN_E2E_KDO
	sn_log "$P: the restarted softnetd: $SN_E2E_ACC, f1 tx $tx; the sink got $recv over both daemons (kernel drops at b0: $kdb)"
	[ $((recv + kdb)) -ge "$tx" ] ||
		sn_fail "$P: the sink got less ($recv + kernel drops $kdb) than the restarted daemon sent on f1 ($tx)"
	sn_expect_gt "$P: frames the restarted daemon sent to B" "$tx" 4999
	sn_expect_pools_idle "$P" "$S/idle.json" "$S/end.json"

	sn_stop_expect_drain "$P"
	sock_gone || sn_fail "$P: the control socket was left behind after SIGTERM"
	sn_expect_eq "$P: XDP program on f0 after the restarted daemon stopped" "$(xdp_prog "$NS_F" f0)" ""
	sn_expect_eq "$P: XDP program on f1 after the restarted daemon stopped" "$(xdp_prog "$NS_F" f1)" ""
	sn_expect_eq "$P: libxdp bpffs pins for f0/f1 after the restarted daemon stopped" \
		"$(pins "$IDX_F0" "$IDX_F1" | wc -l)" 0
done
ns=("${SN_NAMESPACES[@]}")
sn_pass "profiles: $SN_PROFILES (namespaces ${ns[*]} are removed by the EXIT trap)"
