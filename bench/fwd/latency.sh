#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/fwd/latency.sh - per-packet forwarding latency through softnetd, in each locking profile,
# at 100 pps and at a high rate; the kernel (ip_forward) and kernel XDP (devmap) beside it at the
# same rates. The shape of the XDP paper's forwarding-latency table (shared/ANCHORS.md row 8).
#
# Topology and cores as bench/fwd/run.sh (lib.sh): softnet-gen send on a0 (CPU 0) -> softnetd
# router on AF_XDP ports f0/f1 (datapath on CPU 1) -> softnet-gen recv's XDP sink on b0.
# Latency = the sink's ktime at b0's XDP minus the generator's ktime stamped into the payload by
# its XDP program (one clock, one machine). It includes the kernel's veth hops on both sides, the
# AF_XDP copies and the generator's pacing (the rate is exact over 20 ms chunks, bursty within).
# The sink keeps a log2 histogram: p50 and p99 are the upper bounds of their power-of-two bucket
# (e.g. 65535 ns = "in [32.8, 65.5) us"); min and max are exact.
#
# The high rate: per profile, the max no-loss rate is looked for first (offered rates going down
# from what softnetd delivers at 1 Mpps offered, 2 s each, "no loss" = < 0.1% lost), then latency
# is measured at HIGH_FRAC (default 0.6) of it. The kernel peers use vanilla's high rate.
#
# Prints the JSON document and writes it to --out (default bench/results/fwd-latency.json).
#
# usage: bench/fwd/latency.sh [--build-dir DIR] [--short] [--out FILE] [--high-frac F]
#                             [--profiles "vanilla rt-bhlock rt-nested"] [--no-peers]
#   --build-dir  a release build (default build-bf)
#   --short      5 s at 100 pps and 3 s at the high rate (default 20 s and 10 s)
set -u
SELF=$(readlink -f "$0")
. "$(dirname "$SELF")/lib.sh"
cd "$FB_ROOT"

BUILD=build-bf
OUT=bench/results/fwd-latency.json
HIGH_FRAC=0.6
PROFILES="vanilla rt-bhlock rt-nested"
PEERS=1
SHORT=0
LOW_S=20
HIGH_S=10
usage() { sed -n '/^# usage:/,/^set -u/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) BUILD=$2; shift 2 ;;
	--short) SHORT=1; LOW_S=5; HIGH_S=3; shift ;;
	--out) OUT=$2; shift 2 ;;
	--high-frac) HIGH_FRAC=$2; shift 2 ;;
	--profiles) PROFILES=$2; shift 2 ;;
	--no-peers) PEERS=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "latency.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
exec </dev/null
fb_init fwd-latency "$BUILD"
export FB_LOAD0="$(cat /proc/loadavg)"
for t in clang bpftool ethtool taskset; do command -v $t >/dev/null || fb_die "$t not found"; done
fb_xdp_obj
fb_topo
ROWS=$FB_TMP/rows.jsonl
: >"$ROWS"

# point SYSTEM PROFILE LABEL RATE SECONDS: one measurement against the forwarder already in place.
# Prints "received lost_pct" and appends a row (the sink's JSON plus ours).
point() {
	local sys=$1 profile=$2 label=$3 rate=$4 secs=$5 g=$FB_TMP/g.json k=$FB_TMP/k.json
	local s1=$FB_TMP/s1.json s2=$FB_TMP/s2.json drops=-1
	fb_sink_start "$k"
	[ "$sys" = softnetd ] && fb_ctl --json stats >"$s1"
	fb_send "$g" "$MAC_F0" "$rate" "$secs"
	sleep 0.5
	fb_sink_stop "$k"
	if [ "$sys" = softnetd ]; then
		fb_ctl --json stats >"$s2" &&
			drops=$(fb_json "$s2" "d['totals']['drops_total'] - $(fb_json "$s1" "d['totals']['drops_total']")")
	fi
	[ "$label" = search ] || "$FB_PY" - "$g" "$k" "$sys" "$profile" "$label" "$rate" "$drops" >>"$ROWS" <<'EOF'
import json, sys
g, k = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
lat = k["latency_ns"]
print(json.dumps({"system": sys.argv[3], "profile": sys.argv[4], "point": sys.argv[5],
                  "offered_pps": int(sys.argv[6]), "sent": g["sent"], "received": k["received"],
                  "lost_pct": round(100.0 * (g["sent"] - k["received"]) / g["sent"], 3) if g["sent"] else None,
                  "softnetd_drops": int(sys.argv[7]), "reordered": k["reordered"],
                  "min_us": round(lat["min"] / 1e3, 1), "p50_us_le": round(lat["p50"] / 1e3, 1),
                  "p99_us_le": round(lat["p99"] / 1e3, 1), "max_us": round(lat["max"] / 1e3, 1)}))
EOF
	"$FB_PY" -c "import json; g=json.load(open('$g')); k=json.load(open('$k')); print(k['received'], round(100.0*(g['sent']-k['received'])/max(g['sent'],1), 3))"
}

