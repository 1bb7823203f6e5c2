// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_config.c - softnetd's configuration: the shipped examples parse to the values they say,
 * defaults fill what is left out, and an invalid document returns nothing but its error line.
 * argv[1] is the source root (for config/examples/).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "config/config.h"

static const char *src_root = ".";

static struct softnetd_config *load_example(const char *name)
{
	char path[4096], msg[512];
	struct softnetd_config *cfg;

	snprintf(path, sizeof(path), "%s/config/examples/%s", src_root, name);
	cfg = softnetd_config__load(path, msg, sizeof(msg));
	if (!cfg)
		fail_msg("%s", msg);
	return cfg;
}

static struct softnetd_config *parse(const char *text, char *msg, size_t len)
{
	return softnetd_config__parse("t.yaml", text, strlen(text), msg, len);
}

static void test_defaults(void **state)
{
	char msg[256];
	struct softnetd_config *cfg = parse(
		"ports:\n  - name: p0\n    type: afxdp\n    ifname: veth0\n", msg, sizeof(msg));

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->profile, BH_PROFILE_VANILLA);
	assert_int_equal(cfg->nr_cpus, 0);
	assert_int_equal(cfg->napi.budget, 300);
	assert_int_equal(cfg->napi.time_limit_us, 2000);
	assert_int_equal(cfg->napi.weight, 64);
	assert_false(cfg->napi.threaded);
	assert_int_equal(cfg->nr_ports, 1);
	assert_string_equal(cfg->ports[0].name, "p0");
	assert_int_equal(cfg->ports[0].type, CFG_PORT_AFXDP);
	assert_string_equal(cfg->ports[0].ifname, "veth0");
	assert_int_equal(cfg->ports[0].queues, 1);
	assert_int_equal(cfg->ports[0].mode, CFG_XSK_AUTO);
	assert_false(cfg->ports[0].busy_poll);
	assert_null(cfg->ports[0].xdp_prog);
	assert_false(cfg->bridge.enabled);
	assert_int_equal(cfg->bridge.ageing_time_s, 300);
	assert_int_equal(cfg->bridge.fdb_max, 4096);
	assert_false(cfg->router.enabled);
	assert_int_equal(cfg->router.icmp_ratelimit_ms, 1000);
	assert_int_equal(cfg->nr_routes + cfg->nr_neighbours + cfg->nr_fdb, 0);
	assert_int_equal(cfg->log_level, CFG_LOG_INFO);
	assert_int_equal(cfg->irq_priority, 50);
	assert_int_equal(cfg->memory.skb_cache, CFG_SKB_CACHE_6_19);
	assert_int_equal(cfg->memory.heads, 65536);
	assert_int_equal(cfg->memory.chunks, 256);
	assert_int_equal(cfg->memory.frames_per_queue, 4096);
	softnetd_config__free(cfg);
}

static void test_memory_irq_log(void **state)
{
	char msg[256];
	struct softnetd_config *cfg = parse("log_level: debug\nirq_priority: 70\n"
					    "memory:\n  skb_cache: \"6.12\"\n  heads: 2048\n"
					    "  chunks: 8\n  frames_per_queue: 1024\n"
					    "ports:\n  - { name: l, type: loop, peer: l }\n",
					    msg, sizeof(msg));

	(void)state;
	if (!cfg)
		fail_msg("%s", msg);
	assert_int_equal(cfg->log_level, CFG_LOG_DEBUG);
	assert_int_equal(cfg->irq_priority, 70);
	assert_int_equal(cfg->memory.skb_cache, CFG_SKB_CACHE_6_12);
	assert_int_equal(cfg->memory.heads, 2048);
	assert_int_equal(cfg->memory.chunks, 8);
	assert_int_equal(cfg->memory.frames_per_queue, 1024);
	assert_string_equal(softnetd_skb_cache_gen_name(cfg->memory.skb_cache), "6.12");
	assert_string_equal(softnetd_log_level_name(cfg->log_level), "debug");
	softnetd_config__free(cfg);

	/* Only the keys it names; the rest keep their defaults. */
	cfg = parse("memory: { chunks: 16 }\nports:\n  - { name: l, type: loop, peer: l }\n", msg,
		    sizeof(msg));
	assert_non_null(cfg);
	assert_int_equal(cfg->memory.chunks, 16);
	assert_int_equal(cfg->memory.heads, 65536);
	softnetd_config__free(cfg);
}

