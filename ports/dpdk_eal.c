// SPDX-License-Identifier: GPL-2.0-only
/*
 * dpdk_eal.c - DPDK's EAL, once per process, for every dpdk port of a configuration.
 *
 * rte_eal_init() may run only once in a process, even after it failed, so the outcome is kept and
 * returned to later callers. The argument vector is the EAL arguments of every dpdk port, in file
 * order, with exact repeats dropped (two ports that both say "--no-huge -m 128" give it once), and
 * then softnetd's defaults for whatever the user left out:
 *
 *   --in-memory                  no files under /var/run/dpdk, no shared state with other processes
 *                                (--no-shconf with --no-huge, which --in-memory does not accept)
 *   --no-pci                     unless a port names a PCI address or the user allows devices
 *   --no-telemetry               no socket under /var/run/dpdk
 *   --log-level=lib.eal:error    EAL's start-up chatter is not softnetd's log
 *   -l <cpus>                    the config's CPUs (every online CPU when it lists none)
 *   --no-huge -m 512             unless hugepages are reserved (vm.nr_hugepages > 0) or the user
 *                                gave a memory option (-m, --socket-mem, --no-huge, ...)
 *
 * EAL pins the thread that calls rte_eal_init() to the main lcore's CPU. softnetd's threads place
 * themselves (bhlock pins what must be pinned), so the caller's affinity is put back afterwards.
 *
 * Context: thread context, before any dpdk port is created; sn_dpdk_eal_fini() after every dpdk
 * port is destroyed.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_types.h"
#include "ports/ports.h"

/* After the project headers: bhlock/compiler.h defines what DPDK guards with #ifndef. */
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

/*
 * Shared by the two files of the dpdk backend (port_dpdk.c declares these the same way; they are
 * not part of ports.h).
 */
bool sn_dpdk_pmd_is_pci(const char *pmd);
bool sn_dpdk_eal_ready(void);
void sn_dpdk_eal_args(char *buf, size_t len);
int sn_dpdk_pool_track(struct rte_mempool *mp);

#define EAL_MAX_ARGS 256

static struct {
	bool tried; /* rte_eal_init() was called (it cannot be called again) */
	int rc; /* its outcome: 0 or -errno */
	char msg[768]; /* the error message of a failed init, repeated to later callers */
	int argc;
	char *argv[EAL_MAX_ARGS + 1]; /* kept for the process: EAL may keep pointers into it */
} eal;

/*
 * Pools outlive their ports: an mbuf of port A may sit in port B's tx ring (or a test's ring) when
 * A is destroyed. They are freed with EAL, in sn_dpdk_eal_fini(). Thread context only.
 */
static struct rte_mempool *eal_pools[RTE_MAX_ETHPORTS];
static unsigned int eal_nr_pools;

/* Keep @mp until sn_dpdk_eal_fini(). Return 0 or -ENOSPC. */
int sn_dpdk_pool_track(struct rte_mempool *mp)
{
	if (eal_nr_pools == RTE_DIM(eal_pools))
		return -ENOSPC;
	eal_pools[eal_nr_pools++] = mp;
	return 0;
}

/* Options that take a value in the next word (when not written as --opt=value). */
static bool eal_opt_takes_value(const char *o)
{
	static const char *const with_value[] = {
		"-l",
		"-c",
		"-m",
		"-n",
		"-r",
		"-a",
		"-b",
		"-d",
		"-w",
		"--lcores",
		"--main-lcore",
		"--socket-mem",
		"--socket-limit",
		"--file-prefix",
		"--vdev",
		"--allow",
		"--block",
		"--log-level",
		"--proc-type",
		"--huge-dir",
		"--iova-mode",
		"--base-virtaddr",
		"--vfio-intr",
		"--mbuf-pool-ops-name",
		"--service-corelist",
		"--service-lcores",
		"-s",
		"--trace",
		"--trace-dir",
		"--trace-bufsz",
		"--trace-mode",
		"--huge-worker-stack",
		"--force-max-simd-bitwidth",
		NULL,
	};

	if (o[0] != '-' || strchr(o, '='))
		return false;
	for (int i = 0; with_value[i]; i++)
		if (!strcmp(o, with_value[i]))
			return true;
	return false;
}

