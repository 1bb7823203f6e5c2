# SPDX-License-Identifier: GPL-2.0-only
# lib.sh - common part of bench/fwd/run.sh and bench/fwd/latency.sh (sourced, bash).
#
# Topology (the demo's and the integration tests', tests/integration/lib.sh):
#
#   fb<pid>-s: a0 --veth-- f0 [fb<pid>-f: forwarder] f1 --veth-- b0 :fb<pid>-k
#   10.10.1.2                10.10.1.1      10.10.2.1             10.10.2.2
#
# softnet-gen send on a0 (source namespace), softnet-gen recv (XDP sink) on b0 (sink namespace),
# the forwarder under test in the middle: softnetd, dpdk-testpmd, the kernel (ip_forward) or a
# kernel XDP program. Checksum offload is off on all four veths (`ethtool -K tx off`): AF_XDP copy
# mode would otherwise forward frames whose checksum the kernel never finished.
#
# Cleanup: the EXIT trap stops every process started here (by pid, TERM then KILL), deletes the
# three namespaces (their veths go with them) and the temporary directory. No hugepages are used
# (DPDK runs with --no-huge in softnetd and testpmd alike), nothing is pinned in bpffs.
#
# CPUs (2 on this machine): the forwarder's datapath is pinned to CPU 1 (softnetd `cpus: [1]`,
# testpmd -l 0-1 = main lcore 0 + one forwarding lcore 1), the generator to CPU 0. The kernel's
# veth NAPI work runs where it is raised: f0's rx (XDP/AF_XDP redirect) on CPU 0 beside the
# generator, b0's rx (the sink's XDP) on the CPU that transmitted on f1 (CPU 1 for softnetd).

set -u
set -o pipefail

if [ -x /usr/bin/python3 ]; then FB_PY=/usr/bin/python3; else FB_PY=python3; fi
FB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FB_ROOT=$(cd "$FB_HERE/../.." && pwd)
FB_PIDS=()
FB_NS=()
FB_TMP=
FB_NAME=fwd

MAC_A=02:aa:00:00:00:01
MAC_F0=02:f0:00:00:00:00
MAC_F1=02:f1:00:00:00:01
MAC_B=02:bb:00:00:00:01
GEN_CPU=0
FWD_CPU=1

fb_log() { echo "[$FB_NAME $(date +%T)] $*" >&2; }
fb_die() {
	echo "[$FB_NAME] error: $*" >&2
	exit 1
}

fb_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	for pid in "${FB_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${FB_PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${FB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "$FB_TMP" ] && [ -d "$FB_TMP" ] && rm -rf "$FB_TMP"
	exit "$rc"
}

# fb_init NAME BUILD_DIR: check root and the binaries, set the trap, make the temporary directory.
fb_init() {
	FB_NAME=$1
	B=$(cd "$2" 2>/dev/null && pwd) || fb_die "build directory '$2' not found"
	[ "$(id -u)" -eq 0 ] || fb_die "run as root (namespaces, XDP, AF_XDP)"
	SOFTNETD=$B/daemon/softnetd
	SOFTNETCTL=$B/daemon/softnetctl
	GEN=$B/tools/gen/softnet-gen
	for f in "$SOFTNETD" "$SOFTNETCTL" "$GEN" "$B/bpf/gen_xdp.bpf.o" "$B/bpf/sink_xdp.bpf.o"; do
		[ -e "$f" ] || fb_die "$f is not built (meson setup $2 --buildtype=release" \
			"-Dbhlock_debug=false; ninja -C $2)"
	done
	trap fb_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	FB_TMP=$(mktemp -d "/tmp/sn-bench-$FB_NAME.XXXXXX")
}

# fb_bg CMD...: run CMD in the background, remember its pid in FB_LAST (and for the cleanup).
fb_bg() {
	"$@" &
	FB_LAST=$!
	FB_PIDS+=("$FB_LAST")
}

