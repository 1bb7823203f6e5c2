// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl_server.c - the control socket: listener thread, peer check, line framing and the command
 * handlers (ctl_server.h).
 *
 * One thread polls the listening socket, a stop eventfd and up to CTL_MAX_CLIENTS connections.
 * Handlers run on that thread, one request at a time: counters are read lock-free
 * (stats_json.c); table walks and edits take softnetd.ctl_lock so they never interleave with a
 * SIGHUP reload replacing the tables; the trace ring's snapshot/enable/disable calls are only
 * ever made from here, which is the "not concurrently with each other" trace.h asks for.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bhlock/fail_alloc.h"
#include "bhlock/percpu.h"
#include "bhlock/profile.h"
#include "bhlock/softirq.h"
#include "bhlock/trace.h"
#include "config/config.h"
#include "maps/map.h"
#include "ports/ports.h"
#include "stack/stack.h"

#include "ctl_server.h"
#include "daemon.h"
#include "log.h"
#include "maps_ctl.h"
#include "stats_json.h"
#include "xdp_run.h"

/* Events a trace dump carries at most (the newest ones): about 120 bytes each. */
#define CTL_TRACE_MAX_EVENTS 200000

struct ctl_client {
	int fd;
	unsigned int uid;
	int pid;
	size_t len;
	char buf[CTL_REQUEST_MAX + 1];
};

static struct {
	struct softnetd *d;
	int listen_fd;
	int stop_fd;
	pthread_t thread;
	bool running;
	struct ctl_client *clients[CTL_MAX_CLIENTS];
} ctl = {.listen_fd = -1, .stop_fd = -1};

/* ---- handlers ---- */

struct ctl_walk {
	json_t *list;
};

static void ctl_walk_cb(const struct sn_stack_entry *e, void *arg)
{
	struct ctl_walk *w = arg;
	json_t *o = json_object();

	if (!o)
		return;
	json_object_set_new(o, "kind", json_string(e->kind ? e->kind : ""));
	json_object_set_new(o, "text", json_stringn(e->text, strnlen(e->text, sizeof(e->text))));
	if (e->dest[0])
		json_object_set_new(o, "dest", json_stringn(e->dest, strnlen(e->dest, sizeof(e->dest))));
	if (e->via[0])
		json_object_set_new(o, "via", json_stringn(e->via, strnlen(e->via, sizeof(e->via))));
	if (e->dev[0])
		json_object_set_new(o, "dev", json_stringn(e->dev, strnlen(e->dev, sizeof(e->dev))));
	if (e->mac[0])
		json_object_set_new(o, "mac", json_stringn(e->mac, strnlen(e->mac, sizeof(e->mac))));
	json_object_set_new(o, "vlan", json_integer(e->vlan));
	json_object_set_new(o, "age_s", json_integer(e->age_s));
	json_object_set_new(o, "static", json_boolean(e->is_static));
	json_array_append_new(w->list, o);
}

/* {"<key>": [entries of sn_stack_walk(kind)]} */
static char *ctl_walk_reply(const char *kind, const char *key)
{
	struct ctl_walk w = {.list = json_array()};
	json_t *o = json_object();

	if (!w.list || !o) {
		json_decref(w.list);
		json_decref(o);
		return NULL;
	}
	pthread_mutex_lock(&ctl.d->ctl_lock);
	sn_stack_walk(kind, ctl_walk_cb, &w);
	pthread_mutex_unlock(&ctl.d->ctl_lock);
	json_object_set_new(o, key, w.list);
	return ctl_reply_ok(o);
}