/* The option word @o is @name, or "@name=...". */
static bool eal_opt_is(const char *o, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(o, name, n) && (o[n] == '\0' || o[n] == '=');
}

static bool eal_has(const char *const *names)
{
	for (int i = 1; i < eal.argc; i++)
		for (int k = 0; names[k]; k++)
			if (eal_opt_is(eal.argv[i], names[k]))
				return true;
	return false;
}

static int eal_push(const char *word)
{
	if (eal.argc >= EAL_MAX_ARGS)
		return -E2BIG;
	eal.argv[eal.argc] = strdup(word);
	if (!eal.argv[eal.argc])
		return -ENOMEM;
	eal.argc++;
	return 0;
}

/* Append one option unit (a word, or an option and its value) unless the same unit is there. */
static int eal_push_unit(const char *opt, const char *val)
{
	for (int i = 1; i < eal.argc; i++) {
		if (strcmp(eal.argv[i], opt))
			continue;
		if (!val)
			return 0;
		if (i + 1 < eal.argc && !strcmp(eal.argv[i + 1], val))
			return 0;
	}
	int rc = eal_push(opt);

	if (!rc && val)
		rc = eal_push(val);
	return rc;
}

/* dddd:bb:dd.f or bb:dd.f at the start of a PMD string: a PCI device, not a vdev. */
bool sn_dpdk_pmd_is_pci(const char *pmd)
{
	unsigned int dom, bus, dev, fn;
	int n = 0;

	if (sscanf(pmd, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) == 4 && n > 0)
		return true;
	n = 0;
	return sscanf(pmd, "%x:%x.%x%n", &bus, &dev, &fn, &n) == 3 && n > 0;
}

static long hugepages_reserved(void)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "re");
	long n = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* "-l" argument: the config's CPUs, or every online CPU. */
static void eal_lcore_list(const struct softnetd_config *cfg, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (cfg && cfg->nr_cpus) {
		for (size_t i = 0; i < cfg->nr_cpus && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%d", i ? "," : "",
						cfg->cpus[i]);
		return;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n <= 1)
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "0-%ld", n - 1);
}

static int eal_build_argv(const struct softnetd_config *cfg)
{
	static const char *const mem_opts[] = {
		"-m", "--socket-mem", "--no-huge", "--socket-limit", "--huge-dir", NULL};
	static const char *const lcore_opts[] = {"-l", "-c", "--lcores", NULL};
	static const char *const dev_opts[] = {"-a", "--allow",	 "-b", "--block",
					       "-w", "--no-pci", NULL};
	static const char *const mem_model[] = {"--in-memory", "--no-shconf", "--file-prefix",
						"--proc-type", NULL};
	static const char *const no_huge[] = {"--no-huge", NULL};
	static const char *const tele[] = {"--no-telemetry", "--telemetry", NULL};
	static const char *const log[] = {"--log-level", NULL};
	bool pci = false;
	char lcores[512];
	int rc;

	rc = eal_push("softnetd");
	for (size_t p = 0; !rc && cfg && p < cfg->nr_ports; p++) {
		const struct cfg_port *port = &cfg->ports[p];

		if (port->type != CFG_PORT_DPDK)
			continue;
		if (port->pmd && sn_dpdk_pmd_is_pci(port->pmd))
			pci = true;
		for (size_t i = 0; !rc && i < port->nr_eal; i++) {
			const char *o = port->eal[i];
			const char *v = NULL;

			if (eal_opt_takes_value(o) && i + 1 < port->nr_eal)
				v = port->eal[++i];
			rc = eal_push_unit(o, v);
		}
	}
	if (!rc && !pci && !eal_has(dev_opts))
		rc = eal_push("--no-pci");
	if (!rc && !eal_has(tele))
		rc = eal_push("--no-telemetry");
	if (!rc && !eal_has(log))
		rc = eal_push("--log-level=lib.eal:error");
	if (!rc && !eal_has(lcore_opts)) {
		eal_lcore_list(cfg, lcores, sizeof(lcores));
		rc = eal_push("-l");
		if (!rc)
			rc = eal_push(lcores);
	}
	if (!rc && !eal_has(mem_opts) && hugepages_reserved() <= 0) {
		rc = eal_push("--no-huge");
		if (!rc)
			rc = eal_push("-m");
		if (!rc)
			rc = eal_push("512");
	}
	/* --no-huge means legacy memory, which --in-memory refuses: no shared files then. */
	if (!rc && !eal_has(mem_model))
		rc = eal_push(eal_has(no_huge) ? "--no-shconf" : "--in-memory");
	eal.argv[eal.argc] = NULL;
	return rc;
}

