// SPDX-License-Identifier: GPL-2.0-only
/* fib_query.c - bpf_fib_lookup() answered from the router's tables (fib_query.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/bpf.h>

#include "net/netdev.h"
#include "stack/fib_query.h"
#include "stack/stack_internal.h"

int sn_fib_query_xdp(void *p, int plen, uint32_t flags)
{
	struct bpf_fib_lookup *params = p;
	int family = params->family;
	struct sn_netdev *in, *out;
	uint8_t *dst = family == AF_INET ? (uint8_t *)&params->ipv4_dst
					 : (uint8_t *)params->ipv6_dst;
	struct rt_val rv;
	uint32_t mtu;

	(void)plen;
	in = sn_dev_get_by_ifindex(params->ifindex);
	if (!in)
		return -ENODEV;
	if (!stack.router_enabled || !(stack_role(in) & STACK_ROLE_L3))
		return BPF_FIB_LKUP_RET_FWD_DISABLED;
	if (!rt_lookup(family, dst, &rv))
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	out = sn_dev_get_by_index((int)rv.dev);
	if (!out)
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	mtu = out->mtu;
	/* tot_len and mtu_result share their bytes: the kernel reads one, then writes the other. */
	if (params->tot_len > mtu) {
		params->mtu_result = (uint16_t)mtu;
		return BPF_FIB_LKUP_RET_FRAG_NEEDED;
	}
	params->ifindex = sn_dev_xdp_ifindex(out);
	params->rt_metric = 0;
	if (rv.has_via)
		memcpy(dst, rv.via, family == AF_INET ? 4 : 16);
	if (!(flags & BPF_FIB_LOOKUP_SKIP_NEIGH)) {
		uint8_t mac[6];

		if (!neigh_lookup_valid(family, dst, out->index, mac))
			return BPF_FIB_LKUP_RET_NO_NEIGH;
		memcpy(params->dmac, mac, 6);
		memcpy(params->smac, stack_dev_mac(out), 6);
	}
	params->h_vlan_proto = 0;
	params->h_vlan_TCI = 0;
	params->mtu_result = (uint16_t)mtu;
	return BPF_FIB_LKUP_RET_SUCCESS;
}
