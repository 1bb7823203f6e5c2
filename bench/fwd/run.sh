#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/fwd/run.sh - softnetd's forwarding rate against its peers, measured in the same run.
#
#   a. io forwarding (no program, no lookup) against dpdk-testpmd, same PMD, same cores:
#      (i)   net_ring (in-process): testpmd --tx-first io/mac vs softnetd's bridge, fed by
#            bench/fwd/ring_txfirst.so (LD_PRELOAD: one first burst of 64 frames, testpmd's 2x32)
#      (ii)  net_af_xdp over the veths: testpmd io/mac vs softnetd's DPDK ports (bridge, router)
#      (iii) softnetd's own afxdp ports over the same veths (bridge, router)
#   b. softnetd's L3 router on veth vs the kernel (ip_forward) vs kernel XDP (xdp_fwd.bpf.c:
#      bpf_fib_lookup + devmap redirect), same generator, same flows
#   c. profile cost: the router (afxdp) and the ring bridge in vanilla, rt-bhlock, rt-nested
#
# softnetd's io mode is `xconnect` (docs/datapath.md, "io forwarding"): between two dpdk ports the
# bursts go across as mbufs. Its bridge is measured beside it: a two-port bridge whose stations are
# static FDB entries (nothing learnt per frame); on net_ring the circulating frames are broadcast,
# which a two-port bridge floods to the one other port without a copy (see ring_txfirst.c).
#
# veth rates are delivered pps (received by the sink / generator's sending time) at one fixed
# offered load, 1 Mpps by default (--rate), which softnet-gen reaches on CPU 0 beside f0's NAPI in
# every case; frames the forwarder cannot take are dropped by the kernel at f0 (counted,
# `kernel_drops`). Not a no-loss rate search: see the JSON's method.veth_rate. net_ring rates are frames forwarded per second (testpmd's Rx-pps
# summed over both ports; softnetd's forwarded counter), median over the measurement seconds.
#
# Prints the JSON document and writes it to --out (default bench/results/fwd.json).
#
# usage: bench/fwd/run.sh [--build-dir DIR] [--short] [--reps N] [--duration S] [--out FILE]
#                         [--rate PPS] [--only ring,veth,kernel,profiles]
#   --build-dir  a release build (default build-bf: meson setup build-bf --buildtype=release
#                -Dbhlock_debug=false; ninja -C build-bf)
#   --short      one repetition of 2 s per point (default: 3 repetitions of 3 s)
#   --rate       the offered load on veth (default 1000000 frames/s; 0 = generator flat out)
set -u
SELF=$(readlink -f "$0")
. "$(dirname "$SELF")/lib.sh"
. "$(dirname "$SELF")/../lib.sh"
cd "$FB_ROOT"

BUILD=build-bf
REPS=3
DUR=3
OFFER=1000000
OUT=bench/results/fwd.json
ONLY=ring,veth,kernel,profiles
SHORT=0
usage() { sed -n '/^# usage:/,/^set -u/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) BUILD=$2; shift 2 ;;
	--short) SHORT=1; REPS=1; DUR=2; shift ;;
	--reps) REPS=$2; shift 2 ;;
	--duration) DUR=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--rate) OFFER=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
exec </dev/null
fb_init fwd "$BUILD"
export FB_LOAD0="$(cat /proc/loadavg)"
command -v dpdk-testpmd >/dev/null || apt-get install -y dpdk-dev >/dev/null 2>&1 ||
	fb_die "dpdk-testpmd not found (Debian package dpdk-dev)"
for t in clang bpftool ethtool taskset; do command -v $t >/dev/null || fb_die "$t not found"; done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

TRIALS=$FB_TMP/trials.jsonl
: >"$TRIALS"
# record KEY=VALUE...: one trial as a JSON line (values that look numeric stay numbers)
record() { bench_record "$TRIALS" "$@"; }

# ---- helpers built here ------------------------------------------------------------------------
SHIM=$FB_TMP/ring_txfirst.so
gcc -O2 -Wall -fPIC -shared -o "$SHIM" bench/fwd/ring_txfirst.c $(pkg-config --cflags --libs libdpdk) \
	-ldl -lpthread 2>"$FB_TMP/shim.err" || fb_die "ring_txfirst.c: $(cat "$FB_TMP/shim.err")"
