// SPDX-License-Identifier: GPL-2.0-only
/*
 * experiment.c - the YAML experiment parser (libyaml's document API). Every error names the file,
 * the line and column of the offending node and the key it belongs to, HAProxy-style: the parser
 * returns the message, the caller prints it once.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "experiment.h"
#include "bhlock/softirq.h"

struct xp {
	yaml_document_t doc;
	const char *file;
	char *err;
	size_t errlen;
	struct lat_experiment *x;
};

__attribute__((format(printf, 4, 5))) static int xp_err(struct xp *p, const yaml_node_t *n,
							  const char *key, const char *fmt, ...)
{
	va_list ap;
	int len = snprintf(p->err, p->errlen, "%s:%zu:%zu: key '%s': ", p->file,
			   n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, key);

	va_start(ap, fmt);
	if (len >= 0 && (size_t)len < p->errlen)
		vsnprintf(p->err + len, p->errlen - (size_t)len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *xp_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int xp_string(struct xp *p, const yaml_node_t *n, const char *key, char *out, size_t len)
{
	const char *s = xp_scalar(n);

	if (!s)
		return xp_err(p, n, key, "expected a string");
	if (strlen(s) >= len)
		return xp_err(p, n, key, "longer than %zu characters", len - 1);
	strcpy(out, s);
	return 0;
}

static int xp_number(struct xp *p, const yaml_node_t *n, const char *key, double lo, double hi,
		     double *out)
{
	const char *s = xp_scalar(n);
	char *end;

	if (!s || !*s)
		return xp_err(p, n, key, "expected a number");
	errno = 0;
	*out = strtod(s, &end);
	if (*end || errno || !isfinite(*out))
		return xp_err(p, n, key, "'%s' is not a number", s);
	if (*out < lo || *out > hi)
		return xp_err(p, n, key, "%s is out of range [%g, %g]", s, lo, hi);
	return 0;
}

static int xp_int(struct xp *p, const yaml_node_t *n, const char *key, int lo, int hi, int *out)
{
	double d = 0;
	int err = xp_number(p, n, key, lo, hi, &d);

	if (err)
		return err;
	if (d != floor(d))
		return xp_err(p, n, key, "expected an integer");
	*out = (int)d;
	return 0;
}

/* A duration in the unit the key names (..._s, ..._ms, ..._us). */
static int xp_duration(struct xp *p, const yaml_node_t *n, const char *key, double unit_ns,
		       double max_ns, uint64_t *out)
{
	double d = 0;
	int err = xp_number(p, n, key, 0, max_ns / unit_ns, &d);

	if (!err)
		*out = (uint64_t)llround(d * unit_ns);
	return err;
}

static int xp_bool(struct xp *p, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = xp_scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		return *out = true, 0;
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		return *out = false, 0;
	return xp_err(p, n, key, "expected true or false");
}

#define xp_node(p, id) yaml_document_get_node(&(p)->doc, (id))
#define xp_for_each_pair(p, map, pair)                                                            \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start;                             \
	     pair < (map)->data.mapping.pairs.top; pair++)
#define xp_for_each_item(p, seq, item)                                                            \
	for (yaml_node_item_t *item = (seq)->data.sequence.items.start;                            \
	     item < (seq)->data.sequence.items.top; item++)

static int xp_vector(struct xp *p, const yaml_node_t *n, const char *key, int *out)
{
	const char *s = xp_scalar(n);

	for (int i = 0; s && i < NR_SOFTIRQS; i++)
		if (!strcasecmp(s, softirq_to_name[i]))
			return *out = i, 0;
	return xp_err(p, n, key, "'%s' is not a softirq vector (HI, TIMER, NET_TX, NET_RX, BLOCK, "
				 "...)", s ? s : "");
}

static int xp_find_thread(struct xp *p, const yaml_node_t *n, const char *key, int *out)
{
	const char *s = xp_scalar(n);

	for (int i = 0; s && i < p->x->nr_threads; i++)
		if (!strcmp(s, p->x->threads[i].name))
			return *out = i, 0;
	return xp_err(p, n, key, "no thread named '%s' (threads come before loads)", s ? s : "");
}

