#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# XDP in the daemon, in each locking profile:
#   A (a0) -- f0 [softnetd in F, XDP on f0] f1 -- B (b0)      and a kernel interface k0 in F
# f0 runs xdp_fwd_devmap (config ports[].xdp): every frame is redirected through the devmap
# tx_port, which softnetctl fills with f1's kernel ifindex. The generator's frames must reach
# B's sink. While they flow, `softnetctl xdp attach` replaces the program by xdp_drop_all, then
# `xdp detach` removes it (frames go to the stack, which has no bridge or router here: dropped
# by reason), then the forwarding program comes back. Every frame is accounted for: XDP runs =
# the sum of the verdicts, no XDP_ABORTED and no redirect error (a frame run by a half-loaded
# program would show there), received = forwarded + dropped by reason, sent = B's frames +
# softnetd's drops. k0 runs the same object in the kernel (kernel_xdp, skb mode): its pinned
# devmap is updated and dumped through softnetctl, and its pins are gone after SIGTERM.
. "$(dirname "$0")/lib.sh"
sn_init xdp
: "${XDP_IT_PROGS:?run through meson test (XDP_IT_PROGS: the built programs)}"
FWD=$XDP_IT_PROGS/xdp_fwd_devmap.bpf.o
DROP=$XDP_IT_PROGS/xdp_drop_all.bpf.o
[ -f "$FWD" ] && [ -f "$DROP" ] || sn_fail "programs not built: $FWD $DROP"

# This test's namespaces and pins carry the prefix snxd (and the pid, for concurrent runs).
xd_ns() {
	local ns="snxd$$-$1"
	ip netns add "$ns" || sn_fail "ip netns add $ns"
	SN_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	printf -v "$2" '%s' "$ns"
}
PIN_ROOT=/sys/fs/bpf/snxd$$
xd_cleanup_pins() { if [ -d "$PIN_ROOT" ]; then rm -rf "$PIN_ROOT"; fi; }
trap 'rc=$?; xd_cleanup_pins; (exit $rc); sn_cleanup' EXIT

xd_ns a NS_A
xd_ns f NS_F
xd_ns b NS_B
sn_veth "$NS_A" a0 "$SN_MAC_A" "$NS_F" f0 "$SN_MAC_F0"
sn_veth "$NS_F" f1 "$SN_MAC_F1" "$NS_B" b0 "$SN_MAC_B"
sn_veth "$NS_F" k0 02:cc:00:00:00:10 "$NS_F" k1 02:cc:00:00:00:11
F1_IFINDEX=$(ip netns exec "$NS_F" cat /sys/class/net/f1/ifindex)
K1_IFINDEX=$(ip netns exec "$NS_F" cat /sys/class/net/k1/ifindex)
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }

CFG=$SN_TMP/xdp.yaml
cat >"$CFG" <<EOF
# written by tests/integration/test_xdp.sh
ports:
  - name: f0
    type: afxdp
    ifname: f0
    mode: copy
    xdp:
      object: $FWD
      program: xdp_fwd_devmap
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
kernel_xdp:
  - ifname: k0
    object: $FWD
    mode: skb
    pin_dir: $PIN_ROOT/k0
EOF
sn_check_config "$CFG"

# xd_settle FILE: stats into FILE once the received count has not moved for 0.3 s (5 s at most;
# sn_stats_settle without a python start per poll).
xd_settle() {
	local prev=-1 cur i
	for i in $(seq 16); do
		sn_stats "$1"
		cur=$(grep -o '"totals":{"rx_packets":[0-9]*' "$1")
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 0.3
	done
}

# xdp_check_counts FILE: "runs pass drop tx redirect" of f0 in a stats file.
xdp_check_counts() {
	"$SN_PY" - "$1" <<'PY'
import json, sys
c = [e for e in json.load(open(sys.argv[1]))["xdp"]["ports"] if e["port"] == "f0"][0]["counters"]
print(c["runs"], c["pass"], c["drop"], c["tx"], c["redirect"])
PY
}

