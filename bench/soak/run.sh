#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/soak/run.sh - the soak run (issue 7; not part of CI): N minutes of mixed traffic through
# softnetd (rt-nested, a debug build so that the lock validator and the allocation checker run)
# with route changes and XDP program changes while it flows; memory and counters sampled.
#
#   A (a0) -- f0 [softnetd router in F] f1 -- B (b0)
#                                       f2 -- C (c0)
# Traffic (softnet-gen, the whole run): IPv4 A -> B (8 flows), IPv6 A -> B (4 flows), IPv4
# A -> 10.10.3.3 (8 flows), routed to B or C. Every --route-every s the 10.10.3.0/24 route is
# deleted and added again through the other next hop (`softnetctl routes del/add`; between the
# two, frames find no route and are counted as such). Every --xdp-every s, when softnetctl has
# `xdp attach`, bench/soak/xdp_soak.bpf.c (counts, XDP_PASS; built for -mcpu=v2 so that the JIT
# takes it) is attached to f0 with the JIT, replaced atomically by the same program in the
# interpreter, and detached, in turn.
#
# Every --interval s (default 10): softnetd's RSS (VmRSS, /proc), its page_pools' occupancy and
# skb cache, its totals and drops by reason (`softnetctl --json stats`) -> one sample.
# At the end, softnetd is stopped with SIGTERM: exit status, frame accounting ("frames lost"),
# lock validator / allocation checker reports (lines "lockdep-lite [...] WARNING") in its log.
# Verdict: RSS flat within 1 % after warm-up (the first max(2 min, 10 %) of the run): (max - min)
# of the RSS samples after warm-up over their minimum <= 1 %.
#
# Output: OUT_DIR/soak.json (samples, summary, verdict), OUT_DIR/soak.png and .svg (gnuplot: RSS
# and pool occupancy over time). The JSON is also printed.
#
# usage: bench/soak/run.sh [--minutes N] [--build-dir DIR] [--rate PPS] [--interval S]
#                          [--route-every S] [--xdp-every S] [--out-dir DIR] [--profile P]
#   --minutes     length of the traffic (default 30)
#   --build-dir   a debug build (meson setup DIR -Dbhlock_debug=true; default build)
#   --rate        frames/s of each of the three generators (default 15000)
#   --out-dir     default bench/results
set -u
SELF=$(readlink -f "$0")
ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)
cd "$ROOT"

MINUTES=30
BUILD=build
RATE=15000
INTERVAL=10
ROUTE_EVERY=20
XDP_EVERY=15
OUT_DIR=bench/results
PROFILE=rt-nested
usage() { sed -n '/^# usage:/,/^set -u/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--minutes) MINUTES=$2; shift 2 ;;
	--build-dir) BUILD=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--interval) INTERVAL=$2; shift 2 ;;
	--route-every) ROUTE_EVERY=$2; shift 2 ;;
	--xdp-every) XDP_EVERY=$2; shift 2 ;;
	--out-dir) OUT_DIR=$2; shift 2 ;;
	--profile) PROFILE=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "soak: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
exec </dev/null

die() { echo "soak: $*" >&2; exit 1; }
log() { echo "[soak $(date -u +%H:%M:%S)] $*" >&2; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, AF_XDP)"
SOFTNETD=$ROOT/$BUILD/daemon/softnetd
SOFTNETCTL=$ROOT/$BUILD/daemon/softnetctl
GEN=$ROOT/$BUILD/tools/gen/softnet-gen
export SOFTNET_GEN_BPF_DIR=$ROOT/$BUILD/bpf
for b in "$SOFTNETD" "$SOFTNETCTL" "$GEN" "$SOFTNET_GEN_BPF_DIR/sink_xdp.bpf.o"; do
	[ -e "$b" ] || die "$b not found: build $BUILD first (meson setup $BUILD -Dbhlock_debug=true)"
done
dbg=$(meson introspect --buildoptions "$BUILD" 2>/dev/null | python3 -c '
import json, sys
print([str(o["value"]).lower() for o in json.load(sys.stdin) if o["name"] == "bhlock_debug"])')
[ "$dbg" = "['true']" ] ||
	die "$BUILD is not a debug build (-Dbhlock_debug=true): the lock validator would be off"
for t in clang gnuplot python3; do command -v $t >/dev/null || die "$t not found (tools/install-deps.sh)"; done
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)