XDP_OBJ=$FB_TMP/xdp_fwd.bpf.o
clang -O2 -g -target bpf -I/usr/include/$(gcc -dumpmachine) -c bench/fwd/xdp_fwd.bpf.c \
	-o "$XDP_OBJ" 2>"$FB_TMP/xdp.err" || fb_die "xdp_fwd.bpf.c: $(cat "$FB_TMP/xdp.err")"

TP_EAL=(--no-huge -m 512 --no-pci --file-prefix "fb$$")
TP_APP=(--stats-period 1 --total-num-mbufs=16384)

# ---- (i) net_ring ------------------------------------------------------------------------------
# tp_ring MODE REP: testpmd --tx-first on two net_ring loopback ports, forwarding on lcore 1.
tp_ring() {
	local mode=$1 rep=$2 log=$FB_TMP/tp-ring-$1-$2.log extra=() pps
	[ "$mode" = mac ] && extra=(--eth-peer=0,$MAC_A --eth-peer=1,$MAC_B)
	timeout -s INT $((DUR + 6)) dpdk-testpmd -l 0-1 "${TP_EAL[@]}" --vdev net_ring0 --vdev net_ring1 -- \
		--forward-mode=$mode --tx-first "${TP_APP[@]}" "${extra[@]}" >"$log" 2>&1
	# Per stats period, sum the two ports' Rx-pps; drop the periods before forwarding started, the
	# first (partial) one and the last.
	pps=$("$FB_PY" - "$log" <<'EOF'
import re, statistics, sys
v = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", open(sys.argv[1]).read())]
sums = [v[i] + v[i + 1] for i in range(0, len(v) - 1, 2)]
while sums and sums[0] == 0:
    sums.pop(0)
sums = sums[1:-1]  # the first and the last period are partial
print(int(statistics.median(sums)) if sums else 0)
EOF
)
	local sym=ok
	[ "$pps" -gt 0 ] || sym="testpmd reported no rate: $(grep -m1 -i 'error\|fail' "$log")"
	record case=ring system=testpmd mode=$mode profile=- rep=$rep pps=$pps symptom="$sym"
	fb_log "ring testpmd $mode rep $rep: $pps pps"
}

# sn_ring PROFILE REP [MODE]: softnetd over net_ring0/net_ring1, fed by ring_txfirst.so. MODE
# bridge (default: a two-port bridge, the source static) or io (the ports cross-connected).
sn_ring() {
	local profile=$1 rep=$2 mode=${3:-bridge} cfg=$FB_TMP/ring.yaml s1=$FB_TMP/r1.json s2=$FB_TMP/r2.json pps sym=ok
	if [ "$mode" = io ]; then
		cat >"$cfg" <<EOF
# bench/fwd: softnetd io forwarding on net_ring: each port cross-connected to the other
cpus: [$FWD_CPU]
ports:
  - { name: r0, type: dpdk, pmd: net_ring0, eal: ["--no-huge", "--no-pci", "-m", "512"], xconnect: r1 }
  - { name: r1, type: dpdk, pmd: net_ring1, xconnect: r0 }
EOF
	else
		cat >"$cfg" <<EOF
# bench/fwd: softnetd on net_ring: a two-port bridge; the source is static
cpus: [$FWD_CPU]
ports:
  - { name: r0, type: dpdk, pmd: net_ring0, eal: ["--no-huge", "--no-pci", "-m", "512"] }
  - { name: r1, type: dpdk, pmd: net_ring1 }
bridge: {}
fdb:
  - { mac: "02:00:00:00:00:01", dev: r0 }
EOF
	fi
	FB_SYMPTOM=
	if ! fb_sn_start "" "$cfg" "$profile" LD_PRELOAD="$SHIM" SN_TXFIRST_BURST=64 \
		SN_TXFIRST_SRC=02:00:00:00:00:01 SN_TXFIRST_DELAY_MS=1000; then
		record case=ring system=softnetd mode=$mode profile=$profile rep=$rep pps=0 symptom="$FB_SYMPTOM"
		return
	fi
	sleep 2
	fb_ctl --json stats >"$s1"
	sleep "$DUR"
	fb_ctl --json stats >"$s2"
	pps=$(fb_json "$s2" "int((d['totals']['forwarded'] - $(fb_json "$s1" "d['totals']['forwarded']")) / ((d['time_ns'] - $(fb_json "$s1" "d['time_ns']")) / 1e9))")
	local drops
	drops=$(fb_json "$s2" "d['totals']['drops_total']")
	grep -q "frames sent first" "$SN_LOG" || sym="the first burst was not sent: $(grep ring_txfirst "$SN_LOG")"
	[ "$pps" -gt 0 ] || sym="no frame circulated (drops $drops: $(fb_json "$s2" "d['totals']['drops']"))"
	fb_sn_stop
	[ -n "$FB_SYMPTOM" ] && sym=$FB_SYMPTOM
	record case=ring system=softnetd mode=$mode profile=$profile rep=$rep pps=$pps drops=$drops symptom="$sym"
	fb_log "ring softnetd $mode $profile rep $rep: $pps pps"
}

