# SPDX-License-Identifier: GPL-2.0-only
# lib.sh - common part of softnetd's integration tests (sourced, bash).
#
# Every test: `. lib.sh; sn_init NAME`, then builds namespaces and veth pairs with sn_ns / sn_veth,
# starts softnetd with sn_daemon_start, sends exact frames with pkt.py (sn_pkt) or generator
# traffic with softnet-gen (sn_gen), reads counters with sn_stats + sn_jget, and ends with
# sn_pass. Whatever happens (failure, ^C, set -e), the EXIT trap stops the daemons this test
# started (by pid), deletes its namespaces (their veths go with them) and its temporary directory
# (configs, runtime directories, sockets, logs). Nothing is pinned in bpffs.
#
# Binaries come from the environment (tests/integration/meson.build): SOFTNETD, SOFTNETCTL,
# SOFTNET_GEN, SOFTNET_GEN_BPF_DIR, PKT (pkt.py). Exit codes: 0 pass, 1 fail, 77 skip (only for no
# root or a missing kernel feature, with the reason).
#
# Names: namespaces are "sn<pid>-<name>" (SN_NS_PREFIX replaces "sn", e.g. to tell whose run left
# one behind on a shared machine), unique per run, so a test killed by a timeout never
# collides with the next run; interface names inside them are fixed (a0, f0, ...).

set -u
set -o pipefail

SN_PROFILES=${SN_PROFILES:-"vanilla rt-bhlock rt-nested"}
SN_NS_PREFIX=${SN_NS_PREFIX:-sn}
# The system's python3 (a python3 earlier in PATH may be a slow shim, e.g. pyenv's).
if [ -x /usr/bin/python3 ]; then SN_PY=/usr/bin/python3; else SN_PY=$(command -v python3 || echo python3); fi
SN_NAMESPACES=()
SN_DAEMON_PIDS=()
SN_BG_PIDS=()
SN_TEST=unnamed
SN_TMP=
SN_DAEMON_PID=
SN_DAEMON_NS=
SN_DAEMON_LOG=
SN_RUNDIR=

SN_T0=${EPOCHREALTIME:-0}
sn_elapsed() {
	local now=${EPOCHREALTIME:-0} t0=$SN_T0
	now=${now/./}
	t0=${t0/./}
	printf '%d.%d' $(((now - t0) / 1000000)) $(((now - t0) / 100000 % 10))
}
sn_log() { echo "[$SN_TEST +$(sn_elapsed)s] $*" >&2; }

sn_fail() {
	echo "[$SN_TEST] FAIL: $*" >&2
	if [ -n "$SN_DAEMON_PID" ] && kill -0 "$SN_DAEMON_PID" 2>/dev/null &&
		sn_ctl --json stats >"$SN_TMP/fail-stats.json" 2>/dev/null; then
		echo "[$SN_TEST] --- softnetd's totals now: $("$SN_PY" -c 'import json,sys
print(json.dumps(json.load(open(sys.argv[1])).get("totals")))' "$SN_TMP/fail-stats.json" 2>&1)" >&2
	fi
	if [ -n "$SN_DAEMON_LOG" ] && [ -f "$SN_DAEMON_LOG" ]; then
		echo "[$SN_TEST] --- last lines of softnetd's log ($SN_DAEMON_LOG):" >&2
		tail -n 30 "$SN_DAEMON_LOG" >&2
	fi
	exit 1
}

sn_skip() {
	echo "[$SN_TEST] SKIP: $*" >&2
	exit 77
}

sn_pass() {
	echo "[$SN_TEST] PASS${1:+: $1}" >&2
	exit 0
}

sn_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	for pid in "${SN_BG_PIDS[@]}" "${SN_DAEMON_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${SN_BG_PIDS[@]}" "${SN_DAEMON_PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${SN_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$SN_TMP" ] && [ -d "$SN_TMP" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${SN_KEEP_LOGS:-}" ]; then
			echo "[$SN_TEST] logs kept in $SN_TMP" >&2
		else
			rm -rf "$SN_TMP"
		fi
	fi
	exit "$rc"
}

