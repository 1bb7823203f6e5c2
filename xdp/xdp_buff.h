/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_buff.h - what an XDP program sees as its context in softnetd.
 *
 * Programs are compiled against the kernel's struct xdp_md (32-bit data/data_end/data_meta at
 * offsets 0/4/8, ingress_ifindex 12, rx_queue_index 16, egress_ifindex 20). The loader rewrites
 * every context access to this layout, where the pointers are 64-bit (KERNEL.md §6, MACHINE.md
 * "librte_bpf": its validator refuses 32-bit pointer loads):
 *
 *   xdp_md field      kernel off   softnetd off  width
 *   data                   0            0          8
 *   data_end               4            8          8
 *   data_meta              8           16          8
 *   ingress_ifindex       12           24          4
 *   rx_queue_index        16           28          4
 *   egress_ifindex        20           32          4
 *
 * The fields after egress_ifindex are softnetd's and invisible to programs.
 */
#ifndef XDP_XDP_BUFF_H
#define XDP_XDP_BUFF_H

#include <stddef.h>
#include <stdint.h>

struct sn_frame;
struct sn_netdev;

struct sn_xdp_buff {
	uint8_t *data;
	uint8_t *data_end;
	uint8_t *data_meta;       /* == data when no metadata */
	uint32_t ingress_ifindex; /* the rx device's XDP ifindex (net/netdev.h) */
	uint32_t rx_queue_index;
	uint32_t egress_ifindex;  /* devmap egress programs: the target device */
	uint32_t frame_sz;        /* buffer size: data_hard_start .. end of tailroom */
	uint8_t *data_hard_start; /* start of the buffer (headroom limit for adjust_head/meta) */
	struct sn_netdev *rxdev;
	struct sn_frame *frame;   /* the frame being run (its data/len follow the buff after run) */
};

#define SN_XDP_CTX_OFF_DATA 0
#define SN_XDP_CTX_OFF_DATA_END 8
#define SN_XDP_CTX_OFF_DATA_META 16
#define SN_XDP_CTX_OFF_INGRESS_IFINDEX 24
#define SN_XDP_CTX_OFF_RX_QUEUE_INDEX 28
#define SN_XDP_CTX_OFF_EGRESS_IFINDEX 32
#define SN_XDP_CTX_VISIBLE_SIZE 36 /* programs may read [0, 36) only */

_Static_assert(offsetof(struct sn_xdp_buff, data_end) == SN_XDP_CTX_OFF_DATA_END, "ctx");
_Static_assert(offsetof(struct sn_xdp_buff, data_meta) == SN_XDP_CTX_OFF_DATA_META, "ctx");
_Static_assert(offsetof(struct sn_xdp_buff, ingress_ifindex) == SN_XDP_CTX_OFF_INGRESS_IFINDEX,
	       "ctx");
_Static_assert(offsetof(struct sn_xdp_buff, egress_ifindex) == SN_XDP_CTX_OFF_EGRESS_IFINDEX,
	       "ctx");

#define SN_XDP_HEADROOM 256 /* XDP_PACKET_HEADROOM */

#endif /* XDP_XDP_BUFF_H */