# fb_stop PID [TIMEOUT_S]: SIGTERM (or SIGINT with FB_SIG=INT), wait; KILL after the timeout.
# FB_RC gets the exit status (124 when it had to be killed).
fb_stop() {
	local pid=$1 t=${2:-10} i
	kill -"${FB_SIG:-TERM}" "$pid" 2>/dev/null
	for i in $(seq $((t * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		FB_RC=124
	else
		wait "$pid" 2>/dev/null
		FB_RC=$?
	fi
}

# fb_topo [PREFIX]: the topology above in namespaces PREFIX-s/-f/-k (default fb<pid>).
fb_topo() {
	local ns p=${1:-fb$$}
	NS_S=$p-s NS_F=$p-f NS_K=$p-k
	for ns in $NS_S $NS_F $NS_K; do
		ip netns add "$ns" || fb_die "ip netns add $ns"
		FB_NS+=("$ns")
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	done
	ip -n $NS_S link add a0 address $MAC_A type veth peer name f0 netns $NS_F address $MAC_F0 ||
		fb_die "veth a0-f0"
	ip -n $NS_F link add f1 address $MAC_F1 type veth peer name b0 netns $NS_K address $MAC_B ||
		fb_die "veth f1-b0"
	ip netns exec $NS_S ethtool -K a0 tx off >/dev/null 2>&1
	ip netns exec $NS_F ethtool -K f0 tx off >/dev/null 2>&1
	ip netns exec $NS_F ethtool -K f1 tx off >/dev/null 2>&1
	ip netns exec $NS_K ethtool -K b0 tx off >/dev/null 2>&1
	ip -n $NS_S link set a0 up
	ip -n $NS_F link set f0 up
	ip -n $NS_F link set f1 up
	ip -n $NS_K link set b0 up
	ip -n $NS_S addr add 10.10.1.2/24 dev a0
	ip -n $NS_K addr add 10.10.2.2/24 dev b0
}

# The kernel's own forwarding state in the middle namespace (kernel and XDP peers) and its removal
# (softnetd and testpmd own f0/f1 then; the addresses would only make the kernel answer ARP).
fb_kernel_on() {
	ip -n $NS_F addr add 10.10.1.1/24 dev f0
	ip -n $NS_F addr add 10.10.2.1/24 dev f1
	ip -n $NS_F neigh replace 10.10.2.2 lladdr $MAC_B dev f1 nud permanent
	ip -n $NS_F neigh replace 10.10.1.2 lladdr $MAC_A dev f0 nud permanent
	ip netns exec $NS_F sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.f0.rp_filter=0 >/dev/null
}
fb_kernel_off() {
	ip netns exec $NS_F sysctl -qw net.ipv4.ip_forward=0 >/dev/null
	ip -n $NS_F addr flush dev f0
	ip -n $NS_F addr flush dev f1
	ip -n $NS_F neigh flush dev f0 2>/dev/null
	ip -n $NS_F neigh flush dev f1 2>/dev/null
}

# softnetd configurations: $1 = file, $2 = bridge|router, $3 = afxdp|dpdk
fb_sn_config() {
	local ports
	if [ "$3" = afxdp ]; then
		ports="  - { name: f0, type: afxdp, ifname: f0, mode: copy }
  - { name: f1, type: afxdp, ifname: f1, mode: copy }"
	else
		ports="  - { name: f0, type: dpdk, pmd: \"net_af_xdp0,iface=f0\", eal: [\"--no-huge\", \"--no-pci\", \"-m\", \"512\"] }
  - { name: f1, type: dpdk, pmd: \"net_af_xdp1,iface=f1\" }"
	fi
	if [ "$2" = io ]; then
		cat >"$1" <<EOF
# bench/fwd: softnetd io forwarding: f0 and f1 cross-connected (no parsing, no lookup)
cpus: [$FWD_CPU]
ports:
$(echo "$ports" | sed -e '1s/ }$/, xconnect: f1 }/' -e '2s/ }$/, xconnect: f0 }/')
EOF
	elif [ "$2" = bridge ]; then
		cat >"$1" <<EOF
# bench/fwd: softnetd's io-equivalent: a two-port bridge, both stations static (pre-learnt)
cpus: [$FWD_CPU]
ports:
$ports
bridge: {}
fdb:
  - { mac: "$MAC_A", dev: f0 }
  - { mac: "$MAC_B", dev: f1 }
EOF
	else
		cat >"$1" <<EOF
# bench/fwd: softnetd as an IPv4 router between 10.10.1.0/24 (f0) and 10.10.2.0/24 (f1)
cpus: [$FWD_CPU]
ports:
$ports
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
	fi
	"$SOFTNETD" --check-config "$1" >/dev/null 2>"$1.err" || fb_die "config refused: $(cat "$1.err")"
}

# fb_sn_start NS CONFIG PROFILE [ENV=VAL...]: softnetd in NS; waits (15 s) for its control socket.
# Sets SN_PID, SN_RUN, SN_LOG. Returns 1 (with FB_SYMPTOM) if it dies or never answers.
fb_sn_start() {
	local ns=$1 cfg=$2 profile=$3 i
	shift 3
	SN_RUN=$FB_TMP/run.$RANDOM
	SN_LOG=$SN_RUN.log
	mkdir -p "$SN_RUN"
	local nsx=()
	[ -n "$ns" ] && nsx=(ip netns exec "$ns")
	fb_bg env "$@" "${nsx[@]}" "$SOFTNETD" --config "$cfg" --profile "$profile" \
		--runtime-dir "$SN_RUN" >"$SN_LOG" 2>&1
	SN_PID=$FB_LAST
	for i in $(seq 150); do
		if ! kill -0 "$SN_PID" 2>/dev/null; then
			FB_SYMPTOM="softnetd exited during start-up: $(tail -n 3 "$SN_LOG" | tr '\n' ' ')"
			return 1
		fi
		[ -S "$SN_RUN/softnetd.sock" ] && fb_ctl --json stats >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	FB_SYMPTOM="softnetd did not answer on its control socket within 15 s"
	return 1
}
fb_ctl() { timeout 5 "$SOFTNETCTL" --socket "$SN_RUN/softnetd.sock" "$@"; }

# fb_sn_stop: SIGTERM; sets FB_SYMPTOM when softnetd had to be killed or exited non-zero.
fb_sn_stop() {
	fb_stop "$SN_PID" 10
	case "$FB_RC" in
	0) ;;
	124) FB_SYMPTOM="softnetd did not stop within 10 s of SIGTERM (killed)" ;;
	*) FB_SYMPTOM="softnetd exited with status $FB_RC: $(tail -n 2 "$SN_LOG" | tr '\n' ' ')" ;;
	esac
}

# fb_sink_start OUT [DEV [NS]]: softnet-gen recv on DEV in NS (default b0 in NS_K), waits until
# attached. Sets SINK_PID.
fb_sink_start() {
	local out=$1 dev=${2:-b0} ns=${3:-$NS_K} i
	fb_bg ip netns exec "$ns" "$GEN" recv --dev "$dev" --duration 600 >"$out" 2>"$out.err"
	SINK_PID=$FB_LAST
	for i in $(seq 100); do
		grep -q "sink attached" "$out.err" 2>/dev/null && return 0
		kill -0 "$SINK_PID" 2>/dev/null || fb_die "softnet-gen recv: $(cat "$out.err")"
		sleep 0.05
	done
	fb_die "softnet-gen recv did not attach within 5 s"
}
fb_sink_stop() {
	FB_SIG=INT fb_stop "$SINK_PID" 5
	[ -s "$1" ] || fb_die "softnet-gen recv printed nothing: $(cat "$1.err")"
}

# fb_send OUT DST_MAC RATE DURATION: the generator on a0, pinned to GEN_CPU.
fb_send() {
	ip netns exec $NS_S taskset -c $GEN_CPU "$GEN" send --dev a0 --dst-mac "$2" \
		--src-ip 10.10.1.2 --dst-ip 10.10.2.2 --rate "$3" --duration "$4" --size 64 \
		--flows 16 >"$1" 2>"$1.err" || fb_die "softnet-gen send: $(cat "$1.err")"
}

# fb_kdrops: frames the kernel dropped on the way into f0 (AF_XDP/XDP ring full) or at a0's tx.
fb_kdrops() {
	echo $(($(ip netns exec $NS_F cat /sys/class/net/f0/statistics/rx_dropped) +
		$(ip netns exec $NS_S cat /sys/class/net/a0/statistics/tx_dropped)))
}

# fb_json FILE EXPR: a Python expression over the JSON document d.
fb_json() { "$FB_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# fb_xdp_obj: build bench/fwd/xdp_fwd.bpf.c into $FB_TMP (sets XDP_OBJ).
fb_xdp_obj() {
	XDP_OBJ=$FB_TMP/xdp_fwd.bpf.o
	clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$FB_HERE/xdp_fwd.bpf.c" \
		-o "$XDP_OBJ" 2>"$FB_TMP/xdp.err" || fb_die "xdp_fwd.bpf.c: $(cat "$FB_TMP/xdp.err")"
}

# fb_peer_on kernel|xdp / fb_peer_off: the kernel peers in the middle namespace. kernel: ip_forward
# with xdp_pass on f0 (f0 takes XDP-redirected frames only with an XDP program); xdp: xdp_fwd on f0
# and f1 in its devmap.
fb_peer_on() {
	fb_kernel_on
	if [ "$1" = kernel ]; then
		ip -n $NS_F link set dev f0 xdpdrv obj "$XDP_OBJ" program xdp_pass || fb_die "attach xdp_pass"
		return
	fi
	ip -n $NS_F link set dev f0 xdpdrv obj "$XDP_OBJ" program xdp_fwd || fb_die "attach xdp_fwd"
	local pid mid f1i kb
	pid=$(ip -j -n $NS_F link show f0 | "$FB_PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
	mid=$(bpftool -j prog show id "$pid" | "$FB_PY" -c 'import json,sys; print(json.load(sys.stdin)["map_ids"][0])')
	f1i=$(ip netns exec $NS_F cat /sys/class/net/f1/ifindex)
	kb=$(printf '%d %d %d %d' $((f1i & 255)) $((f1i >> 8 & 255)) $((f1i >> 16 & 255)) $((f1i >> 24)))
	# shellcheck disable=SC2086
	ip netns exec $NS_F bpftool map update id "$mid" key $kb value $kb || fb_die "devmap update"
}
fb_peer_off() {
	ip -n $NS_F link set dev f0 xdpdrv off
	fb_kernel_off
}
