// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ctl_proto.c - the control socket's request parser: every command and operation it
 * accepts, the arguments it checks, and every kind of bad line refused with a message that names
 * what was wrong (never a crash, never a half-filled request). Also the reply helpers and the
 * client's request formatting, which must round-trip through the parser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "ctl_proto.h"

static int parse(const char *line, struct ctl_request *req, char *err, size_t len)
{
	return ctl_request_parse(line, strlen(line), req, err, len);
}

static void test_commands(void **state)
{
	static const struct {
		const char *line;
		enum ctl_cmd cmd;
		enum ctl_op op;
	} ok[] = {
		{"{\"cmd\":\"stats\"}", CTL_STATS, CTL_OP_NONE},
		{"{\"cmd\":\"ports\"}", CTL_PORTS, CTL_OP_NONE},
		{"{\"cmd\":\"napi\"}", CTL_NAPI, CTL_OP_NONE},
		{"{\"cmd\":\"routes\"}", CTL_ROUTES, CTL_OP_SHOW},
		{"{\"cmd\":\"routes\",\"op\":\"show\"}", CTL_ROUTES, CTL_OP_SHOW},
		{"{\"cmd\":\"fdb\"}", CTL_FDB, CTL_OP_NONE},
		{"{\"cmd\":\"neigh\"}", CTL_NEIGH, CTL_OP_NONE},
		{"{\"cmd\":\"maps\"}", CTL_MAPS, CTL_OP_LIST},
		{"{\"cmd\":\"maps\",\"op\":\"list\"}", CTL_MAPS, CTL_OP_LIST},
		{"{\"cmd\":\"maps\",\"op\":\"dump\",\"map\":\"kernel:sn-k0/tx_port\"}", CTL_MAPS,
		 CTL_OP_DUMP},
		{"{\"cmd\":\"maps\",\"op\":\"update\",\"map\":\"redirect_devmap.bpf.o/tx_port\","
		 "\"key\":\"00000000\",\"value\":\"0A000000\",\"flags\":\"noexist\"}",
		 CTL_MAPS, CTL_OP_UPDATE},
		{"{\"cmd\":\"maps\",\"op\":\"delete\",\"map\":\"sn_fdb\",\"key\":\"0102\"}", CTL_MAPS,
		 CTL_OP_DELETE},
		{"{\"cmd\":\"xdp\"}", CTL_XDP, CTL_OP_SHOW},
		{"{\"cmd\":\"xdp\",\"op\":\"attach\",\"port\":\"p0\",\"object\":\"/x/drop.bpf.o\"}",
		 CTL_XDP, CTL_OP_ATTACH},
		{"{\"cmd\":\"xdp\",\"op\":\"attach\",\"port\":\"p0\",\"object\":\"/x/a.o\","
		 "\"program\":\"xdp_fwd\",\"engine\":\"interp\"}",
		 CTL_XDP, CTL_OP_ATTACH},
		{"{\"cmd\":\"xdp\",\"op\":\"detach\",\"port\":\"p0\"}", CTL_XDP, CTL_OP_DETACH},
		{"{\"cmd\":\"maps\",\"op\":\"dump\"}", CTL_MAPS, CTL_OP_DUMP},
		{"{\"cmd\":\"profile\"}", CTL_PROFILE, CTL_OP_NONE},
		{"{\"cmd\":\"trace\"}", CTL_TRACE, CTL_OP_DUMP},
		{"{\"cmd\":\"trace\",\"op\":\"on\"}", CTL_TRACE, CTL_OP_ON},
		{"{\"cmd\":\"trace\",\"op\":\"off\"}", CTL_TRACE, CTL_OP_OFF},
		{"{\"cmd\":\"trace\",\"op\":\"reset\"}", CTL_TRACE, CTL_OP_RESET},
		{"  { \"cmd\" : \"stats\" }  ", CTL_STATS, CTL_OP_NONE},
	};
	struct ctl_request req;
	char err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		err[0] = '\0';
		if (parse(ok[i].line, &req, err, sizeof(err)))
			fail_msg("%s: %s", ok[i].line, err);
		assert_int_equal(req.cmd, ok[i].cmd);
		assert_int_equal(req.op, ok[i].op);
	}
}

