#!/usr/bin/env bash
# softnetd's demo: installs the dependencies, builds softnetd in release mode, then forwards
# generated traffic between two network namespaces through softnetd and accounts for every frame.
#
#   sn-demo-a (a0 10.10.1.2) --veth-- f0 [softnetd in sn-demo-fwd] f1 --veth-- (b0 10.10.2.2) sn-demo-b
#
# softnetd routes between 10.10.1.0/24 and 10.10.2.0/24 (static neighbours) over AF_XDP ports on
# f0/f1 (or, with --backend dpdk, DPDK net_af_xdp ports on the same veths). softnet-gen sends UDP
# from a0 for --duration seconds at --rate frames/s (BPF_PROG_TEST_RUN live frames); its XDP sink
# on b0 counts what arrives. While it runs, `softnetctl stats -i 1` prints one line per second.
# At the end: rates, drops by reason, and the frames lost: sent - received - softnetd's drops,
# which is 0 only when every frame is accounted for. Everything is removed on exit, also on
# failure or ^C. The old bhlock demonstration is tools/demo-locks.sh.
#
# usage: ./tools/demo.sh [--backend afxdp|dpdk] [--profile vanilla|rt-bhlock|rt-nested]
#                        [--duration S] [--rate PPS] [--size BYTES] [--flows N]
#                        [--no-build] [--build-dir DIR]   (default build/release)
set -euo pipefail
SELF=$(readlink -f "$0")
cd "$(dirname "$SELF")/.."

BACKEND=afxdp
PROFILE=rt-nested
DURATION=10
RATE=100000
SIZE=64
FLOWS=16
BUILD=1
B=build/release
usage() { sed -n '/^# usage:/,/^set /p' "$SELF" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--backend) BACKEND=$2; shift 2 ;;
	--profile) PROFILE=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--size) SIZE=$2; shift 2 ;;
	--flows) FLOWS=$2; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	--build-dir) B=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "demo: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
case "$BACKEND" in afxdp | dpdk) ;; *) echo "demo: --backend afxdp or dpdk, not '$BACKEND'" >&2; exit 2 ;; esac
case "$PROFILE" in vanilla | rt-bhlock | rt-nested) ;;
*) echo "demo: --profile vanilla, rt-bhlock or rt-nested, not '$PROFILE'" >&2; exit 2 ;; esac
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (network namespaces, XDP, AF_XDP)" >&2
	exit 1
fi

if [ "$BUILD" = 1 ]; then
	./tools/install-deps.sh
	if [ ! -f $B/build.ninja ]; then
		meson setup $B -Dbhlock_debug=false -Dbuildtype=release >/dev/null
	fi
	echo "== building softnetd (ninja -C $B)"
	ninja -C $B >/dev/null
fi
SOFTNETD=$B/daemon/softnetd
SOFTNETCTL=$B/daemon/softnetctl
GEN=$B/tools/gen/softnet-gen
for f in "$SOFTNETD" "$SOFTNETCTL" "$GEN" $B/bpf/gen_xdp.bpf.o $B/bpf/sink_xdp.bpf.o; do
	[ -e "$f" ] || { echo "demo: $f was not built" >&2; exit 1; }
done

NS_A=sn-demo-a
NS_F=sn-demo-fwd
NS_B=sn-demo-b
RUN=/run/softnetd/$NS_F # the forwarding namespace's runtime directory: softnetd.sock lives here
TMP=$(mktemp -d /tmp/softnetd-demo.XXXXXX)
PIDS=()

cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	for ns in $NS_A $NS_F $NS_B; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$RUN" "$TMP"
	rmdir /run/softnetd 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		echo "demo: failed (status $rc); namespaces, daemon and files removed" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "demo: $*" >&2
	if [ -s "$TMP/softnetd.log" ]; then
		echo "--- softnetd's log:" >&2
		tail -n 20 "$TMP/softnetd.log" >&2
	fi
	exit 1
}

# json FILE EXPR: evaluate a Python expression over the JSON document d
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

