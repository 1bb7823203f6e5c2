// SPDX-License-Identifier: GPL-2.0-only
/*
 * softnetctl.c - the control client of softnetd: asks the daemon over its unix socket and prints
 * the answer for people (xdp-bench's stats layout) or raw (--json).
 *
 * Exit codes: 0 done; 1 the daemon refused the request or could not be reached (the reason is
 * printed on stderr); 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "stats_print.h"

struct ctl_opts {
	const char *socket;
	bool json;
	/* stats */
	bool extended;
	double interval;
	long count; /* 0: until interrupted */
	bool interval_set, count_set;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: softnetctl [-s SOCKET] [--json] COMMAND\n"
		"\n"
		"commands:\n"
		"  stats [-e] [-i SEC] [-n COUNT]   rates every SEC seconds (default 2) like xdp-bench:\n"
		"                                   rx/s redir/s err,drop/s xmit/s; -e adds per-CPU,\n"
		"                                   per-port, per-queue and per-drop-reason lines;\n"
		"                                   -n stops after COUNT lines (with --json: COUNT\n"
		"                                   raw replies; --json alone prints one)\n"
		"  ports                            ports, backends, queues, CPUs, carrier, MAC\n"
		"  napi                             NAPI instances: id, port, queue, CPU, state, IRQ\n"
		"  routes show\n"
		"  routes add PREFIX [via ADDR] dev PORT\n"
		"  routes del PREFIX\n"
		"  fdb                              the bridge's forwarding database\n"
		"  neigh                            the neighbour (ARP/ND) table\n"
		"  maps                             every map: softnetd's tables, XDP programs' maps\n"
		"                                   (OBJECT/MAP), kernel-pinned maps (kernel:IF/MAP)\n"
		"  maps dump [MAP]                  a map's entries (no MAP: softnetd's tables)\n"
		"  maps update MAP KEY VALUE [any|noexist|exist]\n"
		"  maps delete MAP KEY              KEY, VALUE: hex bytes in memory order (key 1\n"
		"                                   of a u32 map is 01000000)\n"
		"  xdp                              each port's XDP program, engine and verdicts;\n"
		"                                   kernel attachments\n"
		"  xdp attach PORT OBJECT [PROGRAM] [--engine auto|jit|interp]\n"
		"                                   run (or atomically replace) a port's program\n"
		"  xdp detach PORT\n"
		"  profile                          the locking profile and its threads\n"
		"  trace [on|off|reset|dump]        the per-CPU trace ring, dumped in ftrace's layout\n"
		"  debug fail-alloc [POOL on|off|PERCENT]  fault injection (tests): make POOL's\n"
		"                                   allocations fail (skb_heads, frag_chunks,\n"
		"                                   page_pool, all); no argument: show the sites\n"
		"\n"
		"options:\n"
		"  -s, --socket SOCKET  the daemon's control socket (default %s/%s)\n"
		"  -j, --json           print the daemon's JSON reply as it is\n"
		"  -h, --help           this text\n",
		CTL_RUNTIME_DIR_DEFAULT, CTL_SOCKET_NAME);
}

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "softnetctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see softnetctl --help)\n");
	return 2;
}

/* One request, its reply printed by @print (or raw with --json). Return: the exit code. */
static int run_once(const struct ctl_opts *o, const struct ctl_request *req,
		    void (*print)(FILE *, const json_t *))
{
	struct ctl_conn c;
	char err[1024], *raw = NULL;
	json_t *reply;
	int rc = 0;

	if (ctl_conn_open(&c, o->socket, err, sizeof(err))) {
		fprintf(stderr, "softnetctl: %s\n", err);
		return 1;
	}
	reply = ctl_conn_call(&c, req, o->json ? &raw : NULL, err, sizeof(err));
	if (o->json && raw)
		printf("%s\n", raw);
	if (!reply) {
		fprintf(stderr, "softnetctl: %s\n", err);
		rc = 1;
	} else if (!o->json) {
		print(stdout, reply);
	}
	json_decref(reply);
	free(raw);
	ctl_conn_close(&c);
	return rc;
}

