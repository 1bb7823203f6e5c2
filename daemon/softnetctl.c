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
		"  maps dump                        the stack's maps\n"
		"  profile                          the locking profile and its threads\n"
		"  trace [on|off|reset|dump]        the per-CPU trace ring, dumped in ftrace's layout\n"
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
		if (argc != 2 || strcmp(argv[1], "dump"))
			return usage_err("maps: expected 'maps dump'%s", "");
		req = (struct ctl_request){.cmd = CTL_MAPS, .op = CTL_OP_DUMP};
		return run_once(&o, &req, stats_print_maps);
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
