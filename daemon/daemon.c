// SPDX-License-Identifier: GPL-2.0-only
/*
 * daemon.c - softnetd's life: start the datapath in the order net_core.h gives, serve signals
 * and the FDB ageing timer from one epoll loop, drain on SIGTERM/SIGINT (daemon.h).
 *
 * Start: config -> control socket bound (refuses a second instance) -> profile -> sn_net_init ->
 * DPDK EAL (if a dpdk port) -> ports -> stack -> rx handler -> bhlock_start -> open ports ->
 * control server thread -> READY=1. A failure at any step undoes the steps before it, in
 * reverse, and exits 1.
 *
 * Drain: control socket closed (no edit can race the teardown) -> every port stopped (frames
 * still queued are released and counted as "shutdown" drops) -> bhlock_stop -> the accounting
 * lines (the two equations of net/netdev.h and the frames lost) and the page_pools' buffers
 * still out -> stack and ports freed (each page_pool checks its buffers came back, the AF_XDP
 * fill ring's included) -> page_pool and skb cache leak checks -> sn_net_fini. Exit 0 only when
 * nothing leaked.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "bhlock/softirq.h"
#include "config/config.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/page_pool.h"
#include "net/skb_cache.h"
#include "ports/ports.h"
#include "stack/stack.h"

#include "ctl_server.h"
#include "daemon.h"
#include "file_trust.h"
#include "log.h"
#include "privilege.h"
#include "stats_json.h"
#include "xdp_run.h"

struct softnetd softnetd = {.ctl_lock = PTHREAD_MUTEX_INITIALIZER};

uint64_t softnetd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool cfg_has_dpdk(const struct softnetd_config *cfg)
{
	for (size_t i = 0; i < cfg->nr_ports; i++)
		if (cfg->ports[i].type == CFG_PORT_DPDK)
			return true;
	return false;
}

static void net_params(const struct softnetd_config *cfg, struct sn_net_params *p)
{
	memset(p, 0, sizeof(*p));
	p->sz = sizeof(*p);
	p->skb_cache.gen = cfg->memory.skb_cache == CFG_SKB_CACHE_6_12 ? SN_SKB_CACHE_6_12
								       : SN_SKB_CACHE_6_19;
	p->skb_cache.nr_heads = (uint32_t)cfg->memory.heads;
	p->skb_cache.nr_chunks = (uint32_t)cfg->memory.chunks;
	p->netdev_budget = cfg->napi.budget;
	p->netdev_budget_usecs = cfg->napi.time_limit_us;
	p->dev_weight = cfg->napi.weight;
}

/*
 * Stop every open port, the devices stacked on others first (as sn_ports_destroy_all()), so that
 * nothing is received or sent any more while the counters are read and the pools checked.
 */
static void daemon_ports_stop(void)
{
	struct sn_netdev *dev;
	int i;

	for (int upper = 1; upper >= 0; upper--) {
		sn_for_each_netdev(dev, i) {
			bool is_upper = dev->lower || dev->peer || (dev->flags & SN_DEV_F_LLTX);

			if (is_upper != (bool)upper || !dev->admin_up)
				continue;
			if (dev->ops && dev->ops->stop)
				dev->ops->stop(dev);
			__atomic_store_n(&dev->admin_up, false, __ATOMIC_RELEASE);
		}
	}
}

/* Append " (reason N, ...)" for the nonzero entries of @by to @line at *@o. */
static void append_reasons(char *line, size_t len, size_t *o, const uint64_t *by)
{
	bool first = true;

	for (int r = 0; r < SN_DROP_MAX && *o < len; r++) {
		if (!by[r])
			continue;
		*o += (size_t)snprintf(line + *o, len - *o, "%s%s %llu", first ? " (" : ", ",
				       sn_drop_reason_name((enum sn_drop_reason)r),
				       (unsigned long long)by[r]);
		first = false;
	}
	if (!first && *o < len)
		*o += (size_t)snprintf(line + *o, len - *o, ")");
}

static void drain_line(bool error, const char *line)
{
	fprintf(stderr, "softnetd: stopped: %s\n", line);
	if (sn_log_to_journal())
		sd_journal_print(error ? LOG_ERR : LOG_INFO, "stopped: %s", line);
}

/*
 * The frame accounting at drain, on stderr (and the journal), as the two equations of
 * net/netdev.h, then what is unaccounted for:
 *   egress: forwarded N + flood copies N + generated N = transmitted N + dropped N (reason N, ...)
 *   ingress: received N = forwarded N + consumed N + dropped N (reason N, ...)
 *   frames lost: N (ingress N, egress N), not frame drops N (...), in flight N
 * The ingress line comes after the egress one so that it is the last line naming "forwarded"
 * (tests/integration/test_sigterm.sh reads that one). Return: the frames lost (0 when exact).
 */
