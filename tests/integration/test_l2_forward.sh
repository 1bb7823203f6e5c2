#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# L2 learning bridge through softnetd, in each locking profile, three hosts:
#   A (a0) -- f0 [softnetd bridge f0 f1 f2 in F] f1 -- B (b0)
#                                                f2 -- C (c0)
# A frame to an unknown MAC floods to every other port; once the destination has been learnt
# it goes to that port only; broadcast floods; a non-IP ethertype is bridged too. Every frame
# must come out byte for byte as it went in, and never back out of its ingress port.
. "$(dirname "$0")/lib.sh"
sn_init l2_forward
sn_ns a NS_A
sn_ns f NS_F
sn_ns b NS_B
sn_ns c NS_C
sn_veth "$NS_A" a0 "$SN_MAC_A" "$NS_F" f0 "$SN_MAC_F0"
sn_veth "$NS_F" f1 "$SN_MAC_F1" "$NS_B" b0 "$SN_MAC_B"
sn_veth "$NS_F" f2 "$SN_MAC_F2" "$NS_C" c0 "$SN_MAC_C"

CFG=$SN_TMP/bridge.yaml
cat >"$CFG" <<EOF
ports:
  - { name: f0, type: afxdp, ifname: f0, mode: copy }
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
  - { name: f2, type: afxdp, ifname: f2, mode: copy }
bridge:
  ports: [f0, f1, f2]
EOF
sn_check_config "$CFG"

RX_ALL=("$NS_A:a0" "$NS_B:b0" "$NS_C:c0")

# udp FROM_MAC TO_MAC MARKER: an IPv4/UDP frame (the bridge does not look at it)
udp() {
	sn_pkt build udp4 --src-mac "$1" --dst-mac "$2" --src-ip 192.0.2.1 --dst-ip 192.0.2.2 \
		--payload "$3" || sn_fail "pkt.py build"
}

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$SN_TMP/s0.json"

	m=$(sn_marker)
	f=$(udp "$SN_MAC_A" "$SN_MAC_B" "$m")
	got=$(sn_xfer "$NS_A:a0" "$f" "$m" "${RX_ALL[@]}")
	sn_expect_frames "$P: A->B, B unknown: flooded to B and C" "$got" "b0 $f" "c0 $f"

	m=$(sn_marker)
	f=$(udp "$SN_MAC_B" "$SN_MAC_A" "$m")
	got=$(sn_xfer "$NS_B:b0" "$f" "$m" "${RX_ALL[@]}")
	sn_expect_frames "$P: B->A, A learnt on f0: unicast to A only" "$got" "a0 $f"

	m=$(sn_marker)
	f=$(udp "$SN_MAC_A" "$SN_MAC_B" "$m")
	got=$(sn_xfer "$NS_A:a0" "$f" "$m" "${RX_ALL[@]}")
	sn_expect_frames "$P: A->B, B learnt on f1: unicast to B only" "$got" "b0 $f"

	m=$(sn_marker)
	f=$(udp "$SN_MAC_C" ff:ff:ff:ff:ff:ff "$m")
	got=$(sn_xfer "$NS_C:c0" "$f" "$m" "${RX_ALL[@]}")
	sn_expect_frames "$P: C broadcast: flooded to A and B" "$got" "a0 $f" "b0 $f"

	m=$(sn_marker)
	f="${SN_MAC_A//:/}${SN_MAC_C//:/}88b5${m}000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"
	got=$(sn_xfer "$NS_C:c0" "$f" "$m" "${RX_ALL[@]}")
	sn_expect_frames "$P: C->A, ethertype 0x88b5 (C learnt, A known): to A only" "$got" "a0 $f"

	m=$(sn_marker)
	f=$(udp "$SN_MAC_A" "$SN_MAC_C" "$m")
	got=$(sn_xfer "$NS_A:a0" "$f" "$m" "${RX_ALL[@]}")
	sn_expect_frames "$P: A->C, C learnt on f2: unicast to C only" "$got" "c0 $f"

	sn_stats "$SN_TMP/s1.json"
	sn_expect_eq "$P: MACs learnt (A, B, C)" \
		"$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s1.json" stack.learned)" 3
	sn_expect_eq "$P: drops while bridging 6 good frames" \
		"$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s1.json" totals.drops_total)" 0

	sn_daemon_stop
	sn_expect_eq "$P: softnetd exit status after SIGTERM" "$SN_DAEMON_RC" 0
done
sn_pass "profiles: $SN_PROFILES"