# sn_init NAME: check root and the binaries, make the temporary directory, set the trap.
sn_init() {
	SN_TEST=$1
	[ "$(id -u)" -eq 0 ] || sn_skip "needs root (network namespaces, XDP, AF_XDP)"
	command -v ip >/dev/null || sn_skip "iproute2 'ip' not found"
	command -v "$SN_PY" >/dev/null || sn_fail "python3 not found (tools/install-deps.sh installs it)"
	local v
	for v in SOFTNETD SOFTNETCTL SOFTNET_GEN PKT; do
		if [ -z "${!v:-}" ] || [ ! -e "${!v}" ]; then
			sn_fail "$v is not set or does not exist ('${!v:-}'): run through meson test"
		fi
	done
	trap sn_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	SN_TMP=$(mktemp -d "/tmp/sn-it-$SN_TEST.XXXXXX")
	ip netns add "$SN_NS_PREFIX$$-probe" 2>/dev/null || sn_skip "cannot create network namespaces"
	ip netns del "$SN_NS_PREFIX$$-probe"
}

# sn_ns NAME VAR: create namespace sn<pid>-NAME (lo up, IPv6 off to keep it quiet) and store its
# name in VAR (not printed: the cleanup list must be filled in this shell, not a subshell).
sn_ns() {
	local ns="$SN_NS_PREFIX$$-$1"
	ip netns add "$ns" || sn_fail "ip netns add $ns"
	SN_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	printf -v "$2" '%s' "$ns"
}

# sn_veth NS1 IF1 MAC1 NS2 IF2 MAC2: a veth pair between two namespaces, both ends up.
sn_veth() {
	ip -n "$1" link add "$2" address "$3" type veth peer name "$5" netns "$4" address "$6" ||
		sn_fail "veth $1:$2 <-> $4:$5"
	ip -n "$1" link set "$2" up || sn_fail "link up $1:$2"
	ip -n "$4" link set "$5" up || sn_fail "link up $4:$5"
}

# sn_ctl ARGS...: softnetctl for the daemon of this test (5 s at most). The client finds the
# daemon's runtime directory by --runtime-dir if it has that option, else --socket, else the
# SOFTNETD_RUNTIME_DIR environment variable.
sn_ctl() {
	local help
	if [ -z "${SN_CTL_SOCKOPT+x}" ]; then
		help=$("$SOFTNETCTL" --help 2>&1 || true)
		if grep -q -- '--runtime-dir' <<<"$help"; then
			SN_CTL_SOCKOPT=runtime-dir
		elif grep -q -- '--socket' <<<"$help"; then
			SN_CTL_SOCKOPT=socket
		else
			SN_CTL_SOCKOPT=
		fi
	fi
	case "$SN_CTL_SOCKOPT" in
	runtime-dir) timeout 5 "$SOFTNETCTL" --runtime-dir "$SN_RUNDIR" "$@" ;;
	socket) timeout 5 "$SOFTNETCTL" --socket "$SN_RUNDIR/softnetd.sock" "$@" ;;
	*) SOFTNETD_RUNTIME_DIR=$SN_RUNDIR timeout 5 "$SOFTNETCTL" "$@" ;;
	esac
}

# sn_daemon_start NS CONFIG PROFILE: start softnetd in NS with its own runtime directory and wait
# (15 s at most) until it answers `softnetctl --json stats`.
sn_daemon_start() {
	local ns=$1 cfg=$2 profile=$3 i
	SN_RUNDIR="$SN_TMP/run-$profile"
	SN_DAEMON_LOG="$SN_TMP/softnetd-$profile.log"
	mkdir -p "$SN_RUNDIR"
	local extra=()
	if "$SOFTNETD" --help 2>&1 | grep -q -- '--runtime-dir'; then
		extra+=(--runtime-dir "$SN_RUNDIR")
	fi
	SOFTNETD_RUNTIME_DIR=$SN_RUNDIR ip netns exec "$ns" "$SOFTNETD" --config "$cfg" \
		--profile "$profile" "${extra[@]}" >"$SN_DAEMON_LOG" 2>&1 &
	SN_DAEMON_PID=$!
	SN_DAEMON_NS=$ns
	SN_DAEMON_PIDS+=("$SN_DAEMON_PID")
	for i in $(seq 150); do
		if ! kill -0 "$SN_DAEMON_PID" 2>/dev/null; then
			wait "$SN_DAEMON_PID"
			sn_fail "softnetd ($profile) exited with status $? during start-up"
		fi
		if [ -S "$SN_RUNDIR/softnetd.sock" ] && sn_ctl --json stats >/dev/null 2>&1; then
			sn_log "softnetd ($profile) up in $ns, pid $SN_DAEMON_PID"
			return 0
		fi
		sleep 0.1
	done
	sn_fail "softnetd ($profile) did not answer on $SN_RUNDIR/softnetd.sock within 15 s"
}

