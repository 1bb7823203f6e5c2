#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Link down/up under traffic, in each locking profile. A -> B generator traffic (50 kpps, 6 s)
# through the router; meanwhile the egress veth f1 goes down for 1 s and up, then the ingress
# veth f0 does the same. Afterwards: softnetd is alive; every frame softnetd received is accounted
# for (rx = forwarded + ingress drops, forwarded = f1 tx + egress drops such as port_down, and
# what f1 sent reached the sink or was counted by the kernel at b0); traffic flows again (frames
# forwarded after the flaps, and an exact frame A -> B gets through).
. "$(dirname "$0")/lib.sh"
sn_init link_flap
sn_topo_abf
CFG=$SN_TMP/router.yaml
sn_router_config "$CFG"

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$SN_TMP/s0.json"
	k0=$(sn_veth_drops "$NS_B" b0 "$NS_F" f1)
	sn_sink_start "$NS_B" b0 "$SN_TMP/sink.json"
	sn_gen "$NS_A" send --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 --dst-ip 10.10.2.2 \
		--rate 50000 --duration 6 --flows 4 >"$SN_TMP/gen.json" 2>"$SN_TMP/gen.err" &
	gen=$!
	SN_BG_PIDS+=("$gen")
	sleep 1
	ip -n "$NS_F" link set f1 down
	sleep 1
	ip -n "$NS_F" link set f1 up
	sleep 1
	ip -n "$NS_F" link set f0 down
	sleep 1
	ip -n "$NS_F" link set f0 up
	sleep 0.5
	sn_stats "$SN_TMP/s1.json" # traffic is still running: the last ~1.5 s come after the flaps
	wait "$gen" || sn_fail "$P: softnet-gen send: $(cat "$SN_TMP/gen.err")"
	sn_daemon_alive "$P after the flaps"
	sn_stats_settle "$SN_TMP/s2.json"
	sleep 0.3
	sn_sink_stop "$SN_TMP/sink.json"

	sent=$(sn_pkt json "$SN_TMP/gen.json" sent)
	recv=$(sn_pkt json "$SN_TMP/sink.json" received)
	rx=$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s2.json" totals.rx_packets)
	fwd=$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s2.json" totals.forwarded)
	drops=$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s2.json" totals.drops_total)
	late=$(sn_delta "$SN_TMP/s1.json" "$SN_TMP/s2.json" totals.forwarded)
	sn_log "$P: sent $sent, softnetd rx $rx fwd $fwd drops $drops ($(sn_pkt drops "$SN_TMP/s0.json" "$SN_TMP/s2.json" | cut -d' ' -f2-)), f1 tx $(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s2.json" ports.name=f1.tx_packets), sink $recv; forwarded after the flaps: $late"
	# drops at the egress (the port was down, its ring full...) are of frames already counted as
	# forwarded: rx = forwarded + ingress drops, forwarded = f1 tx + egress drops, sink = f1 tx
	egress=0
	for r in port_down tx_ring_full tx_error shutdown; do
		egress=$((egress + $(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s2.json" "totals.drops.$r")))
	done
	tx=$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s2.json" ports.name=f1.tx_packets)
	sn_expect_eq "$P: softnetd rx = forwarded + ingress drops" "$rx" $((fwd + drops - egress))
	sn_expect_eq "$P: softnetd forwarded = f1 tx + egress drops" "$fwd" $((tx + egress))
	kd=$(($(sn_veth_drops "$NS_B" b0 "$NS_F" f1) - k0))
	sn_expect_eq "$P: frames the sink received + dropped by the kernel on the way to b0 ($kd) = f1 tx" \
		$((recv + kd)) "$tx"
	sn_expect_gt "$P: egress drops while f1 was down (port_down...)" "$egress" 0
	sn_expect_gt "$P: frames forwarded after both links came back" "$late" 0
	sn_expect_gt "$P: frames the sink received" "$recv" 0

	m=$(sn_marker)
	f=$(sn_pkt build udp4 --src-mac "$SN_MAC_A" --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 --payload "$m")
	got=$(sn_xfer "$NS_A:a0" "$f" "$m" "$NS_B:b0")
	sn_expect_frames "$P: A->B after the flaps" "$got" \
		"b0 $(sn_pkt forward "$f" --src-mac "$SN_MAC_F1" --dst-mac "$SN_MAC_B")"

	sn_daemon_stop
	sn_expect_eq "$P: softnetd exit status after SIGTERM" "$SN_DAEMON_RC" 0
done
sn_pass "profiles: $SN_PROFILES"
