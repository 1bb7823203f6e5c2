#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# "Dead loop on virtual device": a loop port whose peer is itself, with a route through it, so a
# frame routed there comes back in and is routed out again. With TTL 255 only the transmit
# recursion limit can stop it. In each locking profile: the dead_loop counter goes up by one per
# frame, every frame received in the flood dies as dead_loop, the daemon keeps answering and keeps
# forwarding A -> B, and it still stops on SIGTERM.
. "$(dirname "$0")/lib.sh"
sn_init dead_loop
sn_topo_abf
CFG=$SN_TMP/loop.yaml
cat >"$CFG" <<EOF
ports:
  - { name: f0, type: afxdp, ifname: f0, mode: copy }
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
  - { name: lo0, type: loop, peer: lo0 }
router:
  addresses:
    - { address: 10.10.1.1/24, dev: f0 }
    - { address: 10.10.2.1/24, dev: f1 }
    - { address: 10.10.9.1/24, dev: lo0 }
routes:
  - { prefix: 10.10.1.0/24, dev: f0 }
  - { prefix: 10.10.2.0/24, dev: f1 }
  - { prefix: 10.10.9.0/24, dev: lo0 }
neighbours:
  - { address: 10.10.1.2, mac: "$SN_MAC_A", dev: f0 }
  - { address: 10.10.2.2, mac: "$SN_MAC_B", dev: f1 }
  - { address: 10.10.9.9, mac: "02:99:00:00:00:09", dev: lo0 }
EOF
sn_check_config "$CFG"

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$SN_TMP/s0.json"

	frames=()
	for i in 1 2 3 4 5; do
		frames+=(--frame "$(sn_pkt build udp4 --src-mac "$SN_MAC_A" --dst-mac "$SN_MAC_F0" \
			--src-ip 10.10.1.2 --dst-ip 10.10.9.9 --ttl 255 --payload "$(sn_marker)")")
	done
	timeout 10 "$SN_PY" "$PKT" send --tx "$NS_A:a0" "${frames[@]}" --gap-ms 20 ||
		sn_fail "$P: pkt.py send"
	sn_daemon_alive "$P after 5 frames into the loop"
	sn_stats_wait "$SN_TMP/s0.json" "$SN_TMP/s1.json" totals.drops.dead_loop 5
	dl=$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s1.json" totals.drops.dead_loop)
	sn_log "$P: 5 frames into the loop: dead_loop +$dl"
	sn_expect_eq "$P: dead_loop drops for 5 looping frames" "$dl" 5

	# a flood into the loop: 20000 frames at 50 kpps; each one received must die as dead_loop
	sn_gen "$NS_A" send --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 --dst-ip 10.10.9.9 \
		--rate 50000 --count 20000 >"$SN_TMP/gen.json" 2>"$SN_TMP/gen.err" ||
		sn_fail "softnet-gen send: $(cat "$SN_TMP/gen.err")"
	sn_daemon_alive "$P after a flood into the loop"
	sn_stats_settle "$SN_TMP/s2.json"
	rx=$(sn_delta "$SN_TMP/s1.json" "$SN_TMP/s2.json" totals.rx_packets)
	dl=$(sn_delta "$SN_TMP/s1.json" "$SN_TMP/s2.json" totals.drops.dead_loop)
	sn_log "$P: flood: rx +$rx, dead_loop +$dl"
	sn_expect_gt "$P: frames received in the flood" "$rx" 0
	sn_expect_eq "$P: dead_loop drops in the flood (= frames received)" "$dl" "$rx"

	# still forwarding
	m=$(sn_marker)
	f=$(sn_pkt build udp4 --src-mac "$SN_MAC_A" --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 --payload "$m")
	got=$(sn_xfer "$NS_A:a0" "$f" "$m" "$NS_B:b0")
	sn_expect_frames "$P: A->B after the loop" "$got" \
		"b0 $(sn_pkt forward "$f" --src-mac "$SN_MAC_F1" --dst-mac "$SN_MAC_B")"

	sn_daemon_stop
	sn_expect_eq "$P: softnetd exit status after SIGTERM" "$SN_DAEMON_RC" 0
done
sn_pass "profiles: $SN_PROFILES"