sn_daemon_alive() {
	kill -0 "$SN_DAEMON_PID" 2>/dev/null || sn_fail "softnetd is no longer running ($*)"
	sn_ctl --json stats >/dev/null 2>&1 ||
		sn_fail "softnetd does not answer 'softnetctl --json stats' within 5 s ($*)"
}

# sn_daemon_stop [TIMEOUT_S]: SIGTERM, wait; sets SN_DAEMON_RC (124 if it had to be killed).
sn_daemon_stop() {
	local t=${1:-10} i
	SN_DAEMON_RC=
	[ -n "$SN_DAEMON_PID" ] || return 0
	kill -TERM "$SN_DAEMON_PID" 2>/dev/null
	for i in $(seq $((t * 10))); do
		kill -0 "$SN_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SN_DAEMON_PID" 2>/dev/null; then
		kill -KILL "$SN_DAEMON_PID" 2>/dev/null
		wait "$SN_DAEMON_PID" 2>/dev/null
		SN_DAEMON_RC=124
	else
		wait "$SN_DAEMON_PID"
		SN_DAEMON_RC=$?
	fi
	SN_DAEMON_PID=
}

# sn_stats FILE: `softnetctl --json stats` into FILE.
sn_stats() {
	sn_ctl --json stats >"$1" 2>"$1.err" || sn_fail "softnetctl --json stats: $(cat "$1.err")"
}

# sn_jget FILE PATH: a number from the stats (dot path, see pkt.py json). A missing reason under
# an existing "drops" object reads 0: softnetd lists only the drop reasons that happened.
sn_jget() {
	local def=()
	[[ "$2" == *drops.* ]] && def=(--default 0)
	"$SN_PY" "$PKT" json "${def[@]}" "$1" "$2" 2>"$1.jerr" ||
		sn_fail "stats: $(cat "$1.jerr") in $(head -c 400 "$1")"
}

sn_pkt() { "$SN_PY" "$PKT" "$@"; }

# sn_mac NS IF: the interface's MAC address.
sn_mac() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }

# sn_gen NS ARGS...: softnet-gen in namespace NS (stdout: its JSON line).
sn_gen() {
	local ns=$1
	shift
	SOFTNET_GEN_BPF_DIR=${SOFTNET_GEN_BPF_DIR:-} ip netns exec "$ns" "$SOFTNET_GEN" "$@"
}

# sn_sink_start NS IF OUT: start `softnet-gen recv` in the background (JSON into OUT), wait
# until the sink is attached. Stop it with sn_sink_stop OUT.
sn_sink_start() {
	local ns=$1 dev=$2 out=$3 i
	SOFTNET_GEN_BPF_DIR=${SOFTNET_GEN_BPF_DIR:-} ip netns exec "$ns" "$SOFTNET_GEN" recv \
		--dev "$dev" --duration 600 >"$out" 2>"$out.err" &
	local pid=$!
	SN_BG_PIDS+=("$pid")
	echo "$pid" >"$out.pid"
	for i in $(seq 100); do
		grep -q "sink attached" "$out.err" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || sn_fail "softnet-gen recv on $ns:$dev: $(cat "$out.err")"
		sleep 0.05
	done
	sn_fail "softnet-gen recv on $ns:$dev did not attach within 5 s"
}

sn_sink_stop() {
	local out=$1 pid
	pid=$(cat "$out.pid")
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -s "$out" ] || sn_fail "softnet-gen recv printed nothing: $(cat "$out.err")"
}

# sn_expect_eq WHAT GOT WANT / sn_expect_ge / sn_expect_gt
sn_expect_eq() { [ "$2" = "$3" ] || sn_fail "$1: got $2, expected $3"; }
sn_expect_ge() { [ "$2" -ge "$3" ] || sn_fail "$1: got $2, expected >= $3"; }
sn_expect_gt() { [ "$2" -gt "$3" ] || sn_fail "$1: got $2, expected > $3"; }

# The router topology most tests use:
#   A (a0 10.10.1.2, fd00:1::2) -- f0 [softnetd in F] f1 -- B (b0 10.10.2.2, fd00:2::2)
# MACs fixed, so expected frames can be computed.
SN_MAC_A=02:aa:00:00:00:01
SN_MAC_F0=02:f0:00:00:00:00
SN_MAC_F1=02:f1:00:00:00:01
SN_MAC_B=02:bb:00:00:00:01
SN_MAC_F2=02:f2:00:00:00:02
SN_MAC_C=02:cc:00:00:00:01

