// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_bridge.c - the learning bridge through real test ports and NAPI polls: flooding of
 * unknown unicast, broadcast and multicast to every other bridge port (exact copies, exact
 * count), learning then unicast to the learnt port only, BRIDGE_SAME_PORT, a station moving,
 * static FDB entries, ageing (entries go, static ones stay), a VLAN port (untagged on ingress,
 * tagged on egress) and the FDB walk. Runs in each locking profile.
 */
#include "stack_test.h"

static const uint8_t HA[6] = { 0x02, 0xaa, 0, 0, 0, 0x01 };
static const uint8_t HB[6] = { 0x02, 0xbb, 0, 0, 0, 0x02 };
static const uint8_t HC[6] = { 0x02, 0xcc, 0, 0, 0, 0x03 };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

/* A 64-byte frame of an experimental ethertype with a recognisable payload. */
static size_t l2_frame(uint8_t *b, const uint8_t *dst, const uint8_t *src, uint8_t tag)
{
	pk_eth(b, dst, src, 0x88b5);
	for (int i = 14; i < 64; i++)
		b[i] = (uint8_t)(tag + i);
	return 64;
}

static void bridge_all(struct tcfg *t, int n)
{
	int ports[4] = { 0, 1, 2, 3 };

	tc_init(t);
	tc_bridge(t, n, ports);
}

static void test_flood_learn_unicast(void **state)
{
	struct tcfg t;
	uint8_t f[64], r[64];
	struct sn_stack_stats s;

	(void)state;
	bridge_all(&t, 3);
	stack_up(&t);

	/* A -> B from p0: B unknown, flooded to p1 and p2 exactly, not back to p0. */
	l2_frame(f, HB, HA, 1);
	inject(P[0], f, sizeof(f));
	expect_frame(P[1], f, sizeof(f));
	expect_frame(P[2], f, sizeof(f));
	assert_true(quiet(P[0], 50));

	/* B -> A from p1: A was learnt on p0, so p0 only. */
	l2_frame(r, HA, HB, 2);
	inject(P[1], r, sizeof(r));
	expect_frame(P[0], r, sizeof(r));
	assert_true(quiet(P[2], 100));
	assert_true(quiet(P[1], 1));

	/* A -> B again: B learnt on p1 now. */
	inject(P[0], f, sizeof(f));
	expect_frame(P[1], f, sizeof(f));
	assert_true(quiet(P[2], 100));

	sn_stack_stats_read(&s);
	assert_int_equal(s.flooded, 1);
	assert_int_equal(s.bridged, 2);
	assert_int_equal(s.learned, 2);
	stack_down();
}

static void test_flood_count(void **state)
{
	struct tcfg t;
	uint8_t f[64];
	struct sn_stack_stats s;

	(void)state;
	bridge_all(&t, 4);
	stack_up(&t);
	/* Broadcast, multicast and unknown unicast from p2: three copies each, byte-exact. */
	const uint8_t *dsts[] = { BCAST, MCAST, HC };

	for (int k = 0; k < 3; k++) {
		l2_frame(f, dsts[k], HA, (uint8_t)(10 + k));
		inject(P[2], f, sizeof(f));
		expect_frame(P[0], f, sizeof(f));
		expect_frame(P[1], f, sizeof(f));
		expect_frame(P[3], f, sizeof(f));
		assert_true(quiet(P[2], 50));
	}
	assert_true(quiet(P[0], 50));
	sn_stack_stats_read(&s);
	assert_int_equal(s.flooded, 3);
	stack_down();
}

static void test_same_port(void **state)
{
	struct tcfg t;
	uint8_t f[64];
	uint64_t before;

	(void)state;
	bridge_all(&t, 2);
	stack_up(&t);
	/* Learn B on p1, then a frame to B arriving on p1 itself. */
	l2_frame(f, BCAST, HB, 3);
	inject(P[1], f, sizeof(f));
	expect_frame(P[0], f, sizeof(f));
	before = tx_taken[P[0]->index];
	l2_frame(f, HB, HA, 4);
	inject_expect_drop(P[1], f, sizeof(f), SN_DROP_BRIDGE_SAME_PORT);
	assert_true(quiet(P[0], 50));
	assert_int_equal(tx_taken[P[0]->index], before);
	stack_down();

	/* A bridge of one port: a broadcast has nowhere to go. */
	bridge_all(&t, 1);
	stack_up(&t);
	l2_frame(f, BCAST, HA, 5);
	inject_expect_drop(P[0], f, sizeof(f), SN_DROP_BRIDGE_SAME_PORT);
	stack_down();
}

