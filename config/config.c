// SPDX-License-Identifier: GPL-2.0-only
/* config.c - freeing, naming and summarising a checked configuration. */
#include <stdio.h>
#include <stdlib.h>

#include "config_internal.h"

static const char *const cfg_port_type_names[] = {
	[CFG_PORT_AFXDP] = "afxdp",
	[CFG_PORT_DPDK] = "dpdk",
	[CFG_PORT_VLAN] = "vlan",
	[CFG_PORT_LOOP] = "loop",
};
static const char *const cfg_xsk_mode_names[] = {
	[CFG_XSK_AUTO] = "auto",
	[CFG_XSK_COPY] = "copy",
	[CFG_XSK_ZEROCOPY] = "zerocopy",
};

const char *softnetd_skb_cache_gen_name(enum cfg_skb_cache_gen g)
{
	return g == CFG_SKB_CACHE_6_12 ? "6.12" : g == CFG_SKB_CACHE_6_19 ? "6.19" : "?";
}

const char *softnetd_log_level_name(enum cfg_log_level l)
{
	static const char *const names[] = {"err", "warn", "info", "debug"};

	return (unsigned int)l < 4 ? names[l] : "?";
}

const char *softnetd_port_type_name(enum cfg_port_type t)
{
	return (unsigned int)t < 4 ? cfg_port_type_names[t] : "?";
}

const char *softnetd_xsk_mode_name(enum cfg_xsk_mode m)
{
	return (unsigned int)m < 3 ? cfg_xsk_mode_names[m] : "?";
}

void softnetd_config__free(struct softnetd_config *cfg)
{
	if (!cfg)
		return;
	if (cfg->ports)
		cfg_xdp_free(cfg);
	for (size_t i = 0; i < cfg->nr_ports; i++) {
		struct cfg_port *port = &cfg->ports[i];

		for (size_t j = 0; j < port->nr_eal; j++)
			free(port->eal[j]);
		free(port->eal);
		free(port->pmd);
		free(port->xdp_prog);
	}
	free(cfg->ports);
	free(cfg->cpus);
	free(cfg->routes);
	free(cfg->neighbours);
	free(cfg->fdb);
	free(cfg->bridge.ports);
	free(cfg->router.addresses);
	free(cfg->file);
	free(cfg);
}

int softnetd_config__summary(const struct softnetd_config *cfg, char *buf, size_t len)
{
	size_t by_type[4] = {0}, xdp = 0;
	char cpus[24]; /* a size_t in decimal, or "all" */

	for (size_t i = 0; i < cfg->nr_ports; i++) {
		by_type[cfg->ports[i].type]++;
		xdp += cfg->ports[i].xdp.object != NULL;
	}
	if (cfg->nr_cpus)
		snprintf(cpus, sizeof(cpus), "%zu", cfg->nr_cpus);
	else
		snprintf(cpus, sizeof(cpus), "all");
	return snprintf(buf, len,
			"%s: ok: profile %s, cpus %s, napi budget %d/%dus weight %d, %zu ports "
			"(afxdp %zu, dpdk %zu, vlan %zu, loop %zu), bridge %s, router %s, "
			"%zu routes, %zu neighbours, %zu fdb entries, xdp on %zu ports, "
			"%zu kernel xdp",
			cfg->file, bh_profile_name(cfg->profile), cpus, cfg->napi.budget,
			cfg->napi.time_limit_us, cfg->napi.weight, cfg->nr_ports,
			by_type[CFG_PORT_AFXDP], by_type[CFG_PORT_DPDK], by_type[CFG_PORT_VLAN],
			by_type[CFG_PORT_LOOP], cfg->bridge.enabled ? "on" : "off",
			cfg->router.enabled ? "on" : "off", cfg->nr_routes, cfg->nr_neighbours,
			cfg->nr_fdb, xdp, cfg->nr_kernel_xdp);
}