# sn_topo_abf: namespaces NS_A, NS_F, NS_B with a0<->f0 and f1<->b0.
sn_topo_abf() {
	sn_ns a NS_A
	sn_ns f NS_F
	sn_ns b NS_B
	sn_veth "$NS_A" a0 "$SN_MAC_A" "$NS_F" f0 "$SN_MAC_F0"
	sn_veth "$NS_F" f1 "$SN_MAC_F1" "$NS_B" b0 "$SN_MAC_B"
	ip -n "$NS_A" addr add 10.10.1.2/24 dev a0
	ip -n "$NS_B" addr add 10.10.2.2/24 dev b0
}

# sn_router_config FILE [EXTRA_YAML]: the L3 router config for sn_topo_abf.
sn_router_config() {
	cat >"$1" <<EOF
# written by tests/integration ($SN_TEST)
ports:
  - { name: f0, type: afxdp, ifname: f0, mode: copy }
  - { name: f1, type: afxdp, ifname: f1, mode: copy }
router:
  addresses:
    - { address: 10.10.1.1/24, dev: f0 }
    - { address: 10.10.2.1/24, dev: f1 }
    - { address: "fd00:1::1/64", dev: f0 }
    - { address: "fd00:2::1/64", dev: f1 }
routes:
  - { prefix: 10.10.1.0/24, dev: f0 }
  - { prefix: 10.10.2.0/24, dev: f1 }
  - { prefix: "fd00:1::/64", dev: f0 }
  - { prefix: "fd00:2::/64", dev: f1 }
neighbours:
  - { address: 10.10.1.2, mac: "$SN_MAC_A", dev: f0 }
  - { address: 10.10.2.2, mac: "$SN_MAC_B", dev: f1 }
  - { address: "fd00:1::2", mac: "$SN_MAC_A", dev: f0 }
  - { address: "fd00:2::2", mac: "$SN_MAC_B", dev: f1 }
${2:-}
EOF
	"$SOFTNETD" --check-config "$1" >/dev/null 2>"$1.err" ||
		sn_fail "config rejected by softnetd --check-config: $(cat "$1.err")"
}

# sn_router_config_v4 FILE "PORT NET MAC"...: an IPv4 router with one afxdp port per argument
# (over the interface of the same name), NET the first three octets of its /24: the address NET.1
# on PORT, the route to NET.0/24 through it, the neighbour NET.2 at MAC there.
sn_router_config_v4() {
	local file=$1 p port net mac ports="" addrs="" routes="" neigh=""
	shift
	for p in "$@"; do
		read -r port net mac <<<"$p"
		ports+="  - { name: $port, type: afxdp, ifname: $port, mode: copy }"$'\n'
		addrs+="    - { address: $net.1/24, dev: $port }"$'\n'
		routes+="  - { prefix: $net.0/24, dev: $port }"$'\n'
		neigh+="  - { address: $net.2, mac: \"$mac\", dev: $port }"$'\n'
	done
	printf '# written by tests/integration (%s)\nports:\n%srouter:\n  addresses:\n%sroutes:\n%sneighbours:\n%s' \
		"$SN_TEST" "$ports" "$addrs" "$routes" "$neigh" >"$file"
	sn_check_config "$file"
}

# sn_check_config FILE: fail with softnetd's message when FILE does not pass --check-config.
sn_check_config() {
	"$SOFTNETD" --check-config "$1" >/dev/null 2>"$1.err" ||
		sn_fail "config rejected by softnetd --check-config: $(cat "$1.err")"
}

# sn_xfer TX FRAME_HEX MARKER_HEX RX...: send one frame on TX (NS:IF), print what the RX
# interfaces captured that contains MARKER, as "IF HEX" lines. It listens until 0.5 s after the
# last frame seen, at most SN_XFER_TIMEOUT s (default 3): softnetd may take a while to wake up,
# and a test that expects nothing waits the whole timeout (set it lower there).
sn_xfer() {
	local tx=$1 frame=$2 marker=$3 r
	shift 3
	local rx=()
	for r in "$@"; do
		rx+=(--rx "$r")
	done
	sn_pkt xfer --tx "$tx" --frame "$frame" --contains "$marker" --idle 0.5 \
		--timeout "${SN_XFER_TIMEOUT:-3}" "${rx[@]}" || sn_fail "pkt.py xfer failed"
}

# sn_stats_settle FILE: `softnetctl --json stats` into FILE once totals.rx_packets has stopped
# moving for 0.5 s (at most 10 s): the daemon has taken in everything that was sent.
sn_stats_settle() {
	local i prev=-1 cur
	for i in $(seq 20); do
		sn_stats "$1"
		cur=$(sn_jget "$1" totals.rx_packets)
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 0.5
	done
}

