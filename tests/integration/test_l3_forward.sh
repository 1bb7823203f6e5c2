#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# L3 forwarding through softnetd, in each locking profile:
#   A (a0) -- f0 [softnetd router in F] f1 -- B (b0)
# Exact frames: the frame that comes out must be, byte for byte, the one pkt.py computes
# (MACs rewritten to egress port / neighbour, TTL or hop limit - 1, IPv4 header checksum
# recomputed from scratch), in both directions, with IPv4 options, with TTL 2 -> 1, and IPv6.
# Then a generator burst: every frame sent is received or counted as a softnetd drop.
. "$(dirname "$0")/lib.sh"
sn_init l3_forward
sn_topo_abf
CFG=$SN_TMP/router.yaml
sn_router_config "$CFG"

# check_one WHAT TX FRAME EGRESS_SRC_MAC EGRESS_DST_MAC RX_WANTED RX_OTHER
check_one() {
	local what=$1 tx=$2 frame=$3 smac=$4 dmac=$5 rxw=$6 rxo=$7 marker=$8 want got
	want=$(sn_pkt forward "$frame" --src-mac "$smac" --dst-mac "$dmac") || sn_fail "pkt.py forward"
	got=$(sn_xfer "$tx" "$frame" "$marker" "$rxw" "$rxo")
	sn_expect_frames "$P: $what" "$got" "${rxw#*:} $want"
	sn_pkt check-ip "${got#* }" || sn_fail "$P: $what: checksum of the forwarded frame is wrong"
}

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$SN_TMP/s0.json"

	m=$(sn_marker)
	f=$(sn_pkt build udp4 --src-mac "$SN_MAC_A" --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 --ttl 64 --payload "$m") || sn_fail "pkt.py build"
	check_one "IPv4 A->B" "$NS_A:a0" "$f" "$SN_MAC_F1" "$SN_MAC_B" "$NS_B:b0" "$NS_A:a0" "$m"

	m=$(sn_marker)
	f=$(sn_pkt build udp4 --src-mac "$SN_MAC_B" --dst-mac "$SN_MAC_F1" --src-ip 10.10.2.2 \
		--dst-ip 10.10.1.2 --ttl 2 --sport 53 --dport 33333 --payload "$m")
	check_one "IPv4 B->A, TTL 2" "$NS_B:b0" "$f" "$SN_MAC_F0" "$SN_MAC_A" "$NS_A:a0" "$NS_B:b0" "$m"

	m=$(sn_marker)
	f=$(sn_pkt build udp4 --src-mac "$SN_MAC_A" --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 --ttl 200 --ihl 7 --payload "${m}00112233445566778899")
	check_one "IPv4 A->B with options (IHL 7)" "$NS_A:a0" "$f" "$SN_MAC_F1" "$SN_MAC_B" \
		"$NS_B:b0" "$NS_A:a0" "$m"

	m=$(sn_marker)
	f=$(sn_pkt build udp6 --src-mac "$SN_MAC_A" --dst-mac "$SN_MAC_F0" --src-ip fd00:1::2 \
		--dst-ip fd00:2::2 --ttl 64 --payload "$m")
	check_one "IPv6 A->B" "$NS_A:a0" "$f" "$SN_MAC_F1" "$SN_MAC_B" "$NS_B:b0" "$NS_A:a0" "$m"

	sn_stats "$SN_TMP/s1.json"
	sn_expect_eq "$P: stack.routed4 after 3 IPv4 frames" \
		"$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s1.json" stack.routed4)" 3
	sn_expect_eq "$P: stack.routed6 after 1 IPv6 frame" \
		"$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s1.json" stack.routed6)" 1
	sn_expect_eq "$P: drops while forwarding 4 good frames" \
		"$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s1.json" totals.drops_total)" 0

	# generator burst: 20000 frames at 20 kpps over 8 flows into the XDP sink on b0
	sn_sink_start "$NS_B" b0 "$SN_TMP/sink.json"
	sn_gen "$NS_A" send --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 --dst-ip 10.10.2.2 \
		--rate 20000 --count 20000 --flows 8 >"$SN_TMP/gen.json" 2>"$SN_TMP/gen.err" ||
		sn_fail "softnet-gen send: $(cat "$SN_TMP/gen.err")"
	sn_stats_settle "$SN_TMP/s2.json"
	sleep 0.3
	sn_sink_stop "$SN_TMP/sink.json"
	sent=$(sn_pkt json "$SN_TMP/gen.json" sent)
	recv=$(sn_pkt json "$SN_TMP/sink.json" received)
	drops=$(sn_delta "$SN_TMP/s1.json" "$SN_TMP/s2.json" totals.drops_total)
	sn_log "$P: generator: sent $sent, received $recv, softnetd drops $drops"
	sn_expect_eq "$P: generator frames sent" "$sent" 20000
	sn_expect_eq "$P: frames lost without a softnetd drop counter (sent - received - drops; the kernel dropped $(sn_veth_drops "$NS_F" f0) at f0's AF_XDP socket)" \
		$((sent - recv - drops)) 0
	sn_expect_gt "$P: generator frames received" "$recv" 0

	sn_daemon_alive "$P after the burst"
	sn_daemon_stop
	sn_expect_eq "$P: softnetd exit status after SIGTERM" "$SN_DAEMON_RC" 0
done
sn_pass "profiles: $SN_PROFILES"
