// SPDX-License-Identifier: GPL-2.0-only
/*
 * privilege.c - drop every capability softnetd does not need after set-up (privilege.h).
 *
 * Capabilities, the bounding set and no_new_privs belong to each thread, and set-up has started
 * threads (ksoftirqd, irq threads, NAPI threads...) that inherited everything. libcap reads the
 * sets and names the capabilities; the change itself is made by every thread on itself, all of it
 * at once, in a signal handler (priv_apply_self(): raw prctl/capset system calls, which are
 * async-signal-safe where libcap's functions are not documented to be). libcap's own way to
 * reach every thread, libpsx, makes one signal round trip per system call: about 40 rounds here
 * (one per bounding-set capability), which took 15-20 s on a loaded 2-CPU machine where a round
 * waits for RT threads to be scheduled. One round takes milliseconds.
 *
 * Sequence: every other thread of /proc/self/task is signalled (tgkill) and acknowledges; then
 * the calling thread; then each thread's sets are read back from /proc and a thread that still has
 * more (one created during the round) gets another round, three at most, after which the drop
 * fails. Interrupted system calls see EINTR or restart (SA_RESTART); the daemon's waits handle
 * EINTR.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "log.h"
#include "privilege.h"

/*
 * The kept set. Each capability was tried without (SOFTNETD_DROP_CAPS) under traffic, with route
 * edits, a SIGHUP reload, link down/up and the SIGTERM drain (docs/reliability.md, "Least
 * privilege"): without either of these two, the drain leaves libxdp's XDP program attached to
 * every AF_XDP port's interface. Set-up needs more (CAP_NET_RAW for the AF_XDP sockets,
 * CAP_IPC_LOCK for UMEMs above RLIMIT_MEMLOCK, CAP_SYS_NICE for the SCHED_FIFO threads, CAP_BPF
 * for the programs and maps), and none of that runs again after it: sockets are not re-created
 * at link up and no RT thread is created later. CAP_BPF is not kept because the kernel's BPF
 * checks (bpf_capable(), perfmon_capable()) also accept CAP_SYS_ADMIN: keeping it adds nothing.
 */
static const struct {
	cap_value_t cap;
	const char *why;
} sn_priv_kept[] = {
	{CAP_NET_ADMIN, "detach XDP programs from interfaces (netlink) when the last AF_XDP socket "
			"of a port closes at drain"},
	{CAP_SYS_ADMIN, "let libxdp find the XDP program attached to an interface by id "
			"(BPF_PROG_GET_FD_BY_ID) to detach it at drain"},
};

#define PRIV_NR_KEPT (sizeof(sn_priv_kept) / sizeof(sn_priv_kept[0]))
#define PRIV_ROUNDS 3
#define PRIV_ACK_TIMEOUT_MS 5000

/* What every thread applies to itself; written before the first signal, read-only after. */
static struct {
	uint64_t keep;     /* kept capabilities (bit = capability number) */
	int max;           /* capabilities the kernel knows (cap_max_bits()) */
	bool bounding;     /* drop the bounding set too (CAP_SETPCAP held) */
	int acks;          /* atomic: threads done this round */
	int err;           /* atomic: the first errno a thread met, 0 if none */
} priv_req;

/* Async-signal-safe: raw system calls on the calling thread only. Return: 0 or an errno. */
static int priv_apply_self(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];

	if (priv_req.bounding) {
		for (int v = 0; v < priv_req.max; v++)
			if (!(priv_req.keep & (1ULL << v)) &&
			    syscall(SYS_prctl, PR_CAPBSET_DROP, v, 0, 0, 0) && errno != EINVAL)
				return errno;
	}
	if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return errno;
	memset(data, 0, sizeof(data));
	data[0].permitted = data[0].effective = (uint32_t)priv_req.keep;
	data[1].permitted = data[1].effective = (uint32_t)(priv_req.keep >> 32);
	if (syscall(SYS_capset, &hdr, data))
		return errno;
	if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return errno;
	return 0;
}

