#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Routes rewritten under load, in each locking profile. A -> B generator traffic (50 kpps)
# through the router while a loop of control requests (one connection, as softnetctl sends them)
# deletes and re-adds the route to B (10.10.2.0/24) and adds and deletes other routes, for 3 s. Afterwards: softnetd is alive, every
# request succeeded, the route table is what the loop left (B's route, none of the others), the
# frames that met the deleted route are counted as no_route drops, traffic to B flows again,
# every frame is accounted for (A -> softnetd or the kernel's drops at f0; f1 -> the sink or the
# kernel's drops at b0; softnetd's own equations), the pools are back at their idle level, and
# the drain at SIGTERM balances with no leak.
# (FDB rewrites under load: test_fault_fdb.sh, through SIGHUP reloads.)
: "${SN_PROFILES:=vanilla rt-nested}"
. "$(dirname "$0")/lib.sh"
sn_init fault_routes
sn_topo_abf
S=$SN_TMP
CFG=$S/router.yaml
sn_router_config "$CFG"

# churn SECONDS: the rewrite loop, on one control connection (softnetctl's start-up would
# dominate on a loaded machine): rounds of "del B's route, add 10.99.N.0/24, add B's route, del
# 10.99.N.0/24" for SECONDS; every reply must be ok. Prints the number of rounds; failures on
# stderr, exit 1.
churn() {
	"$SN_PY" - "$SN_RUNDIR/softnetd.sock" "$1" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rwb")
end, rounds, bad = time.monotonic() + float(sys.argv[2]), 0, []
while time.monotonic() < end and not bad:
    rounds += 1
    n = "10.99.%d.0/24" % (rounds % 250)
    for req in ({"op": "del", "prefix": "10.10.2.0/24"}, {"op": "add", "prefix": n, "dev": "f1"},
                {"op": "add", "prefix": "10.10.2.0/24", "dev": "f1"}, {"op": "del", "prefix": n}):
        req["cmd"] = "routes"
        f.write((json.dumps(req) + "\n").encode())
        f.flush()
        rep = json.loads(f.readline() or b"{}")
        if rep.get("ok") is not True:
            bad.append("%s -> %s" % (json.dumps(req), rep))
print(rounds)
if bad:
    sys.exit("; ".join(bad))
PY
}

for P in $SN_PROFILES; do
	sn_daemon_start "$NS_F" "$CFG" "$P"
	sn_e2e_begin "$NS_B" b0 f1
	sn_gen_from_a "$S/gen.json" "$SN_MAC_F0" 10.10.2.2 50000
	sn_wait_for "$P: traffic forwarded before the rewrites" 10 sn_at_least totals.forwarded 2000

	rounds=$(churn 3 2>"$S/churn.err") ||
		sn_fail "$P: route requests failed under load: $(head -c 600 "$S/churn.err")"
	sn_daemon_alive "$P after $rounds rounds of route rewrites"
	sn_stats "$S/after.json"
	f=$(sn_jvals "$S/after.json" totals.forwarded) || exit 1
	sn_wait_for "$P: traffic to B forwarded after the rewrites" 10 sn_at_least totals.forwarded \
		$((f + 2000))
	routes=$(sn_ctl routes show 2>&1) || sn_fail "$P: routes show: $routes"
	grep -q "10\.10\.2\.0/24" <<<"$routes" || sn_fail "$P: B's route is missing: $routes"
	grep -q "10\.99\." <<<"$routes" && sn_fail "$P: a deleted route is still listed: $routes"

	sn_e2e_end "$P" "$S/gen.json"
	nr=$(sn_delta "$S/idle.json" "$S/end.json" totals.drops.no_route) || exit 1
	sn_log "$P: $rounds rounds of route rewrites; no_route $nr; $SN_E2E_SUMMARY"
	sn_expect_gt "$P: frames to the deleted route counted as no_route" "$nr" 0
	sn_e2e_expect_exact "$P"

	sn_stop_expect_drain "$P"
done
sn_pass "profiles: $SN_PROFILES"
