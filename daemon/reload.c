// SPDX-License-Identifier: GPL-2.0-only
/*
 * reload.c - SIGHUP: re-read the configuration and apply what can change while traffic flows.
 *
 * Live: routes, neighbours, static FDB entries and router addresses (sn_stack_reload, which
 * changes nothing when it fails), the log level, and the ports' XDP programs (xdp_run.h: the
 * changed ones are loaded before anything changes; a broken object refuses the reload). Fixed at start: the ports and everything the
 * datapath was sized or placed with (profile, cpus, napi, memory, irq_priority) and the bridge's
 * membership and limits. Those are compared with the configuration the daemon started from and
 * named in one warning line, so the operator knows a restart is needed.
 *
 * The stack was built with the start configuration's port indices. A new file may list its ports
 * in another order, or name ports that do not run: the tables handed to sn_stack_reload() are
 * therefore a view of the new file whose port references are translated, by name, to the running
 * ports; a reference to a port that does not run refuses the reload.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "stack/stack.h"

#include "daemon.h"
#include "file_trust.h"
#include "log.h"
#include "xdp_run.h"

/* Append ", WHAT" (or "WHAT" first) to @buf. */
__attribute__((format(printf, 3, 4))) static void reload_note(char *buf, size_t len,
							      const char *fmt, ...)
{
	size_t o = strlen(buf);
	va_list ap;

	if (o + 3 >= len)
		return;
	if (o) {
		memcpy(buf + o, ", ", 3);
		o += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int port_index(const struct softnetd_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nr_ports; i++)
		if (!strcmp(cfg->ports[i].name, name))
			return (int)i;
	return -1;
}

static const char *port_ref_name(const struct softnetd_config *cfg, int idx)
{
	return idx >= 0 && (size_t)idx < cfg->nr_ports ? cfg->ports[idx].name : "";
}

static bool port_same(const struct softnetd_config *ca, const struct cfg_port *a,
		      const struct softnetd_config *cb, const struct cfg_port *b)
{
	if (a->type != b->type || a->queues != b->queues || strcmp(a->ifname, b->ifname) ||
	    a->mode != b->mode || a->busy_poll != b->busy_poll || !str_eq(a->xdp_prog, b->xdp_prog) ||
	    !str_eq(a->pmd, b->pmd) || a->nr_eal != b->nr_eal || a->vlan_id != b->vlan_id)
		return false;
	for (size_t i = 0; i < a->nr_eal; i++)
		if (strcmp(a->eal[i], b->eal[i]))
			return false;
	if (a->type == CFG_PORT_VLAN &&
	    strcmp(port_ref_name(ca, a->parent), port_ref_name(cb, b->parent)))
		return false;
	if (a->type == CFG_PORT_LOOP && strcmp(port_ref_name(ca, a->peer), port_ref_name(cb, b->peer)))
		return false;
	return true;
}

/* What differs between @run and @new that only a restart applies. */
static void reload_fixed_diff(const struct softnetd *d, const struct softnetd_config *run,
			      const struct softnetd_config *new, char *buf, size_t len)
{
	char ports[256] = "";

	buf[0] = '\0';
	if (!d->opts.profile_set && run->profile != new->profile)
		reload_note(buf, len, "profile (%s -> %s)", bh_profile_name(run->profile),
			    bh_profile_name(new->profile));
	if (run->nr_cpus != new->nr_cpus ||
	    (run->nr_cpus && memcmp(run->cpus, new->cpus, run->nr_cpus * sizeof(*run->cpus))))
		reload_note(buf, len, "cpus");
	/* Field by field: the structs' padding is not guaranteed to be zero. */
	if (run->napi.budget != new->napi.budget ||
	    run->napi.time_limit_us != new->napi.time_limit_us ||
	    run->napi.weight != new->napi.weight || run->napi.threaded != new->napi.threaded)
		reload_note(buf, len, "napi");
	if (run->memory.skb_cache != new->memory.skb_cache ||
	    run->memory.heads != new->memory.heads || run->memory.chunks != new->memory.chunks ||
	    run->memory.frames_per_queue != new->memory.frames_per_queue)
		reload_note(buf, len, "memory");
	if (run->irq_priority != new->irq_priority)
		reload_note(buf, len, "irq_priority (%d -> %d)", run->irq_priority,
			    new->irq_priority);
	for (size_t i = 0; i < new->nr_ports; i++) {
		int j = port_index(run, new->ports[i].name);

		if (j < 0)
			reload_note(ports, sizeof(ports), "added %s", new->ports[i].name);
		else if (!port_same(run, &run->ports[j], new, &new->ports[i]))
			reload_note(ports, sizeof(ports), "changed %s", new->ports[i].name);
	}
	for (size_t i = 0; i < run->nr_ports; i++)
		if (port_index(new, run->ports[i].name) < 0)
			reload_note(ports, sizeof(ports), "removed %s", run->ports[i].name);
	if (ports[0])
		reload_note(buf, len, "ports (%s)", ports);
	if (run->bridge.enabled != new->bridge.enabled ||
	    run->bridge.ageing_time_s != new->bridge.ageing_time_s ||
	    run->bridge.fdb_max != new->bridge.fdb_max ||
	    run->bridge.nr_ports != new->bridge.nr_ports) {
		reload_note(buf, len, "bridge");
	} else {
		for (size_t i = 0; i < run->bridge.nr_ports; i++)
			if (strcmp(port_ref_name(run, run->bridge.ports[i]),
				   port_ref_name(new, new->bridge.ports[i]))) {
				reload_note(buf, len, "bridge");
				break;
			}
	}
}

/* The new tables over the running ports (see the file comment). */
struct reload_view {
	struct softnetd_config cfg;
	struct cfg_route *routes;
	struct cfg_neighbour *neighbours;
	struct cfg_fdb *fdb;
	struct cfg_router_addr *addresses;
};

static void reload_view_free(struct reload_view *v)
{
	free(v->routes);
	free(v->neighbours);
	free(v->fdb);
	free(v->addresses);
}

static void *dup_array(const void *a, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p && n)
		memcpy(p, a, n * size);
	return p;
}

