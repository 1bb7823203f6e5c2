#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Least privilege (docs/reliability.md, "Least privilege"), on the router
#   A (a0) -- f0 [softnetd in F, rt-nested, under strace] f1 -- B (b0)
#   1. every thread of the running daemon has exactly the documented capabilities in its
#      permitted, effective and bounding sets, none inheritable or ambient, and no_new_privs;
#   2. it still forwards, reloads on SIGHUP and edits routes with those;
#   3. a configuration made writable by others is refused at SIGHUP (the running one stays), and
#      at start, like a group-writable one, one owned by another user and one in a directory
#      others may write; a BPF object writable by others is refused by `softnetctl xdp attach`
#      (when softnetctl has that command);
#   4. the control socket: a non-root user is refused by the file mode (softnetctl says so), and
#      a non-root user that gets past the mode (CAP_DAC_OVERRIDE) is refused by the daemon's
#      SO_PEERCRED check with a message, and the daemon logs it;
#   5. from start to exit, every file the daemon created, wrote, renamed, removed or bound (strace)
#      is in its runtime directory, bpffs or /proc/self (thread names), and it exits 0 with no
#      XDP program left on its interfaces.
. "$(dirname "$0")/lib.sh"
sn_init privilege

# The documented kept set (privilege.c sn_priv_kept[], docs/reliability.md) and the bit of each.
KEPT="cap_net_admin cap_sys_admin"
declare -A CAPBIT=([cap_net_admin]=12 [cap_sys_admin]=21)

command -v strace >/dev/null || sn_fail "strace not found (tools/install-deps.sh installs it)"
command -v setpriv >/dev/null || sn_fail "setpriv not found (util-linux)"
NOBODY=65534

# Namespaces with this helper's prefix (the EXIT trap of lib.sh deletes them).
pv_ns() {
	local ns="snpv$$-$1"
	ip netns add "$ns" || sn_fail "ip netns add $ns"
	SN_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
	printf -v "$2" '%s' "$ns"
}
pv_ns a NS_A
pv_ns f NS_F
pv_ns b NS_B
sn_veth "$NS_A" a0 "$SN_MAC_A" "$NS_F" f0 "$SN_MAC_F0"
sn_veth "$NS_F" f1 "$SN_MAC_F1" "$NS_B" b0 "$SN_MAC_B"
ip -n "$NS_A" addr add 10.10.1.2/24 dev a0
ip -n "$NS_B" addr add 10.10.2.2/24 dev b0

want=0
for c in $KEPT; do want=$((want | (1 << CAPBIT[$c]))); done
WANT=$(printf '%016x' "$want")

CFG=$SN_TMP/router.yaml
sn_router_config "$CFG"
chmod 0600 "$CFG"

# ---- start under strace: every call that can create, write, move or remove a file ------------
SN_RUNDIR=$SN_TMP/run
SN_DAEMON_LOG=$SN_TMP/softnetd.log
TRACE=$SN_TMP/trace
mkdir -p "$SN_RUNDIR"
ip netns exec "$NS_F" strace -f -qq -y --seccomp-bpf -o "$TRACE" \
	-e trace=open,openat,openat2,creat,mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,chmod,fchmodat,chown,lchown,fchownat,truncate,mknod,mknodat,bind,mount \
	"$SOFTNETD" --config "$CFG" --profile rt-nested --runtime-dir "$SN_RUNDIR" \
	>"$SN_DAEMON_LOG" 2>&1 &
ST=$!
SN_BG_PIDS+=("$ST")
for _ in $(seq 200); do
	kill -0 "$ST" 2>/dev/null || sn_fail "softnetd (under strace) exited during start-up"
	[ -S "$SN_RUNDIR/softnetd.sock" ] && sn_ctl --json stats >/dev/null 2>&1 && break
	sleep 0.1
done
sn_ctl --json stats >/dev/null 2>&1 || sn_fail "softnetd did not answer within 20 s"
SN_DAEMON_PID=$(pgrep -P "$ST" -x softnetd | head -n1)
[ -n "$SN_DAEMON_PID" ] || sn_fail "no softnetd process under strace (pid $ST)"
SN_DAEMON_PIDS+=("$SN_DAEMON_PID")
sn_log "softnetd up under strace, pid $SN_DAEMON_PID"

