#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# SIGTERM under load, in each locking profile: generator traffic A -> B as fast as the generator
# goes (far above what AF_XDP copy mode takes) for 6 s, SIGTERM after 2 s. softnetd must exit 0
# within 10 s, and the totals of its drain line must add up: received = forwarded + dropped, the
# drops by reason sum to the drops, no frame head is still out and no leak is reported.
. "$(dirname "$0")/lib.sh"
sn_init sigterm
sn_topo_abf
CFG=$SN_TMP/router.yaml
sn_router_config "$CFG"

# check_drain LOG: parse the drain line ("softnetd: stopped: rx N, forwarded N, dropped N
# (reason N, ...), in flight N") and check its arithmetic; prints the line.
check_drain() {
	"$SN_PY" - "$1" <<'PY'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
cand = [l for l in lines if re.search(r"stopped:|drain", l.lower()) and re.search(r"\bforwarded\b", l)]
if not cand:
    sys.exit("no drain line ('stopped: rx N, forwarded N, dropped N ...') in softnetd's log")
line = cand[-1]
print(line)
low = line.lower()
def num(*names):
    for n in names:
        m = re.search(r"\b" + n + r"\b[\s=:]+(-?\d+)", low)
        if m:
            return int(m.group(1))
    return None
rx = num("rx", "rx_packets", "received")
fwd = num("forwarded", "fwd")
drops = num("drops", "dropped", "drops_total")
heads = num("in flight", "in_flight", "heads_out", "heads out")
errs = []
if rx is None or fwd is None or drops is None:
    errs.append(f"cannot read rx/forwarded/drops from it (rx={rx} forwarded={fwd} drops={drops})")
elif rx != fwd + drops:
    errs.append(f"received {rx} != forwarded {fwd} + dropped {drops} (off by {rx - fwd - drops})")
# drops by reason: "reason=N" pairs inside parentheses or after "drops"
m = re.search(r"\(([^)]*)\)", line)
if m and drops is not None:
    by_reason = [int(v) for v in re.findall(r"[a-z_0-9]+[=:\s]\s*(\d+)", m.group(1))]
    if by_reason and sum(by_reason) != drops:
        errs.append(f"drops by reason sum to {sum(by_reason)}, not {drops}")
if heads not in (None, 0):
    errs.append(f"{heads} frame heads still out")
for l in lines:
    ll = l.lower()
    if re.search(r"\bleak", ll) and not re.search(r"\bno leaks?\b|leaks?[=: ]+0\b", ll):
        errs.append("leak reported: " + l.strip())
if errs:
    sys.exit("; ".join(errs))
PY
}

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_sink_start "$NS_B" b0 "$SN_TMP/sink.json"
	sn_gen "$NS_A" send --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 --dst-ip 10.10.2.2 \
		--rate 0 --duration 6 --flows 16 >"$SN_TMP/gen.json" 2>"$SN_TMP/gen.err" &
	gen=$!
	SN_BG_PIDS+=("$gen")
	sleep 2
	sn_stats "$SN_TMP/s-load.json"
	load_rx=$(sn_jget "$SN_TMP/s-load.json" totals.rx_packets)
	sn_expect_gt "$P: frames softnetd received under load before SIGTERM" "$load_rx" 0
	log=$SN_DAEMON_LOG
	t0=$(date +%s.%N)
	sn_daemon_stop 10
	t1=$(date +%s.%N)
	sn_log "$P: softnetd stopped in $("$SN_PY" -c "print(round($t1 - $t0, 2))") s, status $SN_DAEMON_RC"
	[ "$SN_DAEMON_RC" != 124 ] || sn_fail "$P: softnetd did not exit within 10 s of SIGTERM under load"
	sn_expect_eq "$P: softnetd exit status after SIGTERM under load" "$SN_DAEMON_RC" 0
	drain=$(check_drain "$log" 2>&1) || sn_fail "$P: drain line: $drain"
	sn_log "$P: $drain"
	wait "$gen" || sn_fail "$P: softnet-gen send: $(cat "$SN_TMP/gen.err")"
	sn_sink_stop "$SN_TMP/sink.json"
	[ -e "$SN_RUNDIR/softnetd.sock" ] && sn_fail "$P: the control socket was left behind"
done
sn_pass "profiles: $SN_PROFILES"