# sn_stats_wait PREV FILE PATH MIN: `softnetctl --json stats` into FILE until PATH has grown by
# MIN since PREV (at most 3 s: the daemon may process a frame late), then once more after 0.2 s
# so that a count that goes on growing is seen too.
sn_stats_wait() {
	local i
	for i in $(seq 30); do
		sn_stats "$2"
		[ "$(sn_delta "$1" "$2" "$3")" -ge "$4" ] && break
		sleep 0.1
	done
	sleep 0.2
	sn_stats "$2"
}

# sn_expect_frames WHAT GOT "IF HEX"...: the captured lines are exactly these (any order); no
# argument after GOT means nothing may have arrived.
sn_expect_frames() {
	local what=$1 got=$2 want g
	shift 2
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	g=$(printf '%s\n' "$got" | sed '/^$/d' | sort)
	[ "$g" = "$want" ] || sn_fail "$what: the frames that came out differ
  expected: ${want:-<nothing>}
  got:      ${g:-<nothing>}"
}

# sn_delta FILE0 FILE1 PATH: PATH in FILE1 minus PATH in FILE0 (a missing drop reason is 0).
sn_delta() {
	"$SN_PY" "$PKT" delta "$1" "$2" "$3" 2>"$2.derr" ||
		sn_fail "stats: $(cat "$2.derr") in $(head -c 400 "$2")"
}