# ---- 1. the capability sets of every thread ----------------------------------------------------
grep -q "privilege: kept $(echo "$KEPT" | tr ' ' ',') " "$SN_DAEMON_LOG" ||
	sn_fail "softnetd did not log the documented kept set '$KEPT': $(grep privilege "$SN_DAEMON_LOG")"
nthreads=0
for st in /proc/"$SN_DAEMON_PID"/task/*/status; do
	[ -r "$st" ] || continue
	name=$(awk '/^Name:/ {print $2}' "$st")
	for f in CapPrm CapEff CapBnd; do
		got=$(awk -v f="$f:" '$1 == f {print $2}' "$st")
		sn_expect_eq "thread $name: $f" "$got" "$WANT"
	done
	for f in CapInh CapAmb; do
		sn_expect_eq "thread $name: $f" "$(awk -v f="$f:" '$1 == f {print $2}' "$st")" 0000000000000000
	done
	sn_expect_eq "thread $name: NoNewPrivs" "$(awk '$1 == "NoNewPrivs:" {print $2}' "$st")" 1
	nthreads=$((nthreads + 1))
done
sn_expect_ge "threads checked" "$nthreads" 3
sn_log "$nthreads threads: CapPrm = CapEff = CapBnd = $WANT ($KEPT), CapInh = CapAmb = 0, NoNewPrivs 1"

# ---- 2. forwarding, reload and route edits with only those --------------------------------------
sn_stats "$SN_TMP/s0.json"
sn_sink_start "$NS_B" b0 "$SN_TMP/sink.json"
sn_gen "$NS_A" send --dev a0 --dst-mac "$SN_MAC_F0" --src-ip 10.10.1.2 --dst-ip 10.10.2.2 \
	--rate 20000 --duration 2 --flows 4 >"$SN_TMP/gen.json" 2>"$SN_TMP/gen.err" ||
	sn_fail "softnet-gen send: $(cat "$SN_TMP/gen.err")"
sn_stats_settle "$SN_TMP/s1.json"
sn_sink_stop "$SN_TMP/sink.json"
got=$(sn_pkt json "$SN_TMP/sink.json" received)
sn_expect_gt "frames B received through the capability-less daemon" "$got" 0
sn_log "forwarded after the drop: B received $got of $(sn_pkt json "$SN_TMP/gen.json" sent)"

sn_ctl routes add 10.10.7.0/24 dev f1 >/dev/null 2>"$SN_TMP/ctl.err" ||
	sn_fail "softnetctl routes add: $(cat "$SN_TMP/ctl.err")"
sn_ctl routes show | grep -q 10.10.7.0/24 || sn_fail "route added over the socket not shown"

# the same configuration plus a route to 10.10.9.0/24
sed '/^routes:/a\  - { prefix: 10.10.9.0/24, dev: f1 }' "$CFG" >"$SN_TMP/next.yaml"
sn_check_config "$SN_TMP/next.yaml"
install -m 0600 "$SN_TMP/next.yaml" "$CFG"
kill -HUP "$SN_DAEMON_PID"
for _ in $(seq 50); do
	sn_ctl routes show 2>/dev/null | grep -q 10.10.9.0/24 && break
	sleep 0.1
done
sn_ctl routes show | grep -q 10.10.9.0/24 ||
	sn_fail "SIGHUP with a 0600 configuration did not apply it: $(grep -iE 'reload' "$SN_DAEMON_LOG")"

# ---- 3. files others could write -----------------------------------------------------------------
sed 's|10.10.9.0/24|10.10.8.0/24|' "$SN_TMP/next.yaml" >"$CFG"
chmod 0666 "$CFG"
kill -HUP "$SN_DAEMON_PID"
for _ in $(seq 50); do
	grep -q "refused: writable by others (mode 0666)" "$SN_DAEMON_LOG" && break
	sleep 0.1
done
grep -q "reload failed: $CFG: refused: writable by others (mode 0666); keeping the running configuration" \
	"$SN_DAEMON_LOG" || sn_fail "SIGHUP with a 0666 configuration: no refusal in the log"
sn_daemon_alive "after the refused reload"
routes=$(sn_ctl routes show)
grep -q 10.10.9.0/24 <<<"$routes" || sn_fail "the running configuration was lost at the refused reload"
grep -q 10.10.8.0/24 <<<"$routes" && sn_fail "a configuration writable by others was applied"
chmod 0600 "$CFG"
sn_log "SIGHUP: 0666 configuration refused, the running one kept"

if "$SOFTNETCTL" --help 2>&1 | grep -q "xdp attach"; then
	cp "$SOFTNET_GEN_BPF_DIR/sink_xdp.bpf.o" "$SN_TMP/prog.bpf.o"
	chmod 0666 "$SN_TMP/prog.bpf.o"
	if sn_ctl xdp attach f0 "$SN_TMP/prog.bpf.o" >"$SN_TMP/xa.out" 2>&1; then
		sn_fail "softnetctl xdp attach accepted an object writable by others"
	fi
	grep -q "refused: writable by others (mode 0666)" "$SN_TMP/xa.out" ||
		sn_fail "softnetctl xdp attach of a 0666 object: $(cat "$SN_TMP/xa.out")"
	sn_log "softnetctl xdp attach: 0666 object refused"
else
	sn_log "softnetctl has no 'xdp attach' command: object refusal not tested here"
fi

# ---- 4. the control socket -------------------------------------------------------------------------
SOCK=$SN_RUNDIR/softnetd.sock
sn_expect_eq "control socket mode" "$(stat -c %a "$SOCK")" 600
if setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups -- "$SOFTNETCTL" -s "$SOCK" stats \
	>"$SN_TMP/nobody.out" 2>&1; then
	sn_fail "uid $NOBODY got an answer from the control socket"
fi
grep -q "Permission denied (the control socket is for root" "$SN_TMP/nobody.out" ||
	sn_fail "uid $NOBODY: unclear refusal: $(cat "$SN_TMP/nobody.out")"
# Past the file mode (CAP_DAC_OVERRIDE, ambient): the daemon's SO_PEERCRED check must refuse.
if setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=+dac_override \
	--ambient-caps=+dac_override -- "$SOFTNETCTL" -s "$SOCK" stats >"$SN_TMP/dac.out" 2>&1; then
	sn_fail "uid $NOBODY with CAP_DAC_OVERRIDE got an answer from the control socket"
fi
grep -q "permission denied: softnetd's control socket accepts uid 0 and uid 0 only, you are uid $NOBODY" \
	"$SN_TMP/dac.out" || sn_fail "uid $NOBODY past the mode: unclear refusal: $(cat "$SN_TMP/dac.out")"
grep -q "control: refused pid [0-9]* uid $NOBODY" "$SN_DAEMON_LOG" ||
	sn_fail "softnetd did not log the refused uid $NOBODY"
sn_daemon_alive "after the refused clients"
sn_log "control socket: uid $NOBODY refused by the mode and, past it, by SO_PEERCRED (logged)"

# ---- 5. stop; what was written where --------------------------------------------------------------
kill -TERM "$SN_DAEMON_PID"
for _ in $(seq 150); do
	kill -0 "$ST" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$ST" 2>/dev/null && sn_fail "softnetd did not stop within 15 s of SIGTERM"
wait "$ST"
rc=$?
SN_DAEMON_PID=
sn_expect_eq "softnetd exit status after SIGTERM (strace passes it on)" "$rc" 0
grep -q "frames lost: 0 " "$SN_DAEMON_LOG" || sn_fail "frame accounting: $(grep 'frames lost' "$SN_DAEMON_LOG")"
for dev in f0 f1; do
	ip -n "$NS_F" link show "$dev" | grep -q " xdp" &&
		sn_fail "an XDP program is still attached to $dev after the drain (CAP_NET_ADMIN/CAP_SYS_ADMIN kept for that)"
done
[ -e "$SOCK" ] && sn_fail "control socket $SOCK left behind"

"$SN_PY" - "$TRACE" "$SN_RUNDIR" "$PWD" >"$SN_TMP/writes.txt" 2>&1 <<'EOF'
# Print "ALLOWED|OUTSIDE syscall path" for every successful call of the trace that changes the
# file system; exit 1 if one is outside the runtime directory, bpffs and /proc/self.
import os, re, sys
trace, rundir, cwd = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3]
allowed = (rundir + "/", "/sys/fs/bpf/", "/proc/self/task/", "/proc/thread-self/")
allowed_exact = {rundir, "/sys/fs/bpf", "/dev/null"}
write_flags = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC")
call = re.compile(r"^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)")
bad = 0
pending = {}  # pid -> the first half of a call another thread's line interrupted
def lines():
    for line in open(trace, errors="replace"):
        line = line.rstrip("\n")
        m = re.match(r"^(\d+)\s+(.*) <unfinished \.\.\.>$", line)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", line)
        if m:
            if m.group(1) not in pending:
                continue
            line = m.group(1) + " " + pending.pop(m.group(1)) + m.group(2)
        yield line
for line in lines():
    m = call.match(line)
    if not m or m.group(3).startswith("-"):
        continue  # unfinished/resumed pieces and failed calls changed nothing
    name, args = m.group(1), m.group(2)
    if name in ("open", "openat", "openat2", "creat") and name != "creat" and not write_flags.search(args):
        continue
    if name == "bind" and "sun_path" not in args:
        continue
    paths = re.findall(r'(?:(\d+)<([^>]*)>, )?"([^"]*)"', args)
    if name == "bind":
        paths = [("", "", p) for p in re.findall(r'sun_path="([^"]*)"', args)]
    for fd, fdpath, p in paths[:1] if name not in ("rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat") else paths:
        if not p.startswith("/"):
            base = fdpath if fdpath else cwd
            p = os.path.normpath(os.path.join(base, p))
        p = re.sub(r"^/proc/\d+/task/", "/proc/self/task/", p)
        p = re.sub(r"^/proc/\d+/", "/proc/self/", p)
        ok = p in allowed_exact or p.startswith(allowed)
        print(("ALLOWED " if ok else "OUTSIDE ") + name + " " + p)
        bad += not ok
sys.exit(1 if bad else 0)
EOF
prc=$?
nw=$(grep -c . "$SN_TMP/writes.txt")
[ "$prc" -eq 0 ] || sn_fail "softnetd wrote outside its runtime directory and bpffs:
$(grep -v '^ALLOWED' "$SN_TMP/writes.txt" | sort | uniq -c | head -n 20)"
sn_expect_gt "file-changing calls seen by strace (the check saw the socket at least)" "$nw" 0
grep -q "^ALLOWED bind $SN_RUNDIR/softnetd.sock" "$SN_TMP/writes.txt" ||
	sn_fail "strace did not see the control socket's bind: the write-scope check saw nothing"
sn_log "write scope: $nw file-changing calls, all in $SN_RUNDIR, bpffs or /proc/self"

# ---- start-up refusals (each must stop before any interface is touched) ---------------------------
# expect_refused WHAT FILE TEXT: softnetd -c FILE exits 2 and says TEXT.
expect_refused() {
	local out=$SN_TMP/refused.out rc
	ip netns exec "$NS_F" timeout 20 "$SOFTNETD" --config "$2" --runtime-dir "$SN_TMP/run2" \
		>"$out" 2>&1
	rc=$?
	sn_expect_eq "$1: exit status" "$rc" 2
	grep -qF "$3" "$out" || sn_fail "$1: expected '$3', got: $(cat "$out")"
	sn_log "$1: $(head -n1 "$out")"
}
cp "$SN_TMP/next.yaml" "$SN_TMP/w.yaml"
chmod 0666 "$SN_TMP/w.yaml"
expect_refused "start, config 0666" "$SN_TMP/w.yaml" \
	"softnetd: $SN_TMP/w.yaml: refused: writable by others (mode 0666)"
chmod 0620 "$SN_TMP/w.yaml"
expect_refused "start, config 0620" "$SN_TMP/w.yaml" "refused: writable by group (mode 0620)"
chmod 0644 "$SN_TMP/w.yaml"
chown $NOBODY "$SN_TMP/w.yaml"
expect_refused "start, config owned by uid $NOBODY" "$SN_TMP/w.yaml" \
	"refused: owned by uid $NOBODY (not root nor softnetd's uid 0)"
mkdir -m 0777 "$SN_TMP/open"
chmod 0777 "$SN_TMP/open"
install -m 0600 "$SN_TMP/next.yaml" "$SN_TMP/open/c.yaml"
expect_refused "start, config in a 0777 directory" "$SN_TMP/open/c.yaml" \
	"refused: directory $SN_TMP/open is writable by others (mode 0777) and not sticky"
sn_pass "kept $KEPT on $nthreads threads; refusals at start, SIGHUP and the socket; writes in scope"