static void test_routes(void **state)
{
	struct ctl_request req;
	char err[256];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/24\","
			       "\"via\":\"10.0.1.254\",\"dev\":\"p1\"}",
			       &req, err, sizeof(err)),
			 0);
	assert_int_equal(req.op, CTL_OP_ADD);
	assert_string_equal(req.prefix, "10.0.2.0/24");
	assert_string_equal(req.via, "10.0.1.254");
	assert_string_equal(req.dev, "p1");

	assert_int_equal(parse("{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"fd00:1::/64\","
			       "\"dev\":\"trunk.10\"}",
			       &req, err, sizeof(err)),
			 0);
	assert_string_equal(req.via, "");
	assert_int_equal(parse("{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"0.0.0.0/0\","
			       "\"via\":\"fd00::1\",\"dev\":\"p0\"}",
			       &req, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "routes add: via: expected an address of the prefix's family, "
				 "got \"fd00::1\" for 0.0.0.0/0");
	assert_int_equal(parse("{\"cmd\":\"routes\",\"op\":\"del\",\"prefix\":\"::/0\"}", &req, err,
			       sizeof(err)),
			 0);
	assert_int_equal(req.op, CTL_OP_DEL);
}

/* Each bad line and the exact message it gets. */
static void test_refused(void **state)
{
	static const struct {
		const char *line, *err;
	} bad[] = {
		/* jansson's own words vary between versions: "*" ends a prefix match */
		{"", "request: invalid JSON at column *"},
		{"stats", "request: invalid JSON at column *"},
		{"{\"cmd\":\"stats\"", "request: invalid JSON at column *"},
		{"[\"stats\"]", "request: expected a JSON object, got a list"},
		{"\"stats\"", "request: invalid JSON at column *"},
		{"{\"cmd\":true}", "request: cmd: expected stats|ports|napi|routes|fdb|neigh|maps|"
				   "profile|trace|xdp, got a boolean"},
		{"{}", "request: \"cmd\": expected a command, got nothing"},
		{"{\"cmd\":42}", "request: cmd: expected stats|ports|napi|routes|fdb|neigh|maps|"
				 "profile|trace|xdp, got a number"},
		{"{\"cmd\":\"reboot\"}", "request: cmd: expected stats|ports|napi|routes|fdb|neigh|"
					 "maps|profile|trace|xdp, got \"reboot\""},
		{"{\"cmd\":\"stats\",\"cmd\":\"ports\"}", "request: invalid JSON at column *"},
		{"{\"cmd\":\"stats\",\"verbose\":true}", "stats: unknown key \"verbose\""},
		{"{\"cmd\":\"stats\",\"op\":\"show\"}", "stats: unknown key \"op\""},
		{"{\"cmd\":\"ports\",\"prefix\":\"10.0.0.0/8\"}", "ports: unknown key \"prefix\""},
		{"{\"cmd\":\"routes\",\"op\":\"flush\"}",
		 "routes: op: expected show|add|del, got \"flush\""},
		{"{\"cmd\":\"routes\",\"op\":null}", "routes: op: expected show|add|del, got null"},
		{"{\"cmd\":\"trace\",\"op\":\"show\"}", "trace: op: expected dump|on|off|reset, got \"show\""},
		{"{\"cmd\":\"maps\",\"op\":\"flush\"}",
		 "maps: op: expected dump|list|update|delete, got \"flush\""},
		{"{\"cmd\":\"maps\",\"op\":\"update\"}", "maps update: map: expected a value, got nothing"},
		{"{\"cmd\":\"maps\",\"op\":\"update\",\"map\":\"m\",\"key\":\"00\"}",
		 "maps update: value: expected a value, got nothing"},
		{"{\"cmd\":\"maps\",\"op\":\"update\",\"map\":\"m\",\"key\":\"0\",\"value\":\"00\"}",
		 "maps update: key: expected hex bytes in memory order (01000000), got \"0\""},
		{"{\"cmd\":\"maps\",\"op\":\"update\",\"map\":\"m\",\"key\":\"00\",\"value\":\"zz\"}",
		 "maps update: value: expected hex bytes in memory order, got \"zz\""},
		{"{\"cmd\":\"maps\",\"op\":\"update\",\"map\":\"m\",\"key\":\"00\",\"value\":\"00\","
		 "\"flags\":\"lock\"}",
		 "maps update: flags: expected any|noexist|exist, got \"lock\""},
		{"{\"cmd\":\"maps\",\"op\":\"delete\",\"map\":\"m\",\"key\":\"00\",\"value\":\"00\"}",
		 "maps delete: takes no value"},
		{"{\"cmd\":\"maps\",\"op\":\"dump\",\"map\":\"a b\"}",
		 "maps dump: map: expected a map name as 'maps' lists it, got \"a b\""},
		{"{\"cmd\":\"maps\",\"key\":\"00\"}", "maps list: takes no key"},
		{"{\"cmd\":\"xdp\",\"op\":\"attach\",\"port\":\"p0\"}",
		 "xdp attach: object: expected a value, got nothing"},
		{"{\"cmd\":\"xdp\",\"op\":\"attach\",\"port\":\"p0\",\"object\":\"rel.o\"}",
		 "xdp attach: object: expected an absolute path without spaces, got \"rel.o\""},
		{"{\"cmd\":\"xdp\",\"op\":\"attach\",\"port\":\"p0\",\"object\":\"/a.o\","
		 "\"engine\":\"fast\"}",
		 "xdp attach: engine: expected auto|jit|interp, got \"fast\""},
		{"{\"cmd\":\"xdp\",\"op\":\"attach\",\"port\":\"p0\",\"object\":\"/a.o\","
		 "\"program\":\"1x\"}",
		 "xdp attach: program: expected a function name, got \"1x\""},
		{"{\"cmd\":\"xdp\",\"op\":\"detach\"}", "xdp detach: port: expected a value, got nothing"},
		{"{\"cmd\":\"xdp\",\"op\":\"detach\",\"port\":\"p 0\"}",
		 "xdp detach: port: expected a port name (letters, digits, '_', '-', '.'), got \"p 0\""},
		{"{\"cmd\":\"xdp\",\"port\":\"p0\"}", "xdp show: takes no port"},
		{"{\"cmd\":\"xdp\",\"dev\":\"p0\"}", "xdp: unknown key \"dev\""},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"dev\":\"p0\"}",
		 "routes add: prefix: expected ADDR/LEN, got nothing"},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.1/24\",\"dev\":\"p0\"}",
		 "routes add: prefix: expected ADDR/LEN with the host bits zero (10.0.2.0/24, "
		 "fd00::/64), got \"10.0.2.1/24\""},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/33\",\"dev\":\"p0\"}",
		 "routes add: prefix: expected ADDR/LEN with the host bits zero (10.0.2.0/24, "
		 "fd00::/64), got \"10.0.2.0/33\""},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0\",\"dev\":\"p0\"}",
		 "routes add: prefix: expected ADDR/LEN with the host bits zero (10.0.2.0/24, "
		 "fd00::/64), got \"10.0.2.0\""},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/24\"}",
		 "routes add: dev: expected a port name, got nothing"},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/24\",\"dev\":\"p 0\"}",
		 "routes add: dev: expected a port name (letters, digits, '_', '-', '.'), got \"p 0\""},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/24\",\"dev\":"
		 "\"a-very-long-port-name\"}",
		 "dev: expected a string of 1..15 characters, got \"a-very-long-port-name\""},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/24\",\"dev\":7}",
		 "dev: expected a string of 1..15 characters, got a number"},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/24\",\"via\":\"10.0.1\","
		 "\"dev\":\"p0\"}",
		 "routes add: via: expected an IPv4 or IPv6 address, got \"10.0.1\""},
		{"{\"cmd\":\"routes\",\"op\":\"del\",\"prefix\":\"10.0.2.0/24\",\"dev\":\"p0\"}",
		 "routes del: takes only a prefix"},
		{"{\"cmd\":\"routes\",\"prefix\":\"10.0.2.0/24\"}",
		 "routes show: takes no prefix, via or dev"},
		{"{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/24\\u0000x\",\"dev\":\"p0\"}",
		 "request: invalid JSON at column *"},
	};
	struct ctl_request req;
	char err[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&req, 0x5a, sizeof(req));
		err[0] = '\0';
		if (parse(bad[i].line, &req, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i].line);
		size_t cmp = strlen(bad[i].err);

		if (bad[i].err[cmp - 1] == '*')
			cmp--;
		else
			cmp++; /* the NUL too: an exact match */
		if (strncmp(err, bad[i].err, cmp))
			fail_msg("%s\n  expected: %s\n  got:      %s", bad[i].line, bad[i].err, err);
		/* Nothing half-filled is left behind. */
		assert_int_equal(req.cmd, 0);
		assert_string_equal(req.prefix, "");
	}
}

