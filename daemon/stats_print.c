// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats_print.c - softnetctl's human output (stats_print.h).
 *
 * Rates are deltas of two snapshots divided by the daemon's own clock difference (time_ns),
 * not by the client's sleep, so a slow reply does not inflate or deflate a rate. A counter that
 * went backwards (a daemon restart between two samples) counts as zero.
 */
#include <stdio.h>
#include <string.h>

#include "stats_print.h"

#define LABEL_W 20

const char *stats_fmt_num(double v, char *buf, size_t len)
{
	char digits[32];
	unsigned long long n;
	size_t nd, o = 0;

	if (!(v > 0))
		v = 0;
	n = (unsigned long long)(v + 0.5);
	snprintf(digits, sizeof(digits), "%llu", n);
	nd = strlen(digits);
	for (size_t i = 0; i < nd && o + 2 < len; i++) {
		if (i && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

static unsigned long long jget_u(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (unsigned long long)v : 0;
}

/* Rate of @key between two objects over @secs. */
static double rate(const json_t *prev, const json_t *cur, const char *key, double secs)
{
	unsigned long long a = jget_u(prev, key), b = jget_u(cur, key);

	return b > a && secs > 0 ? (double)(b - a) / secs : 0.0;
}

/* A line: label, then (value, unit) pairs right-aligned in xdp-bench's columns. */
static void row(FILE *f, int indent, const char *label, int n, const double *vals,
		const char *const *units)
{
	char num[32];

	fprintf(f, "%*s%-*s", indent, "", LABEL_W - indent, label);
	for (int i = 0; i < n; i++)
		fprintf(f, " %14s %-*s", stats_fmt_num(vals[i], num, sizeof(num)),
			i + 1 < n ? 11 : 0, units[i]);
	fputc('\n', f);
}

/* The element of array @a whose @key equals @val (string) or whose index matches. */
static const json_t *find_by(const json_t *a, const char *key, const char *sval, json_int_t ival)
{
	size_t i;
	const json_t *e;

	json_array_foreach(a, i, e) {
		const json_t *k = json_object_get(e, key);

		if (sval && json_is_string(k) && !strcmp(json_string_value(k), sval))
			return e;
		if (!sval && json_is_integer(k) && json_integer_value(k) == ival)
			return e;
	}
	return NULL;
}

static const json_t *find_queue(const json_t *a, const char *port, json_int_t q)
{
	size_t i;
	const json_t *e;

	json_array_foreach(a, i, e)
		if (json_integer_value(json_object_get(e, "queue")) == q &&
		    !strcmp(json_string_value(json_object_get(e, "port")) ?: "", port))
			return e;
	return NULL;
}

static void print_drop_reasons(FILE *f, const json_t *prev, const json_t *cur, double secs)
{
	const json_t *pd = json_object_get(prev, "drops"), *cd = json_object_get(cur, "drops");
	const char *reason;
	const json_t *v;

	json_object_foreach((json_t *)cd, reason, v) {
		double r = rate(pd, cd, reason, secs);
		static const char *const u[] = {"drop/s"};

		if (r > 0)
			row(f, 4, reason, 1, &r, u);
	}
}

/*
 * Per port running XDP, as xdp-bench -e: the verdicts, redirect errors by errno, and the
 * devmap/cpumap bulk queues' transmissions and drops.
 */
static void print_xdp_extended(FILE *f, const json_t *prev, const json_t *cur, double secs)
{
	static const char *const act[] = {"XDP_PASS", "XDP_DROP", "XDP_TX", "XDP_REDIRECT",
					  "XDP_ABORTED"};
	static const char *const key[] = {"pass", "drop", "tx", "redirect", "aborted"};
	static const char *const u_pkt[] = {"pkt/s"};
	static const char *const u_err[] = {"error/s"};
	static const char *const u_dm[] = {"xmit/s", "drop/s", "bulk-avg"};
	static const char *const u_cm[] = {"enqueue/s", "drop/s", "kthread/s"};
	const json_t *pports = json_object_get(json_object_get(prev, "xdp"), "ports");
	const json_t *e, *p, *pc, *cc, *v;
	const char *k;
	char label[64];
	double r[3];
	size_t i;

	json_array_foreach(json_object_get(json_object_get(cur, "xdp"), "ports"), i, e) {
		const char *name = json_string_value(json_object_get(e, "port")) ?: "?";
		const char *prog = json_string_value(json_object_get(e, "program"));

		cc = json_object_get(e, "counters");
		p = find_by(pports, "port", name, 0);
		pc = json_object_get(p, "counters");
		if (!prog && jget_u(cc, "runs") == jget_u(pc, "runs"))
			continue; /* no program and nothing ran since the last line */
		r[0] = rate(pc, cc, "runs", secs);
		snprintf(label, sizeof(label), "xdp %s%s%s%s", name, prog ? " (" : "", prog ?: "",
			 prog ? ")" : "");
		row(f, 2, label, 1, r, u_pkt);
		for (size_t a = 0; a < sizeof(act) / sizeof(*act); a++) {
			r[0] = rate(pc, cc, key[a], secs);
			if (r[0] > 0)
				row(f, 4, act[a], 1, r, u_pkt);
		}
		json_object_foreach((json_t *)json_object_get(cc, "redirect_err"), k, v) {
			r[0] = rate(json_object_get(pc, "redirect_err"),
				    json_object_get(cc, "redirect_err"), k, secs);
			if (r[0] > 0) {
				snprintf(label, sizeof(label), "redirect_err %s", k);
				row(f, 4, label, 1, r, u_err);
			}
		}
		r[0] = rate(pc, cc, "devmap_xmit", secs);
		r[1] = rate(pc, cc, "devmap_drops", secs);
		r[2] = rate(pc, cc, "devmap_bulks", secs);
		r[2] = r[2] > 0 ? (r[0] + r[1]) / r[2] : 0;
		if (r[0] > 0 || r[1] > 0)
			row(f, 4, "devmap_xmit", 3, r, u_dm);
		r[0] = rate(pc, cc, "cpumap_enqueue", secs);
		r[1] = rate(pc, cc, "cpumap_drops", secs);
		r[2] = rate(pc, cc, "cpumap_kthread_pkts", secs);
		if (r[0] > 0 || r[1] > 0 || r[2] > 0)
			row(f, 4, "cpumap", 3, r, u_cm);
	}
}

static void print_extended(FILE *f, const json_t *prev, const json_t *cur, double secs)
{
	static const char *const u_rx[] = {"pkt/s", "drop/s"};
	static const char *const u_pkt[] = {"pkt/s"};
	const json_t *pcpus = json_object_get(prev, "cpus"), *ccpus = json_object_get(cur, "cpus");
	const json_t *pt = json_object_get(prev, "totals"), *ct = json_object_get(cur, "totals");
	const json_t *e, *p;
	char label[64];
	double v[4];
	size_t i;

	/* receive: what the ports received, per CPU, and what was dropped there. */
	v[0] = rate(pt, ct, "rx_packets", secs);
	v[1] = rate(pt, ct, "drops_total", secs);
	row(f, 2, "receive total", 2, v, u_rx);
	json_array_foreach(ccpus, i, e) {
		p = find_by(pcpus, "cpu", NULL, json_integer_value(json_object_get(e, "cpu")));
		v[0] = rate(p, e, "rx_packets", secs);
		v[1] = rate(p, e, "drops_total", secs);
		if (v[0] > 0 || v[1] > 0) {
			snprintf(label, sizeof(label), "cpu:%lld",
				 (long long)json_integer_value(json_object_get(e, "cpu")));
			row(f, 4, label, 2, v, u_rx);
		}
	}
	v[0] = rate(pt, ct, "forwarded", secs);
	row(f, 2, "redirect total", 1, v, u_pkt);
	json_array_foreach(ccpus, i, e) {
		p = find_by(pcpus, "cpu", NULL, json_integer_value(json_object_get(e, "cpu")));
		v[0] = rate(p, e, "forwarded", secs);
		if (v[0] > 0) {
			snprintf(label, sizeof(label), "cpu:%lld",
				 (long long)json_integer_value(json_object_get(e, "cpu")));
			row(f, 4, label, 1, v, u_pkt);
		}
	}
	v[0] = rate(pt, ct, "tx_packets", secs);
	row(f, 2, "xmit total", 1, v, u_pkt);
	json_array_foreach(ccpus, i, e) {
		p = find_by(pcpus, "cpu", NULL, json_integer_value(json_object_get(e, "cpu")));
		v[0] = rate(p, e, "tx_packets", secs);
		if (v[0] > 0) {
			snprintf(label, sizeof(label), "cpu:%lld",
				 (long long)json_integer_value(json_object_get(e, "cpu")));
			row(f, 4, label, 1, v, u_pkt);
		}
	}
	/* drops by reason, like xdp-bench's redirect_err by errno */
	v[0] = rate(pt, ct, "drops_total", secs);
	{
		static const char *const u[] = {"drop/s"};

		row(f, 2, "drop total", 1, v, u);
	}
	print_drop_reasons(f, pt, ct, secs);

	/* per port */
	json_array_foreach(json_object_get(cur, "ports"), i, e) {
		static const char *const u[] = {"rx/s", "fwd/s", "drop/s", "xmit/s"};
		const char *name = json_string_value(json_object_get(e, "name")) ?: "?";

		p = find_by(json_object_get(prev, "ports"), "name", name, 0);
		v[0] = rate(p, e, "rx_packets", secs);
		v[1] = rate(p, e, "forwarded", secs);
		v[2] = rate(p, e, "drops_total", secs);
		v[3] = rate(p, e, "tx_packets", secs);
		snprintf(label, sizeof(label), "port %s", name);
		row(f, 2, label, 4, v, u);
		print_drop_reasons(f, p, e, secs);
	}

	print_xdp_extended(f, prev, cur, secs);

	/* per queue: the NAPI instance's polls, packets and average work per poll */
	json_array_foreach(json_object_get(cur, "queues"), i, e) {
		const char *port = json_string_value(json_object_get(e, "port")) ?: "?";
		json_int_t q = json_integer_value(json_object_get(e, "queue"));
		const json_t *cs = json_object_get(e, "stats"), *ps;
		double polls;

		p = find_queue(json_object_get(prev, "queues"), port, q);
		ps = json_object_get(p, "stats");
		v[0] = rate(ps, cs, "packets", secs);
		polls = rate(ps, cs, "polls", secs);
		v[1] = polls;
		v[2] = rate(ps, cs, "irqs", secs);
		snprintf(label, sizeof(label), "napi %s:%lld", port, (long long)q);
		fprintf(f, "%*s%-*s", 2, "", LABEL_W - 2, label);
		{
			char num[32];

			fprintf(f, " %14s %-11s", stats_fmt_num(v[0], num, sizeof(num)), "pkt/s");
			fprintf(f, " %14s %-11s", stats_fmt_num(v[1], num, sizeof(num)), "poll/s");
			fprintf(f, " %14s %-11s", stats_fmt_num(v[2], num, sizeof(num)), "irq/s");
			fprintf(f, " %14.2f %-11s", polls > 0 ? v[0] / polls : 0.0, "bulk-avg");
			fprintf(f, "cpu:%lld\n",
				(long long)json_integer_value(json_object_get(e, "cpu")));
		}
	}

	/* per page_pool: buffers handed out and given back, and how many are out now */
	json_array_foreach(json_object_get(cur, "page_pools"), i, e) {
		const char *name = json_string_value(json_object_get(e, "name")) ?: "?";
		char num[32];
		double alloc, recycle, empty;

		p = find_by(json_object_get(prev, "page_pools"), "name", name, 0);
		alloc = rate(p, e, "alloc_fast", secs) + rate(p, e, "alloc_refill", secs) +
			rate(p, e, "alloc_slow", secs);
		recycle = rate(p, e, "recycle_cached", secs) + rate(p, e, "recycle_ring", secs) +
			  rate(p, e, "recycle_ring_full", secs);
		empty = rate(p, e, "alloc_empty", secs);
		snprintf(label, sizeof(label), "page_pool %s", name);
		fprintf(f, "%*s%-*s", 2, "", LABEL_W - 2, label);
		fprintf(f, " %14s %-11s", stats_fmt_num(alloc, num, sizeof(num)), "alloc/s");
		fprintf(f, " %14s %-11s", stats_fmt_num(recycle, num, sizeof(num)), "recycle/s");
		fprintf(f, " %14s %-11s", stats_fmt_num(empty, num, sizeof(num)), "empty/s");
		fprintf(f, "in_use %llu/%llu\n", jget_u(e, "in_use"), jget_u(e, "nr_bufs"));
	}

	/* the frame accounting of this snapshot (net/netdev.h): frames unaccounted for */
	{
		const json_t *a = json_object_get(cur, "accounting");

		const json_t *in = json_object_get(a, "ingress"), *out = json_object_get(a, "egress");

		/* A live snapshot: frames between two counters show here until they settle. */
		if (a)
			fprintf(f, "  %-*s %14lld (ingress %lld, egress %lld, in flight %lld)\n",
				LABEL_W - 2, "frames lost",
				(long long)json_integer_value(json_object_get(a, "frames_lost")),
				(long long)json_integer_value(json_object_get(in, "lost")),
				(long long)json_integer_value(json_object_get(out, "lost")),
				(long long)json_integer_value(json_object_get(a, "in_flight")));
	}

	/* per CPU: softnet_data and the softirq machinery */
	json_array_foreach(ccpus, i, e) {
		static const char *const u[] = {"processed/s", "squeeze/s", "softirq/s",
						"ksoftirqd/s"};
		const json_t *csi = json_object_get(e, "softirq"), *psi;

		p = find_by(pcpus, "cpu", NULL, json_integer_value(json_object_get(e, "cpu")));
		psi = json_object_get(p, "softirq");
		v[0] = rate(p, e, "processed", secs);
		v[1] = rate(p, e, "time_squeeze", secs);
		v[2] = rate(psi, csi, "invocations", secs);
		v[3] = rate(psi, csi, "ksoftirqd_runs", secs);
		snprintf(label, sizeof(label), "softnet cpu:%lld",
			 (long long)json_integer_value(json_object_get(e, "cpu")));
		row(f, 2, label, 4, v, u);
	}
}

void stats_print_interval(FILE *f, const json_t *prev, const json_t *cur, bool extended)
{
	static const char *const units[] = {"rx/s", "redir/s", "err,drop/s", "xmit/s"};
	const json_t *pt = json_object_get(prev, "totals"), *ct = json_object_get(cur, "totals");
	unsigned long long t0 = jget_u(prev, "time_ns"), t1 = jget_u(cur, "time_ns");
	double secs = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0, v[4];

	v[0] = rate(pt, ct, "rx_packets", secs);
	v[1] = rate(pt, ct, "forwarded", secs);
	v[2] = rate(pt, ct, "drops_total", secs);
	v[3] = rate(pt, ct, "tx_packets", secs);
	row(f, 0, "Summary", 4, v, units);
	if (extended) {
		print_extended(f, prev, cur, secs);
		fputc('\n', f);
	}
	fflush(f);
}

static const char *js(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

void stats_print_ports(FILE *f, const json_t *reply)
{
	const json_t *e, *c;
	size_t i, j;

	fprintf(f, "%-15s %-6s %-7s %-8s %-7s %-17s %s\n", "NAME", "KIND", "QUEUES", "CPUS",
		"CARRIER", "MAC", "DETAILS");
	json_array_foreach(json_object_get(reply, "ports"), i, e) {
		char queues[32], cpus[64] = "", details[512];
		size_t o = 0;

		snprintf(queues, sizeof(queues), "%lld/%lld",
			 (long long)json_integer_value(json_object_get(e, "rx_queues")),
			 (long long)json_integer_value(json_object_get(e, "tx_queues")));
		json_array_foreach(json_object_get(e, "cpus"), j, c)
			if (o < sizeof(cpus))
				o += (size_t)snprintf(cpus + o, sizeof(cpus) - o, "%s%lld",
						      o ? "," : "", (long long)json_integer_value(c));
		if (!cpus[0])
			snprintf(cpus, sizeof(cpus), "-");
		o = (size_t)snprintf(details, sizeof(details), "%s", js(e, "describe"));
		if (json_object_get(e, "lower") && o < sizeof(details))
			o += (size_t)snprintf(details + o, sizeof(details) - o, "%svlan %lld on %s",
					      o ? "; " : "",
					      (long long)json_integer_value(json_object_get(e, "vlan")),
					      js(e, "lower"));
		if (json_object_get(e, "peer") && o < sizeof(details))
			o += (size_t)snprintf(details + o, sizeof(details) - o, "%speer %s",
					      o ? "; " : "", js(e, "peer"));
		if (!json_is_true(json_object_get(e, "admin_up")) && o < sizeof(details))
			snprintf(details + o, sizeof(details) - o, "%sadmin down", o ? "; " : "");
		fprintf(f, "%-15s %-6s %-7s %-8s %-7s %-17s %s\n", js(e, "name"), js(e, "kind"),
			queues, cpus, json_is_true(json_object_get(e, "carrier")) ? "up" : "down",
			js(e, "mac"), details);
	}
}

void stats_print_napi(FILE *f, const json_t *reply)
{
	const json_t *e, *s;
	size_t i, j;

	fprintf(f, "%-5s %-15s %-5s %-4s %-24s %-8s %-5s %12s %14s\n", "ID", "PORT", "QUEUE", "CPU",
		"STATE", "THREADED", "IRQ", "POLLS", "PACKETS");
	json_array_foreach(json_object_get(reply, "napi"), i, e) {
		char state[128] = "", irq[16];
		size_t o = 0;
		const json_t *st = json_object_get(e, "stats");

		json_array_foreach(json_object_get(e, "state"), j, s)
			if (o < sizeof(state))
				o += (size_t)snprintf(state + o, sizeof(state) - o, "%s%s",
						      o ? "," : "", json_string_value(s) ?: "?");
		if (!state[0])
			snprintf(state, sizeof(state), "-");
		if (json_integer_value(json_object_get(e, "irq")) >= 0)
			snprintf(irq, sizeof(irq), "%lld",
				 (long long)json_integer_value(json_object_get(e, "irq")));
		else
			snprintf(irq, sizeof(irq), "poll");
		fprintf(f, "%-5lld %-15s %-5lld %-4lld %-24s %-8s %-5s %12llu %14llu\n",
			(long long)json_integer_value(json_object_get(e, "id")), js(e, "port"),
			(long long)json_integer_value(json_object_get(e, "queue")),
			(long long)json_integer_value(json_object_get(e, "cpu")), state,
			json_is_true(json_object_get(e, "threaded")) ? "yes" : "no", irq,
			jget_u(st, "polls"), jget_u(st, "packets"));
	}
}

void stats_print_entries(FILE *f, const json_t *reply, const char *key, const char *empty)
{
	const json_t *a = json_object_get(reply, key), *e;
	size_t i;

	if (!json_array_size(a) && empty)
		fprintf(f, "%s\n", empty);
	json_array_foreach(a, i, e)
		fprintf(f, "%s\n", js(e, "text"));
}

void stats_print_routes(FILE *f, const json_t *reply)
{
	const json_t *e;
	size_t i;

	stats_print_entries(f, reply, "routes", "no routes");
	json_array_foreach(json_object_get(reply, "addresses"), i, e)
		fprintf(f, "address %s\n", js(e, "text"));
}

void stats_print_profile(FILE *f, const json_t *reply)
{
	const json_t *e;
	size_t i;

	fprintf(f, "profile: %s\n", js(reply, "profile"));
	fprintf(f, "  %s\n", js(reply, "description"));
	fprintf(f, "irq priority: %lld (SCHED_FIFO, RT profiles)\n",
		(long long)json_integer_value(json_object_get(reply, "irq_priority")));
	fprintf(f, "napi threaded: %s\n",
		json_is_true(json_object_get(reply, "napi_threaded")) ? "yes" : "no");
	fprintf(f, "log level: %s\n", js(reply, "log_level"));
	fprintf(f, "uptime: %lld s, reloads: %lld\n",
		(long long)json_integer_value(json_object_get(reply, "uptime_s")),
		(long long)json_integer_value(json_object_get(reply, "reloads")));
	json_array_foreach(json_object_get(reply, "cpus"), i, e)
		fprintf(f, "cpu %lld: %s/%lld tid %lld\n",
			(long long)json_integer_value(json_object_get(e, "cpu")), js(e, "thread"),
			(long long)json_integer_value(json_object_get(e, "cpu")),
			(long long)json_integer_value(json_object_get(e, "tid")));
}

void stats_print_maps(FILE *f, const json_t *reply)
{
	const json_t *e, *x;
	size_t i, k;

	json_array_foreach(json_object_get(reply, "maps"), i, e) {
		fprintf(f, "map %s (%s): type %s key %lld value %lld max_entries %lld, %lld entries\n",
			js(e, "name"), js(e, "role"), js(e, "type"),
			(long long)json_integer_value(json_object_get(e, "key_size")),
			(long long)json_integer_value(json_object_get(e, "value_size")),
			(long long)json_integer_value(json_object_get(e, "max_entries")),
			(long long)json_integer_value(json_object_get(e, "count")));
		if (json_object_get(e, "error"))
			fprintf(f, "  (walk stopped: %s)\n", js(e, "error"));
		json_array_foreach(json_object_get(e, "entries"), k, x) {
			const json_t *d = json_object_get(x, "decoded");

			fprintf(f, "  key: %s  value: %s\n", js(x, "key"), js(x, "value"));
			if (d)
				fprintf(f, "    %s\n", js(d, "text"));
		}
	}
}

void stats_print_xdp(FILE *f, const json_t *reply)
{
	static const char *const key[] = {"pass", "drop", "tx", "redirect", "aborted"};
	const json_t *e, *c;
	size_t i;

	if (json_is_string(json_object_get(reply, "engine_override")))
		fprintf(f, "engine for every port: %s (--xdp-engine)\n",
			js(reply, "engine_override"));
	json_array_foreach(json_object_get(reply, "ports"), i, e) {
		c = json_object_get(e, "counters");
		if (!json_object_get(e, "program")) {
			if (jget_u(c, "runs"))
				fprintf(f, "%-8s no program (earlier runs %llu)\n", js(e, "port"),
					jget_u(c, "runs"));
			else
				fprintf(f, "%-8s no program\n", js(e, "port"));
			continue;
		}
		fprintf(f, "%-8s program %s of %s, engine %s (asked %s%s%s), from %s\n",
			js(e, "port"), js(e, "program"), js(e, "object"), js(e, "engine"),
			js(e, "engine_asked"), *js(e, "engine_note") ? "; " : "",
			js(e, "engine_note"), js(e, "source"));
		fprintf(f, "         runs %llu:", jget_u(c, "runs"));
		for (size_t a = 0; a < sizeof(key) / sizeof(*key); a++)
			fprintf(f, " %s %llu", key[a], jget_u(c, key[a]));
		fprintf(f, "; redirected %llu\n", jget_u(c, "redirect_ok"));
	}
	json_array_foreach(json_object_get(reply, "kernel"), i, e)
		fprintf(f, "kernel %s: %s%s%s of %s, %s; maps pinned under %s\n", js(e, "ifname"),
			*js(e, "program") ? "program " : "first program", js(e, "program"), "",
			js(e, "object"), js(e, "describe"), js(e, "pin_dir"));
}

void stats_print_maps_list(FILE *f, const json_t *reply)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(reply, "maps"), i, e)
		fprintf(f, "%-40s %-7s %-14s key %3lld value %4lld max_entries %7lld, %lld entries\n",
			js(e, "name"), js(e, "role"), js(e, "type"),
			(long long)json_integer_value(json_object_get(e, "key_size")),
			(long long)json_integer_value(json_object_get(e, "value_size")),
			(long long)json_integer_value(json_object_get(e, "max_entries")),
			(long long)json_integer_value(json_object_get(e, "count")));
}