static int xp_thread(struct xp *p, const yaml_node_t *map)
{
	struct lat_thread *t;
	bool have_name = false;
	int err = 0;

	if (map->type != YAML_MAPPING_NODE)
		return xp_err(p, map, "threads", "each thread is a mapping");
	if (p->x->nr_threads == LAT_MAX_THREADS)
		return xp_err(p, map, "threads", "at most %d threads", LAT_MAX_THREADS);
	t = &p->x->threads[p->x->nr_threads];
	*t = (struct lat_thread){ .role = LAT_ROLE_OTHER, .policy = SCHED_FIFO, .priority = 50 };
	xp_for_each_pair(p, map, pair) {
		const yaml_node_t *kn = xp_node(p, pair->key), *v = xp_node(p, pair->value);
		const char *k = xp_scalar(kn);
		const char *s = xp_scalar(v);

		if (!k)
			return xp_err(p, kn, "threads", "keys are strings");
		if (!strcmp(k, "name")) {
			err = xp_string(p, v, k, t->name, sizeof(t->name));
			have_name = true;
		} else if (!strcmp(k, "role")) {
			if (s && !strcmp(s, "net_rx"))
				t->role = LAT_ROLE_NET_RX;
			else if (s && !strcmp(s, "block"))
				t->role = LAT_ROLE_BLOCK;
			else if (s && !strcmp(s, "other"))
				t->role = LAT_ROLE_OTHER;
			else
				err = xp_err(p, v, k, "expected net_rx, block or other");
		} else if (!strcmp(k, "policy")) {
			if (!s || strcasecmp(s, "fifo"))
				err = xp_err(p, v, k, "a force-threaded handler is SCHED_FIFO: "
						      "expected fifo");
		} else if (!strcmp(k, "priority")) {
			err = xp_int(p, v, k, 1, 98, &t->priority);
		} else if (!strcmp(k, "cpu")) {
			err = xp_int(p, v, k, 0, 63, &t->cpu);
		} else {
			err = xp_err(p, kn, k, "unknown key in a thread (name, role, policy, "
					       "priority, cpu)");
		}
		if (err)
			return err;
	}
	if (!have_name)
		return xp_err(p, map, "name", "every thread needs a name");
	p->x->nr_threads++;
	return 0;
}

static int xp_resource_list(struct xp *p, const yaml_node_t *seq, const char *key,
			    struct lat_load *l)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return xp_err(p, seq, key, "expected a list of resource names");
	xp_for_each_item(p, seq, item) {
		const yaml_node_t *v = xp_node(p, *item);
		const char *s = xp_scalar(v);
		int i;

		for (i = 0; s && i < p->x->nr_resources; i++)
			if (!strcmp(s, p->x->resources[i]))
				break;
		if (!s || i == p->x->nr_resources)
			return xp_err(p, v, key, "'%s' is not declared under resources",
				      s ? s : "");
		if (l->nr_resources == LAT_MAX_RESOURCES)
			return xp_err(p, v, key, "too many resources");
		l->resources[l->nr_resources++] = i;
	}
	return 0;
}

/* port: {type: test, ifname: eno0} of a net_rx load. */
static int xp_port(struct xp *p, const yaml_node_t *map, struct lat_load *l)
{
	int err = 0;

	if (map->type != YAML_MAPPING_NODE)
		return xp_err(p, map, "port", "expected a mapping (type, ifname)");
	xp_for_each_pair(p, map, pair) {
		const yaml_node_t *kn = xp_node(p, pair->key), *v = xp_node(p, pair->value);
		const char *k = xp_scalar(kn);
		const char *s = xp_scalar(v);

		if (!k)
			return xp_err(p, kn, "port", "keys are strings");
		if (!strcmp(k, "type")) {
			if (s && !strcmp(s, "test"))
				l->rx.port_type = LAT_PORT_TEST;
			else if (s && !strcmp(s, "afxdp"))
				err = xp_err(p, v, k, "afxdp ports are not supported by softnet-lat yet; "
						      "use test");
			else
				err = xp_err(p, v, k, "'%s' is not a port type (test)", s ? s : "");
		} else if (!strcmp(k, "ifname")) {
			err = xp_string(p, v, k, l->rx.ifname, sizeof(l->rx.ifname));
		} else {
			err = xp_err(p, kn, k, "unknown key in a port (type, ifname)");
		}
		if (err)
			return err;
	}
	return 0;
}

