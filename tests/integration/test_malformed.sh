#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Malformed frames into the router, in each locking profile: runts (an Ethernet header and no IP
# header, a cut IPv4 header), bad IHL, bad total length (beyond the frame, below the header),
# bad header checksum, TTL 0 and 1, IPv6 hop limit 0 and 1, IPv6 extension-header chains that run
# off the frame or past the payload length, a cut IPv6 header, a truncated VLAN tag.
# Each one must be dropped (nothing reaches B) and counted exactly once, under one of the reasons
# that fit it; the daemon must stay alive, and good frames (also one with a valid extension-
# header chain) must still be forwarded exactly.
. "$(dirname "$0")/lib.sh"
sn_init malformed
sn_topo_abf
CFG=$SN_TMP/router.yaml
sn_router_config "$CFG"
SN_XFER_TIMEOUT=1 # nothing may come out: waited for in full

A=${SN_MAC_A//:/}
F0=${SN_MAC_F0//:/}
# b4 / b6 ARGS...: an IPv4 / IPv6 UDP frame from A to B through f0
b4() {
	sn_pkt build udp4 --src-mac "$SN_MAC_A" --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 "$@" || sn_fail "pkt.py build udp4 $*"
}
b6() {
	sn_pkt build udp6 --src-mac "$SN_MAC_A" --dst-mac "$SN_MAC_F0" --src-ip fd00:1::2 \
		--dst-ip fd00:2::2 "$@" || sn_fail "pkt.py build udp6 $*"
}

# The cases: NAME|REASONS (any one of them, comma separated)|FRAME
good4=$(b4 --payload 00)
good6=$(b6 --payload 00)
CASES=(
	"runt: Ethernet header only, IPv4 type|runt,ip_hdr,malformed|${F0}${A}0800"
	"runt: IPv4 header cut at 10 bytes|runt,ip_hdr,malformed|${good4:0:48}"
	"IPv4 IHL 4|ip_hdr|$(b4 --ihl 4 --payload 01)"
	"IPv4 IHL 15 beyond the frame|ip_hdr,ip_len|${good4:0:28}4f${good4:30}"
	"IPv4 total length beyond the frame|ip_len|$(b4 --tot-len 1000 --payload 02)"
	"IPv4 total length below the header|ip_len,ip_hdr|$(b4 --tot-len 12 --payload 03)"
	"IPv4 bad header checksum|ip_csum|$(b4 --bad-csum --payload 04)"
	"IPv4 version 5|ip_hdr|${good4:0:28}55${good4:30}"
	"IPv4 TTL 0|ttl_exceeded|$(b4 --ttl 0 --payload 05)"
	"IPv4 TTL 1|ttl_exceeded|$(b4 --ttl 1 --payload 06)"
	"IPv6 hop limit 0|ttl_exceeded|$(b6 --ttl 0 --payload 07)"
	"IPv6 hop limit 1|ttl_exceeded|$(b6 --ttl 1 --payload 08)"
	"IPv6 header cut at 30 bytes|runt,ip_hdr,malformed|${good6:0:88}"
	"IPv6 payload length beyond the frame|ip_len|$(b6 --tot-len 1000 --payload 09)"
	"IPv6 ext chain running off the frame|ip6_exthdr,ip_len|$(b6 --ext6 0,60 --ext6-trunc --payload 0a)"
	"IPv6 ext chain cut by the payload length|ip6_exthdr,ip_len|$(b6 --ext6 60,60 --tot-len 12 --payload 0c)"
	"truncated VLAN tag|vlan_trunc|${F0}${A}8100000a"
	"truncated VLAN tag, no TCI|vlan_trunc|${F0}${A}8100"
)

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_stats "$SN_TMP/prev.json"
	for c in "${CASES[@]}"; do
		name=${c%%|*}
		rest=${c#*|}
		reasons=${rest%%|*}
		frame=${rest#*|}
		# nothing may come out at B (B is quiet: IPv6 off, no traffic of its own)
		got=$(sn_xfer "$NS_A:a0" "$frame" "" "$NS_B:b0")
		sn_expect_frames "$P: $name: forwarded" "$got"
		sn_daemon_alive "$P after '$name'"
		sn_stats_wait "$SN_TMP/prev.json" "$SN_TMP/cur.json" totals.drops_total 1
		# "TOTAL reason:+N ...": exactly one drop, under one of the reasons that fit
		read -r total moved <<<"$(sn_pkt drops "$SN_TMP/prev.json" "$SN_TMP/cur.json")"
		hit=
		for r in ${reasons//,/ }; do
			[ "$moved" = "$r:+1" ] && hit=$r
		done
		[ "$total" = 1 ] && [ -n "$hit" ] ||
			sn_fail "$P: $name: drops +$total (${moved:-no reason moved}), expected +1 under one of {$reasons}"
		sn_log "$P: $name: dropped as $hit"
		cp "$SN_TMP/cur.json" "$SN_TMP/prev.json"
	done

	# good frames still go through, exactly
	for kind in "4" "6" "6 --ext6 60"; do
		m=$(sn_marker)
		# shellcheck disable=SC2086
		f=$(b$kind --payload "$m")
		got=$(sn_xfer "$NS_A:a0" "$f" "$m" "$NS_B:b0")
		sn_expect_frames "$P: good IPv$kind frame after the malformed ones" "$got" \
			"b0 $(sn_pkt forward "$f" --src-mac "$SN_MAC_F1" --dst-mac "$SN_MAC_B")"
	done

	sn_daemon_stop
	sn_expect_eq "$P: softnetd exit status after SIGTERM" "$SN_DAEMON_RC" 0
done
sn_pass "profiles: $SN_PROFILES"
