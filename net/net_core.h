/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * net_core.h - start and stop the datapath core: skb caches, softnet_data, the NET_RX softirq.
 *
 * Order: bh_profile_set(); sn_net_init(); register ports; bhlock_start(); open ports (IRQs need
 * the cpu/N threads in vanilla); traffic; stop ports; bhlock_stop(); unregister; sn_net_fini().
 */
#ifndef NET_NET_CORE_H
#define NET_NET_CORE_H

#include "net/skb_cache.h"

struct sn_net_params {
	size_t sz;
	struct sn_skb_cache_params skb_cache;
	int netdev_budget;       /* 0: 300 */
	int netdev_budget_usecs; /* 0: 2000 */
	int dev_weight;          /* 0: 64 */
};

/* Context: thread, before bhlock_start(). Return: 0 or -errno. */
int sn_net_init(const struct sn_net_params *p);
/* Context: thread, after every port is unregistered and bhlock_stop(). */
void sn_net_fini(void);

#endif /* NET_NET_CORE_H */