# ---- (ii)/(iii)/b/c: the veths -----------------------------------------------------------------
# veth_trial CASE SYSTEM MODE PROFILE REP: start the forwarder, send DUR s flat out, count.
veth_trial() {
	local case=$1 sys=$2 mode=$3 profile=$4 rep=$5 dst=$MAC_F0 fpid= sym=ok cfg
	local g=$FB_TMP/gen.json k=$FB_TMP/sink.json s1=$FB_TMP/v1.json s2=$FB_TMP/v2.json
	local fwd_drops=-1 fwd=-1 kd0 kd reasons=-
	FB_SYMPTOM=
	case "$sys" in
	softnetd-afxdp | softnetd-dpdk)
		cfg=$FB_TMP/sn-$sys-$mode.yaml
		fb_sn_config "$cfg" "$mode" "${sys#softnetd-}"
		case "$mode" in bridge | io) dst=$MAC_B ;; esac
		if ! fb_sn_start "$NS_F" "$cfg" "$profile"; then
			record case=$case system=$sys mode=$mode profile=$profile rep=$rep pps=0 symptom="$FB_SYMPTOM"
			fb_log "$sys $mode $profile: $FB_SYMPTOM"
			return
		fi
		fb_ctl --json stats >"$s1"
		;;
	testpmd)
		local extra=()
		[ "$mode" = mac ] && extra=(--eth-peer=0,$MAC_A --eth-peer=1,$MAC_B)
		[ "$mode" = io ] && dst=$MAC_B
		fb_bg ip netns exec $NS_F dpdk-testpmd -l 0-1 "${TP_EAL[@]}" --vdev net_af_xdp0,iface=f0 \
			--vdev net_af_xdp1,iface=f1 -- --forward-mode=$mode "${TP_APP[@]}" "${extra[@]}" \
			>"$FB_TMP/tp-veth.log" 2>&1
		fpid=$FB_LAST
		for _ in $(seq 100); do
			grep -q "Port statistics" "$FB_TMP/tp-veth.log" && break
			kill -0 "$fpid" 2>/dev/null || break
			sleep 0.1
		done
		if ! grep -q "Port statistics" "$FB_TMP/tp-veth.log"; then
			sym="testpmd did not start: $(grep -i -m2 'error\|fail' "$FB_TMP/tp-veth.log" | tr '\n' ' ')"
			FB_SIG=INT fb_stop "$fpid" 5
			record case=$case system=$sys mode=$mode profile=- rep=$rep pps=0 symptom="$sym"
			return
		fi
		;;
	kernel)
		fb_kernel_on
		# f0 needs an XDP program to take XDP-redirected frames (GRO would merge the flows)
		ip -n $NS_F link set dev f0 xdpdrv obj "$XDP_OBJ" program xdp_pass || fb_die "attach xdp_pass"
		;;
	xdp)
		fb_kernel_on
		ip -n $NS_F link set dev f0 xdpdrv obj "$XDP_OBJ" program xdp_fwd || fb_die "attach xdp_fwd to f0"
		local pid mid f1i
		pid=$(ip -j -n $NS_F link show f0 | "$FB_PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
		mid=$(bpftool -j prog show id "$pid" | "$FB_PY" -c 'import json,sys; print(json.load(sys.stdin)["map_ids"][0])')
		f1i=$(ip netns exec $NS_F cat /sys/class/net/f1/ifindex)
		local kb
		kb=$(printf '%d %d %d %d' $((f1i & 255)) $((f1i >> 8 & 255)) $((f1i >> 16 & 255)) $((f1i >> 24)))
		ip netns exec $NS_F bpftool map update id "$mid" key $kb value $kb || fb_die "devmap update"
		;;
	esac
	fb_sink_start "$k"
	kd0=$(fb_kdrops)
	fb_send "$g" "$dst" "$OFFER" "$DUR"
	sleep 0.5
	fb_sink_stop "$k"
	kd=$(($(fb_kdrops) - kd0))
	case "$sys" in
	softnetd-*)
		if fb_ctl --json stats >"$s2" 2>/dev/null; then
			fwd=$(fb_json "$s2" "d['totals']['forwarded'] - $(fb_json "$s1" "d['totals']['forwarded']")")
			fwd_drops=$(fb_json "$s2" "d['totals']['drops_total'] - $(fb_json "$s1" "d['totals']['drops_total']")")
			reasons=$("$FB_PY" -c "import json; a=json.load(open('$s1'))['totals'].get('drops', {}); b=json.load(open('$s2'))['totals'].get('drops', {}); print(' '.join(f'{k}:{v - a.get(k, 0)}' for k, v in b.items() if v - a.get(k, 0)) or 'none')")
		else
			sym="softnetd stopped answering softnetctl stats after the run"
		fi
		fb_sn_stop
		[ -n "$FB_SYMPTOM" ] && sym=$FB_SYMPTOM
		;;
	testpmd) FB_SIG=INT fb_stop "$fpid" 10 ;;
	kernel | xdp)
		ip -n $NS_F link set dev f0 xdpdrv off
		fb_kernel_off
		;;
	esac
	local sent recv dur pps lat50 lat99
	sent=$(fb_json "$g" "d['sent']")
	dur=$(fb_json "$g" "d['duration_s']")
	recv=$(fb_json "$k" "d['received']")
	pps=$("$FB_PY" -c "print(int($recv / $dur))")
	lat50=$(fb_json "$k" "d['latency_ns']['p50']")
	lat99=$(fb_json "$k" "d['latency_ns']['p99']")
	# Frames unaccounted for: sent - received - softnetd's drops - the kernel's drops at f0/a0.
	local lost=-1
	[ "$fwd_drops" -ge 0 ] && lost=$((sent - recv - fwd_drops - kd))
	if [ "$fwd_drops" -ge 0 ] && [ "$lost" -gt $((sent / 1000 + 64)) ]; then
		sym="frames lost without a counter: sent $sent, received $recv, softnetd drops $fwd_drops, kernel drops $kd"
	fi
	record case=$case system=$sys mode=$mode profile=$profile rep=$rep pps=$pps sent=$sent \
		offered_pps=$(fb_json "$g" "int(d['pps'])") received=$recv forwarded=$fwd fwd_drops=$fwd_drops \
		kernel_drops=$kd drop_reasons="$reasons" unaccounted=$lost lat_p50_ns=$lat50 lat_p99_ns=$lat99 symptom="$sym"
	fb_log "$case $sys $mode $profile rep $rep: delivered $pps pps (offered $(fb_json "$g" "int(d['pps'])"), kernel drops $kd)${sym:+ [$sym]}"
}