static void priv_signal_handler(int sig)
{
	int saved = errno, e;

	(void)sig;
	e = priv_apply_self();
	if (e) {
		int zero = 0;

		__atomic_compare_exchange_n(&priv_req.err, &zero, e, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&priv_req.acks, 1, __ATOMIC_RELEASE);
	errno = saved;
}

/* One "CapXxx:\t%llx" line of a /proc status file. Return: 0 or -ENOENT. */
static int priv_status_field(const char *path, const char *field, uint64_t *out)
{
	char line[256];
	size_t flen = strlen(field);
	FILE *f = fopen(path, "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			*out = strtoull(line + flen + 1, NULL, 16);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Does thread @tid hold more than the kept set? On yes, the first offending set in @err. */
static bool priv_thread_over(const char *tid, char *err, size_t errlen)
{
	static const char *const fields[] = {"CapPrm", "CapEff", "CapBnd", "CapInh", "CapAmb"};
	char path[300];

	snprintf(path, sizeof(path), "/proc/self/task/%s/status", tid);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t v = 0, allowed = i >= 3 ? 0 : priv_req.keep;

		if (i == 2 && !priv_req.bounding)
			continue;
		if (priv_status_field(path, fields[i], &v))
			return false; /* the thread has just exited */
		if (v & ~allowed) {
			char comm[32] = "?";
			FILE *f;

			snprintf(path, sizeof(path), "/proc/self/task/%s/comm", tid);
			f = fopen(path, "re");
			if (f) {
				if (fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = '\0';
				fclose(f);
			}
			snprintf(err, errlen, "thread %s (%s) still has %s %016" PRIx64 " (kept: %016"
				 PRIx64 ")", tid, comm, fields[i], v, allowed);
			return true;
		}
	}
	return false;
}

static uint64_t priv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * One round: find the threads that hold more than the kept set (@over, the calling thread
 * included); with @send, signal the others, wait for their acknowledgements, then apply the drop
 * to the calling thread. Return: 0 or -errno with @err.
 */
static int priv_round(int sig, bool send, int *over, char *err, size_t errlen)
{
	pid_t self = (pid_t)syscall(SYS_gettid), pid = getpid();
	bool self_over = false;
	struct dirent *de;
	int sent = 0, rc = 0;
	uint64_t deadline;
	DIR *d;

	*over = 0;
	__atomic_store_n(&priv_req.acks, 0, __ATOMIC_RELAXED);
	d = opendir("/proc/self/task");
	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "/proc/self/task: %s", strerror(errno));
		return rc;
	}
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid <= 0 || !priv_thread_over(de->d_name, err, errlen))
			continue;
		(*over)++;
		if (tid == self)
			self_over = true;
		else if (send && syscall(SYS_tgkill, pid, tid, sig) == 0)
			sent++;
		else if (send && errno != ESRCH) /* ESRCH: it has exited */
			rc = -errno;
	}
	closedir(d);
	if (rc) {
		snprintf(err, errlen, "tgkill: %s", strerror(-rc));
		return rc;
	}
	if (!send)
		return 0;
	deadline = priv_now_ms() + PRIV_ACK_TIMEOUT_MS;
	while (__atomic_load_n(&priv_req.acks, __ATOMIC_ACQUIRE) < sent) {
		if (priv_now_ms() > deadline) {
			snprintf(err, errlen, "%d of %d threads did not apply the drop within %d ms",
				 sent - __atomic_load_n(&priv_req.acks, __ATOMIC_ACQUIRE), sent,
				 PRIV_ACK_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){.tv_nsec = 200000}, NULL);
	}
	rc = -__atomic_load_n(&priv_req.err, __ATOMIC_RELAXED);
	if (rc) {
		snprintf(err, errlen, "a thread: %s", strerror(-rc));
		return rc;
	}
	if (self_over) {
		rc = -priv_apply_self();
		if (rc)
			snprintf(err, errlen, "%s", strerror(-rc));
	}
	return rc;
}