static char *ctl_routes(const struct ctl_request *req)
{
	char err[512] = "";
	json_t *o;
	int rc;

	if (req->op == CTL_OP_SHOW) {
		struct ctl_walk routes = {.list = json_array()}, addrs = {.list = json_array()};

		o = json_object();
		if (!o || !routes.list || !addrs.list) {
			json_decref(o);
			json_decref(routes.list);
			json_decref(addrs.list);
			return NULL;
		}
		pthread_mutex_lock(&ctl.d->ctl_lock);
		sn_stack_walk("route", ctl_walk_cb, &routes);
		sn_stack_walk("addr", ctl_walk_cb, &addrs);
		pthread_mutex_unlock(&ctl.d->ctl_lock);
		json_object_set_new(o, "routes", routes.list);
		json_object_set_new(o, "addresses", addrs.list);
		return ctl_reply_ok(o);
	}
	pthread_mutex_lock(&ctl.d->ctl_lock);
	if (req->op == CTL_OP_ADD)
		rc = sn_stack_route_add(req->prefix, req->via[0] ? req->via : NULL, req->dev, err,
					sizeof(err));
	else
		rc = sn_stack_route_del(req->prefix, err, sizeof(err));
	pthread_mutex_unlock(&ctl.d->ctl_lock);
	if (rc) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-rc));
		return ctl_reply_error("routes %s %s: %s", ctl_op_name(req->op), req->prefix, err);
	}
	sn_info("control: route %s %s%s%s%s%s", req->op == CTL_OP_ADD ? "added" : "deleted",
		req->prefix, req->via[0] ? " via " : "", req->via, req->dev[0] ? " dev " : "",
		req->dev);
	o = json_pack("{s:s, s:s}", "op", ctl_op_name(req->op), "prefix", req->prefix);
	return ctl_reply_ok(o);
}

static const char *ctl_profile_text(enum bh_profile p)
{
	switch (p) {
	case BH_PROFILE_VANILLA:
		return "one thread per CPU runs all BH work to completion; local_bh_disable() "
		       "counts; local_lock_nested_bh() is an assertion only";
	case BH_PROFILE_RT_BHLOCK:
		return "PREEMPT_RT with the per-CPU BH lock: the outermost local_bh_disable() "
		       "takes this CPU's PI lock; local_lock_nested_bh() is an assertion only";
	case BH_PROFILE_RT_NESTED:
		return "PREEMPT_RT without the BH lock: local_bh_disable() pins and counts; "
		       "local_lock_nested_bh() takes a real per-CPU PI lock";
	}
	return "?";
}

static char *ctl_profile(void)
{
	enum bh_profile p = bh_profile();
	json_t *o = json_object(), *cpus = json_array();
	int cpu, irq_prio, log_level;
	bool threaded;

	if (!o || !cpus) {
		json_decref(o);
		json_decref(cpus);
		return NULL;
	}
	/* What the datapath was started with: a reload does not change these. */
	irq_prio = ctl.d->boot_cfg->irq_priority;
	threaded = ctl.d->boot_cfg->napi.threaded;
	log_level = (int)sn_log_get_level();
	for_each_possible_cpu(cpu) {
		json_t *c = json_pack("{s:i, s:s, s:i}", "cpu", cpu, "thread",
				      p == BH_PROFILE_VANILLA ? "cpu" : "ksoftirqd", "tid",
				      ksoftirqd_tid(cpu));

		if (c)
			json_array_append_new(cpus, c);
	}
	json_object_set_new(o, "profile", json_string(bh_profile_name(p)));
	json_object_set_new(o, "rt", json_boolean(bh_profile_is_rt()));
	json_object_set_new(o, "description", json_string(ctl_profile_text(p)));
	json_object_set_new(o, "irq_priority", json_integer(irq_prio));
	json_object_set_new(o, "napi_threaded", json_boolean(threaded));
	json_object_set_new(o, "log_level", json_string(sn_log_level_name(log_level)));
	json_object_set_new(o, "cpus", cpus);
	json_object_set_new(o, "uptime_s",
			    json_integer((json_int_t)((softnetd_now_ns() - ctl.d->start_ns) /
						      1000000000ULL)));
	json_object_set_new(o, "reloads", json_integer((json_int_t)ctl.d->reloads));
	return ctl_reply_ok(o);
}

static char *ctl_trace_dump(void)
{
	struct bh_trace_event *ev = NULL;
	char *text = NULL, line[512];
	size_t text_len = 0;
	long n, first;
	FILE *f;
	json_t *o;

	if (!bh_trace_enabled())
		return ctl_reply_error("trace: tracing is off; turn it on with 'softnetctl trace on', "
				       "reproduce, then dump");
	n = bh_trace_snapshot(&ev);
	if (n < 0)
		return ctl_reply_error("trace: snapshot failed: %s", strerror((int)-n));
	first = n > CTL_TRACE_MAX_EVENTS ? n - CTL_TRACE_MAX_EVENTS : 0;
	f = open_memstream(&text, &text_len);
	if (!f) {
		free(ev);
		return NULL;
	}
	for (long i = first; i < n; i++) {
		struct sigsafe_buf b;

		sigsafe_buf_init(&b, line, sizeof(line));
		bh_trace_format(&ev[i], &b);
		fwrite(b.s, 1, b.len, f);
	}
	free(ev);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	o = json_object();
	if (o) {
		json_object_set_new(o, "events", json_integer(n));
		json_object_set_new(o, "shown", json_integer(n - first));
		json_object_set_new(o, "text", json_stringn(text, text_len));
	}
	free(text);
	return ctl_reply_ok(o);
}