# sn_marker: a fresh 6-byte payload marker (hex) for the next exact frame. The counter lives in a
# file because callers run it in a command substitution (a subshell).
sn_marker() {
	local n
	n=$(($(cat "$SN_TMP/.marker" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$SN_TMP/.marker"
	printf '5afe%08x' "$n"
}

# sn_veth_drops NS IF [PEER_NS PEER_IF]: frames the kernel dropped on their way into IF (a veth):
# IF's rx_dropped (the sum of its rx queues' drops: an XDP redirect into a full AF_XDP ring, a full
# XDP ring) and the peer's tx_dropped (veth_xmit found IF's queue full). softnetd never sees these
# frames. XDP_DROP verdicts (a sink) are not drops here.
sn_veth_drops() {
	local n
	n=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_dropped")
	if [ $# -ge 4 ]; then
		n=$((n + $(ip netns exec "$3" cat "/sys/class/net/$4/statistics/tx_dropped")))
	fi
	echo "$n"
}

# ---- fault tests (test_fault_*.sh) -------------------------------------------------------------

# sn_wait_for WHAT TIMEOUT_S CMD...: run CMD every 0.1 s until it succeeds; fail after TIMEOUT_S
# (conditions are waited for, not slept for: the machine may be loaded).
sn_wait_for() {
	local what=$1 t=$2 i
	shift 2
	for i in $(seq $((t * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	sn_fail "$what: not within $t s"
}

# sn_gen_bg NS OUT ARGS...: `softnet-gen send ARGS` in NS in the background (JSON into OUT, errors
# into OUT.err); its pid in SN_GEN_PID. Wait for it with sn_gen_wait OUT, or stop it with
# sn_gen_stop OUT (a long --duration and an explicit stop keep phases independent of load).
sn_gen_bg() {
	local ns=$1 out=$2
	shift 2
	# not through sn_gen: $! must be softnet-gen itself (ip netns exec execs it), not a subshell
	SOFTNET_GEN_BPF_DIR=${SOFTNET_GEN_BPF_DIR:-} ip netns exec "$ns" "$SOFTNET_GEN" send "$@" \
		>"$out" 2>"$out.err" &
	SN_GEN_PID=$!
	SN_BG_PIDS+=("$SN_GEN_PID")
	echo "$SN_GEN_PID" >"$out.pid"
}

# sn_gen_stop OUT: stop it now (SIGINT: it prints what it sent) and wait for it.
sn_gen_stop() {
	kill -INT "$(cat "$1.pid")" 2>/dev/null
	sn_gen_wait "$1"
}

sn_gen_wait() {
	wait "$(cat "$1.pid")" || sn_fail "softnet-gen send: $(cat "$1.err")"
	[ -s "$1" ] || sn_fail "softnet-gen send printed nothing: $(cat "$1.err")"
}

# sn_jvals FILE PATH...: the numbers at the PATHs (as sn_jget reads them), on one line, from one
# python run (python starts slowly on a loaded machine: read a snapshot once, not per number).
sn_jvals() {
	"$SN_PY" - "$PKT" "$@" <<'PY' 2>"$1.jerr" || sn_fail "stats: $(cat "$1.jerr")"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("pkt", sys.argv[1])
pkt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pkt)
doc = pkt.jload(sys.argv[2])
print(" ".join(str(pkt.jget(doc, p)) for p in sys.argv[3:]))
PY
}

# sn_pool_levels FILE: what softnetd's pools hold in a stats file, as one line
# "in_flight H chunks C page_pool P": frame heads out (skb cache gets - puts), fragment chunks in
# use, page_pool buffers in use (the AF_XDP fill rings' share included), summed over the pools.
sn_pool_levels() {
	local v
	v=$(sn_jvals "$1" accounting.in_flight skb_cache.chunks_in_use 'page_pools.*.in_use') ||
		exit 1
	set -- $v
	echo "in_flight $1 chunks $2 page_pool $3"
}

# sn_expect_pools_idle WHAT IDLE_FILE FILE: re-read the stats into FILE (5 s at most) until the
# pools are back to the levels of IDLE_FILE (taken before any traffic), with no head in flight.
sn_expect_pools_idle() {
	local idle now i
	idle=$(sn_pool_levels "$2") || exit 1
	[[ "$idle" == "in_flight 0 "* ]] || sn_fail "$1: frame heads in flight when idle: $idle"
	for i in $(seq 50); do
		sn_stats "$3"
		now=$(sn_pool_levels "$3") || exit 1
		[ "$now" = "$idle" ] && return 0
		sleep 0.1
	done
	sn_fail "$1: pools not back to the idle level: idle [$idle], now [$now]"
}

# sn_expect_accounting WHAT FILE: softnetd's own equations (the "accounting" object) are exact:
# received = forwarded + consumed + dropped, forwarded + flood copies + generated = transmitted
# + dropped; prints "rx N fwd N gen N tx N rx_drops N tx_drops N".
sn_expect_accounting() {
	local v il el fl
	v=$(sn_jvals "$2" accounting.ingress.lost accounting.egress.lost accounting.frames_lost \
		accounting.ingress.received accounting.ingress.forwarded accounting.egress.generated \
		accounting.egress.transmitted accounting.ingress.dropped accounting.egress.dropped) ||
		exit 1
	read -r il el fl _ <<<"$v"
	[ "$il" = 0 ] && [ "$el" = 0 ] && [ "$fl" = 0 ] ||
		sn_fail "$1: softnetd's accounting is not exact (ingress lost $il, egress lost $el, frames lost $fl): $("$SN_PY" -c 'import json,sys
print(json.dumps(json.load(open(sys.argv[1]))["accounting"]))' "$2")"
	set -- $v
	echo "rx $4 fwd $5 gen $6 tx $7 rx_drops $8 tx_drops $9"
}

# sn_stop_expect_drain PROFILE: SIGTERM the daemon; it must exit 0 and its drain lines balance
# (sn_check_drain), which are logged.
sn_stop_expect_drain() {
	local log=$SN_DAEMON_LOG drain
	sn_daemon_stop
	sn_expect_eq "$1: softnetd exit status after SIGTERM" "$SN_DAEMON_RC" 0
	drain=$(sn_check_drain "$log" 2>&1) || sn_fail "$1: drain: $drain"
	sn_log "$1: $(tr '\n' ' ' <<<"$drain")"
}

# sn_check_drain LOG: softnetd's drain lines ("stopped: egress: ...", "stopped: ingress: ...",
# "stopped: frames lost: ...") add up, the drops by reason sum to the drops, nothing is lost or
# in flight, and no leak was reported. Prints the three lines.
sn_check_drain() {
	"$SN_PY" - "$1" <<'PY'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
def last(tag):
    c = [l for l in lines if "stopped: " + tag in l]
    return c[-1] if c else None
eg, ing, lost = last("egress:"), last("ingress:"), last("frames lost:")
if not (eg and ing and lost):
    sys.exit("softnetd's drain lines (stopped: egress/ingress/frames lost) are missing")
def reasons(l):
    m = re.search(r"\(([^)]*)\)\s*$", l)
    return sum(int(v) for v in re.findall(r"\b(\d+)\b", m.group(1))) if m else 0
def nums(pat, l):
    m = re.search(pat, l)
    if not m:
        sys.exit("cannot read: " + l)
    return [int(x) for x in m.groups()]
errs = []
f, fc, g, t, d = nums(r"forwarded (\d+) \+ flood copies (\d+) \+ generated (\d+) = transmitted (\d+) \+ dropped (\d+)", eg)
if f + fc + g != t + d: errs.append(f"egress: {f}+{fc}+{g} != {t}+{d}")
if reasons(eg) != d: errs.append(f"egress drops by reason sum to {reasons(eg)}, not {d}")
r, f2, c, d2 = nums(r"received (\d+) = forwarded (\d+) \+ consumed (\d+) \+ dropped (\d+)", ing)
if r != f2 + c + d2: errs.append(f"ingress: {r} != {f2}+{c}+{d2}")
if reasons(ing) != d2: errs.append(f"ingress drops by reason sum to {reasons(ing)}, not {d2}")
fl, = nums(r"frames lost: (-?\d+)", lost)
inf, = nums(r"in flight (-?\d+)", lost)
if fl or inf: errs.append(f"frames lost {fl}, in flight {inf}")
errs += ["leak reported: " + l.strip() for l in lines if re.search(r"\bleak\b", l.lower())]
print(eg.strip()); print(ing.strip()); print(lost.strip())
if errs:
    sys.exit("; ".join(errs))
PY
}

# Kernel drops on the way A -> f0 are f0's rx_dropped alone in the fault tests: the generator
# sends with XDP (ndo_xdp_xmit), and veth counts a frame f0's ring had no room for both in f0's
# rx_dropped and in a0's tx_dropped (veth_get_stats64(): peer_tq_xdp_xmit_err on both sides), so
# sn_veth_drops f0 a0 would count those twice.
# sn_xdp_xmit NS IF: frames XDP handed to IF's transmit (a veth: tx_queue_*_xdp_xmit and
# _xdp_xmit_errors of `ethtool -S`), what softnet-gen's live frames put on the wire as the kernel
# counts them. softnet-gen's own "sent" misses the chunk a SIGINT interrupts (BPF_PROG_TEST_RUN
# returns EINTR after part of it went out), so a generator stopped early is counted here.
sn_xdp_xmit() {
	ip netns exec "$1" ethtool -S "$2" |
		awk '/tx_queue_[0-9]+_xdp_xmit(_errors)?:/ { n += $2 } END { print n + 0 }'
}

# sn_fail_alloc POOL on|off|PERCENT: softnetd's allocation fault injection (debug fail-alloc).
sn_fail_alloc() {
	sn_ctl debug fail-alloc "$1" "$2" >"$SN_TMP/fail-alloc.out" 2>&1 ||
		sn_fail "softnetctl debug fail-alloc $1 $2: $(cat "$SN_TMP/fail-alloc.out")"
}

# sn_at_least PATH N: the stats now ($SN_TMP/now.json) show PATH at N or more; a condition for
# sn_wait_for.
sn_at_least() {
	local v
	sn_stats "$SN_TMP/now.json"
	v=$(sn_jvals "$SN_TMP/now.json" "$1") || exit 1
	[ "$v" -ge "$2" ]
}

# sn_gen_from_a OUT DST_MAC DST_IP RATE [ARGS...]: generator traffic from A (a0, 10.10.1.2 of
# sn_topo_abf) in the background, 4 flows, for up to 60 s: stop it with sn_gen_stop OUT (or
# sn_e2e_end).
sn_gen_from_a() {
	local out=$1 mac=$2 ip=$3 rate=$4
	shift 4
	sn_gen_bg "$NS_A" "$out" --dev a0 --dst-mac "$mac" --src-ip 10.10.1.2 --dst-ip "$ip" \
		--rate "$rate" --duration 60 --flows 4 "$@"
}

# ---- end to end: A:a0 -> f0 [softnetd in NS_F] PORT -> OUT_NS:OUT_IF (a sink) -----------------
# Every frame A sent must be received by softnetd or counted by the kernel at f0, and every frame
# PORT sent must reach the sink or be counted by the kernel at OUT_IF. The fault tests run
#   sn_e2e_begin OUT_NS OUT_IF PORT; sn_gen_from_a GEN ...; <the fault>; sn_e2e_end PROFILE GEN...;
#   sn_e2e_expect_exact PROFILE
# (not in a subshell: the helpers leave their figures in SN_E2E_* variables).

# sn_e2e_begin OUT_NS OUT_IF PORT: before any traffic: softnetd's idle stats ($SN_TMP/idle.json),
# the kernel's counters the chain starts from, and the sink on OUT_IF ($SN_TMP/sink.json).
# PORT is softnetd's egress port and its veth in NS_F (same name).
sn_e2e_begin() {
	SN_E2E_OUT_NS=$1 SN_E2E_OUT_IF=$2 SN_E2E_PORT=$3
	sn_stats "$SN_TMP/idle.json"
	SN_E2E_KD0=$(sn_veth_drops "$NS_F" f0)
	SN_E2E_XMIT0=$(sn_xdp_xmit "$NS_A" a0)
	SN_E2E_KDO0=$(sn_veth_drops "$1" "$2" "$NS_F" "$3")
	sn_sink_start "$1" "$2" "$SN_TMP/sink.json"
}

# sn_e2e_end WHAT GEN_OUT...: stop these generators, check softnetd still answers, let it settle
# ($SN_TMP/end.json), stop the sink and read the chain: SN_E2E_SENT (the generators' sum),
# SN_E2E_SENTK (what a0 put on the wire), SN_E2E_KD (kernel drops at f0), SN_E2E_RX (softnetd
# received), SN_E2E_TX (PORT sent), SN_E2E_RECV (the sink), SN_E2E_KDO (kernel drops at OUT_IF),
# SN_E2E_ACC (softnetd's own equations, checked exact by sn_expect_accounting); SN_E2E_SUMMARY
# says it all in one line.
sn_e2e_end() {
	local what=$1 g n sent=() v0 v1 rx0 tx0 rx tx
	shift
	for g in "$@"; do
		sn_gen_stop "$g"
	done
	sn_daemon_alive "$what at the end"
	sn_stats_settle "$SN_TMP/end.json"
	sleep 0.3 # the last frames PORT sent are still on their way to the sink
	sn_sink_stop "$SN_TMP/sink.json"
	SN_E2E_ACC=$(sn_expect_accounting "$what" "$SN_TMP/end.json") || exit 1
	SN_E2E_SENT=0
	for g in "$@"; do
		n=$(sn_jvals "$g" sent) || exit 1
		sent+=("$n")
		SN_E2E_SENT=$((SN_E2E_SENT + n))
	done
	SN_E2E_RECV=$(sn_jvals "$SN_TMP/sink.json" received) || exit 1
	v0=$(sn_jvals "$SN_TMP/idle.json" accounting.ingress.received \
		"ports.name=$SN_E2E_PORT.tx_packets") || exit 1
	v1=$(sn_jvals "$SN_TMP/end.json" accounting.ingress.received \
		"ports.name=$SN_E2E_PORT.tx_packets") || exit 1
	read -r rx0 tx0 <<<"$v0"
	read -r rx tx <<<"$v1"
	SN_E2E_RX=$((rx - rx0)) SN_E2E_TX=$((tx - tx0))
	SN_E2E_KD=$(($(sn_veth_drops "$NS_F" f0) - SN_E2E_KD0))
	SN_E2E_SENTK=$(($(sn_xdp_xmit "$NS_A" a0) - SN_E2E_XMIT0))
	SN_E2E_KDO=$(($(sn_veth_drops "$SN_E2E_OUT_NS" "$SN_E2E_OUT_IF" "$NS_F" "$SN_E2E_PORT") -
		SN_E2E_KDO0))
	SN_E2E_SUMMARY="sent $(IFS=+; echo "${sent[*]}") (a0 sent $SN_E2E_SENTK), softnetd received $SN_E2E_RX (kernel drops at f0: $SN_E2E_KD), $SN_E2E_ACC, drops: $(sn_pkt drops "$SN_TMP/idle.json" "$SN_TMP/end.json"); $SN_E2E_PORT tx $SN_E2E_TX, sink $SN_E2E_RECV (kernel drops at $SN_E2E_OUT_IF: $SN_E2E_KDO)"
}

# sn_e2e_expect_exact WHAT: no frame lost on the chain (the generators cannot have sent more than
# a0 put on the wire), and softnetd's pools back at their idle level.
sn_e2e_expect_exact() {
	[ "$SN_E2E_SENT" -le "$SN_E2E_SENTK" ] ||
		sn_fail "$1: the generators say $SN_E2E_SENT, a0 sent $SN_E2E_SENTK"
	sn_expect_eq "$1: frames lost between A and softnetd (a0 sent - received - kernel drops at f0)" \
		$((SN_E2E_SENTK - SN_E2E_RX - SN_E2E_KD)) 0
	sn_expect_eq "$1: frames lost between $SN_E2E_PORT and the sink ($SN_E2E_PORT tx - sink - kernel drops at $SN_E2E_OUT_IF)" \
		$((SN_E2E_TX - SN_E2E_RECV - SN_E2E_KDO)) 0
	sn_expect_pools_idle "$1" "$SN_TMP/idle.json" "$SN_TMP/end.json"
}
