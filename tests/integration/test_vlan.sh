#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# 802.1Q through softnetd, in each locking profile; A and B are trunks:
#   A (a0: VLAN 10, 20) -- f0 [vlan ports f0.10 f0.20 f1.10; bridge of the three] f1 -- (b0: VLAN 10) B
# A frame tagged 10 from A to an unknown MAC floods: to B tagged 10, back to A's trunk tagged 20
# (the VLAN port rewrites the tag; no byte is added or removed). Stations are learnt per VID
# (stack/bridge.c), so B's answer tagged 10 goes to A only, and A's next frame to B only. A VID no
# port carries (30 from A, 20 from B) is dropped as vlan_unknown; an untagged frame on a trunk,
# which is no bridge port, is dropped and counted too.
. "$(dirname "$0")/lib.sh"
sn_init vlan
sn_topo_abf

CFG=$SN_TMP/vlan.yaml
cat >"$CFG" <<EOF
ports:
  - { name: f0, type: afxdp, ifname: f0, mode: copy }
  - { name: f0.10, type: vlan, parent: f0, vlan: 10 }
  - { name: f0.20, type: vlan, parent: f0, vlan: 20 }
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
  - { name: f1.10, type: vlan, parent: f1, vlan: 10 }
bridge:
  ports: [f0.10, f0.20, f1.10]
EOF
sn_check_config "$CFG"

# frame FROM TO VLAN MARKER (VLAN 0: untagged)
frame() {
	sn_pkt build udp4 --src-mac "$1" --dst-mac "$2" --src-ip 192.0.2.1 --dst-ip 192.0.2.2 \
		--vlan "$3" --payload "$4" || sn_fail "pkt.py build"
}

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$SN_TMP/s0.json"

	# expected frames are the sent one re-tagged: no padding added or removed
	m=$(sn_marker)
	f=$(frame "$SN_MAC_A" "$SN_MAC_B" 10 "$m")
	got=$(sn_xfer "$NS_A:a0" "$f" "$m" "$NS_A:a0" "$NS_B:b0")
	sn_expect_frames "$P: A tagged 10 -> B unknown: B tagged 10, A's trunk tagged 20" "$got" \
		"b0 $f" "a0 $(sn_pkt retag "$f" 20)"

	m=$(sn_marker)
	f=$(frame "$SN_MAC_B" "$SN_MAC_A" 10 "$m")
	got=$(sn_xfer "$NS_B:b0" "$f" "$m" "$NS_A:a0" "$NS_B:b0")
	sn_expect_frames "$P: B tagged 10 -> A (learnt on f0.10): A tagged 10 only" "$got" "a0 $f"

	m=$(sn_marker)
	f=$(frame "$SN_MAC_A" "$SN_MAC_B" 10 "$m")
	got=$(sn_xfer "$NS_A:a0" "$f" "$m" "$NS_A:a0" "$NS_B:b0")
	sn_expect_frames "$P: A tagged 10 -> B (learnt on f1.10): B only" "$got" "b0 $f"

	m=$(sn_marker)
	f=$(frame "$SN_MAC_A" ff:ff:ff:ff:ff:ff 20 "$m")
	got=$(sn_xfer "$NS_A:a0" "$f" "$m" "$NS_A:a0" "$NS_B:b0")
	sn_expect_frames "$P: A broadcast tagged 20: B tagged 10, not back to f0.20" "$got" \
		"b0 $(sn_pkt retag "$f" 10)" "a0 $(sn_pkt retag "$f" 10)"

	sn_stats "$SN_TMP/s1.json"
	sn_expect_eq "$P: drops while bridging 4 good frames" \
		"$(sn_delta "$SN_TMP/s0.json" "$SN_TMP/s1.json" totals.drops_total)" 0

	prev=$SN_TMP/s1.json
	n=2
	for c in "A:a0:30" "B:b0:20" "A:a0:0"; do
		IFS=: read -r host dev vid <<<"$c"
		ns=NS_$host
		m=$(sn_marker)
		f=$(frame "$SN_MAC_A" "$SN_MAC_B" "$vid" "$m")
		got=$(SN_XFER_TIMEOUT=1 sn_xfer "${!ns}:$dev" "$f" "$m" "$NS_A:a0" "$NS_B:b0")
		sn_expect_frames "$P: $host sends VID $vid (no bridge port for it): dropped" "$got"
		sn_stats_wait "$prev" "$SN_TMP/s$n.json" totals.drops_total 1
		sn_expect_eq "$P: drops for one VID-$vid frame from $host (no silent drop)" \
			"$(sn_delta "$prev" "$SN_TMP/s$n.json" totals.drops_total)" 1
		if [ "$vid" != 0 ]; then
			sn_expect_eq "$P: vlan_unknown drops for one VID-$vid frame from $host" \
				"$(sn_delta "$prev" "$SN_TMP/s$n.json" totals.drops.vlan_unknown)" 1
		fi
		prev=$SN_TMP/s$n.json
		n=$((n + 1))
	done

	sn_daemon_stop
	sn_expect_eq "$P: softnetd exit status after SIGTERM" "$SN_DAEMON_RC" 0
done
sn_pass "profiles: $SN_PROFILES"