static char *ctl_trace(const struct ctl_request *req)
{
	int rc;

	switch (req->op) {
	case CTL_OP_ON:
		rc = bh_trace_enable(0);
		if (rc)
			return ctl_reply_error("trace on: %s", strerror(-rc));
		sn_info("control: tracing on");
		break;
	case CTL_OP_OFF:
		bh_trace_disable();
		sn_info("control: tracing off");
		break;
	case CTL_OP_RESET:
		bh_trace_reset();
		break;
	default:
		return ctl_trace_dump();
	}
	return ctl_reply_ok(json_pack("{s:s, s:b}", "op", ctl_op_name(req->op), "enabled",
				      bh_trace_enabled()));
}

/* debug fail-alloc [pool percent]: arm/disarm an allocation fault site, then list them all. */
static char *ctl_debug(const struct ctl_request *req)
{
	json_t *sites = json_array();

	if (req->op != CTL_OP_FAIL_ALLOC)
		return ctl_reply_error("debug: op: expected fail-alloc, got nothing");
	if (req->percent >= 0) {
		int rc = fail_alloc_set(req->pool, (unsigned int)req->percent);

		if (rc)
			return ctl_reply_error("debug fail-alloc: pool: expected skb_heads, "
					       "frag_chunks, page_pool or all, got \"%s\"",
					       req->pool);
		sn_warn("control: fault injection: %s allocations fail %d%% of the time",
			req->pool, req->percent);
	}
	for (int s = 0; s < FAIL_ALLOC_NR; s++)
		json_array_append_new(sites, json_pack("{s:s, s:I, s:I}", "pool",
						       fail_alloc_name(s), "percent",
						       (json_int_t)fail_alloc_percent(s), "injected",
						       (json_int_t)fail_alloc_injected(s)));
	return ctl_reply_ok(json_pack("{s:o}", "fail_alloc", sites));
}

/* xdp [show] | attach PORT OBJECT [PROGRAM] [engine] | detach PORT (xdp_run.h). */
static char *ctl_xdp(const struct ctl_request *req)
{
	enum cfg_xdp_engine engine = CFG_XDP_ENGINE_AUTO;
	char err[768] = "";
	int rc;

	if (req->op == CTL_OP_SHOW)
		return ctl_reply_ok(daemon_xdp_json());
	if (req->op == CTL_OP_DETACH) {
		rc = daemon_xdp_detach(req->dev, err, sizeof(err));
	} else {
		if (!strcmp(req->engine, "jit"))
			engine = CFG_XDP_ENGINE_JIT;
		else if (!strcmp(req->engine, "interp"))
			engine = CFG_XDP_ENGINE_INTERP;
		rc = daemon_xdp_attach(req->dev, req->object, req->program[0] ? req->program : NULL,
				       engine, err, sizeof(err));
	}
	if (rc)
		return ctl_reply_error("xdp %s %s: %s", ctl_op_name(req->op), req->dev,
				       err[0] ? err : strerror(-rc));
	return ctl_reply_ok(json_pack("{s:s, s:s}", "op", ctl_op_name(req->op), "port", req->dev));
}

char *ctl_server_handle(const char *line, size_t len)
{
	struct ctl_request req;
	char err[512];

	if (ctl_request_parse(line, len, &req, err, sizeof(err)))
		return ctl_reply_error("%s", err);
	sn_dbg("control: %s%s%s", ctl_cmd_name(req.cmd), req.op ? " " : "", ctl_op_name(req.op));
	switch (req.cmd) {
	case CTL_STATS:
		return ctl_reply_ok(stats_json_stats());
	case CTL_PORTS:
		return ctl_reply_ok(stats_json_ports());
	case CTL_NAPI:
		return ctl_reply_ok(stats_json_napi());
	case CTL_ROUTES:
		return ctl_routes(&req);
	case CTL_FDB:
		return ctl_walk_reply("fdb", "fdb");
	case CTL_NEIGH:
		return ctl_walk_reply("neigh", "neigh");
	case CTL_MAPS:
		return maps_ctl_handle(&req);
	case CTL_XDP:
		return ctl_xdp(&req);
	case CTL_PROFILE:
		return ctl_profile();
	case CTL_TRACE:
		return ctl_trace(&req);
	case CTL_DEBUG:
		return ctl_debug(&req);
	case CTL_CMD_NR:
		break;
	}
	return ctl_reply_error("request: command not handled");
}