echo "== topology: $NS_A (a0) -- f0 [$NS_F: softnetd, $BACKEND, $PROFILE] f1 -- (b0) $NS_B"
for ns in $NS_A $NS_F $NS_B; do
	ip netns del "$ns" 2>/dev/null || true # a previous run killed with SIGKILL
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
MAC_A=02:aa:00:00:00:01 MAC_F0=02:f0:00:00:00:00 MAC_F1=02:f1:00:00:00:01 MAC_B=02:bb:00:00:00:01
ip -n $NS_A link add a0 address $MAC_A type veth peer name f0 netns $NS_F address $MAC_F0
ip -n $NS_F link add f1 address $MAC_F1 type veth peer name b0 netns $NS_B address $MAC_B
ip -n $NS_A link set a0 up
ip -n $NS_F link set f0 up
ip -n $NS_F link set f1 up
ip -n $NS_B link set b0 up
ip -n $NS_A addr add 10.10.1.2/24 dev a0
ip -n $NS_A route add default via 10.10.1.1
ip -n $NS_B addr add 10.10.2.2/24 dev b0
ip -n $NS_B route add default via 10.10.2.1

if [ "$BACKEND" = afxdp ]; then
	PORTS="  - { name: f0, type: afxdp, ifname: f0, mode: copy }
  - { name: f1, type: afxdp, ifname: f1, mode: copy }"