static void test_l2_bridge(void **state)
{
	struct softnetd_config *cfg = load_example("l2-bridge.yaml");
	static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->profile, BH_PROFILE_RT_NESTED);
	assert_int_equal(cfg->nr_cpus, 2);
	assert_int_equal(cfg->cpus[0], 0);
	assert_int_equal(cfg->cpus[1], 1);
	assert_int_equal(cfg->nr_ports, 2);
	assert_string_equal(cfg->ports[1].ifname, "veth-b");
	assert_int_equal(cfg->ports[1].queues, 2);
	assert_int_equal(cfg->ports[1].mode, CFG_XSK_COPY);
	assert_true(cfg->bridge.enabled);
	assert_int_equal(cfg->bridge.nr_ports, 2);
	assert_int_equal(cfg->bridge.ports[0], 0);
	assert_int_equal(cfg->bridge.ports[1], 1);
	assert_int_equal(cfg->nr_fdb, 2);
	assert_memory_equal(cfg->fdb[1].mac, mac_b, 6);
	assert_int_equal(cfg->fdb[1].dev, 1);
	assert_int_equal(cfg->fdb[1].vlan, 0);
	softnetd_config__free(cfg);
}

static void test_l3_router(void **state)
{
	struct softnetd_config *cfg = load_example("l3-router.yaml");
	struct in6_addr v6;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->napi.budget, 600);
	assert_int_equal(cfg->napi.time_limit_us, 2000); /* default kept beside a set budget */
	assert_true(cfg->napi.threaded);
	assert_int_equal(cfg->ports[0].mode, CFG_XSK_ZEROCOPY);
	assert_true(cfg->ports[0].busy_poll);
	assert_string_equal(cfg->ports[0].xdp_prog, "xdp/progs/xsk_steer.bpf.o");
	assert_int_equal(cfg->ports[1].type, CFG_PORT_DPDK);
	assert_string_equal(cfg->ports[1].pmd, "net_af_xdp0,iface=veth-wan");
	assert_int_equal(cfg->ports[1].nr_eal, 4);
	assert_string_equal(cfg->ports[1].eal[0], "--no-huge");
	assert_string_equal(cfg->ports[1].eal[3], "--no-pci");
	assert_true(cfg->router.enabled);
	assert_int_equal(cfg->router.nr_addresses, 3);
	assert_int_equal(cfg->router.addresses[0].addr.plen, 24);
	assert_int_equal(cfg->router.addresses[0].addr.v4.s_addr, inet_addr("10.0.1.1"));
	assert_int_equal(cfg->nr_routes, 5);
	assert_int_equal(cfg->routes[2].prefix.plen, 0);
	assert_true(cfg->routes[2].has_via);
	assert_int_equal(cfg->routes[2].via.v4.s_addr, inet_addr("10.0.2.254"));
	assert_int_equal(cfg->routes[2].dev, 1);
	assert_false(cfg->routes[0].has_via);
	assert_int_equal(cfg->routes[3].prefix.family, AF_INET6);
	assert_int_equal(cfg->routes[3].prefix.plen, 64);
	assert_int_equal(inet_pton(AF_INET6, "fd00:2::fe", &v6), 1);
	assert_memory_equal(&cfg->routes[4].via.v6, &v6, sizeof(v6));
	assert_int_equal(cfg->nr_neighbours, 2);
	assert_int_equal(cfg->neighbours[1].addr.family, AF_INET6);
	assert_int_equal(cfg->neighbours[1].mac[5], 0xfe);
	softnetd_config__free(cfg);
}