/* ---- connections ---- */

static const char ctl_nomem_reply[] = "{\"ok\":false,\"error\":\"softnetd: out of memory\"}\n";

/* Send all of @s; the socket has a send timeout. Return: 0, or -1 (drop the client). */
static int ctl_send(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int ctl_reply(struct ctl_client *c, char *reply)
{
	int rc;

	if (!reply)
		return ctl_send(c->fd, ctl_nomem_reply, sizeof(ctl_nomem_reply) - 1);
	rc = ctl_send(c->fd, reply, strlen(reply));
	free(reply);
	if (rc)
		sn_warn("control: client pid %d uid %u does not read its replies: dropped", c->pid,
			c->uid);
	return rc;
}

static void ctl_client_close(int slot)
{
	struct ctl_client *c = ctl.clients[slot];

	if (!c)
		return;
	close(c->fd);
	free(c);
	ctl.clients[slot] = NULL;
}

static void ctl_accept(void)
{
	struct timeval tv = {.tv_sec = CTL_SEND_TIMEOUT_MS / 1000,
			     .tv_usec = (CTL_SEND_TIMEOUT_MS % 1000) * 1000};
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct ctl_client *c;
	int fd, slot;

	fd = accept4(ctl.listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			sn_warn("control: accept: %s", strerror(errno));
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen)) {
		sn_warn("control: SO_PEERCRED: %s; connection refused", strerror(errno));
		close(fd);
		return;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		char *r = ctl_reply_error("permission denied: softnetd's control socket accepts uid 0 "
					  "and uid %u only, you are uid %u",
					  (unsigned int)geteuid(), (unsigned int)cred.uid);

		sn_warn("control: refused pid %d uid %u (not root nor the daemon's uid)",
			(int)cred.pid, (unsigned int)cred.uid);
		if (r)
			ctl_send(fd, r, strlen(r));
		free(r);
		close(fd);
		return;
	}
	for (slot = 0; slot < CTL_MAX_CLIENTS && ctl.clients[slot]; slot++)
		;
	c = slot < CTL_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		char *r = ctl_reply_error("softnetd: too many control connections (%d); try again",
					  CTL_MAX_CLIENTS);

		if (r)
			ctl_send(fd, r, strlen(r));
		free(r);
		close(fd);
		return;
	}
	c->fd = fd;
	c->uid = cred.uid;
	c->pid = cred.pid;
	ctl.clients[slot] = c;
	sn_dbg("control: client pid %d uid %u connected", c->pid, c->uid);
}

/* Read what is there; answer each complete line. Return: 0, or -1 to close the connection. */
static int ctl_client_read(struct ctl_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, CTL_REQUEST_MAX + 1 - c->len, MSG_DONTWAIT);
	char *nl;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	c->len += (size_t)n;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t line_len = (size_t)(nl - c->buf);

		if (line_len && c->buf[line_len - 1] == '\r')
			line_len--;
		if (line_len && ctl_reply(c, ctl_server_handle(c->buf, line_len)))
			return -1;
		c->len -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len);
	}
	if (c->len > CTL_REQUEST_MAX) {
		ctl_reply(c, ctl_reply_error("request: longer than %d bytes without a newline; "
					     "connection closed",
					     CTL_REQUEST_MAX));
		return -1;
	}
	return 0;
}