/*
 * A net_rx load: a port and a rate instead of a period and a length. Its softirq is NET_RX; the
 * work per second (rate x per-frame work) must leave room, as a section's length must.
 */
static int xp_netrx_check(struct xp *p, const yaml_node_t *map, struct lat_load *l,
			  bool have_port, bool have_rate)
{
	if (!have_port)
		return xp_err(p, map, "port", "a net_rx load needs a port ({type: test, ifname: ..})");
	if (!have_rate)
		return xp_err(p, map, "rate_pps", "a net_rx load needs rate_pps");
	if (l->vector != NET_RX_SOFTIRQ)
		return xp_err(p, map, "vector", "a net_rx load raises NET_RX");
	if (l->period_ns || l->length_ns || l->hold_ns || l->nr_resources)
		return xp_err(p, map, "net_rx", "period_us, length_us, hold_us and resources are "
						"for timer loads; use rate_pps and per_frame_ns");
	if (l->measured)
		return xp_err(p, map, "measure", "only a periodic_handler can be measured");
	if ((double)l->rx.rate_pps * (double)l->rx.per_frame_ns > 0.9e9)
		return xp_err(p, map, "per_frame_ns", "rate_pps x per_frame_ns is %.0f%% of a CPU "
						      "(at most 90%%: real-time throttling)",
			      (double)l->rx.rate_pps * (double)l->rx.per_frame_ns / 1e7);
	if (!l->rx.ifname[0])
		snprintf(l->rx.ifname, sizeof(l->rx.ifname), "%.15s",
			 p->x->threads[l->thread].name);
	p->x->nr_loads++;
	return 0;
}

