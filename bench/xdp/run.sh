#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/xdp/run.sh - XDP_DROP, XDP_TX and XDP_REDIRECT rates on veth: softnetd (afxdp ports, the
# program attached through the port's `xdp:` config) against the kernel running the same object
# natively on the same veth, same generator, in the same run; and the per-packet cost of the
# programs (bench_xdp_prog: softnetd JIT / interpreter vs the kernel's JIT, BPF_PROG_TEST_RUN).
#
# Topology (bench/fwd/lib.sh's, namespaces snxr<pid>-s/-f/-k):
#   a0 (source) --veth-- f0 [program under test] f1 --veth-- b0 (sink)
#   drop:     the program on f0 drops; rate = the program's XDP_DROP verdicts per second
#             (kernel: f0's rx_queue_*_xdp_drops; softnetd: the port's drop counter)
#   tx:       xdp_tx_swap on f0 bounces each frame back to a0, where softnet-gen recv counts it
#   redirect: xdp_redirect_devmap on f0, devmap key 0 = f1; softnet-gen recv counts on b0
# The generator (softnet-gen send, 64-byte UDP, 16 flows, flat out) is pinned to CPU 0 as in
# bench/fwd; softnetd's datapath to CPU 1 (`cpus: [1]`); the kernel's XDP on f0 runs where the
# veth's NAPI is raised (CPU 0, beside the generator). Rates: counted frames / the generator's
# sending time; the median of --reps repetitions; ratios softnetd / kernel of the same run.
#
# Prints the JSON document and writes it to --out (default bench/results/xdp.json).
#
# usage: bench/xdp/run.sh [--build-dir DIR] [--short] [--reps N] [--duration S] [--out FILE]
#                         [--engine jit|interp] [--only prog,veth]
#   --build-dir  a release build (default build-xr-rel: meson setup build-xr-rel
#                --buildtype=release -Dbhlock_debug=false; ninja -C build-xr-rel)
#   --short      one repetition of 2 s per point (default: 3 repetitions of 3 s)
set -u
SELF=$(readlink -f "$0")
HERE=$(dirname "$SELF")
. "$HERE/../fwd/lib.sh"
. "$HERE/../lib.sh"
cd "$FB_ROOT"

BUILD=build-xr-rel
REPS=3
DUR=3
OUT=bench/results/xdp.json
ENGINE=jit
ONLY=prog,veth
usage() { sed -n '/^# usage:/,/^set -u/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) BUILD=$2; shift 2 ;;
	--short) REPS=1; DUR=2; shift ;;
	--reps) REPS=$2; shift 2 ;;
	--duration) DUR=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--engine) ENGINE=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
exec </dev/null
fb_init xdp "$BUILD"
export FB_LOAD0="$(cat /proc/loadavg)"
want() { [[ ",$ONLY," == *",$1,"* ]]; }
for t in clang bpftool ethtool taskset; do command -v $t >/dev/null || fb_die "$t not found"; done

TRIALS=$FB_TMP/trials.jsonl
: >"$TRIALS"
record() { bench_record "$TRIALS" "$@"; }

OBJ=$FB_TMP/xdp_bench.bpf.o
clang -O2 -g -target bpf -mcpu=v2 -I"/usr/include/$(gcc -dumpmachine)" -c "$HERE/xdp_bench.bpf.c" \
	-o "$OBJ" 2>"$FB_TMP/obj.err" || fb_die "xdp_bench.bpf.c: $(cat "$FB_TMP/obj.err")"

# ---- the per-packet part ----------------------------------------------------------------------
PROG_JSON=$FB_TMP/prog.json
echo null >"$PROG_JSON"
if want prog; then
	[ -x "$B/bench/bench_xdp_prog" ] || fb_die "$B/bench/bench_xdp_prog is not built"
	fb_log "per-packet cost (bench_xdp_prog)"
	"$B/bench/bench_xdp_prog" --obj "$OBJ" >"$PROG_JSON" 2>"$FB_TMP/prog.err" ||
		fb_die "bench_xdp_prog: $(tail -n 3 "$FB_TMP/prog.err")"
fi

# ---- veth -------------------------------------------------------------------------------------
# veth_xdp_stat NS DEV KIND: sum of the veth's rx_queue_*_xdp_KIND counters.
veth_xdp_stat() {
	ip netns exec "$1" ethtool -S "$2" | awk -v k="xdp_$3:" '$1 ~ /^rx_queue_[0-9]+_/ && \
		substr($1, index($1, "xdp_")) == k { s += $2 } END { print s + 0 }'
}