static void test_station_moves(void **state)
{
	struct tcfg t;
	uint8_t f[64], g[64];

	(void)state;
	bridge_all(&t, 3);
	stack_up(&t);
	l2_frame(f, BCAST, HA, 6); /* A on p0 */
	inject(P[0], f, sizeof(f));
	expect_frame(P[1], f, sizeof(f));
	expect_frame(P[2], f, sizeof(f));
	l2_frame(f, BCAST, HA, 7); /* A moves to p2 */
	inject(P[2], f, sizeof(f));
	expect_frame(P[0], f, sizeof(f));
	expect_frame(P[1], f, sizeof(f));
	l2_frame(g, HA, HB, 8); /* B -> A from p1: goes to p2 now */
	inject(P[1], g, sizeof(g));
	expect_frame(P[2], g, sizeof(g));
	assert_true(quiet(P[0], 100));
	stack_down();
}

static void test_static_fdb(void **state)
{
	struct tcfg t;
	uint8_t f[64];

	(void)state;
	bridge_all(&t, 3);
	t.c.bridge.ageing_time_s = 1;
	tc_fdb(&t, HC, 0, 2); /* C is on p2, statically */
	stack_up(&t);
	l2_frame(f, HC, HA, 9);
	inject(P[0], f, sizeof(f));
	expect_frame(P[2], f, sizeof(f));
	assert_true(quiet(P[1], 100));
	/* A frame with source C on p1 does not move a static entry. */
	l2_frame(f, BCAST, HC, 10);
	inject(P[1], f, sizeof(f));
	expect_frame(P[0], f, sizeof(f));
	expect_frame(P[2], f, sizeof(f));
	l2_frame(f, HC, HA, 11);
	inject(P[0], f, sizeof(f));
	expect_frame(P[2], f, sizeof(f));
	assert_true(quiet(P[1], 100));
	/* Ageing leaves it. */
	usleep(1200 * 1000);
	sn_stack_fdb_age();
	inject(P[0], f, sizeof(f));
	expect_frame(P[2], f, sizeof(f));
	assert_true(quiet(P[1], 100));
	stack_down();
}

static void test_ageing(void **state)
{
	struct tcfg t;
	uint8_t f[64], g[64];
	struct sn_stack_stats s;

	(void)state;
	bridge_all(&t, 3);
	t.c.bridge.ageing_time_s = 1;
	stack_up(&t);
	l2_frame(f, BCAST, HA, 12); /* learn A on p0 */
	inject(P[0], f, sizeof(f));
	expect_frame(P[1], f, sizeof(f));
	expect_frame(P[2], f, sizeof(f));
	/* Not yet old: ageing keeps it, B -> A is unicast. */
	sn_stack_fdb_age();
	l2_frame(g, HA, HB, 13);
	inject(P[1], g, sizeof(g));
	expect_frame(P[0], g, sizeof(g));
	assert_true(quiet(P[2], 100));
	sn_stack_stats_read(&s);
	assert_int_equal(s.fdb_aged, 0);
	/* B was learnt by that frame at about the same time; after 1.2 s both are old. */
	usleep(1200 * 1000);
	sn_stack_fdb_age();
	sn_stack_stats_read(&s);
	assert_int_equal(s.fdb_aged, 2);
	inject(P[1], g, sizeof(g)); /* A unknown again: flooded */
	expect_frame(P[0], g, sizeof(g));
	expect_frame(P[2], g, sizeof(g));
	stack_down();
}

struct walk_ctx {
	int n;
	char text[4][160];
	int vlan[4];
	bool is_static[4];
};

static void walk_fn(const struct sn_stack_entry *e, void *arg)
{
	struct walk_ctx *w = arg;

	assert_string_equal(e->kind, "fdb");
	if (w->n < 4) {
		snprintf(w->text[w->n], sizeof(w->text[0]), "%s", e->text);
		w->vlan[w->n] = e->vlan;
		w->is_static[w->n] = e->is_static;
	}
	w->n++;
}

static void test_vlan_port(void **state)
{
	struct tcfg t;
	int ports[2] = { 4, 1 }; /* p0.10 and p1 */
	uint8_t tagged[68], plain[64], got[128];
	struct walk_ctx w = { 0 };
	int n;

	(void)state;
	tc_init(&t);
	tc_bridge(&t, 2, ports);
	stack_up(&t);
	/* A frame tagged VID 10 arrives on p0: untagged onto p0.10, bridged to p1 without tag. */
	l2_frame(plain, BCAST, HA, 14);
	memcpy(tagged, plain, 12);
	put16(tagged + 12, 0x8100);
	put16(tagged + 14, 0x200a); /* PCP 1, VID 10 */
	memcpy(tagged + 16, plain + 12, 52);
	inject(P[0], tagged, sizeof(tagged));
	expect_frame(P[1], plain, sizeof(plain));
	/* The answer from p1 goes out of p0 tagged with VID 10. */
	l2_frame(plain, HA, HB, 15);
	inject(P[1], plain, sizeof(plain));
	n = take(P[0], got, sizeof(got));
	assert_int_equal(n, 68);
	assert_memory_equal(got, plain, 12);
	assert_int_equal(get16(got + 12), 0x8100);
	assert_int_equal(get16(got + 14) & 0x0fff, 10);
	assert_memory_equal(got + 16, plain + 12, 52);
	/* The FDB: A on p0.10 VLAN 10, B on p1 VLAN 0. */
	sn_stack_walk("fdb", walk_fn, &w);
	assert_int_equal(w.n, 2);
	for (int i = 0; i < 2; i++) {
		if (w.vlan[i] == 10)
			assert_non_null(strstr(w.text[i], "02:aa:00:00:00:01 vlan 10 dev p0.10"));
		else
			assert_non_null(strstr(w.text[i], "02:bb:00:00:00:02 vlan 0 dev p1"));
		assert_false(w.is_static[i]);
	}
	stack_down();
}