static int xp_load(struct xp *p, const yaml_node_t *map)
{
	struct lat_load *l;
	bool have_type = false, have_thread = false, have_period = false;
	bool have_port = false, have_rate = false;
	int err = 0, v32 = 0;

	if (map->type != YAML_MAPPING_NODE)
		return xp_err(p, map, "loads", "each load is a mapping");
	if (p->x->nr_loads == LAT_MAX_LOADS)
		return xp_err(p, map, "loads", "at most %d loads", LAT_MAX_LOADS);
	l = &p->x->loads[p->x->nr_loads];
	*l = (struct lat_load){ .vector = NET_RX_SOFTIRQ,
				.rx = { .frame_size = 64, .burst = 1 } };
	xp_for_each_pair(p, map, pair) {
		const yaml_node_t *kn = xp_node(p, pair->key), *v = xp_node(p, pair->value);
		const char *k = xp_scalar(kn);
		const char *s = xp_scalar(v);

		if (!k)
			return xp_err(p, kn, "loads", "keys are strings");
		if (!strcmp(k, "type")) {
			have_type = true;
			if (s && !strcmp(s, "softirq_section"))
				l->type = LAT_LOAD_SOFTIRQ_SECTION;
			else if (s && !strcmp(s, "periodic_handler"))
				l->type = LAT_LOAD_PERIODIC_HANDLER;
			else if (s && !strcmp(s, "net_rx"))
				l->type = LAT_LOAD_NET_RX;
			else
				err = xp_err(p, v, k, "expected softirq_section, periodic_handler or "
						      "net_rx");
		} else if (!strcmp(k, "thread")) {
			err = xp_find_thread(p, v, k, &l->thread);
			have_thread = true;
		} else if (!strcmp(k, "vector")) {
			err = xp_vector(p, v, k, &l->vector);
		} else if (!strcmp(k, "period_us")) {
			err = xp_duration(p, v, k, 1e3, 1e9, &l->period_ns);
			if (!err && l->period_ns < 100000)
				err = xp_err(p, v, k, "at least 100 µs");
			have_period = true;
		} else if (!strcmp(k, "length_us")) {
			err = xp_duration(p, v, k, 1e3, 5e8, &l->length_ns);
		} else if (!strcmp(k, "hold_us")) {
			err = xp_duration(p, v, k, 1e3, 5e8, &l->hold_ns);
		} else if (!strcmp(k, "resources")) {
			err = xp_resource_list(p, v, k, l);
		} else if (!strcmp(k, "measure")) {
			err = xp_bool(p, v, k, &l->measured);
		} else if (!strcmp(k, "port")) {
			err = xp_port(p, v, l);
			have_port = true;
		} else if (!strcmp(k, "rate_pps")) {
			double d = 0;

			err = xp_number(p, v, k, 1, 10e6, &d);
			if (!err && d != floor(d))
				err = xp_err(p, v, k, "expected a whole number of frames per second");
			l->rx.rate_pps = (uint64_t)d;
			have_rate = true;
		} else if (!strcmp(k, "frame_size")) {
			err = xp_int(p, v, k, 60, 1514, &v32);
			l->rx.frame_size = (uint32_t)v32;
		} else if (!strcmp(k, "burst")) {
			err = xp_int(p, v, k, 1, 1024, &v32);
			l->rx.burst = (uint32_t)v32;
		} else if (!strcmp(k, "per_frame_ns")) {
			err = xp_duration(p, v, k, 1, 1e7, &l->rx.per_frame_ns);
		} else {
			err = xp_err(p, kn, k, "unknown key in a load (type, thread, vector, "
					       "period_us, length_us, hold_us, resources, measure; "
					       "net_rx: port, rate_pps, frame_size, burst, "
					       "per_frame_ns)");
		}
		if (err)
			return err;
	}
	if (!have_type)
		return xp_err(p, map, "type", "every load needs a type");
	if (!have_thread)
		return xp_err(p, map, "thread", "every load needs a thread");
	if (l->type == LAT_LOAD_NET_RX)
		return xp_netrx_check(p, map, l, have_port, have_rate);
	if (have_port || have_rate)
		return xp_err(p, map, have_port ? "port" : "rate_pps", "only a net_rx load has a "
								    "port and a rate");
	if (!have_period)
		return xp_err(p, map, "period_us", "every load needs a period");
	if (l->length_ns >= l->period_ns)
		return xp_err(p, map, "length_us", "must be shorter than period_us (real-time "
						   "throttling stops a FIFO task busy 95%% of a second)");
	if (l->hold_ns > l->length_ns)
		return xp_err(p, map, "hold_us", "longer than length_us");
	if (!l->hold_ns)
		l->hold_ns = l->length_ns;
	p->x->nr_loads++;
	return 0;
}

