// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_run.c - XDP in the daemon (xdp_run.h): loaded objects shared by path, the program of each
 * port, the kernel attachments, reload and the control socket's attach/detach.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "config/config.h"
#include "maps/map.h"
#include "net/netdev.h"
#include "stack/fib_query.h"
#include "xdp/bpf_interp_internal.h"
#include "xdp/bpf_prog.h"
#include "xdp/xdp.h"
#include "xdp/xdp_map_prog.h"

#include "file_trust.h"
#include "log.h"
#include "xdp_run.h"

/* A loaded object: one per path, counted by the ports (and pending reloads) holding it. */
struct xr_object {
	struct xr_object *next;
	struct sn_bpf_object *obj;
	char base[64];  /* basename of the path, the first part of its maps' names */
	int refs;
	/* Per program: how many ports run it, and the engine it was prepared with. */
	int *users;
	bool *prepared;
	enum cfg_xdp_engine *asked;
};

/* What runs on one port. */
struct xr_port {
	struct sn_netdev *dev;
	struct xr_object *o;
	struct sn_bpf_prog *prog;
	enum cfg_xdp_engine asked;
	char source[16]; /* "config" or "softnetctl" */
};

#define XR_KERNEL_MAPS 32

struct xr_kernel {
	struct sn_xdp_kernel_attach *a;
	char ifname[IFNAMSIZ];
	char object[256];
	char program[64];
	char pin_dir[256];
	char describe[128];
	enum cfg_kernel_xdp_mode mode;
	/* The pinned maps, opened at attach (before the daemon drops its capabilities). */
	int nr_maps;
	int map_fds[XR_KERNEL_MAPS];
	char map_names[XR_KERNEL_MAPS][64];
};

/* A port change a reload will make: @o/@prog held and prepared, or a detach (@o NULL). */
struct xr_change {
	struct sn_netdev *dev;
	struct xr_object *o;
	struct sn_bpf_prog *prog;
	enum cfg_xdp_engine asked;
};

static struct {
	pthread_mutex_t lock;
	bool started;
	int engine_override; /* -1 or enum cfg_xdp_engine */
	struct xr_object *objects;
	struct xr_port ports[SN_MAX_DEVS];
	struct xr_kernel *kernel;
	size_t nr_kernel;
	struct xr_change *pending;
	size_t nr_pending;
} xr = {.lock = PTHREAD_MUTEX_INITIALIZER, .engine_override = -1};

static const char *engine_used_name(const struct sn_bpf_prog *prog)
{
	return prog->engine == SN_XDP_ENGINE_JIT ? "jit" : "interp";
}

static enum sn_xdp_engine to_sn_engine(enum cfg_xdp_engine e)
{
	return e == CFG_XDP_ENGINE_JIT	   ? SN_XDP_ENGINE_JIT
	       : e == CFG_XDP_ENGINE_INTERP ? SN_XDP_ENGINE_INTERP
					    : SN_XDP_ENGINE_AUTO;
}

static size_t prog_idx(const struct xr_object *o, const struct sn_bpf_prog *prog)
{
	return (size_t)(prog - o->obj->progs);
}

/* The object loaded from @path, loading it on first use. Return: it (referenced) or NULL. */
static struct xr_object *object_get(const char *path, char *err, size_t errlen)
{
	struct sn_bpf_open_opts opts = {.sz = sizeof(opts)};
	struct xr_object *o;
	const char *slash;
	char why[512] = "";
	int rc;

