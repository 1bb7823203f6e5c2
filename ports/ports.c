// SPDX-License-Identifier: GPL-2.0-only
/*
 * ports.c - build every port of a configuration: physical ports (afxdp, dpdk) first, in file
 * order, then the virtual ones (vlan over their parent, loop devices wired to their peers).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "ports/ports.h"

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

static int check_cpus(const struct softnetd_config *cfg, int *cpus, size_t *nr, char *err,
		      size_t errlen)
{
	int online = online_cpus();

	if (cfg->nr_cpus == 0) {
		for (int c = 0; c < online && c < BH_NR_CPUS_MAX; c++)
			cpus[(*nr)++] = c;
		return 0;
	}
	for (size_t i = 0; i < cfg->nr_cpus && i < BH_NR_CPUS_MAX; i++) {
		if (cfg->cpus[i] >= online) {
			snprintf(err, errlen, "%s: cpus[%zu]: CPU %d is not online (CPUs 0..%d)",
				 cfg->file ? cfg->file : "config", i, cfg->cpus[i], online - 1);
			return -EINVAL;
		}
		cpus[(*nr)++] = cfg->cpus[i];
	}
	return 0;
}

int sn_ports_create(const struct softnetd_config *cfg, char *err, size_t errlen)
{
	static int cpus[BH_NR_CPUS_MAX];
	size_t nr_cpus = 0;
	struct sn_netdev *devs[CFG_MAX_PORTS] = { 0 };
	int slot = 0, rc;

	rc = check_cpus(cfg, cpus, &nr_cpus, err, errlen);
	if (rc)
		return rc;

	struct sn_port_env env = {
		.cpus = cpus,
		.nr_cpus = nr_cpus,
		.napi_threaded = cfg->napi.threaded,
		.napi_weight = cfg->napi.weight,
		.irq_prio = cfg->irq_priority,
		.frames_per_queue = cfg->memory.frames_per_queue,
	};
	/* Physical ports first: virtual ones refer to them by index. */
	for (size_t i = 0; i < cfg->nr_ports; i++) {
		const struct cfg_port *p = &cfg->ports[i];

		env.first_cpu_slot = slot;
		if (p->type == CFG_PORT_AFXDP)
			devs[i] = sn_port_afxdp_create(p, &env, err, errlen);
		else if (p->type == CFG_PORT_DPDK)
			devs[i] = sn_port_dpdk_create(p, &env, err, errlen);
		else
			continue;
		if (!devs[i])
			goto fail;
		slot++;
	}
	/* vlan devices may stack on each other: repeat until every parent exists. */
	for (int pass = 0; pass < (int)cfg->nr_ports; pass++) {
		for (size_t i = 0; i < cfg->nr_ports; i++) {
			const struct cfg_port *p = &cfg->ports[i];

			if (p->type != CFG_PORT_VLAN || devs[i] || !devs[p->parent])
				continue;
			devs[i] = sn_port_vlan_create(p->name, devs[p->parent], p->vlan_id);
			if (!devs[i]) {
				snprintf(err, errlen, "ports.%s: vlan %u over %s: %s", p->name,
					 p->vlan_id, devs[p->parent]->name, strerror(errno));
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < cfg->nr_ports; i++) {
		const struct cfg_port *p = &cfg->ports[i];

		if (p->type == CFG_PORT_VLAN && !devs[i]) {
			snprintf(err, errlen, "ports.%s: vlan parent chain does not end in a port",
				 p->name);
			errno = EINVAL;
			goto fail;
		}
		if (p->type != CFG_PORT_LOOP)
			continue;
		devs[i] = sn_port_loop_create(p->name);
		if (!devs[i]) {
			snprintf(err, errlen, "ports.%s: loop: %s", p->name, strerror(errno));
			goto fail;
		}
	}
	for (size_t i = 0; i < cfg->nr_ports; i++) {
		if (cfg->ports[i].type == CFG_PORT_LOOP)
			sn_port_loop_set_peer(devs[i], devs[cfg->ports[i].peer]);
		if (cfg->ports[i].has_xconnect)
			devs[i]->xconnect = devs[cfg->ports[i].xconnect];
	}
	return 0;
fail:
	rc = errno ? -errno : -EINVAL;
	sn_ports_destroy_all();
	return rc;
}

int sn_ports_open_all(char *err, size_t errlen)
{
	struct sn_netdev *dev;
	int i, rc;

	sn_for_each_netdev(dev, i) {
		rc = sn_netdev_open(dev);
		if (rc) {
			snprintf(err, errlen, "%s: open: %s", dev->name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void sn_ports_destroy_all(void)
{
	struct sn_netdev *dev;
	int i;

	/* Upper devices (vlan, loop) before the ports they stack on. */
	sn_for_each_netdev(dev, i)
		if (dev->lower || dev->peer || (dev->flags & SN_DEV_F_LLTX))
			sn_netdev_unregister(dev);
	sn_for_each_netdev(dev, i)
		sn_netdev_unregister(dev);
}
