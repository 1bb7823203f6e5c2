/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps_ctl.h - `softnetctl maps`: every map the daemon can show, by one name space:
 *   softnetd's own tables    by their map name ("sn_fdb", "sn_routes4", ...);
 *   XDP programs' maps       "<object basename>/<map>" ("redirect_devmap.bpf.o/tx_port");
 *   kernel-pinned maps       "kernel:<ifname>/<pin name>" (kernel_xdp attachments).
 * list, dump (one map, or every softnetd map), update (flags any|noexist|exist) and delete, with
 * keys and values as hex bytes in memory order. softnetd's maps are edited through the map
 * module's syscall side (sn_map__update_elem), kernel maps with bpf(2) on the pinned map (the
 * fds are opened when the attachment is made, before the daemon drops its capabilities).
 *
 * Context: the control server's thread.
 */
#ifndef DAEMON_MAPS_CTL_H
#define DAEMON_MAPS_CTL_H

#include "ctl_proto.h"

/* The reply line for a maps request (ctl_reply_ok / ctl_reply_error). */
char *maps_ctl_handle(const struct ctl_request *req);

#endif /* DAEMON_MAPS_CTL_H */