else
	PORTS="  - { name: f0, type: dpdk, pmd: \"net_af_xdp0,iface=f0\", eal: [\"--no-huge\", \"-m\", \"512\"] }
  - { name: f1, type: dpdk, pmd: \"net_af_xdp1,iface=f1\" }"
fi
cat >"$TMP/demo.yaml" <<EOF
# softnetd demo: an IPv4 router between 10.10.1.0/24 (f0) and 10.10.2.0/24 (f1)
profile: $PROFILE
ports:
$PORTS
router:
  addresses:
    - { address: 10.10.1.1/24, dev: f0 }
    - { address: 10.10.2.1/24, dev: f1 }
routes:
  - { prefix: 10.10.1.0/24, dev: f0 }
  - { prefix: 10.10.2.0/24, dev: f1 }
neighbours:
  - { address: 10.10.1.2, mac: "$MAC_A", dev: f0 }
  - { address: 10.10.2.2, mac: "$MAC_B", dev: f1 }
EOF
"$SOFTNETD" --check-config "$TMP/demo.yaml" >/dev/null || die "the demo's configuration was refused"

mkdir -p "$RUN"
ip netns exec $NS_F "$SOFTNETD" --config "$TMP/demo.yaml" --profile "$PROFILE" --runtime-dir "$RUN" \
	>"$TMP/softnetd.log" 2>&1 &
SN_PID=$!
PIDS+=("$SN_PID")
ctl() { "$SOFTNETCTL" --socket "$RUN/softnetd.sock" "$@"; }
for i in $(seq 150); do
	kill -0 "$SN_PID" 2>/dev/null || die "softnetd exited during start-up"
	[ -S "$RUN/softnetd.sock" ] && ctl --json stats >/dev/null 2>&1 && break
	[ "$i" = 150 ] && die "softnetd did not answer on $RUN/softnetd.sock within 15 s"
	sleep 0.1
done
grep -m1 "ready" "$TMP/softnetd.log" | sed 's/^/   /' || true

ip netns exec $NS_B "$GEN" recv --dev b0 >"$TMP/sink.json" 2>"$TMP/sink.err" &
SINK_PID=$!
PIDS+=("$SINK_PID")
for i in $(seq 100); do
	grep -q "sink attached" "$TMP/sink.err" && break
	kill -0 "$SINK_PID" 2>/dev/null || die "softnet-gen recv: $(cat "$TMP/sink.err")"
	sleep 0.05
done
sed 's/^softnet-gen: recv: /   /' "$TMP/sink.err"
ctl --json stats >"$TMP/before.json" || die "softnetctl stats failed"
# frames the kernel drops before softnetd sees them: f0's rx_dropped (AF_XDP ring full)
kdrops() { echo $(($(ip netns exec $NS_F cat /sys/class/net/f0/statistics/rx_dropped) +
	$(ip netns exec $NS_A cat /sys/class/net/a0/statistics/tx_dropped))); }
KD0=$(kdrops)

echo "== $DURATION s of UDP from a0 to 10.10.2.2: $RATE frames/s, $SIZE bytes, $FLOWS flows" \
	"(softnetctl stats -i 1):"
"$SOFTNETCTL" --socket "$RUN/softnetd.sock" stats -i 1 &
STATS_PID=$!
PIDS+=("$STATS_PID")
ip netns exec $NS_A "$GEN" send --dev a0 --dst-mac $MAC_F0 --src-ip 10.10.1.2 --dst-ip 10.10.2.2 \
	--rate "$RATE" --duration "$DURATION" --size "$SIZE" --flows "$FLOWS" >"$TMP/gen.json" \
	2>"$TMP/gen.err" || die "softnet-gen send: $(cat "$TMP/gen.err")"
sleep 1 # frames still in rings
kill -TERM "$STATS_PID" 2>/dev/null || true
wait "$STATS_PID" 2>/dev/null || true
kill -INT "$SINK_PID"
wait "$SINK_PID" || die "softnet-gen recv: $(cat "$TMP/sink.err")"
ctl --json stats >"$TMP/after.json" || die "softnetctl stats failed"
kill -0 "$SN_PID" 2>/dev/null || die "softnetd died during the run"

sent=$(json "$TMP/gen.json" 'd["sent"]')
gen_s=$(json "$TMP/gen.json" 'd["duration_s"]')
recv=$(json "$TMP/sink.json" 'd["received"]')
DELTA='(lambda a, b: {k: b["totals"].get(k, 0) - a["totals"].get(k, 0) for k in b["totals"] if k != "drops"})'
fwd=$(python3 -c "import json; a=json.load(open('$TMP/before.json')); b=json.load(open('$TMP/after.json')); print($DELTA(a, b)['forwarded'])")
rx=$(python3 -c "import json; a=json.load(open('$TMP/before.json')); b=json.load(open('$TMP/after.json')); print($DELTA(a, b)['rx_packets'])")
drops=$(python3 -c "import json; a=json.load(open('$TMP/before.json')); b=json.load(open('$TMP/after.json')); print($DELTA(a, b)['drops_total'])")
by_reason=$(python3 -c "
import json
a = json.load(open('$TMP/before.json'))['totals'].get('drops', {})
b = json.load(open('$TMP/after.json'))['totals'].get('drops', {})
d = {k: v - a.get(k, 0) for k, v in b.items() if v - a.get(k, 0)}
print(', '.join(f'{k} {v}' for k, v in sorted(d.items(), key=lambda x: -x[1])) or 'none')")
lost=$((sent - recv - drops))
kd=$(($(kdrops) - KD0))

echo "== summary ($BACKEND, $PROFILE)"
printf '   sent         %12d frames in %s s (%s frames/s)\n' "$sent" "$gen_s" \
	"$(json "$TMP/gen.json" 'round(d["pps"])')"
printf '   softnetd     %12d received, %d forwarded (%d frames/s), %d dropped\n' "$rx" "$fwd" \
	"$(python3 -c "print(round($fwd / $gen_s))")" "$drops"
printf '   drops        %s\n' "$by_reason"
printf '   received     %12d frames at b0 (latency p50 %s us, p99 %s us; reordered %s)\n' "$recv" \
	"$(json "$TMP/sink.json" 'round(d["latency_ns"]["p50"] / 1000, 1)')" \
	"$(json "$TMP/sink.json" 'round(d["latency_ns"]["p99"] / 1000, 1)')" \
	"$(json "$TMP/sink.json" 'd["reordered"]')"
if [ "$lost" -eq 0 ]; then
	echo "   frames lost: 0 (sent = received + dropped by softnetd, every frame accounted for)"
elif [ "$lost" -gt 0 ]; then
	echo "   frames lost: $lost (sent - received - softnetd's drops), of which the kernel counted" \
		"$kd at f0 (AF_XDP ring full: softnetd did not keep up)"
else
	echo "   frames lost: none, but $((-lost)) more frames arrived or were dropped than were sent"
fi

kill -TERM "$SN_PID"
wait "$SN_PID" && rc=0 || rc=$?
grep -E "stopped:|leak" "$TMP/softnetd.log" | sed 's/^/   /' || true
[ "$rc" -eq 0 ] || die "softnetd exited with status $rc"
echo "== done; namespaces removed"
