#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Frame pool exhausted under traffic, in each locking profile. A -> B generator traffic (50 kpps,
# until the phases below are done) through the router; meanwhile softnetd's allocation fault injection (softnetctl debug
# fail-alloc, bhlock/fail_alloc.h) makes every frame-head allocation fail, then none, then 30 %
# of every allocator's (heads, fragment chunks, page_pool buffers), then none.
# While heads fail: frames are dropped and counted as nomem_head, nothing is forwarded, the
# daemon answers (no stall). Once switched off: frames are forwarded again and nomem_head stops
# growing. At the end: softnetd's equations are exact, every frame sent is accounted for (A ->
# softnetd or the kernel's drop counter at f0; f1 -> the sink or the kernel's at b0), the pools
# are back at their idle level, and the drain at SIGTERM balances with no leak.
# Profiles: vanilla and rt-nested unless SN_PROFILES says otherwise (time: issue 7 allows 40 s).
: "${SN_PROFILES:=vanilla rt-nested}"
. "$(dirname "$0")/lib.sh"
sn_init fault_alloc
sn_topo_abf
CFG=$SN_TMP/router.yaml
sn_router_config "$CFG"
S=$SN_TMP
FWD=totals.forwarded
NOMEM=totals.drops.nomem_head

# val FILE PATH: one number of a stats file
val() { sn_jvals "$1" "$2"; }
# grown PATH BASE MIN: the stats now (into $S/now.json) show PATH at BASE + MIN or more
grown() {
	local v
	sn_stats "$S/now.json"
	v=$(sn_jvals "$S/now.json" "$1") || exit 1
	[ "$v" -ge $(($2 + $3)) ]
}
# two FILE0 FILE1: "forwarded nomem_head" grown from FILE0 to FILE1
two() {
	local a b
	a=$(sn_jvals "$1" $FWD $NOMEM) || exit 1
	b=$(sn_jvals "$2" $FWD $NOMEM) || exit 1
	set -- $a $b
	echo "$(($3 - $1)) $(($4 - $2))"
}

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$S/idle.json"
	k0=$(sn_veth_drops "$NS_F" f0)
	x0=$(sn_xdp_xmit "$NS_A" a0)
	kb0=$(sn_veth_drops "$NS_B" b0 "$NS_F" f1)
	sn_sink_start "$NS_B" b0 "$S/sink.json"
	sn_gen_bg "$NS_A" "$S/gen.json" --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 --rate 50000 --duration 60 --flows 4
	sn_wait_for "$P: traffic forwarded before the fault" 10 grown $FWD 0 1000

	# every head allocation fails: frames dropped as nomem_head, none forwarded, no stall
	sn_fail_alloc skb_heads on
	sn_stats "$S/pre-on.json"
	n=$(val "$S/pre-on.json" $NOMEM) || exit 1
	sn_wait_for "$P: nomem_head drops with the heads failing" 10 grown $NOMEM "$n" 2000
	sn_stats "$S/on1.json" # also: the daemon answers
	sleep 0.3
	sn_stats "$S/on2.json"
	d=$(two "$S/on1.json" "$S/on2.json") || exit 1
	read -r df dn <<<"$d"
	sn_expect_eq "$P: frames forwarded while every head allocation fails" "$df" 0
	sn_expect_gt "$P: nomem_head drops go on growing while heads fail" "$dn" 0

	# switched off: traffic flows again, nomem_head stops
	sn_fail_alloc skb_heads off
	f=$(val "$S/on2.json" $FWD) || exit 1
	sn_wait_for "$P: traffic forwarded again after the heads came back" 10 grown $FWD "$f" 2000
	sn_stats "$S/off1.json"
	sleep 0.3
	sn_stats "$S/off2.json"
	d=$(two "$S/off1.json" "$S/off2.json") || exit 1
	read -r df dn <<<"$d"
	sn_expect_eq "$P: nomem_head drops after the fault was switched off" "$dn" 0
	sn_expect_gt "$P: frames forwarded after the fault was switched off" "$df" 0

	# 30 % of every allocator's calls fail (page_pool: the AF_XDP fill ring is refilled short)
	sn_fail_alloc all 30
	sn_stats "$S/p30.json"
	v=$(sn_jvals "$S/p30.json" $FWD $NOMEM) || exit 1
	read -r f n <<<"$v"
	sn_wait_for "$P: nomem_head drops at 30 %" 10 grown $NOMEM "$n" 500
	sn_wait_for "$P: frames forwarded at 30 %" 10 grown $FWD "$f" 500
	sn_ctl --json debug fail-alloc >"$S/sites.json" || sn_fail "$P: debug fail-alloc (show)"
	sn_fail_alloc all off
	sn_stats "$S/alloff.json"
	f=$(val "$S/alloff.json" $FWD) || exit 1
	sn_wait_for "$P: traffic forwarded after every allocator came back" 10 grown $FWD "$f" 2000

	sn_gen_stop "$S/gen.json"
	sn_daemon_alive "$P at the end"
	sn_stats_settle "$S/end.json"
	sleep 0.3
	sn_sink_stop "$S/sink.json"

	acc=$(sn_expect_accounting "$P" "$S/end.json") || exit 1
	sent=$(sn_jvals "$S/gen.json" sent) || exit 1
	recv=$(sn_jvals "$S/sink.json" received) || exit 1
	v0=$(sn_jvals "$S/idle.json" accounting.ingress.received ports.name=f1.tx_packets $NOMEM) ||
		exit 1
	v1=$(sn_jvals "$S/end.json" accounting.ingress.received ports.name=f1.tx_packets $NOMEM) ||
		exit 1
	read -r rx0 tx0 nm0 <<<"$v0"
	read -r rx tx nm <<<"$v1"
	rx=$((rx - rx0)) tx=$((tx - tx0)) nm=$((nm - nm0))
	kd=$(($(sn_veth_drops "$NS_F" f0) - k0))
	sentk=$(($(sn_xdp_xmit "$NS_A" a0) - x0))
	kdb=$(($(sn_veth_drops "$NS_B" b0 "$NS_F" f1) - kb0))
	inj=$(sn_jvals "$S/sites.json" fail_alloc.0.injected fail_alloc.1.injected \
		fail_alloc.2.injected) || exit 1
	sn_log "$P: sent $sent (a0 sent $sentk), softnetd received $rx (kernel drops at f0: $kd), $acc, nomem_head $nm, f1 tx $tx, sink $recv (kernel drops at b0: $kdb); injected failures (heads chunks page_pool) $inj"
	sn_expect_gt "$P: nomem_head drops" "$nm" 0
	[ "$sent" -le "$sentk" ] || sn_fail "$P: the generator says $sent, a0 sent $sentk"
	sn_expect_eq "$P: frames lost between A and softnetd (a0 sent - received - kernel drops at f0)" \
		$((sentk - rx - kd)) 0
	sn_expect_eq "$P: frames lost between f1 and the sink (f1 tx - sink - kernel drops at b0)" \
		$((tx - recv - kdb)) 0
	sn_expect_pools_idle "$P" "$S/idle.json" "$S/end.json"

	log=$SN_DAEMON_LOG
	sn_stop_expect_drain "$P"
	grep -q "fault injection" "$log" || sn_fail "$P: softnetd did not log the fault injection"
done
sn_pass "profiles: $SN_PROFILES"
