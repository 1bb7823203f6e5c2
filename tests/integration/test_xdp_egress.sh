#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Programs in devmap/cpumap entries through the daemon (docs/xdp.md), one profile (rt-nested):
#   A (a0) -- f0 [softnetd in F, XDP xdp_to_devmap on f0] f1 -- B (b0)
# The daemon logs the id of map_prog.bpf.o's SEC("xdp/devmap") program; softnetctl puts it in
# tx_port's entry 0 with f1's ifindex and reads it back; a wrong-type program is refused in a
# devmap (EINVAL) and in the cpumap (ENOMEM), as the kernel refuses them. Under traffic every
# redirected frame also runs the egress program (f0's XDP runs = 2 x redirects), B receives
# what was redirected and nothing is lost.
. "$(dirname "$0")/lib.sh"
SN_NS_PREFIX=eg
sn_init xdp_egress
: "${XDP_IT_PROGS:?run through meson test (XDP_IT_PROGS: the built programs)}"
MP=$XDP_IT_PROGS/map_prog.bpf.o
[ -f "$MP" ] || sn_fail "program not built: $MP"
P=${SN_EGRESS_PROFILE:-rt-nested}

sn_ns a NS_A
sn_ns f NS_F
sn_ns b NS_B
sn_veth "$NS_A" a0 "$SN_MAC_A" "$NS_F" f0 "$SN_MAC_F0"
sn_veth "$NS_F" f1 "$SN_MAC_F1" "$NS_B" b0 "$SN_MAC_B"
F1_IFINDEX=$(ip netns exec "$NS_F" cat /sys/class/net/f1/ifindex)
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
spaced() { sed 's/../& /g;s/ $//' <<<"$1"; }

CFG=$SN_TMP/egress.yaml
cat >"$CFG" <<EOC
# written by tests/integration/test_xdp_egress.sh
ports:
  - name: f0
    type: afxdp
    ifname: f0
    mode: copy
    xdp:
      object: $MP
      program: xdp_to_devmap
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
EOC
sn_check_config "$CFG"
sn_daemon_start "$NS_F" "$CFG" "$P"

id_of() {
	sed -n "s/.*program '$1' (xdp\/[a-z]*) has id \([0-9]*\).*/\1/p" "$SN_DAEMON_LOG" | tail -n 1
}
EG=$(id_of xdp_egress)
CPU=$(id_of xdp_cpu)
[ -n "$EG" ] && [ -n "$CPU" ] || sn_fail "no program ids in the log: $(cat "$SN_DAEMON_LOG")"
sn_log "$P: xdp_egress has id $EG, xdp_cpu id $CPU"

VAL=$(le32 "$F1_IFINDEX")$(le32 "$EG")
sn_ctl maps update map_prog.bpf.o/tx_port 00000000 "$VAL" >"$SN_TMP/upd.txt" 2>&1 ||
	sn_fail "$P: maps update with the egress program: $(cat "$SN_TMP/upd.txt")"
sn_ctl maps dump map_prog.bpf.o/tx_port >"$SN_TMP/dump.txt" 2>&1 ||
	sn_fail "$P: maps dump: $(cat "$SN_TMP/dump.txt")"
grep -q "key: 00 00 00 00  value: $(spaced "$VAL")" "$SN_TMP/dump.txt" ||
	sn_fail "$P: entry with its program id not read back: $(cat "$SN_TMP/dump.txt")"
if sn_ctl maps update map_prog.bpf.o/tx_port 01000000 "$(le32 "$F1_IFINDEX")$(le32 "$CPU")" \
	>"$SN_TMP/upd.txt" 2>&1; then
	sn_fail "$P: a cpumap program was accepted in a devmap"
fi
grep -q "Invalid argument" "$SN_TMP/upd.txt" || sn_fail "$P: devmap refusal: $(cat "$SN_TMP/upd.txt")"
if sn_ctl maps update map_prog.bpf.o/cpu_map 00000000 "$(le32 64)$(le32 "$EG")" \
	>"$SN_TMP/upd.txt" 2>&1; then
	sn_fail "$P: a devmap program was accepted in a cpumap"
fi
grep -q "Cannot allocate memory" "$SN_TMP/upd.txt" ||
	sn_fail "$P: cpumap refusal: $(cat "$SN_TMP/upd.txt")"

N=4000
sn_stats "$SN_TMP/s0.json"
sn_sink_start "$NS_B" b0 "$SN_TMP/sink.json"
sn_gen_bg "$NS_A" "$SN_TMP/gen.json" --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 \
	--dst-ip 10.10.2.2 --rate 20000 --count "$N" --flows 8
sn_gen_wait "$SN_TMP/gen.json"
sleep 1
sn_stats "$SN_TMP/s1.json"
sn_sink_stop "$SN_TMP/sink.json"
res=$("$SN_PY" - "$SN_TMP/s0.json" "$SN_TMP/s1.json" "$SN_TMP/gen.json" "$SN_TMP/sink.json" <<'PY'
import json, sys
s0, s1, gen, sink = (json.load(open(f)) for f in sys.argv[1:5])
c = [e for e in s1["xdp"]["ports"] if e["port"] == "f0"][0]["counters"]
sent, recv = gen["sent"], sink["received"]
errs = []
if c["redirect"] <= 0: errs.append("nothing redirected")
# Each frame runs xdp_to_devmap (REDIRECT) on f0, then xdp_egress (PASS) at f1's flush; both
# runs are counted on f0, the receiving device.
if c["runs"] != 2 * c["redirect"]: errs.append(f"runs {c['runs']} != 2 x redirects {c['redirect']}")
if c["pass"] != c["redirect"]: errs.append(f"egress PASS {c['pass']} != redirects {c['redirect']}")
if recv != c["redirect"]: errs.append(f"B received {recv}, redirected {c['redirect']}")
acc = s1["accounting"]
if acc["frames_lost"] != 0: errs.append(f"frames lost {acc['frames_lost']}")
print(f"sent {sent}, redirected {c['redirect']}, XDP runs {c['runs']}, B received {recv}")
if errs:
    print("; ".join(errs)); sys.exit(1)
PY
) || sn_fail "$P: $res"
sn_log "$P: $res"
sn_ctl maps delete map_prog.bpf.o/tx_port 00000000 >/dev/null 2>&1 || sn_fail "$P: maps delete"
sn_daemon_stop
[ "$SN_DAEMON_RC" = 0 ] || sn_fail "$P: softnetd exited with $SN_DAEMON_RC: $(tail -5 "$SN_DAEMON_LOG")"
sn_pass "profile $P"