# Devmap key 0 of the kernel program on f0 := f1.
kern_devmap_set() {
	local pid mid f1i kb
	pid=$(ip -j -n $NS_F link show f0 | "$FB_PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
	mid=$(bpftool -j prog show id "$pid" | "$FB_PY" -c '
import json, subprocess, sys
for m in json.load(sys.stdin)["map_ids"]:
    info = json.loads(subprocess.run(["bpftool", "-j", "map", "show", "id", str(m)],
                                     capture_output=True, text=True).stdout)
    if info.get("name") == "tx_port":
        print(m)
')
	[ -n "$mid" ] || fb_die "no tx_port map on f0's program"
	f1i=$(ip netns exec $NS_F cat /sys/class/net/f1/ifindex)
	kb=$(printf '%d %d %d %d' $((f1i & 255)) $((f1i >> 8 & 255)) $((f1i >> 16 & 255)) $((f1i >> 24)))
	# shellcheck disable=SC2086
	ip netns exec $NS_F bpftool map update id "$mid" key 0 0 0 0 value $kb || fb_die "devmap update"
}

sn_xdp_config() { # FILE PROGRAM
	cat >"$1" <<EOF
# bench/xdp: the program under test on f0 (softnetd's emulated XDP path), f1 the redirect target
cpus: [$FWD_CPU]
ports:
  - name: f0
    type: afxdp
    ifname: f0
    mode: copy
    xdp:
      object: $OBJ
      program: $2
      engine: $ENGINE
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
EOF
}

# Is the daemon's `xdp:` port section there yet? (Checked once.)
SN_XDP=no
SN_XDP_WHY=
sn_xdp_config "$FB_TMP/check.yaml" xdp_drop
if "$SOFTNETD" --check-config "$FB_TMP/check.yaml" >"$FB_TMP/check.out" 2>&1; then
	SN_XDP=yes
else
	SN_XDP_WHY="softnetd --check-config refuses the xdp: port section: $(tr '\n' ' ' <"$FB_TMP/check.out" | cut -c1-200)"
	fb_log "softnetd side not measured: $SN_XDP_WHY"
fi

# sn_counter FILE FIELD: the f0 port's XDP counter FIELD in `softnetctl --json stats`.
sn_counter() {
	fb_json "$1" "next((p['counters'].get('$2', 0) for p in d.get('xdp', {}).get('ports', []) if p.get('port') == 'f0'), -1)"
}

# trial SYSTEM ACTION REP
trial() {
	local sys=$1 act=$2 rep=$3 prog dev_sink ns_sink kind sym=ok engine=native
	local g=$FB_TMP/gen.json k=$FB_TMP/sink.json s1=$FB_TMP/s1.json s2=$FB_TMP/s2.json c0=0 c1=0
	case $act in
	drop) prog=xdp_drop kind=drops ;;
	tx) prog=xdp_tx_swap kind=tx ns_sink=$NS_S dev_sink=a0 ;;
	redirect) prog=xdp_redirect_devmap kind=redirect ns_sink=$NS_K dev_sink=b0 ;;
	esac
	FB_SYMPTOM=
	if [ "$sys" = kernel ]; then
		ip -n $NS_F link set dev f0 xdpdrv obj "$OBJ" program $prog || fb_die "attach $prog to f0"
		[ "$act" = redirect ] && kern_devmap_set
		c0=$(veth_xdp_stat $NS_F f0 $kind)
	else
		sn_xdp_config "$FB_TMP/sn.yaml" $prog
		if ! fb_sn_start "$NS_F" "$FB_TMP/sn.yaml" vanilla; then
			record system=softnetd action=$act rep=$rep pps=0 symptom="$FB_SYMPTOM"
			fb_log "softnetd $act: $FB_SYMPTOM"
			return
		fi
		if [ "$act" = redirect ]; then
			local f1i map
			f1i=$(ip netns exec $NS_F cat /sys/class/net/f1/ifindex)
			map=$(fb_ctl maps | awk '/tx_port/ { print $1; exit }')
			fb_ctl maps update "$map" 00000000 "$(printf '%02x%02x%02x%02x' $((f1i & 255)) \
				$((f1i >> 8 & 255)) $((f1i >> 16 & 255)) $((f1i >> 24)))" >/dev/null ||
				sym="softnetctl maps update $map refused"
		fi
		fb_ctl --json stats >"$s1"
		c0=$(sn_counter "$s1" "$act")
		engine=$(fb_json "$s1" "next((p.get('engine', '?') for p in d.get('xdp', {}).get('ports', []) if p.get('port') == 'f0'), '?')")
	fi
	[ -n "${dev_sink:-}" ] && fb_sink_start "$k" "$dev_sink" "$ns_sink"
	fb_send "$g" "$MAC_F0" 0 "$DUR"
	sleep 0.5
	[ -n "${dev_sink:-}" ] && fb_sink_stop "$k"
	if [ "$sys" = kernel ]; then
		c1=$(veth_xdp_stat $NS_F f0 $kind)
		ip -n $NS_F link set dev f0 xdpdrv off
	else
		if fb_ctl --json stats >"$s2" 2>/dev/null; then
			c1=$(sn_counter "$s2" "$act")
		else
			sym="softnetd stopped answering softnetctl stats"
		fi
		fb_sn_stop
		[ -n "$FB_SYMPTOM" ] && sym=$FB_SYMPTOM
	fi
	local dur sent verdict_pps recv=-1 pps
	dur=$(fb_json "$g" "d['duration_s']")
	sent=$(fb_json "$g" "d['sent']")
	verdict_pps=$("$FB_PY" -c "print(int(($c1 - $c0) / $dur))")
	pps=$verdict_pps
	if [ -n "${dev_sink:-}" ]; then
		recv=$(fb_json "$k" "d['received']")
		pps=$("$FB_PY" -c "print(int($recv / $dur))")
	fi
	record system=$sys action=$act engine=$engine rep=$rep pps=$pps verdict_pps=$verdict_pps sent=$sent \
		offered_pps=$(fb_json "$g" "int(d['pps'])") received=$recv symptom="$sym"
	fb_log "$sys $act rep $rep: $pps pps (verdicts $verdict_pps/s, offered $(fb_json "$g" "int(d['pps'])"))${sym:+ [$sym]}"
}

