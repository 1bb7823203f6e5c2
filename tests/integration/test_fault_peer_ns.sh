#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The peer namespace deleted under traffic, in each locking profile:
#   A (a0) -- f0 [softnetd router in F] f1 -- B (b0)
#                                       f2 -- C (c0)
# Generator traffic A -> B and A -> C (25 kpps each). B's namespace is deleted: the veth pair
# f1/b0 disappears under softnetd's AF_XDP socket on f1. softnetd must keep running, count what
# it can no longer send to B (egress drops by reason), keep forwarding A -> C, and end with exact
# accounting: its own equations, every frame A sent received by softnetd or dropped by the
# kernel at f0, every frame f2 sent received by C's sink or dropped by the kernel at c0, the
# pools back at their idle level, and a drain at SIGTERM that balances with no leak.
: "${SN_PROFILES:=vanilla rt-nested}"
. "$(dirname "$0")/lib.sh"
sn_init fault_peer_ns
S=$SN_TMP
CFG=$S/router.yaml
EGRESS_REASONS="port_down tx_ring_full tx_error shutdown"

# topo: fresh namespaces for each profile (B's is deleted by the test)
topo() {
	sn_topo_abf
	sn_ns c NS_C
	sn_veth "$NS_F" f2 "$SN_MAC_F2" "$NS_C" c0 "$SN_MAC_C"
	ip -n "$NS_C" addr add 10.10.3.2/24 dev c0
}
f1_gone() { ! ip -n "$NS_F" link show f1 >/dev/null 2>&1; }
egress_paths() {
	local r
	for r in $EGRESS_REASONS; do
		printf 'ports.name=f1.drops.%s ' "$r"
	done
}

for P in $SN_PROFILES; do
	topo
	sn_router_config_v4 "$CFG" "f0 10.10.1 $SN_MAC_A" "f1 10.10.2 $SN_MAC_B" "f2 10.10.3 $SN_MAC_C"
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_e2e_begin "$NS_C" c0 f2
	sn_gen_from_a "$S/gen-b.json" "$SN_MAC_F0" 10.10.2.2 25000
	sn_gen_from_a "$S/gen-c.json" "$SN_MAC_F0" 10.10.3.2 25000 --sport 20000
	sn_wait_for "$P: traffic to B before the deletion" 10 sn_at_least ports.name=f1.tx_packets 2000
	sn_wait_for "$P: traffic to C before the deletion" 10 sn_at_least ports.name=f2.tx_packets 2000

	ip netns del "$NS_B" || sn_fail "$P: ip netns del $NS_B"
	sn_wait_for "$P: f1 gone from softnetd's namespace after B's was deleted" 20 f1_gone
	sn_log "$P: B's namespace deleted, f1 is gone"
	sn_daemon_alive "$P: f1 gone"
	sn_stats "$S/gone.json"
	v=$(sn_jvals "$S/gone.json" ports.name=f2.tx_packets $(egress_paths)) || exit 1
	set -- $v
	c=$1
	shift
	e=0
	for x in "$@"; do e=$((e + x)); done
	sn_wait_for "$P: A -> C goes on after f1 disappeared" 10 sn_at_least ports.name=f2.tx_packets \
		$((c + 5000))
	# frames for B are still routed to f1 and must be counted as egress drops there
	sn_stats "$S/late.json"
	v=$(sn_jvals "$S/late.json" $(egress_paths)) || exit 1
	e2=0
	for x in $v; do e2=$((e2 + x)); done
	sn_expect_gt "$P: frames for B counted as f1 egress drops after f1 disappeared" $((e2 - e)) 0

	sn_e2e_end "$P" "$S/gen-b.json" "$S/gen-c.json"
	sn_log "$P: to B and to C: $SN_E2E_SUMMARY"
	sn_e2e_expect_exact "$P"

	sn_stop_expect_drain "$P"
	for ns in "$NS_A" "$NS_F" "$NS_C"; do
		ip netns del "$ns"
	done
done
sn_pass "profiles: $SN_PROFILES"