# xdp_check S0 S1 GEN SINK KERNEL_DROPS: every frame accounted for (one python run: the machine
# is shared, each interpreter start costs). Prints a summary, then "runs pass drop tx redirect".
xdp_check() {
	"$SN_PY" - "$@" <<'PY'
import json, sys
s0, s1, gen, sink = (json.load(open(f)) for f in sys.argv[1:5])
kdrops = int(sys.argv[5])
def xdp(s):
    return [e for e in s["xdp"]["ports"] if e["port"] == "f0"][0]["counters"]
c = xdp(s1)
runs, act = c["runs"], {k: c[k] for k in ("pass", "drop", "tx", "redirect", "aborted")}
rerr = sum(c["redirect_err"].values())
sent, recv = gen["sent"], sink["received"]
d = lambda k: s1["totals"][k] - s0["totals"][k]
drops = d("drops_total")
xdrop_reason = s1["totals"]["drops"].get("xdp_drop", 0) - s0["totals"]["drops"].get("xdp_drop", 0)
acc = s1["accounting"]
errs = []
def want(what, got, exp):
    if got != exp:
        errs.append(f"{what}: got {got}, expected {exp}")
want("generator frames sent", sent, 40000)
want("XDP runs = sum of the verdicts", runs, sum(act.values()))
want("XDP_ABORTED (a frame run by a half-loaded program)", act["aborted"], 0)
want("redirect errors", rerr, 0)
want("ingress drops xdp_drop = the XDP_DROP verdicts", xdrop_reason, act["drop"])
want("frames B received = frames redirected (all transmitted on f1)", recv, act["redirect"])
want(f"frames lost without a drop counter (sent - received - softnetd drops {drops} - kernel drops at f0 {kdrops})",
     sent - recv - drops - kdrops, 0)
want("accounting: ingress lost", acc["ingress"]["lost"], 0)
want("accounting: egress lost", acc["egress"]["lost"], 0)
want("accounting: frames lost", acc["frames_lost"], 0)
if act["drop"] <= 0: errs.append("the drop program dropped nothing")
if act["redirect"] <= 0: errs.append("the forwarding program redirected nothing")
print(f"sent {sent}, B received {recv}, softnetd drops {drops} {dict(s1['totals']['drops'])}, "
      f"kernel drops {kdrops}; XDP runs {runs}: {act}, redirect errors {rerr}")
if errs:
    print("; ".join(errs)); sys.exit(1)
print(runs, act["pass"], act["drop"], act["tx"], act["redirect"])
PY
}

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_ctl xdp >"$SN_TMP/xdp.txt" 2>&1 || sn_fail "$P: softnetctl xdp: $(cat "$SN_TMP/xdp.txt")"
	grep -q "^f0 .*program xdp_fwd_devmap of $FWD, engine \(jit\|interp\)" "$SN_TMP/xdp.txt" ||
		sn_fail "$P: softnetctl xdp does not show f0's program: $(cat "$SN_TMP/xdp.txt")"
	grep -q "^kernel k0: .*skb" "$SN_TMP/xdp.txt" ||
		sn_fail "$P: softnetctl xdp does not show the kernel attachment: $(cat "$SN_TMP/xdp.txt")"

	# the program's devmap and the kernel's pinned devmap, filled through softnetctl
	sn_ctl maps >"$SN_TMP/maps.txt" 2>&1 || sn_fail "$P: softnetctl maps: $(cat "$SN_TMP/maps.txt")"
	grep -q "^xdp_fwd_devmap.bpf.o/tx_port  *xdp  *devmap" "$SN_TMP/maps.txt" &&
		grep -q "^kernel:k0/tx_port  *kernel  *devmap" "$SN_TMP/maps.txt" ||
		sn_fail "$P: softnetctl maps does not list both devmaps: $(cat "$SN_TMP/maps.txt")"
	sn_ctl maps update xdp_fwd_devmap.bpf.o/tx_port 00000000 "$(le32 "$F1_IFINDEX")" \
		>"$SN_TMP/upd.txt" 2>&1 || sn_fail "$P: maps update (f1 = ifindex $F1_IFINDEX): $(cat "$SN_TMP/upd.txt")"
	sn_ctl maps update kernel:k0/tx_port 00000000 "$(le32 "$K1_IFINDEX")" any \
		>"$SN_TMP/upd.txt" 2>&1 || sn_fail "$P: maps update kernel:k0/tx_port: $(cat "$SN_TMP/upd.txt")"
	# a value naming no interface is refused, as the kernel refuses it
	if sn_ctl maps update xdp_fwd_devmap.bpf.o/tx_port 01000000 fffffff0 >"$SN_TMP/upd.txt" 2>&1; then
		sn_fail "$P: a devmap entry naming no interface was accepted"
	fi
	sn_ctl maps dump kernel:k0/tx_port >"$SN_TMP/kdump.txt" 2>&1 ||
		sn_fail "$P: maps dump kernel:k0/tx_port: $(cat "$SN_TMP/kdump.txt")"
	grep -q "key: 00 00 00 00  value: $(le32 "$K1_IFINDEX" | sed 's/../& /g;s/ $//')" \
		"$SN_TMP/kdump.txt" || sn_fail "$P: kernel devmap entry not read back: $(cat "$SN_TMP/kdump.txt")"
	sn_ctl maps dump xdp_fwd_devmap.bpf.o/tx_port >"$SN_TMP/dump.txt" 2>&1 ||
		sn_fail "$P: maps dump: $(cat "$SN_TMP/dump.txt")"
	grep -q "key: 00 00 00 00  value: $(le32 "$F1_IFINDEX" | sed 's/../& /g;s/ $//')" \
		"$SN_TMP/dump.txt" || sn_fail "$P: devmap entry not read back: $(cat "$SN_TMP/dump.txt")"

	sn_stats "$SN_TMP/s0.json"
	kd0=$(sn_veth_drops "$NS_F" f0 "$NS_A" a0)
	sn_sink_start "$NS_B" b0 "$SN_TMP/sink.json"
	sn_gen_bg "$NS_A" "$SN_TMP/gen.json" --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
		--dst-ip 10.10.2.2 --rate 20000 --count 40000 --flows 8
	sleep 0.5
	sn_ctl xdp attach f0 "$DROP" --engine interp >"$SN_TMP/att.txt" 2>&1 ||
		sn_fail "$P: xdp attach (drop) under traffic: $(cat "$SN_TMP/att.txt")"
	sleep 0.4
	sn_ctl xdp detach f0 >"$SN_TMP/att.txt" 2>&1 ||
		sn_fail "$P: xdp detach under traffic: $(cat "$SN_TMP/att.txt")"
	sleep 0.3
	sn_ctl xdp attach f0 "$FWD" xdp_fwd_devmap >"$SN_TMP/att.txt" 2>&1 ||
		sn_fail "$P: xdp attach (forward again) under traffic: $(cat "$SN_TMP/att.txt")"
	sn_log "$P: programs replaced under traffic"
	sn_gen_wait "$SN_TMP/gen.json"
	sn_log "$P: generator done"
	xd_settle "$SN_TMP/s1.json"
	sn_sink_stop "$SN_TMP/sink.json"
	sn_stats "$SN_TMP/s1.json"

	# Frames the kernel dropped before softnetd saw them (f0's AF_XDP ring full while the
	# machine is busy) are counted by the kernel, not lost.
	kdrops=$(($(sn_veth_drops "$NS_F" f0 "$NS_A" a0) - kd0))
	res=$(xdp_check "$SN_TMP/s0.json" "$SN_TMP/s1.json" "$SN_TMP/gen.json" "$SN_TMP/sink.json" \
		"$kdrops") || sn_fail "$P: $res"
	sn_log "$P: $res"
	read -r runs pass xdrop tx redir <<<"$(tail -n 1 <<<"$res")"
	# the new program's own map says it ran as often as the verdicts say (it is still loaded?
	# no: detached, its object closed); the forwarding program is back:
	sn_ctl xdp >"$SN_TMP/xdp.txt" 2>&1
	grep -q "^f0 .*program xdp_fwd_devmap" "$SN_TMP/xdp.txt" ||
		sn_fail "$P: forwarding program not back on f0: $(cat "$SN_TMP/xdp.txt")"
	if sn_ctl maps dump xdp_drop_all.bpf.o/dropped >/dev/null 2>&1; then
		sn_fail "$P: the drop program's object is still loaded after it was replaced"
	fi
	sn_ctl stats -e -i 0.2 -n 1 >"$SN_TMP/stats-e.txt" 2>&1 ||
		sn_fail "$P: softnetctl stats -e: $(cat "$SN_TMP/stats-e.txt")"
	grep -q "xdp f0 (xdp_fwd_devmap)" "$SN_TMP/stats-e.txt" ||
		sn_fail "$P: stats -e has no XDP line for f0: $(cat "$SN_TMP/stats-e.txt")"

	# SIGHUP (first profile): a broken object keeps the running program; a changed xdp:
	# section replaces it.
	if [ "$P" = "${SN_PROFILES%% *}" ]; then
		head -c 4096 /dev/urandom >"$SN_TMP/broken.bpf.o"
		sed "s|object: $FWD|object: $SN_TMP/broken.bpf.o|;0,/program: xdp_fwd_devmap/{//d}" \
			"$CFG" >"$SN_TMP/hup.yaml"
		cp "$CFG" "$SN_TMP/orig.yaml"
		cp "$SN_TMP/hup.yaml" "$CFG"
		kill -HUP "$SN_DAEMON_PID"
		sn_wait_for "$P: reload failure logged" 5 grep -q "reload failed: .*broken.bpf.o" "$SN_DAEMON_LOG"
		sn_ctl xdp >"$SN_TMP/xdp.txt" 2>&1
		grep -q "^f0 .*program xdp_fwd_devmap of $FWD" "$SN_TMP/xdp.txt" ||
			sn_fail "$P: a broken object replaced the running program: $(cat "$SN_TMP/xdp.txt")"
		sed "s|object: $FWD|object: $DROP|;0,/program: xdp_fwd_devmap/{//d}" \
			"$SN_TMP/orig.yaml" >"$CFG"
		kill -HUP "$SN_DAEMON_PID"
		sn_wait_for "$P: reload with the drop program" 5 grep -q "f0: program 'xdp_drop_all' of $DROP attached (config" "$SN_DAEMON_LOG"
		sn_ctl xdp >"$SN_TMP/xdp.txt" 2>&1
		grep -q "^f0 .*program xdp_drop_all of $DROP" "$SN_TMP/xdp.txt" ||
			sn_fail "$P: SIGHUP did not replace the program: $(cat "$SN_TMP/xdp.txt")"
		cp "$SN_TMP/orig.yaml" "$CFG"
		sn_stats "$SN_TMP/s1.json" # the drain line is compared with these counters
		read -r runs pass xdrop tx redir <<<"$(xdp_check_counts "$SN_TMP/s1.json")"
	fi
	sn_log "$P: checks done"
	sn_daemon_alive "$P after the traffic"
	sn_daemon_stop
	sn_expect_eq "$P: softnetd exit status after SIGTERM" "$SN_DAEMON_RC" 0
	drain=$(sn_check_drain "$SN_DAEMON_LOG") || sn_fail "$P: drain accounting: $drain"
	grep -q "stopped: xdp: runs $runs = pass $pass + drop $xdrop + aborted 0 + tx $tx + redirect $redir" \
		"$SN_DAEMON_LOG" || sn_fail "$P: the drain's xdp line differs from the last stats: $(grep 'stopped: xdp' "$SN_DAEMON_LOG")"
	[ -e "$PIN_ROOT/k0/tx_port" ] && sn_fail "$P: kernel pin $PIN_ROOT/k0/tx_port left after SIGTERM"
	ip -n "$NS_F" link show k0 | grep -q "xdp" && sn_fail "$P: k0 still has an XDP program after SIGTERM"
done
sn_pass "profiles: $SN_PROFILES"
