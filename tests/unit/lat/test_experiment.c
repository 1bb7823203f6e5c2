// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_experiment.c - the YAML experiment parser: the shipped experiments load; defaults are
 * filled in; each kind of error names file:line:col and the key.
 */
#include <stdio.h>
#include <string.h>

#include "lib/test_util.h"
#include "experiment.h"
#include "bhlock/softirq.h"

static char err[512];

static int parse(const char *text, struct lat_experiment *x)
{
	err[0] = '\0';
	return lat_experiment__parse("t.yaml", text, strlen(text), x, err, sizeof(err));
}

#define GOOD_HEAD                                                                                  \
	"name: t\n"                                                                                \
	"threads:\n"                                                                               \
	"  - { name: lo, role: net_rx, policy: fifo, priority: 10, cpu: 1 }\n"                    \
	"  - { name: hi, role: block, policy: fifo, priority: 60, cpu: 1 }\n"

static void test_good(void **state)
{
	(void)state;
	struct lat_experiment x;

	assert_int_equal(parse(GOOD_HEAD "loads:\n"
					 "  - { type: softirq_section, thread: lo, vector: NET_RX, "
					 "period_us: 12000, length_us: 8000 }\n"
					 "  - { type: periodic_handler, thread: hi, vector: block, "
					 "period_us: 9973, length_us: 50 }\n",
			       &x),
			 0);
	assert_int_equal(x.nr_threads, 2);
	assert_int_equal(x.nr_loads, 2);
	assert_int_equal(x.nr_profiles, 3);
	assert_int_equal(x.measured, 1); /* the first periodic_handler */
	assert_int_equal(x.loads[1].vector, BLOCK_SOFTIRQ);
	assert_int_equal(x.loads[0].hold_ns, 8000000); /* default: the whole section */
	assert_int_equal(x.loads[1].period_ns, 9973000);
	assert_int_equal(x.cyclictest_prio, 60);
	assert_int_equal(x.cyclictest_cpu, 1);
	assert_true(x.cyclictest);
}

static void expect_error(const char *text, const char *where_and_key)
{
	struct lat_experiment x;

	assert_int_equal(parse(text, &x), -22);
	if (!strstr(err, where_and_key))
		fail_msg("error '%s' does not contain '%s'", err, where_and_key);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(GOOD_HEAD "loads:\n  - { type: periodic_handler, thread: hi, period_us: 10000, "
			       "length_us: 50 }\nduration_s: -1\n",
		     "t.yaml:7:13: key 'duration_s': -1 is out of range");
	expect_error("threads:\n  - { name: a, priority: 120 }\n", "t.yaml:2:26: key 'priority'");
	expect_error("threads:\n  - { name: a, policy: other }\n", "t.yaml:2:24: key 'policy'");
	expect_error("profiles: [rt-nested, rt-fast]\n", "t.yaml:1:23: key 'profiles'");
	expect_error("bogus: 1\n", "t.yaml:1:1: key 'bogus': unknown key");
	expect_error(GOOD_HEAD "loads:\n  - { type: softirq_section, thread: nobody, period_us: 1000 }\n",
		     "t.yaml:6:38: key 'thread': no thread named 'nobody'");
	expect_error(GOOD_HEAD "loads:\n  - { type: periodic_handler, thread: hi, vector: NET_RXX, "
			       "period_us: 1000 }\n",
		     "key 'vector': 'NET_RXX' is not a softirq vector");
	expect_error(GOOD_HEAD "loads:\n  - { type: periodic_handler, thread: hi, period_us: 1000, "
			       "length_us: 2000 }\n",
		     "key 'length_us': must be shorter than period_us");
	expect_error(GOOD_HEAD "loads:\n  - { type: periodic_handler, thread: hi, period_us: 1000, "
			       "resources: [q] }\n",
		     "key 'resources': 'q' is not declared under resources");
	expect_error("name: [x\n", "t.yaml:2:1: did not find expected");
	expect_error(GOOD_HEAD, "key 'loads': no loads");
}

/* net_rx: a port and a rate in place of a period; NET_RX; the port named after its thread. */
static void test_netrx_good(void **state)
{
	(void)state;
	struct lat_experiment x;

	assert_int_equal(parse(GOOD_HEAD "loads:\n"
					 "  - type: net_rx\n"
					 "    thread: lo\n"
					 "    port: { type: test }\n"
					 "    rate_pps: 20000\n"
					 "    burst: 32\n"
					 "    per_frame_ns: 10000\n"
					 "  - { type: periodic_handler, thread: hi, vector: BLOCK, "
					 "period_us: 4973, length_us: 50 }\n",
			       &x),
			 0);
	assert_int_equal(x.nr_loads, 2);
	assert_int_equal(x.loads[0].type, LAT_LOAD_NET_RX);
	assert_int_equal(x.loads[0].vector, NET_RX_SOFTIRQ);
	assert_int_equal(x.loads[0].rx.port_type, LAT_PORT_TEST);
	assert_string_equal(x.loads[0].rx.ifname, "lo");
	assert_int_equal(x.loads[0].rx.rate_pps, 20000);
	assert_int_equal(x.loads[0].rx.burst, 32);
	assert_int_equal(x.loads[0].rx.frame_size, 64); /* default */
	assert_int_equal(x.loads[0].rx.per_frame_ns, 10000);
	assert_false(x.loads[0].measured);
	assert_int_equal(x.measured, 1);

	assert_int_equal(parse(GOOD_HEAD "loads:\n"
					 "  - { type: net_rx, thread: lo, rate_pps: 1000, frame_size: 1514,"
					 " port: { type: test, ifname: eth7 } }\n"
					 "  - { type: periodic_handler, thread: hi, vector: BLOCK, "
					 "period_us: 4973 }\n",
			       &x),
			 0);
	assert_string_equal(x.loads[0].rx.ifname, "eth7");
	assert_int_equal(x.loads[0].rx.frame_size, 1514);
	assert_int_equal(x.loads[0].rx.burst, 1);
	assert_int_equal(x.loads[0].rx.per_frame_ns, 0);
}