static int xp_profiles(struct xp *p, const yaml_node_t *v, const char *k)
{
	if (v->type == YAML_SCALAR_NODE) {
		if (bh_profile_parse(xp_scalar(v), &p->x->profiles[0]))
			return xp_err(p, v, k, "expected vanilla, rt-bhlock or rt-nested");
		p->x->nr_profiles = 1;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return xp_err(p, v, k, "expected a profile or a list of profiles");
	p->x->nr_profiles = 0;
	xp_for_each_item(p, v, item) {
		const yaml_node_t *n = xp_node(p, *item);

		if (p->x->nr_profiles == LAT_MAX_PROFILES)
			return xp_err(p, n, k, "at most %d profiles", LAT_MAX_PROFILES);
		if (!xp_scalar(n) ||
		    bh_profile_parse(xp_scalar(n), &p->x->profiles[p->x->nr_profiles]))
			return xp_err(p, n, k, "expected vanilla, rt-bhlock or rt-nested");
		p->x->nr_profiles++;
	}
	return 0;
}

static int xp_cyclictest(struct xp *p, const yaml_node_t *map)
{
	int err = 0;

	if (map->type != YAML_MAPPING_NODE)
		return xp_err(p, map, "cyclictest", "expected a mapping (enabled, interval_us, cpu, "
						    "priority)");
	xp_for_each_pair(p, map, pair) {
		const yaml_node_t *kn = xp_node(p, pair->key), *v = xp_node(p, pair->value);
		const char *k = xp_scalar(kn);

		if (!k)
			return xp_err(p, kn, "cyclictest", "keys are strings");
		if (!strcmp(k, "enabled"))
			err = xp_bool(p, v, k, &p->x->cyclictest);
		else if (!strcmp(k, "interval_us"))
			err = xp_duration(p, v, k, 1e3, 1e9, &p->x->cyclictest_interval_ns);
		else if (!strcmp(k, "cpu"))
			err = xp_int(p, v, k, 0, 63, &p->x->cyclictest_cpu);
		else if (!strcmp(k, "priority"))
			err = xp_int(p, v, k, 1, 99, &p->x->cyclictest_prio);
		else
			err = xp_err(p, kn, k, "unknown key under cyclictest");
		if (err)
			return err;
	}
	return 0;
}

static int xp_top(struct xp *p, const yaml_node_t *root)
{
	struct lat_experiment *x = p->x;
	int err = 0;

	if (!root || root->type != YAML_MAPPING_NODE)
		return xp_err(p, root, "(top)", "an experiment is a mapping");
	xp_for_each_pair(p, root, pair) {
		const yaml_node_t *kn = xp_node(p, pair->key), *v = xp_node(p, pair->value);
		const char *k = xp_scalar(kn);

		if (!k)
			return xp_err(p, kn, "(top)", "keys are strings");
		if (!strcmp(k, "name")) {
			err = xp_string(p, v, k, x->name, sizeof(x->name));
		} else if (!strcmp(k, "profile") || !strcmp(k, "profiles")) {
			err = xp_profiles(p, v, k);
		} else if (!strcmp(k, "duration_s")) {
			err = xp_duration(p, v, k, 1e9, 3600e9, &x->duration_ns);
		} else if (!strcmp(k, "warmup_s")) {
			err = xp_duration(p, v, k, 1e9, 600e9, &x->warmup_ns);
		} else if (!strcmp(k, "histogram_max_us")) {
			err = xp_duration(p, v, k, 1e3, 60e9, &x->hist_max_ns);
			if (!err && x->hist_max_ns < 10000)
				err = xp_err(p, v, k, "at least 10 µs");
		} else if (!strcmp(k, "resources")) {
			if (v->type != YAML_SEQUENCE_NODE)
				return xp_err(p, v, k, "expected a list of names");
			xp_for_each_item(p, v, item) {
				const yaml_node_t *n = xp_node(p, *item);

				if (x->nr_resources == LAT_MAX_RESOURCES)
					return xp_err(p, n, k, "at most %d", LAT_MAX_RESOURCES);
				err = xp_string(p, n, k, x->resources[x->nr_resources],
						LAT_NAME_LEN);
				if (err)
					return err;
				x->nr_resources++;
			}
		} else if (!strcmp(k, "threads")) {
			if (v->type != YAML_SEQUENCE_NODE)
				return xp_err(p, v, k, "expected a list of threads");
			xp_for_each_item(p, v, item)
				if ((err = xp_thread(p, xp_node(p, *item))))
					return err;
		} else if (!strcmp(k, "loads")) {
			if (v->type != YAML_SEQUENCE_NODE)
				return xp_err(p, v, k, "expected a list of loads");
			xp_for_each_item(p, v, item)
				if ((err = xp_load(p, xp_node(p, *item))))
					return err;
		} else if (!strcmp(k, "cyclictest")) {
			err = xp_cyclictest(p, v);
		} else {
			err = xp_err(p, kn, k, "unknown key (name, profiles, duration_s, warmup_s, "
					       "histogram_max_us, resources, threads, loads, "
					       "cyclictest)");
		}
		if (err)
			return err;
	}
	if (!x->nr_loads)
		return xp_err(p, root, "loads", "no loads");
	x->measured = -1;
	for (int i = 0; i < x->nr_loads; i++) {
		if (!x->loads[i].measured)
			continue;
		if (x->measured >= 0)
			return xp_err(p, root, "measure", "only one load may be measured");
		if (x->loads[i].type != LAT_LOAD_PERIODIC_HANDLER)
			return xp_err(p, root, "measure", "only a periodic_handler can be measured");
		x->measured = i;
	}
	for (int i = 0; x->measured < 0 && i < x->nr_loads; i++)
		if (x->loads[i].type == LAT_LOAD_PERIODIC_HANDLER)
			x->measured = i, x->loads[i].measured = true;
	if (x->measured < 0)
		return xp_err(p, root, "loads", "no periodic_handler to measure");
	for (int i = 0; i < x->nr_loads; i++)
		for (int j = 0; j < i; j++) {
			if (x->loads[i].thread == x->loads[j].thread)
				return xp_err(p, root, "loads", "two loads on thread '%s'",
					      x->threads[x->loads[i].thread].name);
			if (x->loads[i].vector == x->loads[j].vector)
				return xp_err(p, root, "vector", "two loads raise %s",
					      softirq_to_name[x->loads[i].vector]);
		}
	if (x->warmup_ns >= x->duration_ns)
		return xp_err(p, root, "warmup_s", "must be shorter than duration_s");
	if (!x->cyclictest_prio)
		x->cyclictest_prio = x->threads[x->loads[x->measured].thread].priority;
	if (x->cyclictest_cpu < 0)
		x->cyclictest_cpu = x->threads[x->loads[x->measured].thread].cpu;
	return 0;
}

int lat_experiment__parse(const char *name, const char *text, size_t len, struct lat_experiment *x,
			  char *errmsg, size_t errlen)
{
	yaml_parser_t parser;
	struct xp p = { .file = name, .err = errmsg, .errlen = errlen, .x = x };
	int err;

	memset(x, 0, sizeof(*x));
	snprintf(x->file, sizeof(x->file), "%s", name);
	snprintf(x->name, sizeof(x->name), "experiment");
	x->profiles[0] = BH_PROFILE_VANILLA;
	x->profiles[1] = BH_PROFILE_RT_BHLOCK;
	x->profiles[2] = BH_PROFILE_RT_NESTED;
	x->nr_profiles = 3;
	x->duration_ns = 10000000000ULL;
	x->warmup_ns = 1000000000ULL;
	x->hist_max_ns = 100000000ULL;
	x->cyclictest = true;
	x->cyclictest_interval_ns = 1000000;
	x->cyclictest_cpu = -1;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &p.doc)) {
		snprintf(errmsg, errlen, "%s:%zu:%zu: %s%s%s", name,
			 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "YAML error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	err = xp_top(&p, yaml_document_get_root_node(&p.doc));
	yaml_document_delete(&p.doc);
	yaml_parser_delete(&parser);
	return err;
}

int lat_experiment__load(const char *path, struct lat_experiment *x, char *errmsg, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;
	int err;

	if (!f) {
		err = -errno;
		snprintf(errmsg, errlen, "%s: %s", path, strerror(errno));
		return err;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = malloc(len > 0 ? (size_t)len : 1);
	if (!text || (len > 0 && fread(text, 1, (size_t)len, f) != (size_t)len)) {
		snprintf(errmsg, errlen, "%s: cannot read", path);
		free(text);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	err = lat_experiment__parse(path, text, (size_t)(len > 0 ? len : 0), x, errmsg, errlen);
	free(text);
	return err;
}