T0=$(date +%s)
if want ring; then
	for rep in $(seq "$REPS"); do
		tp_ring io "$rep"
		tp_ring mac "$rep"
		sn_ring vanilla "$rep"
		sn_ring vanilla "$rep" io
		if want profiles; then
			sn_ring rt-bhlock "$rep"
			sn_ring rt-nested "$rep"
			sn_ring rt-bhlock "$rep" io
			sn_ring rt-nested "$rep" io
		fi
	done
fi
if want veth || want kernel || want profiles; then
	fb_topo
	for rep in $(seq "$REPS"); do
		if want veth; then
			veth_trial af_xdp testpmd io - "$rep"
			veth_trial af_xdp testpmd mac - "$rep"
			veth_trial af_xdp softnetd-dpdk io vanilla "$rep"
			veth_trial af_xdp softnetd-dpdk bridge vanilla "$rep"
			veth_trial af_xdp softnetd-dpdk router vanilla "$rep"
			veth_trial afxdp softnetd-afxdp io vanilla "$rep"
			veth_trial afxdp softnetd-afxdp bridge vanilla "$rep"
		fi
		veth_trial l3 softnetd-afxdp router vanilla "$rep"
		if want profiles; then
			veth_trial l3 softnetd-afxdp router rt-bhlock "$rep"
			veth_trial l3 softnetd-afxdp router rt-nested "$rep"
		fi
		if want kernel; then
			veth_trial l3 kernel ip_forward - "$rep"
			veth_trial l3 xdp devmap - "$rep"
		fi
	done