static void test_vlan(void **state)
{
	struct softnetd_config *cfg = load_example("vlan.yaml");

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->profile, BH_PROFILE_RT_BHLOCK);
	assert_int_equal(cfg->nr_ports, 4);
	assert_int_equal(cfg->ports[1].type, CFG_PORT_VLAN);
	assert_int_equal(cfg->ports[1].parent, 0);
	assert_int_equal(cfg->ports[1].vlan_id, 10);
	assert_int_equal(cfg->ports[2].vlan_id, 20);
	assert_int_equal(cfg->ports[3].type, CFG_PORT_LOOP);
	assert_int_equal(cfg->ports[3].peer, 3);
	assert_int_equal(cfg->fdb[1].vlan, 20);
	assert_int_equal(cfg->fdb[1].dev, 2);
	softnetd_config__free(cfg);
}

/* A vlan may name a parent defined after it; limits 1 and 4094 and 1..64 are inclusive. */
static void test_forward_reference_and_limits(void **state)
{
	char msg[256];
	struct softnetd_config *cfg =
		parse("ports:\n"
		      "  - { name: v1, type: vlan, parent: p0, vlan: 1 }\n"
		      "  - { name: v2, type: vlan, parent: v1, vlan: 4094 }\n"
		      "  - { name: p0, type: dpdk, pmd: net_null0, queues: 64 }\n",
		      msg, sizeof(msg));

	(void)state;
	if (!cfg)
		fail_msg("%s", msg);
	assert_int_equal(cfg->ports[0].parent, 2);
	assert_int_equal(cfg->ports[1].parent, 0);
	assert_int_equal(cfg->ports[1].vlan_id, 4094);
	assert_int_equal(cfg->ports[2].queues, 64);
	assert_int_equal(cfg->ports[2].nr_eal, 0);
	softnetd_config__free(cfg);
}

/* On error: NULL, errno EINVAL, one line naming file:line:col and the key. */
static void test_error_returns_nothing(void **state)
{
	char msg[256];
	struct softnetd_config *cfg;

	(void)state;
	errno = 0;
	cfg = parse("ports:\n  - name: p0\n    type: dpdk\n    pmd: net_null0\n"
		    "    eal: [a, b]\n    queues: x\n",
		    msg, sizeof(msg));
	assert_null(cfg);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(msg, "t.yaml:6:13: ports[0].queues: expected integer 1..64, got \"x\"");

	cfg = parse("ports:\n  - { name: p0, type: afxdp, ifname: v }\n"
		    "routes:\n  - { prefix: \"fd00::/64\", dev: p0 }\n"
		    "  - { prefix: \"fd00::/64\", via: \"fd00::1\", dev: p0 }\n",
		    msg, sizeof(msg));
	assert_null(cfg);
	assert_string_equal(msg, "t.yaml:5:15: routes[1].prefix: expected a prefix without a route "
				 "yet, got \"fd00::/64\" (also routes[0])");
	/* A long, odd value is quoted, escaped and cut. */
	cfg = parse("profile: \"a\\tb\\\"cccccccccccccccccccccccccccccccccccccccccccccccc\"\n"
		    "ports: []\n",
		    msg, sizeof(msg));
	assert_null(cfg);
	assert_string_equal(msg, "t.yaml:1:10: profile: expected vanilla|rt-bhlock|rt-nested, got "
				 "\"a\\x09b\\\"cccccccccccccccccccccccccccccccccccc...\"");
	/* A tiny buffer is cut, never overrun. */
	cfg = parse("ports: 3\n", msg, 8);
	assert_null(cfg);
	assert_string_equal(msg, "t.yaml:");
}