static void *ctl_thread(void *arg)
{
	struct pollfd pfd[2 + CTL_MAX_CLIENTS];
	int slot_of[2 + CTL_MAX_CLIENTS];

	(void)arg;
	pthread_setname_np(pthread_self(), "softnetd-ctl");
	for (;;) {
		nfds_t n = 0;

		pfd[n++] = (struct pollfd){.fd = ctl.stop_fd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = ctl.listen_fd, .events = POLLIN};
		for (int s = 0; s < CTL_MAX_CLIENTS; s++) {
			if (!ctl.clients[s])
				continue;
			slot_of[n] = s;
			pfd[n++] = (struct pollfd){.fd = ctl.clients[s]->fd, .events = POLLIN};
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			sn_err("control: poll: %s; control socket stopped", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		for (nfds_t i = 2; i < n; i++)
			if (pfd[i].revents && ctl_client_read(ctl.clients[slot_of[i]]))
				ctl_client_close(slot_of[i]);
		if (pfd[1].revents & POLLIN)
			ctl_accept();
	}
	return NULL;
}

/* A socket file already at @path: another softnetd answering on it, or a stale one. */
static int ctl_check_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		sn_err("control: %s exists and is not a socket; not replacing it", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		sn_err("control: %s: another softnetd is running and answers on it", path);
		return -EADDRINUSE;
	}
	sn_info("control: removing stale socket %s", path);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	/* Its predecessor was killed: the XDP programs it attached are orphans too. */
	sn_port_afxdp_reclaim_orphans();
	return 0;
}

int ctl_server_open(struct softnetd *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *dir = d->opts.runtime_dir;
	int rc;

	ctl.d = d;
	if (snprintf(d->sock_path, sizeof(d->sock_path), "%s/%s", dir, CTL_SOCKET_NAME) >=
		    (int)sizeof(d->sock_path) ||
	    strlen(d->sock_path) >= sizeof(sa.sun_path)) {
		sn_err("control: %s/%s: path too long for a unix socket", dir, CTL_SOCKET_NAME);
		d->sock_path[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, d->sock_path, strlen(d->sock_path) + 1);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		rc = -errno;
		sn_err("control: cannot create runtime directory %s: %s", dir, strerror(errno));
		goto fail_path;
	}
	rc = ctl_check_stale(d->sock_path, &sa);
	if (rc)
		goto fail_path;
	ctl.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl.listen_fd < 0) {
		rc = -errno;
		sn_err("control: socket: %s", strerror(errno));
		goto fail_path;
	}
	if (bind(ctl.listen_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		sn_err("control: bind %s: %s", d->sock_path, strerror(errno));
		goto fail_socket;
	}
	/* connect() needs write permission: until this chmod only the umask's bits apply. */
	if (chmod(d->sock_path, 0600) || listen(ctl.listen_fd, CTL_MAX_CLIENTS)) {
		rc = -errno;
		sn_err("control: %s: %s", d->sock_path, strerror(errno));
		goto fail_bound;
	}
	ctl.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctl.stop_fd < 0) {
		rc = -errno;
		sn_err("control: eventfd: %s", strerror(errno));
		goto fail_bound;
	}
	return 0;

fail_bound:
	unlink(d->sock_path);
fail_socket:
	close(ctl.listen_fd);
	ctl.listen_fd = -1;
fail_path:
	d->sock_path[0] = '\0';
	return rc;
}

int ctl_server_start(void)
{
	int rc;

	if (ctl.listen_fd < 0 || ctl.stop_fd < 0)
		return -EBADF;
	rc = -pthread_create(&ctl.thread, NULL, ctl_thread, NULL);
	if (rc) {
		sn_err("control: cannot start the server thread: %s", strerror(-rc));
		return rc;
	}
	ctl.running = true;
	sn_info("control socket %s", ctl.d->sock_path);
	return 0;
}

void ctl_server_stop(void)
{
	uint64_t one = 1;

	if (ctl.running) {
		if (write(ctl.stop_fd, &one, sizeof(one)) != sizeof(one))
			sn_warn("control: cannot wake the server thread: %s", strerror(errno));
		pthread_join(ctl.thread, NULL);
		ctl.running = false;
	}
	for (int s = 0; s < CTL_MAX_CLIENTS; s++)
		ctl_client_close(s);
	if (ctl.listen_fd >= 0) {
		close(ctl.listen_fd);
		ctl.listen_fd = -1;
	}
	if (ctl.stop_fd >= 0) {
		close(ctl.stop_fd);
		ctl.stop_fd = -1;
	}
	if (ctl.d && ctl.d->sock_path[0]) {
		unlink(ctl.d->sock_path);
		ctl.d->sock_path[0] = '\0';
	}
}