static void test_hostile(void **state)
{
	struct ctl_request req;
	char err[128], *big;
	size_t n = CTL_REQUEST_MAX + 100;
	unsigned int seed = 1;

	(void)state;
	/* Too long: refused before parsing. */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ' ', n);
	big[n] = '\0';
	memcpy(big, "{\"cmd\":\"stats\"}", 15);
	assert_int_equal(ctl_request_parse(big, n, &req, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "request: longer than 4096 bytes");
	/* Deep nesting, binary garbage, a line cut anywhere: an error each time, no crash. */
	memset(big, '[', 4000);
	assert_int_equal(ctl_request_parse(big, 4000, &req, err, sizeof(err)), -EINVAL);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(rand_r(&seed) % 64);

		for (size_t i = 0; i < len; i++)
			big[i] = (char)(rand_r(&seed) & 0xff);
		ctl_request_parse(big, len, &req, err, sizeof(err));
	}
	{
		const char *line = "{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"10.0.2.0/24\","
				   "\"via\":\"10.0.1.1\",\"dev\":\"p0\"}";

		for (size_t cut = 0; cut < strlen(line); cut++)
			assert_int_equal(ctl_request_parse(line, cut, &req, err, sizeof(err)),
					 -EINVAL);
	}
	/* A tiny error buffer is cut, never overrun. */
	assert_int_equal(parse("{\"cmd\":\"nope\"}", &req, err, 8), -EINVAL);
	assert_string_equal(err, "request");
	free(big);
}