/* "softnetd --in-memory ..." for messages and `softnetctl ports`. */
static void eal_argv_str(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 1; i < eal.argc && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i > 1 ? " " : "",
					eal.argv[i]);
}

int sn_dpdk_eal_init(const struct softnetd_config *cfg, char *err, size_t errlen)
{
	char *argv_copy[EAL_MAX_ARGS + 1];
	char args[512];
	cpu_set_t saved;
	bool have_saved;
	int rc;

	if (eal.tried) {
		if (eal.rc && err)
			snprintf(err, errlen, "%s", eal.msg);
		return eal.rc;
	}
	eal.tried = true;

	rc = eal_build_argv(cfg);
	if (rc) {
		snprintf(eal.msg, sizeof(eal.msg), "dpdk: EAL arguments: %s", strerror(-rc));
		goto out;
	}
	/* rte_eal_init() permutes its argv: hand it a copy, keep ours for the messages. */
	memcpy(argv_copy, eal.argv, sizeof(argv_copy));
	have_saved = !sched_getaffinity(0, sizeof(saved), &saved);

	rc = rte_eal_init(eal.argc, argv_copy);
	if (rc < 0) {
		int e = rte_errno ? rte_errno : EINVAL;

		eal_argv_str(args, sizeof(args));
		snprintf(eal.msg, sizeof(eal.msg), "dpdk: EAL init (%s) failed: %s", args,
			 rte_strerror(e));
		rc = -e;
		goto out;
	}
	rc = 0;
	/* EAL bound this thread to the main lcore; it is not a datapath thread. */
	if (have_saved)
		sched_setaffinity(0, sizeof(saved), &saved);
out:
	eal.rc = rc;
	if (rc && err)
		snprintf(err, errlen, "%s", eal.msg);
	return rc;
}

bool sn_dpdk_eal_ready(void)
{
	return eal.tried && eal.rc == 0;
}

void sn_dpdk_eal_args(char *buf, size_t len)
{
	eal_argv_str(buf, len);
}

void sn_dpdk_eal_fini(void)
{
	if (!eal.tried || eal.rc)
		return;
	/* Pools outlive their ports (mbufs travel between ports): they go now, before EAL. */
	for (unsigned int i = 0; i < eal_nr_pools; i++)
		rte_mempool_free(eal_pools[i]);
	eal_nr_pools = 0;
	rte_eal_cleanup();
	/* EAL cannot start again in this process: stay "tried", but report it as gone. */
	eal.rc = -ESHUTDOWN;
	snprintf(eal.msg, sizeof(eal.msg), "dpdk: EAL was shut down in this process");
	for (int i = 0; i < eal.argc; i++) {
		free(eal.argv[i]);
		eal.argv[i] = NULL;
	}
	eal.argc = 0;
}