#define NETRX(rest) GOOD_HEAD "loads:\n  - { type: net_rx, thread: lo, " rest " }\n"

static void test_netrx_errors(void **state)
{
	(void)state;
	/* Bad rates, at the value's line and column. */
	expect_error(NETRX("port: { type: test }, rate_pps: 0"),
		     "t.yaml:6:65: key 'rate_pps': 0 is out of range [1, 1e+07]");
	expect_error(NETRX("port: { type: test }, rate_pps: 1.5"),
		     "t.yaml:6:65: key 'rate_pps': expected a whole number");
	expect_error(NETRX("port: { type: test }, rate_pps: fast"),
		     "t.yaml:6:65: key 'rate_pps': 'fast' is not a number");
	expect_error(NETRX("port: { type: test }, rate_pps: 20000000"),
		     "t.yaml:6:65: key 'rate_pps': 20000000 is out of range");
	/* Ports. */
	expect_error(NETRX("port: { type: fpga }, rate_pps: 1000"),
		     "t.yaml:6:47: key 'type': 'fpga' is not a port type (test)");
	expect_error(NETRX("port: { type: afxdp, ifname: v0 }, rate_pps: 1000"),
		     "t.yaml:6:47: key 'type': afxdp ports are not supported");
	expect_error(NETRX("port: { type: test, ifname: averyveryverylongname }, rate_pps: 1000"),
		     "t.yaml:6:61: key 'ifname': longer than 15 characters");
	expect_error(NETRX("port: { type: test, speed: 10 }, rate_pps: 1000"),
		     "t.yaml:6:53: key 'speed': unknown key in a port");
	expect_error(NETRX("port: test, rate_pps: 1000"),
		     "t.yaml:6:39: key 'port': expected a mapping");
	expect_error(NETRX("port: { type: test }, rate_pps: 1000, frame_size: 20"),
		     "t.yaml:6:83: key 'frame_size': 20 is out of range [60, 1514]");
	/* What the load as a whole lacks or mixes, at the load's mapping. */
	expect_error(NETRX("rate_pps: 1000"), "t.yaml:6:5: key 'port': a net_rx load needs a port");
	expect_error(NETRX("port: { type: test }"),
		     "t.yaml:6:5: key 'rate_pps': a net_rx load needs rate_pps");
	expect_error(NETRX("port: { type: test }, rate_pps: 100000, per_frame_ns: 10000"),
		     "t.yaml:6:5: key 'per_frame_ns': rate_pps x per_frame_ns is 100% of a CPU");
	expect_error(NETRX("port: { type: test }, rate_pps: 1000, period_us: 1000"),
		     "t.yaml:6:5: key 'net_rx': period_us, length_us, hold_us and resources");
	expect_error(NETRX("port: { type: test }, rate_pps: 1000, measure: true"),
		     "t.yaml:6:5: key 'measure': only a periodic_handler can be measured");
	expect_error(NETRX("port: { type: test }, rate_pps: 1000, vector: BLOCK"),
		     "t.yaml:6:5: key 'vector': a net_rx load raises NET_RX");
	expect_error(GOOD_HEAD "loads:\n  - { type: periodic_handler, thread: hi, period_us: 1000, "
			       "rate_pps: 5 }\n",
		     "t.yaml:6:5: key 'rate_pps': only a net_rx load has a port and a rate");
	/* One NET_RX per CPU experiment: with a NET_RX section as well. */
	expect_error(GOOD_HEAD "loads:\n"
			       "  - { type: net_rx, thread: lo, port: { type: test }, rate_pps: 1000 }\n"
			       "  - { type: softirq_section, thread: hi, period_us: 1000, "
			       "length_us: 10 }\n"
			       "  - { type: periodic_handler, thread: hi, vector: BLOCK, "
			       "period_us: 1000 }\n",
		     "two loads");
}

static void test_shipped(void **state)
{
	(void)state;
	static const char *const files[] = { "reference.yaml", "reference-shared.yaml",
					     "reference-short.yaml", "reference-netrx.yaml",
					     "netrx-short.yaml" };
	const char *dir = *state ? *state : ".";

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct lat_experiment x;
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (lat_experiment__load(path, &x, err, sizeof(err)))
			fail_msg("%s", err);
		assert_true(x.loads[x.measured].measured);
	}
}

static const char *experiments_dir;
static int setup_dir(void **state)
{
	*state = (void *)experiments_dir;
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_netrx_good),
		cmocka_unit_test(test_netrx_errors),
		cmocka_unit_test_setup(test_shipped, setup_dir),
	};

	experiments_dir = argc > 1 ? argv[1] : ".";
	return cmocka_run_group_tests_name("lat_experiment", tests, NULL, NULL);
}