static long long daemon_accounting(void)
{
	struct stats_totals t;
	char line[2048];
	size_t o;

	stats_totals_read(&t);
	o = (size_t)snprintf(line, sizeof(line),
			     "egress: forwarded %llu + flood copies %llu + generated %llu = "
			     "transmitted %llu + dropped %llu",
			     t.forwarded, t.fwd_clones, t.generated, t.transmitted, t.tx_drops);
	append_reasons(line, sizeof(line), &o, t.tx_drops_by_reason);
	drain_line(false, line);

	o = (size_t)snprintf(line, sizeof(line),
			     "ingress: received %llu = forwarded %llu + consumed %llu + dropped %llu",
			     t.received, t.forwarded, t.consumed, t.rx_drops);
	append_reasons(line, sizeof(line), &o, t.rx_drops_by_reason);
	drain_line(false, line);

	daemon_xdp_accounting_line(line, sizeof(line));
	if (line[0])
		drain_line(false, line);

	o = (size_t)snprintf(line, sizeof(line), "frames lost: %lld (ingress %lld, egress %lld)",
			     t.frames_lost, t.ingress_lost, t.egress_lost);
	if (t.events && o < sizeof(line)) {
		o += (size_t)snprintf(line + o, sizeof(line) - o, ", not frame drops %llu", t.events);
		append_reasons(line, sizeof(line), &o, t.events_by_reason);
	}
	if (o < sizeof(line))
		snprintf(line + o, sizeof(line) - o, ", in flight %lld", t.heads_out);
	drain_line(t.ingress_lost || t.egress_lost, line);
	if (t.ingress_lost || t.egress_lost)
		sn_err("accounting: %lld frames unaccounted for (ingress %lld, egress %lld): a "
		       "counter is missing or counted twice",
		       t.ingress_lost + t.egress_lost, t.ingress_lost, t.egress_lost);
	return t.ingress_lost + t.egress_lost;
}

static int drain_pool_report(const struct sn_page_pool *pp, void *arg)
{
	struct sn_page_pool_stats st;

	(void)arg;
	sn_page_pool_stats(pp, &st);
	if (st.in_use)
		sn_info("page_pool '%s': %llu of %u buffers out after the ports stopped (an AF_XDP "
			"queue's fill ring still holds its share until the socket closes)",
			sn_page_pool_name(pp), (unsigned long long)st.in_use, st.nr_bufs);
	return 0;
}

/* The main loop: signals and the 1 s timer. Return: when SIGTERM or SIGINT arrives. */
static int daemon_loop(struct softnetd *d, const sigset_t *mask)
{
	struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
	struct epoll_event ev, evs[4];
	int epfd, sfd, tfd, rc = 0;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (epfd < 0 || sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL)) {
		rc = -errno;
		sn_err("main loop: %s", strerror(errno));
		goto out;
	}
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = sfd};
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = tfd};
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);

	for (;;) {
		int n = epoll_wait(epfd, evs, 4, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			sn_err("main loop: epoll_wait: %s", strerror(errno));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == tfd) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					sn_warn("timer: %s", strerror(errno));
				pthread_mutex_lock(&d->ctl_lock);
				sn_stack_fdb_age();
				pthread_mutex_unlock(&d->ctl_lock);
				continue;
			}
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					sd_notify(0, "RELOADING=1");
					softnetd_reload(d);
					sd_notifyf(0, "READY=1\nSTATUS=forwarding (%lu reloads, %lu "
						      "failed)",
						   d->reloads, d->reload_failures);
					continue;
				}
				sn_info("%s: draining", strsignal((int)si.ssi_signo));
				goto out;
			}
		}
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (epfd >= 0)
		close(epfd);
	return rc;
}

static int daemon_block_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	/* Before the first thread: every thread inherits the mask, only signalfd sees these. */
	return -pthread_sigmask(SIG_BLOCK, mask, NULL);
}

static void daemon_ports_summary(char *buf, size_t len)
{
	struct sn_netdev *dev;
	size_t o = 0;
	int i;

	buf[0] = '\0';
	sn_for_each_netdev(dev, i) {
		if (o >= len)
			break;
		o += (size_t)snprintf(buf + o, len - o, "%s%s (%s)", o ? ", " : "", dev->name,
				      dev->ops && dev->ops->kind ? dev->ops->kind : "?");
	}
}

