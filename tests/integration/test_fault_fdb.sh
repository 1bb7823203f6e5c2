#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The FDB rewritten under load, in each locking profile. A -> B generator traffic (30 kpps)
# through a two-port bridge while the static FDB is rewritten by SIGHUP reloads for about 3 s:
# B's entry appears and disappears (without it the frame to B floods to f1, the only other
# port) and a set of other static entries changes with every reload. Afterwards: softnetd is
# alive, every reload was applied, `softnetctl fdb` shows what the last file says, every frame
# sent reached B or is counted by the kernel at f0/b0 (none is lost in softnetd), the pools are
# back at their idle level and the drain at SIGTERM balances with no leak.
: "${SN_PROFILES:=vanilla rt-nested}"
. "$(dirname "$0")/lib.sh"
sn_init fault_fdb
sn_topo_abf
S=$SN_TMP
CFG=$S/bridge.yaml

# bridge_config ROUND: B's static entry in even rounds only; 8 other entries that change.
bridge_config() {
	local r=$1 i
	{
		echo "ports:"
		echo "  - { name: f0, type: afxdp, ifname: f0, mode: copy }"
		echo "  - { name: f1, type: afxdp, ifname: f1, mode: copy }"
		echo "bridge: {}"
		echo "fdb:"
		echo "  - { mac: \"$SN_MAC_A\", dev: f0 }"
		[ $((r % 2)) -eq 0 ] && echo "  - { mac: \"$SN_MAC_B\", dev: f1 }"
		for i in $(seq 0 7); do
			printf '  - { mac: "02:5e:%02x:00:00:%02x", dev: f%d }\n' $((r % 256)) "$i" $((i % 2))
		done
	} >"$CFG.new"
	mv "$CFG.new" "$CFG"
}

reloads() { grep -c "reloaded" "$SN_DAEMON_LOG"; }
reloaded_to() { [ "$(reloads)" -ge "$1" ]; }

for P in $SN_PROFILES; do
	bridge_config 0
	sn_check_config "$CFG"
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_e2e_begin "$NS_B" b0 f1
	sn_gen_from_a "$S/gen.json" "$SN_MAC_B" 10.10.2.2 30000
	sn_wait_for "$P: traffic bridged before the rewrites" 10 sn_at_least totals.forwarded 2000

	n0=$(reloads) round=0 end=$((SECONDS + 3))
	while [ $SECONDS -lt $end ] || [ $((round % 2)) -ne 0 ]; do
		round=$((round + 1))
		bridge_config "$round"
		kill -HUP "$SN_DAEMON_PID"
		sn_wait_for "$P: reload $round applied" 10 reloaded_to $((n0 + round))
	done
	sn_daemon_alive "$P after $round FDB rewrites"
	sn_stats "$S/after.json"
	f=$(sn_jvals "$S/after.json" totals.forwarded) || exit 1
	sn_wait_for "$P: traffic to B bridged after the rewrites" 10 sn_at_least totals.forwarded \
		$((f + 2000))
	fdb=$(sn_ctl fdb 2>&1) || sn_fail "$P: fdb: $fdb"
	grep -qi "$SN_MAC_B" <<<"$fdb" || sn_fail "$P: B's static entry is missing: $fdb"
	grep -qi "02:5e:$(printf %02x $((round % 256))):00:00:07" <<<"$fdb" ||
		sn_fail "$P: the last file's entries are not shown: $fdb"
	grep -qi "02:5e:$(printf %02x $(((round - 1) % 256))):00:00:07" <<<"$fdb" &&
		sn_fail "$P: an entry of an earlier file is still shown: $fdb"

	sn_e2e_end "$P" "$S/gen.json"
	sn_log "$P: $round FDB rewrites by SIGHUP; $SN_E2E_SUMMARY"
	sn_expect_eq "$P: frames bridged to f1 (softnetd received - f1 tx)" $((SN_E2E_RX - SN_E2E_TX)) 0
	sn_e2e_expect_exact "$P"

	sn_stop_expect_drain "$P"
done
sn_pass "profiles: $SN_PROFILES"