/* SOFTNETD_DROP_CAPS: clear those entries of @keep[]. Return: 0 or -EINVAL with @err. */
static int priv_apply_env(bool *keep, char *err, size_t errlen)
{
	const char *env = getenv("SOFTNETD_DROP_CAPS");
	char *copy, *tok, *save = NULL;
	int rc = 0;

	if (!env || !*env)
		return 0;
	copy = strdup(env);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		cap_value_t v;
		size_t i;

		if (cap_from_name(tok, &v)) {
			snprintf(err, errlen, "SOFTNETD_DROP_CAPS: '%s' is not a capability name", tok);
			rc = -EINVAL;
			break;
		}
		for (i = 0; i < PRIV_NR_KEPT && sn_priv_kept[i].cap != v; i++)
			;
		if (i == PRIV_NR_KEPT) {
			snprintf(err, errlen, "SOFTNETD_DROP_CAPS: '%s' is not in the kept set", tok);
			rc = -EINVAL;
			break;
		}
		keep[i] = false;
		sn_warn("privilege: dropping %s too (SOFTNETD_DROP_CAPS): it is kept to %s", tok,
			sn_priv_kept[i].why);
	}
	free(copy);
	return rc;
}

/* The kept set the process holds, into priv_req.keep and @kept ("cap_a,cap_b" or "none"). */
static int priv_kept_set(const bool *keep, cap_t cur, char *kept, size_t kept_len)
{
	cap_flag_value_t fv;
	size_t o = 0;

	kept[0] = '\0';
	priv_req.keep = 0;
	for (size_t i = 0; i < PRIV_NR_KEPT; i++) {
		cap_value_t v = sn_priv_kept[i].cap;
		char *name;

		if (!keep[i] || cap_get_flag(cur, v, CAP_PERMITTED, &fv) || fv != CAP_SET)
			continue; /* a capability not held cannot be raised */
		priv_req.keep |= 1ULL << v;
		name = cap_to_name(v);
		if (o < kept_len)
			o += (size_t)snprintf(kept + o, kept_len - o, "%s%s", o ? "," : "",
					      name ? name : "?");
		cap_free(name);
	}
	if (!kept[0])
		snprintf(kept, kept_len, "none");
	return 0;
}

int sn_privilege_drop(char *kept, size_t kept_len, char *err, size_t errlen)
{
	struct sigaction sa = {.sa_handler = priv_signal_handler, .sa_flags = SA_RESTART}, old;
	bool keep[PRIV_NR_KEPT];
	int sig = SIGRTMAX - 1, rc, over = 0;
	cap_flag_value_t fv;
	cap_t cur;

	for (size_t i = 0; i < PRIV_NR_KEPT; i++)
		keep[i] = true;
	rc = priv_apply_env(keep, err, errlen);
	if (rc)
		return rc;
	cur = cap_get_proc();
	if (!cur) {
		rc = -errno;
		snprintf(err, errlen, "libcap: cap_get_proc: %s", strerror(errno));
		return rc;
	}
	priv_kept_set(keep, cur, kept, kept_len);
	/* Without CAP_SETPCAP (started without privileges) the bounding set cannot shrink. */
	priv_req.bounding = !cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &fv) && fv == CAP_SET;
	cap_free(cur);
	if (!priv_req.bounding)
		sn_warn("privilege: no CAP_SETPCAP: the bounding set is left as it is");
	priv_req.max = (int)cap_max_bits();
	if (priv_req.max > 64)
		priv_req.max = 64;
	priv_req.err = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old)) {
		rc = -errno;
		snprintf(err, errlen, "sigaction: %s", strerror(errno));
		return rc;
	}
	for (int r = 0;; r++) {
		rc = priv_round(sig, true, &over, err, errlen);
		if (!rc)
			rc = priv_round(sig, false, &over, err, errlen);
		if (rc || !over)
			break;
		if (r + 1 == PRIV_ROUNDS) {
			char why[256];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "after %d rounds: %s", PRIV_ROUNDS, why);
			rc = -EPERM;
			break;
		}
	}
	/* Every signalled thread has acknowledged: none of our signals is pending any more. */
	sigaction(sig, &old, NULL);
	return rc;
}