static void sleep_secs(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int cmd_stats(struct ctl_opts *o)
{
	struct ctl_request req = {.cmd = CTL_STATS};
	struct ctl_conn c;
	json_t *prev, *cur;
	char err[1024], *raw = NULL;
	long printed = 0;
	int rc = 0;

	if (ctl_conn_open(&c, o->socket, err, sizeof(err))) {
		fprintf(stderr, "softnetctl: %s\n", err);
		return 1;
	}
	prev = ctl_conn_call(&c, &req, o->json ? &raw : NULL, err, sizeof(err));
	if (!prev)
		goto fail;
	if (o->json) {
		printf("%s\n", raw);
		fflush(stdout);
		free(raw);
		raw = NULL;
		/* --json alone: one reply; with -n/-i, COUNT replies one interval apart. */
		if (!o->interval_set && !o->count_set)
			goto out;
		printed = 1;
	}
	for (;;) {
		if (o->count && printed >= o->count)
			break;
		sleep_secs(o->interval);
		cur = ctl_conn_call(&c, &req, o->json ? &raw : NULL, err, sizeof(err));
		if (!cur)
			goto fail;
		if (o->json) {
			printf("%s\n", raw);
			fflush(stdout);
			free(raw);
			raw = NULL;
		} else {
			stats_print_interval(stdout, prev, cur, o->extended);
		}
		printed++;
		json_decref(prev);
		prev = cur;
	}
	goto out;
fail:
	if (o->json && raw)
		printf("%s\n", raw);
	fprintf(stderr, "softnetctl: stats: %s\n", err);
	rc = 1;
out:
	free(raw);
	json_decref(prev);
	ctl_conn_close(&c);
	return rc;
}

static int parse_stats_opts(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"extended", no_argument, NULL, 'e'},
		{"interval", required_argument, NULL, 'i'},
		{"count", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+ei:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->extended = true;
			break;
		case 'i':
			errno = 0;
			o->interval = strtod(optarg, &end);
			if (errno || *end || !(o->interval >= 0.01 && o->interval <= 86400))
				return usage_err("stats -i: expected seconds 0.01..86400, got '%s'",
						 optarg);
			o->interval_set = true;
			break;
		case 'n':
			errno = 0;
			o->count = strtol(optarg, &end, 10);
			if (errno || *end || o->count < 1)
				return usage_err("stats -n: expected a count >= 1, got '%s'", optarg);
			o->count_set = true;
			break;
		default:
			return usage_err("%s", "stats: unknown option");
		}
	}
	if (optind < argc)
		return usage_err("stats: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* routes show | add PREFIX [via ADDR] dev PORT | del PREFIX */
static int parse_routes(struct ctl_request *req, int argc, char **argv)
{
	int i = 2;

	req->cmd = CTL_ROUTES;
	req->op = CTL_OP_SHOW;
	if (argc < 2 || !strcmp(argv[1], "show"))
		return argc > 2 ? usage_err("routes show: unexpected argument '%s'", argv[2]) : 0;
	if (!strcmp(argv[1], "add"))
		req->op = CTL_OP_ADD;
	else if (!strcmp(argv[1], "del"))
		req->op = CTL_OP_DEL;
	else
		return usage_err("routes: expected show, add or del, got '%s'", argv[1]);
	if (argc < 3)
		return usage_err("routes %s: expected a PREFIX", argv[1]);
	if (strlen(argv[2]) >= sizeof(req->prefix))
		return usage_err("routes: PREFIX too long: '%s'", argv[2]);
	strcpy(req->prefix, argv[2]);
	for (i = 3; i < argc; i += 2) {
		char *dst;
		size_t max;

		if (req->op == CTL_OP_ADD && !strcmp(argv[i], "via")) {
			dst = req->via;
			max = sizeof(req->via);
		} else if (req->op == CTL_OP_ADD && !strcmp(argv[i], "dev")) {
			dst = req->dev;
			max = sizeof(req->dev);
		} else {
			return usage_err("routes: unexpected argument '%s'", argv[i]);
		}
		if (i + 1 >= argc)
			return usage_err("routes: '%s' needs a value", argv[i]);
		if (strlen(argv[i + 1]) >= max)
			return usage_err("routes: value too long: '%s'", argv[i + 1]);
		strcpy(dst, argv[i + 1]);
	}
	if (req->op == CTL_OP_ADD && !req->dev[0])
		return usage_err("routes add %s: expected 'dev PORT'", req->prefix);
	return 0;
}

/* Copy @arg into @dst (of @max bytes) or say it is too long. */
static int arg_copy(char *dst, size_t max, const char *arg, const char *what)
{
	if (strlen(arg) >= max)
		return usage_err(what, arg);
	strcpy(dst, arg);
	return 0;
}

/* @arg with the spaces bpftool's dumps put between bytes taken out. */
static int hex_copy(char *dst, size_t max, const char *arg, const char *what)
{
	size_t o = 0;

	for (const char *c = arg; *c; c++) {
		if (*c == ' ' || *c == ':')
			continue;
		if (o + 1 >= max)
			return usage_err(what, arg);
		dst[o++] = *c;
	}
	dst[o] = '\0';
	return 0;
}

/* maps | maps list | maps dump [MAP] | maps update MAP KEY VALUE [FLAGS] | maps delete MAP KEY */
static int parse_maps(struct ctl_request *req, int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "list";
	int rc;

	*req = (struct ctl_request){.cmd = CTL_MAPS, .op = CTL_OP_LIST};
	if (!strcmp(op, "list")) {
		if (argc > 2)
			return usage_err("maps list: unexpected argument '%s'", argv[2]);
		return 0;
	}
	if (!strcmp(op, "dump")) {
		req->op = CTL_OP_DUMP;
		if (argc > 3)
			return usage_err("maps dump: unexpected argument '%s'", argv[3]);
		return argc == 3 ? arg_copy(req->map, sizeof(req->map), argv[2],
					    "maps dump: map name too long: '%s'")
				 : 0;
	}
	if (!strcmp(op, "update")) {
		req->op = CTL_OP_UPDATE;
		if (argc < 5 || argc > 6)
			return usage_err("maps update: expected MAP KEY VALUE [any|noexist|exist]%s",
					 "");
		if (argc == 6 && (rc = arg_copy(req->flags, sizeof(req->flags), argv[5],
						"maps update: expected any, noexist or exist, got "
						"'%s'")))
			return rc;
		if ((rc = hex_copy(req->value, sizeof(req->value), argv[4],
				   "maps update: VALUE too long: '%s'")))
			return rc;
	} else if (!strcmp(op, "delete")) {
		req->op = CTL_OP_DELETE;
		if (argc != 4)
			return usage_err("maps delete: expected MAP KEY%s", "");
	} else {
		return usage_err("maps: expected list, dump, update or delete, got '%s'", op);
	}
	if ((rc = arg_copy(req->map, sizeof(req->map), argv[2], "maps: map name too long: '%s'")))
		return rc;
	return hex_copy(req->key, sizeof(req->key), argv[3], "maps: KEY too long: '%s'");
}

/* xdp [show] | xdp attach PORT OBJECT [PROGRAM] [--engine E] | xdp detach PORT */
static int parse_xdp(struct ctl_request *req, int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "show";
	int rc, pos = 0;

	*req = (struct ctl_request){.cmd = CTL_XDP, .op = CTL_OP_SHOW};
	if (!strcmp(op, "show"))
		return argc > 2 ? usage_err("xdp: unexpected argument '%s'", argv[2]) : 0;
	if (!strcmp(op, "detach")) {
		req->op = CTL_OP_DETACH;
		if (argc != 3)
			return usage_err("xdp detach: expected PORT%s", "");
		return arg_copy(req->dev, sizeof(req->dev), argv[2], "xdp: port name too long: '%s'");
	}
	if (strcmp(op, "attach"))
		return usage_err("xdp: expected show, attach or detach, got '%s'", op);
	req->op = CTL_OP_ATTACH;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--engine") || !strcmp(argv[i], "-e")) {
			if (i + 1 >= argc)
				return usage_err("xdp attach: %s needs auto, jit or interp", argv[i]);
			rc = arg_copy(req->engine, sizeof(req->engine), argv[++i],
				      "xdp attach: --engine: expected auto, jit or interp, got '%s'");
		} else if (!strncmp(argv[i], "--engine=", 9)) {
			rc = arg_copy(req->engine, sizeof(req->engine), argv[i] + 9,
				      "xdp attach: --engine: expected auto, jit or interp, got '%s'");
		} else if (pos == 0) {
			rc = arg_copy(req->dev, sizeof(req->dev), argv[i],
				      "xdp attach: port name too long: '%s'");
			pos++;
		} else if (pos == 1) {
			rc = arg_copy(req->object, sizeof(req->object), argv[i],
				      "xdp attach: object path too long: '%s'");
			pos++;
		} else if (pos == 2) {
			rc = arg_copy(req->program, sizeof(req->program), argv[i],
				      "xdp attach: program name too long: '%s'");
			pos++;
		} else {
			return usage_err("xdp attach: unexpected argument '%s'", argv[i]);
		}
		if (rc)
			return rc;
	}
	if (pos < 2)
		return usage_err("xdp attach: expected PORT OBJECT [PROGRAM] [--engine E]%s", "");
	/* The daemon opens the object: give it an absolute path whatever our directory. */
	if (req->object[0] != '/') {
		char *abs = realpath(req->object, NULL);

		if (!abs)
			return usage_err("xdp attach: cannot find object '%s'", req->object);
		rc = arg_copy(req->object, sizeof(req->object), abs,
			      "xdp attach: object path too long: '%s'");
		free(abs);
		if (rc)
			return rc;
	}
	return 0;
}