static void test_not_bridged(void **state)
{
	struct tcfg t;
	uint8_t f[64];
	int ports[2] = { 0, 1 };

	(void)state;
	tc_init(&t);
	tc_bridge(&t, 2, ports);
	stack_up(&t);
	/* p2 is neither bridged nor routed: everything is LOCAL_UNHANDLED, nothing flooded. */
	l2_frame(f, BCAST, HA, 16);
	inject_expect_drop(P[2], f, sizeof(f), SN_DROP_LOCAL_UNHANDLED);
	/* To a bridge port's own MAC, without a router: LOCAL_UNHANDLED. */
	l2_frame(f, P[0]->mac, HA, 17);
	inject_expect_drop(P[0], f, sizeof(f), SN_DROP_LOCAL_UNHANDLED);
	assert_true(quiet(P[1], 100));
	/* Runt on a bridge port. */
	inject_expect_drop(P[0], f, 13, SN_DROP_RUNT);
	stack_down();
}

/* A port that bridges and routes: ARP for its address is answered and still flooded; frames
 * to its MAC are routed; a reload replaces static FDB entries. */
static void test_bridge_and_router(void **state)
{
	struct tcfg t;
	uint8_t f[128], exp[128], got[128];
	char err[128];
	int ports[3] = { 0, 1, 2 };
	size_t len;
	uint8_t *a;

	(void)state;
	tc_init(&t);
	tc_bridge(&t, 3, ports);
	tc_addr(&t, "10.0.0.1/24", 0);
	tc_addr(&t, "10.0.9.1/24", 3);
	tc_neigh(&t, "10.0.9.2", HC, 3);
	tc_fdb(&t, HC, 0, 2);
	stack_up(&t);
	/* ARP request from A (10.0.0.2) for 10.0.0.1 on p0: answered on p0, flooded to p1, p2. */
	pk_eth(f, BCAST, HA, 0x0806);
	a = f + 14;
	memcpy(a, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
	memcpy(a + 8, HA, 6);
	ip4(a + 14, "10.0.0.2");
	memset(a + 18, 0, 6);
	ip4(a + 24, "10.0.0.1");
	inject(P[0], f, 42);
	expect_frame(P[1], f, 42);
	expect_frame(P[2], f, 42);
	memcpy(exp, f, 42);
	memcpy(exp, HA, 6);
	memcpy(exp + 6, P[0]->mac, 6);
	put16(exp + 14 + 6, 2);
	memcpy(exp + 14 + 8, P[0]->mac, 6);
	ip4(exp + 14 + 14, "10.0.0.1");
	memcpy(exp + 14 + 18, HA, 6);
	ip4(exp + 14 + 24, "10.0.0.2");
	expect_frame(P[0], exp, 42);
	/* A frame to p0's MAC is routed (to p3), not bridged. */
	len = 14 + pk_ip4(f + 14, "10.0.0.2", "10.0.9.2", 17, 9, NULL, 0, 8);
	pk_eth(f, P[0]->mac, HA, 0x0800);
	inject(P[0], f, len);
	assert_int_equal(take(P[3], got, sizeof(got)), (int)len);
	assert_memory_equal(got, HC, 6);
	assert_int_equal(got[14 + 8], 8);
	assert_true(quiet(P[1], 50));
	/* Static C on p2; after a reload without it, C is unknown again (flooded). */
	l2_frame(f, HC, HA, 20);
	inject(P[0], f, 64);
	expect_frame(P[2], f, 64);
	assert_true(quiet(P[1], 50));
	t.c.nr_fdb = 0;
	assert_int_equal(sn_stack_reload(&t.c, err, sizeof(err)), 0);
	inject(P[0], f, 64);
	expect_frame(P[1], f, 64);
	expect_frame(P[2], f, 64);
	stack_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_learn_unicast),
		cmocka_unit_test(test_flood_count),
		cmocka_unit_test(test_same_port),
		cmocka_unit_test(test_station_moves),
		cmocka_unit_test(test_static_fdb),
		cmocka_unit_test(test_ageing),
		cmocka_unit_test(test_vlan_port),
		cmocka_unit_test(test_not_bridged),
		cmocka_unit_test(test_bridge_and_router),
	};

	return tu_run_per_profile("stack_bridge", tests);
}