T0=$(date +%s)
if want veth; then
	fb_topo "snxr$$" # bench/fwd/lib.sh's, under this benchmark's own namespace names
	for rep in $(seq "$REPS"); do
		for act in drop tx redirect; do
			trial kernel $act "$rep"
			[ "$SN_XDP" = yes ] && trial softnetd $act "$rep"
		done
	done
fi
ELAPSED=$(($(date +%s) - T0))

"$FB_PY" - "$TRIALS" "$PROG_JSON" "$ENGINE" "$SN_XDP_WHY" "$ELAPSED" "$REPS" "$DUR" \
	"$FB_LOAD0" "$(cat /proc/loadavg)" >"$FB_TMP/out.json" <<'EOF'
import json, statistics, sys
trials = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
prog = json.load(open(sys.argv[2]))
engine, why, elapsed, reps, dur, load0, load1 = sys.argv[3:10]
med = {}
for sys_ in ("kernel", "softnetd"):
    for act in ("drop", "tx", "redirect"):
        v = [t["pps"] for t in trials if t["system"] == sys_ and t["action"] == act]
        if v:
            med[f"{sys_}/{act}"] = int(statistics.median(v))
# A trial whose rate reaches the offered load says nothing of the system's capacity.
bound = {}
for sys_ in ("kernel", "softnetd"):
    for act in ("drop", "tx", "redirect"):
        v = [t for t in trials if t["system"] == sys_ and t["action"] == act and "offered_pps" in t]
        if v:
            bound[f"{sys_}/{act}"] = f"{sum(t['pps'] >= 0.98 * t['offered_pps'] for t in v)} of {len(v)}"
ratios = {}
for act in ("drop", "tx", "redirect"):
    k, s = med.get(f"kernel/{act}"), med.get(f"softnetd/{act}")
    ratios[f"{act}: softnetd / kernel"] = round(s / k, 3) if k and s is not None else None
doc = {
    "bench": "xdp",
    "per_packet": prog,
    "veth": {
        "mpps_median": {k: round(v / 1e6, 3) for k, v in med.items()},
        "ratios": ratios,
        "trials_at_offered_load": bound,
        "note": "a system whose trials reach the offered load is bounded by the generator there "
                "(trials_at_offered_load): its capacity is higher than its figure, and a ratio "
                "against it overstates the other side",
        "softnetd_engine": engine,
        "softnetd_not_measured": why or None,
        "trials": trials,
        "method": {
            "topology": "a0 --veth-- f0 [program] f1 --veth-- b0, bench/fwd/lib.sh's, in namespaces of "
                        "this run; softnet-gen send on a0 (CPU 0, 64-byte UDP, 16 flows, flat out)",
            "drop": "XDP_DROP verdicts per second on f0 (kernel: f0's rx_queue_*_xdp_drops; softnetd: "
                    "the port's drop counter in softnetctl --json stats)",
            "tx": "xdp_tx_swap on f0; frames back at a0 counted by softnet-gen recv, per second",
            "redirect": "xdp_redirect_devmap on f0, devmap key 0 = f1; frames at b0 counted by "
                        "softnet-gen recv (its XDP sink on b0 lets the veth take redirected frames)",
            "kernel": "the same object attached natively (ip link set dev f0 xdpdrv), runs in f0's veth "
                      "NAPI on CPU 0 beside the generator",
            "softnetd": "afxdp ports (copy mode) on f0/f1, the program in the port's xdp: config, "
                        "datapath on CPU 1 (cpus: [1]), profile vanilla",
            "rate": "counted frames / the generator's sending time; median of the repetitions",
        },
        "reps": int(reps), "duration_s": float(dur), "elapsed_s": int(elapsed),
        "loadavg_before": load0, "loadavg_after": load1,
    },
}
print(json.dumps(doc, indent=2))
EOF
cat "$FB_TMP/out.json"
mkdir -p "$(dirname "$OUT")"
cp "$FB_TMP/out.json" "$OUT"