# no_loss_rate PROFILE: the highest offered rate of a descending ladder with < 0.1% loss.
no_loss_rate() {
	local sat r out lost
	read -r sat _ < <(point softnetd "$1" search 1000000 2)
	sat=$((sat / 2))
	for f in 1.0 0.8 0.65 0.5 0.4 0.3 0.2 0.1; do
		r=$("$FB_PY" -c "print(int($sat * $f))")
		[ "$r" -ge 1000 ] || break
		out=$(point softnetd "$1" search "$r" 2)
		lost=${out#* }
		fb_log "$1: $r pps offered: received ${out% *}, lost $lost%"
		if "$FB_PY" -c "import sys; sys.exit(0 if $lost < 0.1 else 1)"; then
			echo "$r"
			return
		fi
	done
	echo 1000
}

declare -A NOLOSS HIGH
CFG=$FB_TMP/router.yaml
fb_sn_config "$CFG" router afxdp
for profile in $PROFILES; do
	if ! fb_sn_start "$NS_F" "$CFG" "$profile"; then
		echo "{\"system\": \"softnetd\", \"profile\": \"$profile\", \"symptom\": \"$FB_SYMPTOM\"}" >>"$ROWS"
		continue
	fi
	NOLOSS[$profile]=$(no_loss_rate "$profile")
	HIGH[$profile]=$("$FB_PY" -c "print(int(${NOLOSS[$profile]} * $HIGH_FRAC))")
	fb_log "$profile: no-loss rate ${NOLOSS[$profile]} pps; high rate ${HIGH[$profile]} pps"
	fb_log "$profile 100 pps: $(point softnetd "$profile" 100pps 100 "$LOW_S")"
	fb_log "$profile ${HIGH[$profile]} pps: $(point softnetd "$profile" high "${HIGH[$profile]}" "$HIGH_S")"
	fb_sn_stop
	[ -n "${FB_SYMPTOM:-}" ] && echo "{\"system\": \"softnetd\", \"profile\": \"$profile\", \"symptom\": \"$FB_SYMPTOM\"}" >>"$ROWS"
	FB_SYMPTOM=
done
if [ "$PEERS" = 1 ]; then
	hr=${HIGH[vanilla]:-${HIGH[$(echo $PROFILES | cut -d' ' -f1)]:-100000}}
	for peer in kernel xdp; do
		fb_peer_on $peer
		fb_log "$peer 100 pps: $(point $peer - 100pps 100 "$LOW_S")"
		fb_log "$peer $hr pps: $(point $peer - high "$hr" "$HIGH_S")"
		fb_peer_off
	done
fi

mkdir -p "$(dirname "$OUT")"
NL=""
for p in "${!NOLOSS[@]}"; do NL+="$p=${NOLOSS[$p]} "; done
"$FB_PY" - "$ROWS" "$OUT" "$LOW_S" "$HIGH_S" "$HIGH_FRAC" "$NL" "$(uname -r)" <<'EOF'
import json, sys, time
rows = [json.loads(l) for l in open(sys.argv[1])]
nl = dict(kv.split("=") for kv in sys.argv[6].split())
doc = {
    "bench": "fwd-latency",
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "machine": {"kernel": sys.argv[7], "cpus": 2, "loadavg_start": __import__("os").environ.get("FB_LOAD0", ""), "loadavg_end": open("/proc/loadavg").read().strip()},
    "method": {
        "path": "softnet-gen send (a0, CPU 0) -> veth -> forwarder (softnetd router on AF_XDP "
                "copy-mode ports, datapath on CPU 1; or the kernel: ip_forward, XDP devmap) -> "
                "veth -> softnet-gen recv XDP sink (b0)",
        "latency": "sink XDP ktime - generator XDP ktime stamped in the payload; p50/p99 are "
                   "upper bounds of log2 buckets ('_le'), min/max exact",
        "low_s": float(sys.argv[3]), "high_s": float(sys.argv[4]),
        "high_rate": f"{sys.argv[5]} x the profile's max no-loss rate (descending ladder from "
                     "half of what is delivered at 1 Mpps offered, 2 s per step, < 0.1% lost); "
                     "kernel peers at vanilla's high rate",
        "oversubscription": "2 CPUs: generator and f0's veth NAPI on CPU 0, softnetd and b0's "
                            "NAPI + sink on CPU 1",
    },
    "no_loss_pps": {k: int(v) for k, v in nl.items()},
    "rows": rows,
}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
print(json.dumps(doc, indent=1))
print("\n| system | profile | rate | min us | p50 us (<=) | p99 us (<=) | max us | lost % |", file=sys.stderr)
print("|---|---|---|---|---|---|---|---|", file=sys.stderr)
for r in rows:
    if "min_us" in r:
        print(f"| {r['system']} | {r['profile']} | {r['offered_pps']} pps | {r['min_us']} | "
              f"{r['p50_us_le']} | {r['p99_us_le']} | {r['max_us']} | {r['lost_pct']} |", file=sys.stderr)
EOF
fb_log "wrote $OUT"