/* update/delete/attach/detach: the daemon's confirmation. */
static void print_done(FILE *f, const json_t *r)
{
	const char *op = json_string_value(json_object_get(r, "op")) ?: "?";

	if (json_object_get(r, "map"))
		fprintf(f, "map %s: %s key %s: done\n",
			json_string_value(json_object_get(r, "map")) ?: "?", op,
			json_string_value(json_object_get(r, "key")) ?: "?");
	else
		fprintf(f, "xdp %s %s: done\n", op,
			json_string_value(json_object_get(r, "port")) ?: "?");
}

static void print_fdb(FILE *f, const json_t *r)
{
	stats_print_entries(f, r, "fdb", "no fdb entries");
}

static void print_neigh(FILE *f, const json_t *r)
{
	stats_print_entries(f, r, "neigh", "no neighbours");
}

static void print_route_change(FILE *f, const json_t *r)
{
	fprintf(f, "route %s: %s\n", json_string_value(json_object_get(r, "prefix")) ?: "?",
		!strcmp(json_string_value(json_object_get(r, "op")) ?: "", "add") ? "added"
										   : "deleted");
}

static void print_trace(FILE *f, const json_t *r)
{
	const char *text = json_string_value(json_object_get(r, "text"));
	long long n = json_integer_value(json_object_get(r, "events"));
	long long shown = json_integer_value(json_object_get(r, "shown"));

	if (!text) {
		const char *op = json_string_value(json_object_get(r, "op"));

		fprintf(f, "%stracing %s\n", op && !strcmp(op, "reset") ? "trace ring reset; " : "",
			json_is_true(json_object_get(r, "enabled")) ? "on" : "off");
		return;
	}
	fputs(text, f);
	if (shown < n)
		fprintf(stderr, "softnetctl: trace: the newest %lld of %lld events shown\n", shown,
			n);
}