fi
ELAPSED=$(($(date +%s) - T0))

# ---- summary -----------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
"$FB_PY" - "$TRIALS" "$OUT" "$REPS" "$DUR" "$ELAPSED" "$SHORT" "$(uname -r)" "$(nproc)" \
	"dpdk-testpmd $(dpkg-query -W -f '${Version}' dpdk-dev 2>/dev/null)" <<'EOF'
import json, statistics, sys, time
trials = [json.loads(l) for l in open(sys.argv[1])]
out, reps, dur, elapsed, short, kernel, ncpu = sys.argv[2:9]
groups = {}
for t in trials:
    key = (t["case"], t["system"], t["mode"], t["profile"])
    groups.setdefault(key, []).append(t)

def summary(ts):
    v = [t["pps"] for t in ts]
    med = statistics.median(v)
    s = {"median_pps": int(med), "min_pps": min(v), "max_pps": max(v), "n": len(v),
         "spread_pct": round(100.0 * (max(v) - min(v)) / med, 1) if med else None, "runs_pps": v}
    for k in ("offered_pps", "kernel_drops", "fwd_drops", "unaccounted", "lat_p50_ns", "lat_p99_ns"):
        if k in ts[0]:
            s[k + "_median"] = statistics.median(t[k] for t in ts)
    if ts[0].get("drop_reasons", "-") != "-":
        s["drop_reasons"] = [t["drop_reasons"] for t in ts]
    sy = sorted({t["symptom"] for t in ts if t.get("symptom", "ok") != "ok"})
    if sy:
        s["symptoms"] = sy
    return s

res = {}
for (c, sy, m, p), ts in groups.items():
    name = f"{c}/{sy}/{m}" + ("" if p == "-" else f"/{p}")
    res[name] = summary(ts)

def ratio(a, b):
    if a not in res or b not in res or not res[b]["median_pps"]:
        return None
    A, B = res[a], res[b]
    return {"of": a, "to": b, "median": round(A["median_pps"] / B["median_pps"], 4),
            "low": round(A["min_pps"] / B["max_pps"], 4) if B["max_pps"] else None,
            "high": round(A["max_pps"] / B["min_pps"], 4) if B["min_pps"] else None}

