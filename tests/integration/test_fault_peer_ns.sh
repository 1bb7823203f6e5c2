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
config() {
	cat >"$CFG" <<EOF
ports:
  - { name: f0, type: afxdp, ifname: f0, mode: copy }
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
  - { name: f2, type: afxdp, ifname: f2, mode: copy }
router:
  addresses:
    - { address: 10.10.1.1/24, dev: f0 }
    - { address: 10.10.2.1/24, dev: f1 }
    - { address: 10.10.3.1/24, dev: f2 }
routes:
  - { prefix: 10.10.1.0/24, dev: f0 }
  - { prefix: 10.10.2.0/24, dev: f1 }
  - { prefix: 10.10.3.0/24, dev: f2 }
neighbours:
  - { address: 10.10.1.2, mac: "$SN_MAC_A", dev: f0 }
  - { address: 10.10.2.2, mac: "$SN_MAC_B", dev: f1 }
  - { address: 10.10.3.2, mac: "$SN_MAC_C", dev: f2 }
EOF
	sn_check_config "$CFG"
}
# at_least PATH N: the stats now show PATH at N or more
at_least() {
	local v
	sn_stats "$S/now.json"
	v=$(sn_jvals "$S/now.json" "$1") || exit 1
	[ "$v" -ge "$2" ]
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
	config
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$S/idle.json"
	k0=$(sn_veth_drops "$NS_F" f0)
	x0=$(sn_xdp_xmit "$NS_A" a0)
	kc0=$(sn_veth_drops "$NS_C" c0 "$NS_F" f2)
	sn_sink_start "$NS_C" c0 "$S/sink-c.json"
	sn_gen_bg "$NS_A" "$S/gen-b.json" --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 --rate 25000 --duration 60 --flows 4
	sn_gen_bg "$NS_A" "$S/gen-c.json" --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.3.2 --rate 25000 --duration 60 --flows 4 --sport 20000
	sn_wait_for "$P: traffic to B before the deletion" 10 at_least ports.name=f1.tx_packets 2000
	sn_wait_for "$P: traffic to C before the deletion" 10 at_least ports.name=f2.tx_packets 2000

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
	sn_wait_for "$P: A -> C goes on after f1 disappeared" 10 at_least ports.name=f2.tx_packets \
		$((c + 5000))
	# frames for B are still routed to f1 and must be counted as egress drops there
	sn_stats "$S/late.json"
	v=$(sn_jvals "$S/late.json" $(egress_paths)) || exit 1
	e2=0
	for x in $v; do e2=$((e2 + x)); done
	sn_expect_gt "$P: frames for B counted as f1 egress drops after f1 disappeared" $((e2 - e)) 0

	sn_gen_stop "$S/gen-b.json"
	sn_gen_stop "$S/gen-c.json"
	sn_daemon_alive "$P at the end"
	sn_stats_settle "$S/end.json"
	sleep 0.3
	sn_sink_stop "$S/sink-c.json"

	acc=$(sn_expect_accounting "$P" "$S/end.json") || exit 1
	sb=$(sn_jvals "$S/gen-b.json" sent) || exit 1
	sc=$(sn_jvals "$S/gen-c.json" sent) || exit 1
	recv=$(sn_jvals "$S/sink-c.json" received) || exit 1
	v0=$(sn_jvals "$S/idle.json" accounting.ingress.received ports.name=f2.tx_packets) || exit 1
	v1=$(sn_jvals "$S/end.json" accounting.ingress.received ports.name=f2.tx_packets) || exit 1
	read -r rx0 tx0 <<<"$v0"
	read -r rx tx <<<"$v1"
	rx=$((rx - rx0)) tx=$((tx - tx0))
	kd=$(($(sn_veth_drops "$NS_F" f0) - k0))
	sentk=$(($(sn_xdp_xmit "$NS_A" a0) - x0))
	kdc=$(($(sn_veth_drops "$NS_C" c0 "$NS_F" f2) - kc0))
	sn_log "$P: sent to B $sb, to C $sc (a0 sent $sentk); softnetd received $rx (kernel drops at f0: $kd), $acc, drops: $(sn_pkt drops "$S/idle.json" "$S/end.json"); f2 tx $tx, C's sink $recv (kernel drops at c0: $kdc)"
	[ $((sb + sc)) -le "$sentk" ] || sn_fail "$P: the generators say $((sb + sc)), a0 sent $sentk"
	sn_expect_eq "$P: frames lost between A and softnetd (a0 sent - received - kernel drops at f0)" \
		$((sentk - rx - kd)) 0
	sn_expect_eq "$P: frames lost between f2 and C's sink (f2 tx - sink - kernel drops at c0)" \
		$((tx - recv - kdc)) 0
	sn_expect_pools_idle "$P" "$S/idle.json" "$S/end.json"

	sn_stop_expect_drain "$P"
	for ns in "$NS_A" "$NS_F" "$NS_C"; do
		ip netns del "$ns"
	done
done
sn_pass "profiles: $SN_PROFILES"