TMP=$(mktemp -d /tmp/snpv-soak.XXXXXX)
# A copy of the binaries: the build directory may be rebuilt while the run goes on.
mkdir -p "$TMP/bin/bpf"
cp "$SOFTNETD" "$SOFTNETCTL" "$GEN" "$TMP/bin/" && cp "$SOFTNET_GEN_BPF_DIR"/*.bpf.o "$TMP/bin/bpf/" ||
	die "cannot copy the binaries"
SOFTNETD=$TMP/bin/softnetd SOFTNETCTL=$TMP/bin/softnetctl GEN=$TMP/bin/softnet-gen
export SOFTNET_GEN_BPF_DIR=$TMP/bin/bpf
NSS=()
PIDS=()
DPID=
cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in "${PIDS[@]}" $DPID; do kill -TERM "$p" 2>/dev/null; done
	sleep 1
	for p in "${PIDS[@]}" $DPID; do kill -KILL "$p" 2>/dev/null; done
	for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null; done
	if [ "$rc" -ne 0 ]; then
		echo "soak: failed; softnetd.log, ctl.err and the samples kept in $TMP" >&2
		find "$TMP" -mindepth 1 ! -name softnetd.log ! -name ctl.err ! -name '*.jsonl' -delete 2>/dev/null
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ns() {
	local n="snpv-soak$$-$1"
	ip netns add "$n" || die "ip netns add $n"
	NSS+=("$n")
	ip -n "$n" link set lo up
	printf -v "$2" '%s' "$n"
}
veth() {
	ip -n "$1" link add "$2" address "$3" type veth peer name "$5" netns "$4" address "$6" ||
		die "veth $2/$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}
MAC_A=02:aa:00:00:00:01 MAC_F0=02:f0:00:00:00:00 MAC_F1=02:f1:00:00:00:01
MAC_B=02:bb:00:00:00:01 MAC_F2=02:f2:00:00:00:02 MAC_C=02:cc:00:00:00:01
ns a NS_A; ns f NS_F; ns b NS_B; ns c NS_C
veth "$NS_A" a0 $MAC_A "$NS_F" f0 $MAC_F0
veth "$NS_F" f1 $MAC_F1 "$NS_B" b0 $MAC_B
veth "$NS_F" f2 $MAC_F2 "$NS_C" c0 $MAC_C
ip -n "$NS_A" addr add 10.10.1.2/24 dev a0
ip -n "$NS_B" addr add 10.10.2.2/24 dev b0
ip -n "$NS_C" addr add 10.10.4.3/24 dev c0

CFG=$TMP/soak.yaml
cat >"$CFG" <<EOF
# bench/soak/run.sh
ports:
  - { name: f0, type: afxdp, ifname: f0, mode: copy }
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
  - { name: f2, type: afxdp, ifname: f2, mode: copy }
router:
  addresses:
    - { address: 10.10.1.1/24, dev: f0 }
    - { address: 10.10.2.1/24, dev: f1 }
    - { address: 10.10.4.1/24, dev: f2 }
    - { address: "fd00:1::1/64", dev: f0 }
    - { address: "fd00:2::1/64", dev: f1 }
routes:
  - { prefix: 10.10.1.0/24, dev: f0 }
  - { prefix: 10.10.2.0/24, dev: f1 }
  - { prefix: 10.10.4.0/24, dev: f2 }
  - { prefix: "fd00:1::/64", dev: f0 }
  - { prefix: "fd00:2::/64", dev: f1 }
  - { prefix: 10.10.3.0/24, via: 10.10.2.2, dev: f1 }
neighbours:
  - { address: 10.10.1.2, mac: "$MAC_A", dev: f0 }
  - { address: 10.10.2.2, mac: "$MAC_B", dev: f1 }
  - { address: 10.10.4.3, mac: "$MAC_C", dev: f2 }
  - { address: "fd00:1::2", mac: "$MAC_A", dev: f0 }
  - { address: "fd00:2::2", mac: "$MAC_B", dev: f1 }
EOF
chmod 0600 "$CFG"
"$SOFTNETD" --check-config "$CFG" >/dev/null || die "config rejected"

# Two copies: one loaded object has one engine, so the JIT and the interpreter each get theirs.
XDP_OBJ=$TMP/xdp_soak.bpf.o
XDP_OBJ2=$TMP/xdp_soak_interp.bpf.o
clang -O2 -g -target bpf -mcpu=v2 -Wall -Werror -c bench/soak/xdp_soak.bpf.c -o "$XDP_OBJ" ||
	die "cannot build bench/soak/xdp_soak.bpf.c"
cp "$XDP_OBJ" "$XDP_OBJ2"
chmod 0644 "$XDP_OBJ" "$XDP_OBJ2"
XDP=0
"$SOFTNETCTL" --help 2>&1 | grep -q "xdp attach" && XDP=1

RUN=$TMP/run
LOG=$TMP/softnetd.log
mkdir -p "$RUN"
ctl() { timeout 5 "$SOFTNETCTL" -s "$RUN/softnetd.sock" "$@"; }
ip netns exec "$NS_F" "$SOFTNETD" --config "$CFG" --profile "$PROFILE" --runtime-dir "$RUN" \
	>"$LOG" 2>&1 &
DPID=$!
for _ in $(seq 200); do
	kill -0 "$DPID" 2>/dev/null || die "softnetd exited during start-up: $(tail -5 "$LOG")"
	ctl --json stats >/dev/null 2>&1 && break
	sleep 0.1
done
ctl --json stats >/dev/null 2>&1 || die "softnetd does not answer"
log "softnetd pid $DPID ($BUILD, $PROFILE); xdp program changes: $([ $XDP = 1 ] && echo yes || echo 'no (softnetctl has no xdp attach)')"

SECS=$((MINUTES * 60))
sink() {
	ip netns exec "$1" "$GEN" recv --dev "$2" --duration $((SECS + 120)) >"$TMP/sink-$2.json" \
		2>"$TMP/sink-$2.err" &
	PIDS+=($!)
	echo $! >"$TMP/sink-$2.pid"
	for _ in $(seq 100); do
		grep -q "sink attached" "$TMP/sink-$2.err" 2>/dev/null && return 0
		sleep 0.05
	done
	die "sink on $2 did not attach: $(cat "$TMP/sink-$2.err")"
}
sink "$NS_B" b0
sink "$NS_C" c0
gen() {
	local name=$1
	shift
	ip netns exec "$NS_A" "$GEN" send --dev a0 --dst-mac $MAC_F0 --rate "$RATE" \
		--duration "$SECS" "$@" >"$TMP/gen-$name.json" 2>"$TMP/gen-$name.err" &
	PIDS+=($!)
	GENS+=($!)
}
GENS=()
gen v4 --src-ip 10.10.1.2 --dst-ip 10.10.2.2 --flows 8
gen v6 --ipv6 --src-ip fd00:1::2 --dst-ip fd00:2::2 --flows 4
gen moving --src-ip 10.10.1.2 --dst-ip 10.10.3.3 --flows 8

SAMPLES=$TMP/samples.jsonl
EVENTS=$TMP/events.jsonl
: >"$SAMPLES"
: >"$EVENTS"
T0=$(date +%s)
event() { printf '{"t": %d, "event": "%s", "ok": %s}\n' $(($(date +%s) - T0)) "$1" "$2" >>"$EVENTS"; }
sample() {
	local t=$(($(date +%s) - T0)) rss hwm
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/$DPID/status 2>/dev/null)
	hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$DPID/status 2>/dev/null)
	ctl --json stats >"$TMP/stats.json" 2>/dev/null || { event "stats failed" false; return; }
	"$PY" - "$TMP/stats.json" "$t" "${rss:-0}" "${hwm:-0}" >>"$SAMPLES" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
t, rss, hwm = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pools = s.get("page_pools", [])
in_use = sum(p.get("in_use", 0) for p in pools)
nr = sum(p.get("nr_bufs", 0) for p in pools)
sc = s.get("skb_cache", {}) or {}
tot = s.get("totals", {}) or {}
print(json.dumps({
    "t_s": t, "rss_kb": rss, "hwm_kb": hwm,
    "pool_in_use": in_use, "pool_bufs": nr,
    "pool_occupancy": round(in_use / nr, 4) if nr else None,
    "skb_heads_total": sc.get("heads_total"), "skb_heads_free_global": sc.get("heads_free_global"),
    "skb_chunks_in_use": sc.get("chunks_in_use"),
    "rx_packets": tot.get("rx_packets"), "forwarded": tot.get("forwarded"),
    "transmitted": tot.get("transmitted", tot.get("tx_packets")),
    "drops_total": tot.get("drops_total"), "drops": tot.get("drops", {}),
}))
EOF
}

route_via=b
xdp_step=0
next_sample=0
next_route=$ROUTE_EVERY
next_xdp=$XDP_EVERY
while :; do
	now=$(($(date +%s) - T0))
	[ "$now" -ge "$SECS" ] && break
	kill -0 "$DPID" 2>/dev/null || die "softnetd died at t=${now}s: $(tail -20 "$LOG")"
	if [ "$now" -ge "$next_sample" ]; then
		sample
		next_sample=$((next_sample + INTERVAL))
	fi
	if [ "$now" -ge "$next_route" ]; then
		ok=true
		ctl routes del 10.10.3.0/24 >/dev/null 2>>"$TMP/ctl.err" || ok=false
		if [ $route_via = b ]; then
			ctl routes add 10.10.3.0/24 via 10.10.4.3 dev f2 >/dev/null 2>>"$TMP/ctl.err" || ok=false
			route_via=c
		else
			ctl routes add 10.10.3.0/24 via 10.10.2.2 dev f1 >/dev/null 2>>"$TMP/ctl.err" || ok=false
			route_via=b
		fi
		event "route 10.10.3.0/24 -> $route_via" $ok
		next_route=$((next_route + ROUTE_EVERY))
	fi
	if [ $XDP = 1 ] && [ "$now" -ge "$next_xdp" ]; then
		ok=true
		case $((xdp_step % 3)) in
		0) ctl xdp attach f0 "$XDP_OBJ" xdp_soak --engine jit >/dev/null 2>>"$TMP/ctl.err" || ok=false; what="xdp attach (jit)" ;;
		1) ctl xdp attach f0 "$XDP_OBJ2" xdp_soak --engine interp >/dev/null 2>>"$TMP/ctl.err" || ok=false; what="xdp replace (interp)" ;;
		2) ctl xdp detach f0 >/dev/null 2>>"$TMP/ctl.err" || ok=false; what="xdp detach" ;;
		esac
		event "$what f0" $ok
		xdp_step=$((xdp_step + 1))
		next_xdp=$((next_xdp + XDP_EVERY))
	fi
	sleep 1
done
sample
for p in "${GENS[@]}"; do wait "$p"; done
sleep 1
ctl --json stats >"$TMP/final-stats.json" 2>/dev/null
for d in b0 c0; do
	kill -INT "$(cat "$TMP/sink-$d.pid")" 2>/dev/null
	wait "$(cat "$TMP/sink-$d.pid")" 2>/dev/null
done
# frames the kernel dropped before softnetd saw them: f0's rx_dropped (AF_XDP ring full) and a0's
# tx_dropped (veth queue full); softnetd never counts those
KDROPS=$(($(ip netns exec "$NS_F" cat /sys/class/net/f0/statistics/rx_dropped) + \
	$(ip netns exec "$NS_A" cat /sys/class/net/a0/statistics/tx_dropped)))
kill -TERM "$DPID"
for _ in $(seq 300); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
wait "$DPID"
DRC=$?
DPID=
log "softnetd exit status $DRC"

mkdir -p "$OUT_DIR"
"$PY" - "$TMP" "$OUT_DIR" "$MINUTES" "$BUILD" "$PROFILE" "$RATE" "$INTERVAL" "$DRC" "$LOG" \
	"$XDP" "$ROUTE_EVERY" "$XDP_EVERY" "$KDROPS" <<'EOF'
import json, os, re, subprocess, sys
tmp, out, minutes, build, profile, rate, interval, drc, logf, xdp, r_every, x_every, kdrops = sys.argv[1:14]
samples = [json.loads(l) for l in open(os.path.join(tmp, "samples.jsonl")) if l.strip()]
events = [json.loads(l) for l in open(os.path.join(tmp, "events.jsonl")) if l.strip()]
log = open(logf, errors="replace").read()
def jl(name):
    try:
        return json.load(open(os.path.join(tmp, name)))
    except Exception:
        return None
gens = {n: jl("gen-%s.json" % n) for n in ("v4", "v6", "moving")}
sinks = {d: jl("sink-%s.json" % d) for d in ("b0", "c0")}
final = jl("final-stats.json") or {}
secs = int(minutes) * 60
warm = max(120, secs // 10)
after = [s for s in samples if s["t_s"] >= warm and s["rss_kb"]]
rss = [s["rss_kb"] for s in after]
verdict = {"warmup_s": warm, "samples_after_warmup": len(rss)}
if len(rss) >= 3:
    lo, hi = min(rss), max(rss)
    n = len(after)
    xs = [s["t_s"] for s in after]
    mx, my = sum(xs) / n, sum(rss) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, rss)) / sxx if sxx else 0.0
    spread = (hi - lo) / lo * 100
    verdict.update({"rss_min_kb": lo, "rss_max_kb": hi, "rss_spread_pct": round(spread, 3),
                    "rss_slope_kb_per_hour": round(slope * 3600, 1),
                    "rss_flat_within_1pct": spread <= 1.0})
else:
    verdict.update({"rss_flat_within_1pct": None, "why": "fewer than 3 samples after warm-up"})
occ = [s["pool_occupancy"] for s in after if s.get("pool_occupancy") is not None]
if occ:
    verdict["pool_occupancy_min"], verdict["pool_occupancy_max"] = min(occ), max(occ)
lockdep = len(re.findall(r"lockdep-lite \[[^\]]*\] WARNING", log))
m = re.findall(r"frames lost: (-?\d+)", log)
verdict.update({
    "lock_validator_and_alloc_checker_reports": lockdep,
    "softnetd_exit_status": int(drc),
    "frames_lost_at_drain": int(m[-1]) if m else None,
    "leak_lines": len(re.findall(r"leak:", log)),
    "route_changes": sum(1 for e in events if e["event"].startswith("route")),
    "route_changes_failed": sum(1 for e in events if e["event"].startswith("route") and not e["ok"]),
    "xdp_changes": sum(1 for e in events if e["event"].startswith("xdp")),
    "xdp_changes_failed": sum(1 for e in events if e["event"].startswith("xdp") and not e["ok"]),
})
sent = sum((g or {}).get("sent", 0) for g in gens.values())
# The three generators number their frames from 0 each: at B, where two of them arrive, the sink
# counts a sequence number it has just seen as a duplicate. Both are frames that arrived.
received = sum((s or {}).get("received", 0) + (s or {}).get("duplicates", 0) for s in sinks.values())
tot = final.get("totals") or {}
sd_drops = tot.get("drops_total", 0)
accounting = {
    "sent": sent, "kernel_drops_before_softnetd": int(kdrops),
    "softnetd_received": tot.get("rx_packets"), "softnetd_drops": sd_drops,
    "softnetd_drops_by_reason": tot.get("drops"),
    "arrived_at_sinks": received,
    # exact: every frame softnetd took in was dropped by reason or arrived at a sink
    "frames_lost_in_softnetd": (tot.get("rx_packets") or 0) - sd_drops - received,
    # approximate: the kernel's veth/AF_XDP counters before softnetd (not frame-exact)
    "sent_minus_kernel_drops_minus_softnetd_received": sent - int(kdrops) - (tot.get("rx_packets") or 0),
    "note": "frames_lost_in_softnetd = softnetd rx - softnetd drops (by reason, ARP/ND for the "
            "router included) - frames that arrived at the sinks (received + duplicates); the "
            "generator-to-softnetd side is read from kernel counters (f0 rx_dropped + a0 "
            "tx_dropped) and only shown",
}
verdict["frames_lost_in_softnetd"] = accounting["frames_lost_in_softnetd"]
verdict["pass"] = bool(verdict.get("rss_flat_within_1pct")) and lockdep == 0 and int(drc) == 0 \
    and verdict["frames_lost_at_drain"] == 0 and verdict["leak_lines"] == 0 \
    and verdict["frames_lost_in_softnetd"] == 0 \
    and verdict["route_changes_failed"] == 0 and verdict["xdp_changes_failed"] == 0
doc = {
    "bench": "soak",
    "method": {
        "minutes": int(minutes), "build": build, "build_kind": "debug (bhlock_debug=true: lock validator and allocation checker on)",
        "profile": profile, "interval_s": int(interval), "rate_per_generator_pps": int(rate),
        "traffic": "softnet-gen: IPv4 A->B 8 flows, IPv6 A->B 4 flows, IPv4 A->10.10.3.3 8 flows (route moved between B and C)",
        "route_change_every_s": int(r_every),
        "xdp_change_every_s": int(x_every) if xdp == "1" else None,
        "xdp_changes": "attach (jit), atomic replace by a second copy of the object (interp), detach of bench/soak/xdp_soak.bpf.c on f0 in turn" if xdp == "1"
                       else "none: softnetctl had no 'xdp attach'",
        "rss": "VmRSS of /proc/PID/status", "pool_occupancy": "sum(page_pools.in_use) / sum(page_pools.nr_bufs)",
        "verdict": "RSS flat within 1 %: (max - min) / min of the samples after warm-up (max(120 s, 10 % of the run))",
        "uname": os.uname().release, "nproc": os.cpu_count(),
        "loadavg_end": open("/proc/loadavg").read().split()[:3],
    },
    "verdict": verdict,
    "accounting": accounting,
    "traffic": {"generators": gens, "sinks": sinks, "softnetd_totals_end": tot},
    "events": events,
    "samples": samples,
}
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "soak.json"), "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
with open(os.path.join(tmp, "plot.dat"), "w") as f:
    for s in samples:
        f.write("%d %.3f %s\n" % (s["t_s"], s["rss_kb"] / 1024.0,
                                  s["pool_occupancy"] * 100 if s.get("pool_occupancy") is not None else "NaN"))
base = (verdict.get("rss_min_kb") or (samples[-1]["rss_kb"] if samples else 1024)) / 1024.0
gp = """
set termoption noenhanced
set title "softnetd soak: %s min, %s, debug build: RSS spread after warm-up %s %%%%"
set xlabel "time (s)"
set ylabel "RSS (MiB)"
set y2label "page_pool occupancy (%%%%)"
set ytics nomirror
set y2tics
set yrange [%.3f:%.3f]
set y2range [0:100]
set key bottom right
set grid
set arrow from %d, graph 0 to %d, graph 1 nohead dt 2
set label "warm-up" at %d, graph 0.95 right offset -0.5,0
plot "%s" using 1:2 axes x1y1 with linespoints lw 2 pt 7 ps 0.5 title "RSS", \\
     %.3f axes x1y1 with lines dt 3 lc rgb "gray40" title "RSS min after warm-up + 1 %%%%", \\
     "%s" using 1:3 axes x1y2 with lines title "page_pool occupancy"
""" % (minutes, profile, verdict.get("rss_spread_pct", "?"), base * 0.97, base * 1.03,
       warm, warm, warm, os.path.join(tmp, "plot.dat"), base * 1.01, os.path.join(tmp, "plot.dat"))
gp = gp.replace("%%", "%")
for term, ext in (("pngcairo size 1000,600", "png"), ("svg size 1000,600", "svg")):
    script = "set terminal %s\nset output '%s'\n%s" % (term, os.path.join(out, "soak." + ext), gp)
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode:
        # gnuplot-nox may lack cairo: the plain png terminal then
        script = script.replace("pngcairo", "png")
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode:
        print("gnuplot (%s): %s" % (ext, r.stderr), file=sys.stderr)
print(json.dumps({"verdict": verdict, "accounting": accounting}, indent=1))
sys.exit(0 if verdict["pass"] else 1)
EOF