pairs = {
    "ring_io: softnetd io / testpmd io": ("ring/softnetd/io/vanilla", "ring/testpmd/io"),
    "af_xdp_io: softnetd(dpdk net_af_xdp) io / testpmd io": ("af_xdp/softnetd-dpdk/io/vanilla", "af_xdp/testpmd/io"),
    "afxdp_io: softnetd(afxdp) io / testpmd(net_af_xdp) io": ("afxdp/softnetd-afxdp/io/vanilla", "af_xdp/testpmd/io"),
    "ring_bridge: softnetd bridge / testpmd io": ("ring/softnetd/bridge/vanilla", "ring/testpmd/io"),
    "ring_mac: softnetd bridge / testpmd mac": ("ring/softnetd/bridge/vanilla", "ring/testpmd/mac"),
    "af_xdp_bridge: softnetd(dpdk net_af_xdp) bridge / testpmd io": ("af_xdp/softnetd-dpdk/bridge/vanilla", "af_xdp/testpmd/io"),
    "af_xdp_mac: softnetd(dpdk net_af_xdp) router / testpmd mac": ("af_xdp/softnetd-dpdk/router/vanilla", "af_xdp/testpmd/mac"),
    "afxdp_bridge: softnetd(afxdp) bridge / testpmd(net_af_xdp) io": ("afxdp/softnetd-afxdp/bridge/vanilla", "af_xdp/testpmd/io"),
    "afxdp_l3: softnetd(afxdp) router / testpmd(net_af_xdp) mac": ("l3/softnetd-afxdp/router/vanilla", "af_xdp/testpmd/mac"),
    "l3: softnetd(afxdp) router / kernel ip_forward": ("l3/softnetd-afxdp/router/vanilla", "l3/kernel/ip_forward"),
    "l3: softnetd(afxdp) router / kernel XDP devmap": ("l3/softnetd-afxdp/router/vanilla", "l3/xdp/devmap"),
    "profile l3: rt-nested / vanilla": ("l3/softnetd-afxdp/router/rt-nested", "l3/softnetd-afxdp/router/vanilla"),
    "profile l3: rt-bhlock / vanilla": ("l3/softnetd-afxdp/router/rt-bhlock", "l3/softnetd-afxdp/router/vanilla"),
    "profile ring: rt-nested / vanilla": ("ring/softnetd/bridge/rt-nested", "ring/softnetd/bridge/vanilla"),
    "profile ring: rt-bhlock / vanilla": ("ring/softnetd/bridge/rt-bhlock", "ring/softnetd/bridge/vanilla"),
    "profile ring io: rt-nested / vanilla": ("ring/softnetd/io/rt-nested", "ring/softnetd/io/vanilla"),
    "profile ring io: rt-bhlock / vanilla": ("ring/softnetd/io/rt-bhlock", "ring/softnetd/io/vanilla"),
}
ratios = {k: r for k, (a, b) in pairs.items() if (r := ratio(a, b))}
doc = {
    "bench": "fwd",
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "machine": {"kernel": kernel, "cpus": int(ncpu), "testpmd": sys.argv[9], "loadavg_start": __import__("os").environ.get("FB_LOAD0", ""), "loadavg_end": open("/proc/loadavg").read().strip()},
    "method": {
        "repetitions": int(reps), "duration_s": float(dur), "short": short == "1",
        "elapsed_s": int(elapsed),
        "cores": "forwarder datapath on CPU 1 (softnetd cpus:[1]; testpmd -l 0-1: main lcore 0, "
                 "forwarding lcore 1); generator (softnet-gen send) pinned to CPU 0",
        "oversubscription": "2 CPUs for everything: on veth the generator and f0's veth NAPI "
                            "(XDP/AF_XDP redirect, copy mode) share CPU 0; the forwarder shares "
                            "CPU 1 with b0's veth NAPI and the sink's XDP program (run in the "
                            "context that transmits on f1) and, for AF_XDP copy-mode tx, the "
                            "kernel's skb tx path of its own sendto(). The kernel and XDP peers "
                            "run their forwarding in softirq on whichever CPU raised it.",
        "veth_rate": "delivered pps = frames received by the sink / generator send time, at one "
                     "fixed offered load (offered_pps: softnet-gen --rate, 64-byte UDP, 16 flows, "
                     "paced in 20 ms chunks); not a no-loss rate search (kernel_drops = f0 "
                     "rx_dropped + a0 tx_dropped). A system that delivers all it is offered "
                     "(kernel, XDP) is faster than the ratio says: its ceiling was not reached",
        "ring_rate": "frames forwarded per second, steady state: testpmd's Rx-pps of both ports "
                     "summed per 1 s stats period (first 2 periods dropped), median; softnetd's "
                     "totals.forwarded over the measurement interval",
        "ring_feed": "testpmd --tx-first sends one burst of 32 per port (64 frames); softnetd gets "
                     "the same 64 frames from bench/fwd/ring_txfirst.so (LD_PRELOAD wrapper of "
                     "rte_eth_dev_start: after start-up, one rte_eth_tx_burst into net_ring0's "
                     "loopback ring); both then only forward what circulates",
        "softnetd_io": "softnetd io = ports cross-connected (xconnect): per frame it wraps the "
                       "mbuf/xsk buffer in a frame head, runs no parser and no lookup, counts, "
                       "queues for tx and flushes at the end of the NAPI poll; testpmd io moves "
                       "mbuf pointers in bursts of 32 only. softnetd bridge (static FDB) is "
                       "reported beside it",
        "mac_l3": "testpmd mac rewrites both MACs; softnetd's L3 is its router (FIB lookup, "
                  "neighbour, TTL/checksum, MAC rewrite). L3 on net_ring cannot circulate (TTL "
                  "ends every frame's life in <= 64 hops), so L3 is measured on veth only",
        "kernel_peer": "ip_forward=1 in the middle namespace, same addresses/routes, permanent "
                       "neighbours; GRO on f0 so that f0 takes the generator's XDP-redirected "
                       "frames (a veth needs XDP or GRO for that)",
        "xdp_peer": "bench/fwd/xdp_fwd.bpf.c on f0 (native XDP): bpf_fib_lookup on the same "
                    "kernel routes and neighbours, TTL--, MAC rewrite, bpf_redirect_map into a "
                    "DEVMAP_HASH holding f1; b0's sink XDP program makes f1 deliver",
    },
    "results": res,
    "ratios": ratios,
}
json.dump(doc, open(out, "w"), indent=1)
print(json.dumps(doc, indent=1))
EOF
fb_log "wrote $OUT in ${ELAPSED}s"