static void test_format_round_trip(void **state)
{
	struct ctl_request in = {.cmd = CTL_ROUTES, .op = CTL_OP_ADD}, out;
	char err[256], *line;

	(void)state;
	strcpy(in.prefix, "fd00:2::/64");
	strcpy(in.via, "fd00:1::fe");
	strcpy(in.dev, "wan");
	line = ctl_request_format(&in);
	assert_non_null(line);
	assert_string_equal(line, "{\"cmd\":\"routes\",\"op\":\"add\",\"prefix\":\"fd00:2::/64\","
				  "\"via\":\"fd00:1::fe\",\"dev\":\"wan\"}\n");
	assert_int_equal(ctl_request_parse(line, strlen(line) - 1, &out, err, sizeof(err)), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	free(line);

	for (int c = 0; c < CTL_CMD_NR; c++) {
		struct ctl_request r = {.cmd = (enum ctl_cmd)c};

		if (c == CTL_ROUTES)
			r.op = CTL_OP_SHOW;
		if (c == CTL_MAPS || c == CTL_TRACE)
			r.op = CTL_OP_DUMP;
		if (c == CTL_XDP)
			r.op = CTL_OP_SHOW;
		line = ctl_request_format(&r);
		assert_non_null(line);
		assert_int_equal(ctl_request_parse(line, strlen(line), &out, err, sizeof(err)), 0);
		assert_int_equal(out.cmd, c);
		assert_int_equal(out.op, r.op);
		free(line);
	}
	/* The xdp and maps arguments go out and come back the same. */
	{
		struct ctl_request x = {.cmd = CTL_XDP, .op = CTL_OP_ATTACH};
		struct ctl_request m = {.cmd = CTL_MAPS, .op = CTL_OP_UPDATE};

		strcpy(x.dev, "p0");
		strcpy(x.object, "/usr/lib/softnetd/redirect_devmap.bpf.o");
		strcpy(x.program, "xdp_redirect_devmap");
		strcpy(x.engine, "jit");
		line = ctl_request_format(&x);
		assert_non_null(line);
		assert_non_null(strstr(line, "\"port\":\"p0\""));
		assert_int_equal(ctl_request_parse(line, strlen(line) - 1, &out, err, sizeof(err)), 0);
		assert_memory_equal(&x, &out, sizeof(x));
		free(line);
		strcpy(m.map, "kernel:sn-k0/tx_port");
		strcpy(m.key, "00000000");
		strcpy(m.value, "0a000000");
		strcpy(m.flags, "exist");
		line = ctl_request_format(&m);
		assert_non_null(line);
		assert_int_equal(ctl_request_parse(line, strlen(line) - 1, &out, err, sizeof(err)), 0);
		assert_memory_equal(&m, &out, sizeof(m));
		free(line);
	}
	in.cmd = CTL_CMD_NR;
	assert_null(ctl_request_format(&in));
	assert_int_equal(errno, EINVAL);
}

static void test_replies(void **state)
{
	char err[256], *line;
	json_t *o;

	(void)state;
	line = ctl_reply_ok(json_pack("{s:i}", "answer", 42));
	assert_non_null(line);
	assert_string_equal(line, "{\"answer\":42,\"ok\":true}\n");
	o = ctl_reply_parse(line, strlen(line), err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "answer")), 42);
	json_decref(o);
	free(line);

	line = ctl_reply_error("routes add %s: %s", "10.0.0.0/8", "no port \"x\"");
	assert_non_null(line);
	assert_string_equal(line, "{\"ok\":false,\"error\":\"routes add 10.0.0.0/8: no port "
				  "\\\"x\\\"\"}\n");
	/* One line, whatever the message holds. */
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	assert_null(ctl_reply_parse(line, strlen(line), err, sizeof(err)));
	assert_string_equal(err, "routes add 10.0.0.0/8: no port \"x\"");
	free(line);

	line = ctl_reply_error("%s", "two\nlines");
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	free(line);

	assert_null(ctl_reply_ok(json_array()));
	assert_null(ctl_reply_ok(NULL));
	assert_null(ctl_reply_parse("{\"answer\":1}", 12, err, sizeof(err)));
	assert_string_equal(err, "bad reply from softnetd: no \"ok\" field");
	assert_null(ctl_reply_parse("nope", 4, err, sizeof(err)));
	assert_memory_equal(err, "bad reply from softnetd: invalid JSON at column ", 47);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