	for (o = xr.objects; o; o = o->next)
		if (!strcmp(o->obj->path, path)) {
			o->refs++;
			return o;
		}
	/* Whoever may rewrite the object may run code in the daemon (file_trust.h). */
	if (sn_file_check_trusted(path, why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	rc = sn_bpf_object_open(path, &opts, &o->obj, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, why[0] ? why : strerror(-rc));
		free(o);
		return NULL;
	}
	o->users = calloc(o->obj->nr_progs ? o->obj->nr_progs : 1, sizeof(*o->users));
	o->prepared = calloc(o->obj->nr_progs ? o->obj->nr_progs : 1, sizeof(*o->prepared));
	o->asked = calloc(o->obj->nr_progs ? o->obj->nr_progs : 1, sizeof(*o->asked));
	if (!o->users || !o->prepared || !o->asked) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(o->users);
		free(o->prepared);
		free(o->asked);
		sn_bpf_object_close(o->obj);
		free(o);
		return NULL;
	}
	slash = strrchr(path, '/');
	snprintf(o->base, sizeof(o->base), "%s", slash ? slash + 1 : path);
	o->refs = 1;
	o->next = xr.objects;
	xr.objects = o;
	sn_info("xdp: loaded %s (%zu programs, %zu maps)", path, o->obj->nr_progs, o->obj->nr_maps);
	/* Map-entry programs are named by id in devmap/cpumap values (xdp/xdp_map_prog.h). */
	for (size_t i = 0; i < o->obj->nr_progs; i++) {
		struct sn_bpf_prog *p = &o->obj->progs[i];

		if (p->expected_attach_type == BPF_XDP_DEVMAP ||
		    p->expected_attach_type == BPF_XDP_CPUMAP)
			sn_info("xdp: %s: program '%s' (%s) has id %u", path, p->name, p->sec,
				sn_xdp_prog_id(p));
	}
	return o;
}

/* Drop a reference; the last one unprepares the programs and closes the object. */
static void object_put(struct xr_object *o)
{
	struct xr_object **pp;

	if (!o || --o->refs > 0)
		return;
	for (pp = &xr.objects; *pp && *pp != o; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = o->next;
	for (size_t i = 0; i < o->obj->nr_progs; i++)
		if (o->prepared[i])
			sn_bpf_prog_unprepare(&o->obj->progs[i]);
	for (size_t i = 0; i < o->obj->nr_maps; i++)
		if (o->obj->maps[i].map && sn_map__type(o->obj->maps[i].map) == BPF_MAP_TYPE_CPUMAP)
			sn_xdp_cpumap_release(o->obj->maps[i].map);
	sn_info("xdp: closed %s", o->obj->path);
	sn_bpf_object_close(o->obj);
	free(o->users);
	free(o->prepared);
	free(o->asked);
	free(o);
}

/*
 * Find @name (NULL: the first XDP program) in @o and prepare it for @asked unless it is. A
 * program prepared for another explicit engine is re-prepared only if no port runs it.
 */
static struct sn_bpf_prog *prog_get(struct xr_object *o, const char *name,
				    enum cfg_xdp_engine asked, char *err, size_t errlen)
{
	struct sn_bpf_prog *prog = sn_bpf_object_find_prog(o->obj, name);
	char why[256] = "";
	size_t i;
	int rc;

	if (!prog) {
		snprintf(err, errlen, "%s: no XDP program %s%s%s", o->obj->path, name ? "'" : "",
			 name ? name : "at all", name ? "'" : "");
		return NULL;
	}
	i = prog_idx(o, prog);
	if (o->prepared[i] && o->asked[i] == asked)
		return prog;
	if (o->prepared[i] && o->users[i]) {
		snprintf(err, errlen,
			 "%s: program '%s' already runs with engine %s (asked %s) on another port; "
			 "one loaded program has one engine",
			 o->obj->path, prog->name, softnetd_xdp_engine_name(o->asked[i]),
			 softnetd_xdp_engine_name(asked));
		return NULL;
	}
	if (o->prepared[i]) {
		sn_bpf_prog_unprepare(prog);
		o->prepared[i] = false;
	}
	rc = sn_bpf_prog_prepare(prog, to_sn_engine(asked), why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "%s: %s", o->obj->path, why[0] ? why : strerror(-rc));
		return NULL;
	}
	o->prepared[i] = true;
	o->asked[i] = asked;
	sn_info("xdp: program '%s' of %s: engine %s (asked %s%s%s)", prog->name, o->base,
		engine_used_name(prog), softnetd_xdp_engine_name(asked),
		prog->engine_note[0] ? "; " : "", prog->engine_note);
	return prog;
}

static enum cfg_xdp_engine effective_engine(enum cfg_xdp_engine asked)
{
	return xr.engine_override >= 0 ? (enum cfg_xdp_engine)xr.engine_override : asked;
}

