/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fib_query.h - the router's tables read the way bpf_fib_lookup() reads the kernel's FIB, for
 * XDP programs run by softnetd (the helper's hook, xdp/bpf_interp_internal.h).
 *
 * Kernel semantics (net/core/filter.c bpf_ipv4/ipv6_fib_lookup, XDP flavour, MTU checked):
 *   params->ifindex (in)  the receiving device by its XDP ifindex (the kernel ifindex of the
 *                         interface under the port, sn_dev_get_by_ifindex); none: -ENODEV;
 *   forwarding            the device must be a router port: else BPF_FIB_LKUP_RET_FWD_DISABLED;
 *   route                 longest-prefix match of ipv4_dst / ipv6_dst; none: NOT_FWDED;
 *   MTU                   tot_len > the egress device's MTU: mtu_result = MTU, FRAG_NEEDED;
 *   out                   params->ifindex = the egress device's XDP ifindex, rt_metric 0;
 *                         a gateway route puts the gateway in ipv4_dst / ipv6_dst;
 *   neighbour             BPF_FIB_LOOKUP_SKIP_NEIGH: stop here (SUCCESS, MACs untouched);
 *                         else a reachable entry (never solicited from here): dmac = its MAC,
 *                         smac = the egress device's, or NO_NEIGH;
 *   success               h_vlan_proto = h_vlan_TCI = 0, mtu_result = MTU, SUCCESS.
 * BPF_FIB_LOOKUP_OUTPUT/DIRECT/TBID/MARK change nothing here (one table, no rules); SRC is
 * not filled in (ipv4_src / ipv6_src are left as given).
 *
 * Context: BH (the XDP hook) or thread; reads only (maps' lookup side).
 */
#ifndef STACK_FIB_QUERY_H
#define STACK_FIB_QUERY_H

#include <stdint.h>

/* @params is a struct bpf_fib_lookup of @plen bytes (checked by the helper). */
int sn_fib_query_xdp(void *params, int plen, uint32_t flags);

#endif /* STACK_FIB_QUERY_H */