/* ports[].xdp and kernel_xdp: values, defaults, and the object file checks. */
static void test_xdp(void **state)
{
	char msg[512];
	struct softnetd_config *cfg;

	(void)state;
	cfg = parse("ports:\n"
		    "  - name: p0\n    type: afxdp\n    ifname: v0\n"
		    "    xdp: { object: /etc/passwd, program: xdp_fwd, engine: interp }\n"
		    "  - name: l0\n    type: loop\n    peer: l0\n    xdp: { object: /etc/passwd }\n"
		    "  - name: p1\n    type: afxdp\n    ifname: v1\n"
		    "kernel_xdp:\n"
		    "  - { ifname: k0, object: /etc/passwd }\n"
		    "  - { ifname: k1, object: /etc/passwd, program: f, mode: skb, pin_dir: /sys/fs/bpf/x }\n",
		    msg, sizeof(msg));
	if (!cfg)
		fail_msg("%s", msg);
	assert_string_equal(cfg->ports[0].xdp.object, "/etc/passwd");
	assert_string_equal(cfg->ports[0].xdp.program, "xdp_fwd");
	assert_int_equal(cfg->ports[0].xdp.engine, CFG_XDP_ENGINE_INTERP);
	/* any port type takes xdp:; program and engine default to the first program and auto */
	assert_string_equal(cfg->ports[1].xdp.object, "/etc/passwd");
	assert_null(cfg->ports[1].xdp.program);
	assert_int_equal(cfg->ports[1].xdp.engine, CFG_XDP_ENGINE_AUTO);
	assert_null(cfg->ports[2].xdp.object);
	assert_int_equal(cfg->nr_kernel_xdp, 2);
	assert_string_equal(cfg->kernel_xdp[0].ifname, "k0");
	assert_int_equal(cfg->kernel_xdp[0].mode, CFG_KXDP_NATIVE);
	assert_null(cfg->kernel_xdp[0].program);
	assert_null(cfg->kernel_xdp[0].pin_dir);
	assert_int_equal(cfg->kernel_xdp[1].mode, CFG_KXDP_SKB);
	assert_string_equal(cfg->kernel_xdp[1].program, "f");
	assert_string_equal(cfg->kernel_xdp[1].pin_dir, "/sys/fs/bpf/x");
	softnetd_config__summary(cfg, msg, sizeof(msg));
	assert_non_null(strstr(msg, "xdp on 2 ports, 2 kernel xdp"));
	softnetd_config__free(cfg);

	/* an error in a later entry frees what the earlier ones hold (ASan checks) */
	cfg = parse("ports:\n  - { name: p0, type: afxdp, ifname: v, xdp: { object: /etc/passwd } }\n"
		    "kernel_xdp:\n  - { ifname: k0, object: /etc/passwd, program: f }\n"
		    "  - { ifname: k1, object: /etc }\n",
		    msg, sizeof(msg));
	assert_null(cfg);
	assert_string_equal(msg, "t.yaml:5:27: kernel_xdp[1].object: expected a regular file (a BPF "
				 "object), got \"/etc\" (a directory)");
	cfg = parse("ports:\n  - { name: p0, type: afxdp, ifname: v, xdp: { object: /etc/passwd, "
		    "engine: turbo } }\n",
		    msg, sizeof(msg));
	assert_null(cfg);
	assert_string_equal(msg, "t.yaml:2:77: ports[0].xdp.engine: expected auto|jit|interp, got "
				 "\"turbo\"");
	assert_string_equal(softnetd_xdp_engine_name(CFG_XDP_ENGINE_JIT), "jit");
	assert_string_equal(softnetd_kernel_xdp_mode_name(CFG_KXDP_SKB), "skb");
}

static void test_missing_file(void **state)
{
	char msg[256];

	(void)state;
	assert_null(softnetd_config__load("/nonexistent/softnetd.yaml", msg, sizeof(msg)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(msg, "/nonexistent/softnetd.yaml: cannot read configuration: "
				 "No such file or directory");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_memory_irq_log),
		cmocka_unit_test(test_l2_bridge),
		cmocka_unit_test(test_l3_router),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_forward_reference_and_limits),
		cmocka_unit_test(test_error_returns_nothing),
		cmocka_unit_test(test_xdp),
		cmocka_unit_test(test_missing_file),
	};

	if (argc > 1)
		src_root = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