/* Open and prepare @object's @program. Return: 0 with *@o referenced and *@prog, or -errno. */
static int load(const char *object, const char *program, enum cfg_xdp_engine asked,
		struct xr_object **o, struct sn_bpf_prog **prog, char *err, size_t errlen)
{
	*o = object_get(object, err, errlen);
	if (!*o)
		return -EINVAL;
	*prog = prog_get(*o, program, asked, err, errlen);
	if (!*prog) {
		object_put(*o);
		*o = NULL;
		return -EINVAL;
	}
	return 0;
}

/* Put @prog of @o (referenced by the caller, handed over) on @dev, replacing what runs. */
static int port_set(struct sn_netdev *dev, struct xr_object *o, struct sn_bpf_prog *prog,
		    enum cfg_xdp_engine asked, const char *source, char *err, size_t errlen)
{
	struct xr_port *p = &xr.ports[dev->index];
	struct xr_object *old_o = p->o;
	struct sn_bpf_prog *old_prog = p->prog;
	int rc;

	/* Counted first, so that no other port re-prepares it meanwhile. */
	o->users[prog_idx(o, prog)]++;
	rc = sn_xdp_attach(dev, prog);
	if (rc) {
		o->users[prog_idx(o, prog)]--;
		snprintf(err, errlen, "%s: attach: %s", dev->name, strerror(-rc));
		object_put(o);
		return rc;
	}
	*p = (struct xr_port){.dev = dev, .o = o, .prog = prog, .asked = asked};
	snprintf(p->source, sizeof(p->source), "%s", source);
	/* sn_xdp_attach() returned after every CPU left the old program: it can go. */
	if (old_o) {
		old_o->users[prog_idx(old_o, old_prog)]--;
		object_put(old_o);
	}
	sn_info("xdp: %s: program '%s' of %s attached (%s, engine %s)", dev->name, prog->name,
		o->obj->path, source, engine_used_name(prog));
	return 0;
}

static int port_clear(struct sn_netdev *dev)
{
	struct xr_port *p = &xr.ports[dev->index];
	int rc;

	if (!p->o)
		return -ENOENT;
	rc = sn_xdp_detach(dev);
	if (rc && rc != -ENOENT)
		return rc;
	/* Logged first: the last reference frees the program's name with the object. */
	sn_info("xdp: %s: program '%s' detached", dev->name, p->prog->name);
	p->o->users[prog_idx(p->o, p->prog)]--;
	object_put(p->o);
	*p = (struct xr_port){0};
	return 0;
}

