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
# grown PATH BASE MIN: the stats now show PATH at BASE + MIN or more
grown() { sn_at_least "$1" $(($2 + $3)); }
# growth TAG: the stats into $S/TAG1.json and, 0.3 s later, $S/TAG2.json (the daemon answers);
# how much forwarded and nomem_head grew in between into df and dn
growth() {
	local a b
	sn_stats "$S/${1}1.json"
	sleep 0.3
	sn_stats "$S/${1}2.json"
	a=$(sn_jvals "$S/${1}1.json" $FWD $NOMEM) || exit 1
	b=$(sn_jvals "$S/${1}2.json" $FWD $NOMEM) || exit 1
	set -- $a $b
	df=$(($3 - $1)) dn=$(($4 - $2))
}

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_e2e_begin "$NS_B" b0 f1
	sn_gen_from_a "$S/gen.json" "$SN_MAC_F0" 10.10.2.2 50000
	sn_wait_for "$P: traffic forwarded before the fault" 10 grown $FWD 0 1000

	# every head allocation fails: frames dropped as nomem_head, none forwarded, no stall
	sn_fail_alloc skb_heads on
	sn_stats "$S/pre-on.json"
	n=$(val "$S/pre-on.json" $NOMEM) || exit 1
	sn_wait_for "$P: nomem_head drops with the heads failing" 10 grown $NOMEM "$n" 2000
	growth on
	sn_expect_eq "$P: frames forwarded while every head allocation fails" "$df" 0
	sn_expect_gt "$P: nomem_head drops go on growing while heads fail" "$dn" 0

	# switched off: traffic flows again, nomem_head stops
	sn_fail_alloc skb_heads off
	f=$(val "$S/on2.json" $FWD) || exit 1
	sn_wait_for "$P: traffic forwarded again after the heads came back" 10 grown $FWD "$f" 2000
	growth off
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

	sn_e2e_end "$P" "$S/gen.json"
	nm=$(sn_delta "$S/idle.json" "$S/end.json" $NOMEM) || exit 1
	inj=$(sn_jvals "$S/sites.json" fail_alloc.0.injected fail_alloc.1.injected \
		fail_alloc.2.injected) || exit 1
	sn_log "$P: $SN_E2E_SUMMARY; nomem_head $nm; injected failures (heads chunks page_pool) $inj"
	sn_expect_gt "$P: nomem_head drops" "$nm" 0
	sn_e2e_expect_exact "$P"

	log=$SN_DAEMON_LOG
	sn_stop_expect_drain "$P"
	grep -q "fault injection" "$log" || sn_fail "$P: softnetd did not log the fault injection"
done
sn_pass "profiles: $SN_PROFILES"