int softnetd_run(const struct softnetd_opts *opts)
{
	struct softnetd *d = &softnetd;
	struct softnetd_config *cfg;
	struct sn_net_params np;
	char err[1024], ports[512];
	bool dpdk, ran = false;
	sigset_t mask;
	int rc, exit_code = 1;

	d->opts = *opts;
	d->start_ns = softnetd_now_ns();
	sn_log_init(opts->log_level_set ? opts->log_level : SN_LOG_INFO, opts->journal);
	rc = daemon_block_signals(&mask);
	if (rc) {
		sn_err("cannot block signals: %s", strerror(-rc));
		return 1;
	}
	/* A file others could write would let them steer a root daemon (file_trust.h). */
	cfg = NULL;
	rc = sn_file_check_trusted(opts->config_path, err, sizeof(err));
	if (rc != -EPERM && rc != -EINVAL) { /* a missing file: the loader says it its way */
		rc = 0;
		cfg = softnetd_config__load(opts->config_path, err, sizeof(err));
	}
	if (!cfg) {
		fprintf(stderr, "%s%s\n", rc ? "softnetd: " : "", err);
		if (opts->journal)
			sd_journal_print(LOG_ERR, "%s", err);
		return 2;
	}
	d->boot_cfg = d->cfg = cfg;
	if (!opts->log_level_set)
		sn_log_set_level((enum sn_log_level)cfg->log_level);
	d->profile = opts->profile_set ? opts->profile : cfg->profile;
	dpdk = cfg_has_dpdk(cfg);

	/* First the socket: a second instance must stop before it touches any interface. */
	if (ctl_server_open(d))
		goto out_cfg;
	rc = bh_profile_set(d->profile);
	if (rc) {
		sn_err("profile %s: %s", bh_profile_name(d->profile), strerror(-rc));
		goto out_cfg;
	}
	net_params(cfg, &np);
	rc = sn_net_init(&np);
	if (rc) {
		sn_err("datapath core: %s", strerror(-rc));
		goto out_cfg;
	}
	if (dpdk) {
		err[0] = '\0';
		rc = sn_dpdk_eal_init(cfg, err, sizeof(err));
		if (rc) {
			sn_err("DPDK EAL: %s", err[0] ? err : strerror(-rc));
			goto out_net;
		}
	}
	err[0] = '\0';
	rc = sn_ports_create(cfg, err, sizeof(err));
	if (rc) {
		sn_err("ports: %s", err[0] ? err : strerror(-rc));
		goto out_eal;
	}
	err[0] = '\0';
	rc = sn_stack_init(cfg, err, sizeof(err));
	if (rc) {
		sn_err("stack: %s", err[0] ? err : strerror(-rc));
		goto out_ports;
	}
	sn_netdev_set_rx_handler(sn_stack_rx);
	/* XDP programs on the ports (and kernel interfaces) before any frame flows. */
	err[0] = '\0';
	rc = daemon_xdp_start(cfg, opts->xdp_engine, err, sizeof(err));
	if (rc) {
		sn_err("%s", err[0] ? err : strerror(-rc));
		goto out_stack;
	}
	rc = bhlock_start();
	if (rc) {
		sn_err("cannot start the softirq threads: %s", strerror(-rc));
		goto out_stack;
	}
	err[0] = '\0';
	rc = sn_ports_open_all(err, sizeof(err));
	if (rc) {
		sn_err("ports: %s", err[0] ? err : strerror(-rc));
		goto out_running;
	}
	/* Set-up is over: keep only the capabilities the running daemon needs (privilege.c). */
	rc = sn_privilege_drop(ports, sizeof(ports), err, sizeof(err));
	if (rc) {
		sn_err("privilege: cannot drop capabilities: %s", err);
		goto out_running;
	}
	sn_info("privilege: kept %s (permitted, effective, bounding); every other capability "
		"dropped, no_new_privs set", ports);
	rc = ctl_server_start();
	if (rc)
		goto out_running;

	daemon_ports_summary(ports, sizeof(ports));
	sn_info("ready: profile %s, ports %s", bh_profile_name(d->profile), ports);
	sd_notifyf(0, "READY=1\nSTATUS=forwarding: profile %s, ports %s\nMAINPID=%d",
		   bh_profile_name(d->profile), ports, (int)getpid());

	ran = true;
	exit_code = daemon_loop(d, &mask) ? 1 : 0;
	sd_notify(0, "STOPPING=1");

out_running:
	ctl_server_stop();
	daemon_ports_stop();
	bhlock_stop();
	if (ran) {
		daemon_accounting();
		sn_page_pool_for_each(drain_pool_report, NULL);
	}
out_stack:
	daemon_xdp_stop(); /* detach, unpin, close the objects; a no-op when not started */
	sn_netdev_set_rx_handler(NULL);
	sn_stack_fini();
out_ports:
	sn_ports_destroy_all();
	/* Destroyed pools have had every buffer back (the kernel's included) or said otherwise. */
	if (sn_page_pool_leaked()) {
		sn_err("leak: %llu page_pool buffers did not come back (see above)",
		       (unsigned long long)sn_page_pool_leaked());
		exit_code = 1;
	}
	if (sn_skb_cache_check()) {
		sn_err("leak: not every skb head or fragment chunk came back (see above)");
		exit_code = 1;
	}
out_eal:
	if (dpdk)
		sn_dpdk_eal_fini();
out_net:
	sn_net_fini();
out_cfg:
	ctl_server_stop();
	if (d->cfg != d->boot_cfg)
		softnetd_config__free(d->cfg);
	softnetd_config__free(d->boot_cfg);
	d->cfg = d->boot_cfg = NULL;
	return exit_code;
}