/* Open every map pinned in @k's pin directory. */
static void kernel_open_pins(struct xr_kernel *k)
{
	DIR *d = opendir(k->pin_dir);
	struct dirent *e;
	char path[512];

	if (!d) {
		sn_warn("xdp: kernel %s: %s: %s; its maps are not reachable from softnetctl",
			k->ifname, k->pin_dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) && k->nr_maps < XR_KERNEL_MAPS) {
		int fd;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(k->map_names[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s", k->pin_dir, e->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			sn_warn("xdp: kernel %s: %s: %s", k->ifname, path, strerror(errno));
			continue;
		}
		k->map_fds[k->nr_maps] = fd;
		snprintf(k->map_names[k->nr_maps], sizeof(k->map_names[0]), "%s", e->d_name);
		k->nr_maps++;
	}
	closedir(d);
}

static int kernel_attach_one(const struct cfg_kernel_xdp *kx, char *err, size_t errlen)
{
	struct xr_kernel *k = &xr.kernel[xr.nr_kernel];
	char why[512] = "";

	memset(k, 0, sizeof(*k));
	if (sn_file_check_trusted(kx->object, why, sizeof(why))) {
		snprintf(err, errlen, "kernel_xdp %s: %s", kx->ifname, why);
		return -EPERM;
	}
	k->a = sn_xdp_kernel_attach(kx->object, kx->program, kx->ifname,
				    kx->mode == CFG_KXDP_SKB ? SN_XDP_KERNEL_SKB
							     : SN_XDP_KERNEL_NATIVE,
				    kx->pin_dir, k->describe, sizeof(k->describe), why, sizeof(why));
	if (!k->a) {
		snprintf(err, errlen, "kernel_xdp %s: %s: %s", kx->ifname, kx->object,
			 why[0] ? why : "attach failed");
		return -EINVAL;
	}
	snprintf(k->ifname, sizeof(k->ifname), "%s", kx->ifname);
	snprintf(k->object, sizeof(k->object), "%s", kx->object);
	snprintf(k->program, sizeof(k->program), "%s", kx->program ? kx->program : "");
	if (kx->pin_dir)
		snprintf(k->pin_dir, sizeof(k->pin_dir), "%s", kx->pin_dir);
	else
		snprintf(k->pin_dir, sizeof(k->pin_dir), "/sys/fs/bpf/softnetd/%s", kx->ifname);
	k->mode = kx->mode;
	kernel_open_pins(k);
	xr.nr_kernel++;
	sn_info("xdp: kernel %s: %s attached (%s), maps pinned under %s", k->ifname, k->object,
		k->describe, k->pin_dir);
	return 0;
}

int daemon_xdp_start(const struct softnetd_config *cfg, int engine_override, char *err,
		     size_t errlen)
{
	int rc;

	pthread_mutex_lock(&xr.lock);
	xr.engine_override = engine_override;
	rc = sn_xdp_init();
	if (rc) {
		snprintf(err, errlen, "xdp: init: %s", strerror(-rc));
		goto out;
	}
	xr.started = true;
	/* bpf_fib_lookup() answers from the router's tables (stack/fib_query.h). */
	__atomic_store_n(&sn_bpf_fib_lookup_hook, sn_fib_query_xdp, __ATOMIC_RELEASE);
	if (engine_override >= 0)
		sn_info("xdp: engine %s for every port (--xdp-engine)",
			softnetd_xdp_engine_name((enum cfg_xdp_engine)engine_override));
	for (size_t i = 0; !rc && i < cfg->nr_ports; i++) {
		const struct cfg_port *cp = &cfg->ports[i];
		struct sn_netdev *dev;
		struct xr_object *o;
		struct sn_bpf_prog *prog;
		char why[768];
		enum cfg_xdp_engine asked = effective_engine(cp->xdp.engine);

		if (!cp->xdp.object)
			continue;
		dev = sn_dev_get_by_name(cp->name);
		if (!dev) {
			snprintf(err, errlen, "ports[%zu] %s: xdp: no such device", i, cp->name);
			rc = -ENODEV;
			break;
		}
		rc = load(cp->xdp.object, cp->xdp.program, asked, &o, &prog, why, sizeof(why));
		if (!rc)
			rc = port_set(dev, o, prog, asked, "config", why, sizeof(why));
		if (rc)
			snprintf(err, errlen, "ports[%zu] %s: xdp: %s", i, cp->name, why);
	}
	if (!rc && cfg->nr_kernel_xdp) {
		xr.kernel = calloc(cfg->nr_kernel_xdp, sizeof(*xr.kernel));
		if (!xr.kernel) {
			snprintf(err, errlen, "xdp: out of memory");
			rc = -ENOMEM;
		}
	}
	for (size_t i = 0; !rc && i < cfg->nr_kernel_xdp; i++)
		rc = kernel_attach_one(&cfg->kernel_xdp[i], err, errlen);
out:
	pthread_mutex_unlock(&xr.lock);
	return rc;
}

static void pending_drop(void)
{
	for (size_t i = 0; i < xr.nr_pending; i++)
		if (xr.pending[i].o)
			object_put(xr.pending[i].o);
	free(xr.pending);
	xr.pending = NULL;
	xr.nr_pending = 0;
}

void daemon_xdp_stop(void)
{
	pthread_mutex_lock(&xr.lock);
	pending_drop();
	for (size_t i = xr.nr_kernel; i-- > 0;) {
		for (int m = 0; m < xr.kernel[i].nr_maps; m++)
			close(xr.kernel[i].map_fds[m]);
		sn_xdp_kernel_detach(xr.kernel[i].a);
		sn_info("xdp: kernel %s: detached, pins under %s removed", xr.kernel[i].ifname,
			xr.kernel[i].pin_dir);
	}
	free(xr.kernel);
	xr.kernel = NULL;
	xr.nr_kernel = 0;
	for (int i = 1; i < SN_MAX_DEVS; i++)
		if (xr.ports[i].dev)
			port_clear(xr.ports[i].dev);
	if (xr.started) {
		sn_xdp_fini(); /* after it, no program runs: the hook can go */
		__atomic_store_n(&sn_bpf_fib_lookup_hook, NULL, __ATOMIC_RELEASE);
	}
	xr.started = false;
	pthread_mutex_unlock(&xr.lock);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static const struct cfg_port *cfg_port_named(const struct softnetd_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nr_ports; i++)
		if (!strcmp(cfg->ports[i].name, name))
			return &cfg->ports[i];
	return NULL;
}

int daemon_xdp_reload_prepare(const struct softnetd_config *run, const struct softnetd_config *new,
			      char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&xr.lock);
	pending_drop();
	xr.pending = calloc(new->nr_ports + run->nr_ports + 1, sizeof(*xr.pending));
	if (!xr.pending) {
		snprintf(err, errlen, "xdp: out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; !rc && i < new->nr_ports; i++) {
		const struct cfg_port *np = &new->ports[i], *rp = cfg_port_named(run, np->name);
		const struct cfg_xdp *nx = &np->xdp, *rx = rp ? &rp->xdp : NULL;
		struct xr_change *c = &xr.pending[xr.nr_pending];
		struct sn_netdev *dev = sn_dev_get_by_name(np->name);
		char why[768];

		if (!dev)
			continue; /* not running: reload.c names it as needing a restart */
		if (rx && str_eq(nx->object, rx->object) && str_eq(nx->program, rx->program) &&
		    nx->engine == rx->engine)
			continue;
		if (!rx && !nx->object)
			continue;
		c->dev = dev;
		c->asked = effective_engine(nx->engine);
		if (nx->object) {
			rc = load(nx->object, nx->program, c->asked, &c->o, &c->prog, why,
				  sizeof(why));
			if (rc) {
				snprintf(err, errlen, "ports %s: xdp: %s", np->name, why);
				break;
			}
			/* Held as if running, so that no other change re-prepares it. */
			c->o->users[prog_idx(c->o, c->prog)]++;
		}
		xr.nr_pending++;
	}
	/* A port whose xdp: section is gone from the new file. */
	for (size_t i = 0; !rc && i < run->nr_ports; i++) {
		struct sn_netdev *dev = sn_dev_get_by_name(run->ports[i].name);

		if (run->ports[i].xdp.object && !cfg_port_named(new, run->ports[i].name) && dev)
			xr.pending[xr.nr_pending++] = (struct xr_change){.dev = dev};
	}
	if (rc) {
		for (size_t i = 0; i < xr.nr_pending; i++)
			if (xr.pending[i].o)
				xr.pending[i].o->users[prog_idx(xr.pending[i].o,
								xr.pending[i].prog)]--;
		pending_drop();
	}
out:
	pthread_mutex_unlock(&xr.lock);
	return rc;
}

void daemon_xdp_reload_commit(void)
{
	pthread_mutex_lock(&xr.lock);
	for (size_t i = 0; i < xr.nr_pending; i++) {
		struct xr_change *c = &xr.pending[i];
		char err[512];

		if (!c->o) {
			port_clear(c->dev);
			continue;
		}
		c->o->users[prog_idx(c->o, c->prog)]--;
		if (port_set(c->dev, c->o, c->prog, c->asked, "config", err, sizeof(err)))
			sn_err("reload: xdp: %s; the port keeps its program", err);
		c->o = NULL; /* handed over */
	}
	pending_drop();
	pthread_mutex_unlock(&xr.lock);
}

void daemon_xdp_reload_abort(void)
{
	pthread_mutex_lock(&xr.lock);
	for (size_t i = 0; i < xr.nr_pending; i++)
		if (xr.pending[i].o)
			xr.pending[i].o->users[prog_idx(xr.pending[i].o, xr.pending[i].prog)]--;
	pending_drop();
	pthread_mutex_unlock(&xr.lock);
}

int daemon_xdp_attach(const char *port, const char *object, const char *program,
		      enum cfg_xdp_engine engine, char *err, size_t errlen)
{
	struct sn_netdev *dev = sn_dev_get_by_name(port);
	struct xr_object *o;
	struct sn_bpf_prog *prog;
	enum cfg_xdp_engine asked;
	int rc;

	if (!dev) {
		snprintf(err, errlen, "no port '%s'", port);
		return -ENODEV;
	}
	if (object[0] != '/') {
		snprintf(err, errlen, "object: expected an absolute path, got '%s'", object);
		return -EINVAL;
	}
	pthread_mutex_lock(&xr.lock);
	if (!xr.started) {
		pthread_mutex_unlock(&xr.lock);
		snprintf(err, errlen, "xdp is not running");
		return -EAGAIN;
	}
	asked = effective_engine(engine);
	rc = load(object, program, asked, &o, &prog, err, errlen);
	if (!rc)
		rc = port_set(dev, o, prog, asked, "softnetctl", err, errlen);
	pthread_mutex_unlock(&xr.lock);
	return rc;
}

int daemon_xdp_detach(const char *port, char *err, size_t errlen)
{
	struct sn_netdev *dev = sn_dev_get_by_name(port);
	int rc;

	if (!dev) {
		snprintf(err, errlen, "no port '%s'", port);
		return -ENODEV;
	}
	pthread_mutex_lock(&xr.lock);
	rc = port_clear(dev);
	pthread_mutex_unlock(&xr.lock);
	if (rc == -ENOENT)
		snprintf(err, errlen, "%s: no XDP program attached", port);
	else if (rc)
		snprintf(err, errlen, "%s: detach: %s", port, strerror(-rc));
	return rc;
}

/* {"runs", "aborted", "drop", "pass", "tx", "redirect", ...} of @dev. */
static json_t *counters_json(struct sn_netdev *dev)
{
	static const char *const act[5] = {"aborted", "drop", "pass", "tx", "redirect"};
	struct sn_xdp_stats s;
	json_t *o = json_object(), *errs = json_object();

	if (!o || !errs) {
		json_decref(o);
		json_decref(errs);
		return NULL;
	}
	sn_xdp_stats_read(dev, &s);
	json_object_set_new(o, "runs", json_integer((json_int_t)s.runs));
	for (int a = 0; a < 5; a++)
		json_object_set_new(o, act[a], json_integer((json_int_t)s.action[a]));
	json_object_set_new(o, "redirect_ok", json_integer((json_int_t)s.redirect_ok));
	for (int e = 0; e < 8; e++)
		json_object_set_new(errs, sn_xdp_redirect_err_name(e),
				    json_integer((json_int_t)s.redirect_err[e]));
	json_object_set_new(o, "redirect_err", errs);
	json_object_set_new(o, "devmap_xmit", json_integer((json_int_t)s.devmap_xmit));
	json_object_set_new(o, "devmap_drops", json_integer((json_int_t)s.devmap_drops));
	json_object_set_new(o, "devmap_bulks", json_integer((json_int_t)s.devmap_bulks));
	json_object_set_new(o, "cpumap_enqueue", json_integer((json_int_t)s.cpumap_enqueue));
	json_object_set_new(o, "cpumap_drops", json_integer((json_int_t)s.cpumap_drops));
	json_object_set_new(o, "cpumap_kthread_pkts",
			    json_integer((json_int_t)s.cpumap_kthread_pkts));
	return o;
}

json_t *daemon_xdp_json(void)
{
	json_t *o = json_object(), *ports = json_array(), *kern = json_array();
	struct sn_netdev *dev;
	int i;

	if (!o || !ports || !kern) {
		json_decref(o);
		json_decref(ports);
		json_decref(kern);
		return NULL;
	}
	pthread_mutex_lock(&xr.lock);
	sn_for_each_netdev(dev, i) {
		struct xr_port *p = &xr.ports[dev->index];
		json_t *e = json_object();

		if (!e)
			continue;
		json_object_set_new(e, "port", json_string(dev->name));
		json_object_set_new(e, "ifindex", json_integer(sn_dev_xdp_ifindex(dev)));
		if (p->o) {
			size_t pi = prog_idx(p->o, p->prog);

			json_object_set_new(e, "program", json_string(p->prog->name));
			json_object_set_new(e, "object", json_string(p->o->obj->path));
			json_object_set_new(e, "engine", json_string(engine_used_name(p->prog)));
			json_object_set_new(e, "engine_asked",
					    json_string(softnetd_xdp_engine_name(p->o->asked[pi])));
			json_object_set_new(e, "engine_note",
					    json_string(p->prog->engine == SN_XDP_ENGINE_JIT
								? "librte_bpf accepted the program"
								: p->prog->engine_note));
			json_object_set_new(e, "source", json_string(p->source));
		}
		json_object_set_new(e, "counters", counters_json(dev));
		json_array_append_new(ports, e);
	}
	for (size_t k = 0; k < xr.nr_kernel; k++) {
		struct xr_kernel *kx = &xr.kernel[k];

		json_array_append_new(
			kern, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ifname", kx->ifname,
					"object", kx->object, "program", kx->program, "mode",
					softnetd_kernel_xdp_mode_name(kx->mode), "describe",
					kx->describe, "pin_dir", kx->pin_dir));
	}
	json_object_set_new(o, "engine_override",
			    xr.engine_override >= 0
				    ? json_string(softnetd_xdp_engine_name(
					      (enum cfg_xdp_engine)xr.engine_override))
				    : json_null());
	pthread_mutex_unlock(&xr.lock);
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "kernel", kern);
	return o;
}

