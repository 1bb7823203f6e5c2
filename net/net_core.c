// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_core.c - bring the datapath core up and down: the per-CPU skb/frag caches, the net.core
 * sysctls, softnet_data and the NET_RX softirq (net/core/dev.c net_dev_init() in spirit).
 */
#include <errno.h>
#include <stddef.h>

#include "bhlock/softirq.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/skb_cache.h"

/* In napi.c (private to net/). */
void sn_napi_core_init(void);
void sn_net_rx_action(void);

int sn_net_init(const struct sn_net_params *p)
{
	int rc;

	if (p && p->sz < sizeof(*p))
		return -EINVAL;
	if (p && (p->netdev_budget < 0 || p->netdev_budget_usecs < 0 || p->dev_weight < 0))
		return -EINVAL;
	rc = sn_skb_cache_init(p ? &p->skb_cache : NULL);
	if (rc)
		return rc;
	netdev_budget = p && p->netdev_budget ? p->netdev_budget : 300;
	netdev_budget_usecs = p && p->netdev_budget_usecs ? p->netdev_budget_usecs : 2000;
	dev_weight = p && p->dev_weight ? p->dev_weight : NAPI_POLL_WEIGHT;
	sn_napi_core_init();
	open_softirq(NET_RX_SOFTIRQ, sn_net_rx_action);
	return 0;
}

void sn_net_fini(void)
{
	open_softirq(NET_RX_SOFTIRQ, NULL);
	sn_skb_cache_fini();
}