/* Translate *@dev from @new's port index to @run's. Return: 0 or -ENODEV with @err. */
static int remap(const struct softnetd_config *run, const struct softnetd_config *new, int *dev,
		 const char *what, size_t i, char *err, size_t errlen)
{
	const char *name = port_ref_name(new, *dev);
	int j = port_index(run, name);

	if (j < 0) {
		snprintf(err, errlen,
			 "%s[%zu].dev: port '%s' is not running (ports cannot be added live; "
			 "restart softnetd)",
			 what, i, name);
		return -ENODEV;
	}
	*dev = j;
	return 0;
}

static int reload_view_build(struct reload_view *v, const struct softnetd_config *run,
			     const struct softnetd_config *new, char *err, size_t errlen)
{
	int rc = 0;

	memset(v, 0, sizeof(*v));
	v->cfg = *new;
	v->cfg.ports = run->ports;
	v->cfg.nr_ports = run->nr_ports;
	v->cfg.bridge = run->bridge; /* membership is fixed at start */
	v->routes = dup_array(new->routes, new->nr_routes, sizeof(*new->routes));
	v->neighbours = dup_array(new->neighbours, new->nr_neighbours, sizeof(*new->neighbours));
	v->fdb = dup_array(new->fdb, new->nr_fdb, sizeof(*new->fdb));
	v->addresses = dup_array(new->router.addresses, new->router.nr_addresses,
				 sizeof(*new->router.addresses));
	if (!v->routes || !v->neighbours || !v->fdb || !v->addresses) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; !rc && i < new->nr_routes; i++)
		rc = remap(run, new, &v->routes[i].dev, "routes", i, err, errlen);
	for (size_t i = 0; !rc && i < new->nr_neighbours; i++)
		rc = remap(run, new, &v->neighbours[i].dev, "neighbours", i, err, errlen);
	for (size_t i = 0; !rc && i < new->nr_fdb; i++)
		rc = remap(run, new, &v->fdb[i].dev, "fdb", i, err, errlen);
	for (size_t i = 0; !rc && i < new->router.nr_addresses; i++)
		rc = remap(run, new, &v->addresses[i].dev, "router.addresses", i, err, errlen);
	v->cfg.routes = v->routes;
	v->cfg.neighbours = v->neighbours;
	v->cfg.fdb = v->fdb;
	v->cfg.router.addresses = v->addresses;
	return rc;
}

int softnetd_reload(struct softnetd *d)
{
	const struct softnetd_config *run = d->boot_cfg;
	struct softnetd_config *new, *old = NULL;
	struct reload_view view;
	char msg[1024], fixed[512];
	int rc;

	sn_info("SIGHUP: reloading %s", d->opts.config_path);
	/* A file others could write is refused, as at start (file_trust.h). */
	rc = sn_file_check_trusted(d->opts.config_path, msg, sizeof(msg));
	if (rc == -EPERM || rc == -EINVAL) {
		sn_err("reload failed: %s; keeping the running configuration", msg);
		d->reload_failures++;
		return rc;
	}
	new = softnetd_config__load(d->opts.config_path, msg, sizeof(msg));
	if (!new) {
		rc = errno ? -errno : -EINVAL;
		sn_err("reload failed: %s; keeping the running configuration", msg);
		d->reload_failures++;
		return rc;
	}
	rc = reload_view_build(&view, run, new, msg, sizeof(msg));
	/* XDP: the changed ports' programs loaded and prepared first; attached with the tables. */
	if (!rc)
		rc = daemon_xdp_reload_prepare(d->cfg, new, msg, sizeof(msg));
	if (!rc) {
		msg[0] = '\0';
		pthread_mutex_lock(&d->ctl_lock);
		rc = sn_stack_reload(&view.cfg, msg, sizeof(msg));
		if (!rc) {
			old = d->cfg;
			d->cfg = new;
		}
		pthread_mutex_unlock(&d->ctl_lock);
		if (rc)
			daemon_xdp_reload_abort();
		else
			daemon_xdp_reload_commit();
		if (rc && !msg[0])
			snprintf(msg, sizeof(msg), "%s", strerror(-rc));
	}
	reload_view_free(&view);
	if (rc) {
		sn_err("reload failed: %s: %s; keeping the running configuration",
		       d->opts.config_path, msg);
		softnetd_config__free(new);
		d->reload_failures++;
		return rc;
	}
	if (old && old != d->boot_cfg)
		softnetd_config__free(old);
	d->reloads++;
	if (!d->opts.log_level_set)
		sn_log_set_level((enum sn_log_level)new->log_level);
	sn_info("reloaded %s: %zu routes, %zu neighbours, %zu static fdb entries, %zu addresses",
		d->opts.config_path, new->nr_routes, new->nr_neighbours, new->nr_fdb,
		new->router.nr_addresses);
	reload_fixed_diff(d, run, new, fixed, sizeof(fixed));
	if (fixed[0])
		sn_warn("reload: not changed live, restart softnetd to apply: %s", fixed);
	return 0;
}