int daemon_xdp_for_each_map(daemon_xdp_map_fn fn, void *arg)
{
	char name[160];
	int rc = 0;

	pthread_mutex_lock(&xr.lock);
	for (struct xr_object *o = xr.objects; o && !rc; o = o->next)
		for (size_t i = 0; i < o->obj->nr_maps && !rc; i++) {
			snprintf(name, sizeof(name), "%s/%s", o->base, o->obj->maps[i].name);
			rc = fn(name, o->obj->maps[i].map, arg);
		}
	pthread_mutex_unlock(&xr.lock);
	return rc;
}

int daemon_xdp_for_each_kernel_map(daemon_xdp_kmap_fn fn, void *arg)
{
	char name[160];
	int rc = 0;

	pthread_mutex_lock(&xr.lock);
	for (size_t k = 0; k < xr.nr_kernel && !rc; k++)
		for (int m = 0; m < xr.kernel[k].nr_maps && !rc; m++) {
			snprintf(name, sizeof(name), "kernel:%s/%s", xr.kernel[k].ifname,
				 xr.kernel[k].map_names[m]);
			rc = fn(name, xr.kernel[k].map_fds[m], arg);
		}
	pthread_mutex_unlock(&xr.lock);
	return rc;
}

void daemon_xdp_accounting_line(char *line, size_t len)
{
	struct sn_xdp_stats sum = {0}, s;
	uint64_t errs = 0;
	struct sn_netdev *dev;
	int i;

	line[0] = '\0';
	sn_for_each_netdev(dev, i) {
		sn_xdp_stats_read(dev, &s);
		sum.runs += s.runs;
		for (int a = 0; a < 5; a++)
			sum.action[a] += s.action[a];
		for (int e = 0; e < 8; e++)
			errs += s.redirect_err[e];
		sum.redirect_ok += s.redirect_ok;
	}
	if (!sum.runs)
		return;
	snprintf(line, len,
		 "xdp: runs %llu = pass %llu + drop %llu + aborted %llu + tx %llu + redirect %llu "
		 "(redirected %llu, redirect errors %llu)",
		 (unsigned long long)sum.runs, (unsigned long long)sum.action[XDP_PASS],
		 (unsigned long long)sum.action[XDP_DROP], (unsigned long long)sum.action[XDP_ABORTED],
		 (unsigned long long)sum.action[XDP_TX], (unsigned long long)sum.action[XDP_REDIRECT],
		 (unsigned long long)sum.redirect_ok, (unsigned long long)errs);
}