static void print_fail_alloc(FILE *f, const json_t *r)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(r, "fail_alloc"), i, s)
		fprintf(f, "%-12s fail %3lld%%  injected %lld\n",
			json_string_value(json_object_get(s, "pool")) ?: "?",
			json_integer_value(json_object_get(s, "percent")),
			json_integer_value(json_object_get(s, "injected")));
}

/* debug fail-alloc [POOL on|off|PERCENT] */
static int parse_debug(struct ctl_request *req, int argc, char **argv)
{
	char *end;
	long pct;

	*req = (struct ctl_request){.cmd = CTL_DEBUG, .op = CTL_OP_FAIL_ALLOC, .percent = -1};
	if (argc < 2 || strcmp(argv[1], "fail-alloc"))
		return usage_err("debug: expected 'debug fail-alloc [POOL on|off|PERCENT]'%s", "");
	if (argc == 2)
		return 0;
	if (argc != 4)
		return usage_err("debug fail-alloc: expected POOL and on, off or a percentage%s", "");
	if (strlen(argv[2]) >= sizeof(req->pool))
		return usage_err("debug fail-alloc: POOL too long: '%s'", argv[2]);
	strcpy(req->pool, argv[2]);
	if (!strcmp(argv[3], "on"))
		pct = 100;
	else if (!strcmp(argv[3], "off"))
		pct = 0;
	else if ((pct = strtol(argv[3], &end, 10)) < 0 || pct > 100 || *end || end == argv[3])
		return usage_err("debug fail-alloc: expected on, off or 0..100, got '%s'", argv[3]);
	req->percent = (int)pct;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static char default_socket[] = CTL_RUNTIME_DIR_DEFAULT "/" CTL_SOCKET_NAME;
	struct ctl_opts o = {.socket = default_socket, .interval = 2.0};
	struct ctl_request req = {0};
	void (*print)(FILE *, const json_t *) = NULL;
	const char *cmd;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	argc -= optind;
	argv += optind;
	cmd = argv[0];

	if (!strcmp(cmd, "stats")) {
		rc = parse_stats_opts(&o, argc, argv);
		return rc ? rc : cmd_stats(&o);
	}
	if (!strcmp(cmd, "routes") || !strcmp(cmd, "route")) {
		rc = parse_routes(&req, argc, argv);
		if (rc)
			return rc;
		print = req.op == CTL_OP_SHOW ? stats_print_routes : print_route_change;
		return run_once(&o, &req, print);
	}
	if (!strcmp(cmd, "maps")) {
		rc = parse_maps(&req, argc, argv);
		if (rc)
			return rc;
		print = req.op == CTL_OP_LIST	? stats_print_maps_list
			: req.op == CTL_OP_DUMP ? stats_print_maps
						: print_done;
		return run_once(&o, &req, print);
	}
	if (!strcmp(cmd, "xdp")) {
		rc = parse_xdp(&req, argc, argv);
		if (rc)
			return rc;
		return run_once(&o, &req, req.op == CTL_OP_SHOW ? stats_print_xdp : print_done);
	}
	if (!strcmp(cmd, "trace")) {
		static const struct {
			const char *name;
			enum ctl_op op;
		} ops[] = {{"dump", CTL_OP_DUMP}, {"on", CTL_OP_ON}, {"off", CTL_OP_OFF},
			   {"reset", CTL_OP_RESET}};

		req = (struct ctl_request){.cmd = CTL_TRACE, .op = CTL_OP_DUMP};
		if (argc > 2)
			return usage_err("trace: unexpected argument '%s'", argv[2]);
		if (argc == 2) {
			size_t i;

			for (i = 0; i < sizeof(ops) / sizeof(*ops); i++)
				if (!strcmp(argv[1], ops[i].name))
					break;
			if (i == sizeof(ops) / sizeof(*ops))
				return usage_err("trace: expected on, off, reset or dump, got '%s'",
						 argv[1]);
			req.op = ops[i].op;
		}
		return run_once(&o, &req, print_trace);
	}
	if (!strcmp(cmd, "debug")) {
		rc = parse_debug(&req, argc, argv);
		return rc ? rc : run_once(&o, &req, print_fail_alloc);
	}
	if (!strcmp(cmd, "ports")) {
		req.cmd = CTL_PORTS;
		print = stats_print_ports;
	} else if (!strcmp(cmd, "napi")) {
		req.cmd = CTL_NAPI;
		print = stats_print_napi;
	} else if (!strcmp(cmd, "fdb")) {
		req.cmd = CTL_FDB;
		print = print_fdb;
	} else if (!strcmp(cmd, "neigh")) {
		req.cmd = CTL_NEIGH;
		print = print_neigh;
	} else if (!strcmp(cmd, "profile")) {
		req.cmd = CTL_PROFILE;
		print = stats_print_profile;
	} else {
		return usage_err("unknown command '%s'", cmd);
	}
	if (argc > 1)
		return usage_err("unexpected argument '%s'", argv[1]);
	return run_once(&o, &req, print);
}
