/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_run.h - XDP in the daemon: the programs configured under ports[].xdp and kernel_xdp, and
 * those attached or detached later through the control socket.
 *
 * Objects: one load per object path (sn_bpf_object_open), shared by every port that runs one of
 * its programs, so those ports share its maps; an object is closed when no port uses it any
 * more. A program is prepared (engine chosen, xdp/xdp.h) once, on its first attachment, with
 * the port's engine (auto|jit|interp) or `softnetd --xdp-engine` which overrides every port; a
 * second port asking the same program with another explicit engine is refused.
 *
 * Replacing a port's program is sn_xdp_attach() (atomic under traffic); the old program's
 * object is released after it returned, which is after every CPU left the old program.
 *
 * Kernel mode: kernel_xdp entries through sn_xdp_kernel_attach() (maps pinned under pin_dir,
 * unpinned at exit).
 *
 * Context: thread. Every function takes the module's own lock; none is called from the
 * datapath.
 */
#ifndef DAEMON_XDP_RUN_H
#define DAEMON_XDP_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config/config_types.h"

struct sn_map;

/*
 * Install the XDP hook, then attach every port program and kernel attachment of @cfg.
 * @engine_override: -1, or an enum cfg_xdp_engine that replaces every port's engine.
 * Return: 0, or -errno with @err (everything attached so far is undone by daemon_xdp_stop()).
 */
int daemon_xdp_start(const struct softnetd_config *cfg, int engine_override, char *err,
		     size_t errlen);
/* Detach every program (emulated and kernel), unpin, close the objects, remove the hook. */
void daemon_xdp_stop(void);

/*
 * SIGHUP, in two steps around the stack's reload: prepare opens and prepares the programs of
 * every port whose xdp: section differs between @run and @new (nothing changes yet; an error
 * leaves the running programs as they are); commit attaches/detaches them; abort drops them.
 */
int daemon_xdp_reload_prepare(const struct softnetd_config *run, const struct softnetd_config *new,
			      char *err, size_t errlen);
void daemon_xdp_reload_commit(void);
void daemon_xdp_reload_abort(void);

/* softnetctl xdp attach/detach. @program may be NULL (the first XDP program). */
int daemon_xdp_attach(const char *port, const char *object, const char *program,
		      enum cfg_xdp_engine engine, char *err, size_t errlen);
int daemon_xdp_detach(const char *port, char *err, size_t errlen);

/*
 * The drain line of every port's XDP verdicts, summed:
 *   xdp: runs N = pass N + drop N + aborted N + tx N + redirect N (redirect errors N)
 * pass goes on to the stack; drop/aborted/redirect errors are in the ingress drops by reason,
 * tx and redirect in forwarded. Empty when no program ever ran.
 */
void daemon_xdp_accounting_line(char *line, size_t len);

/* softnetctl xdp: {"ports": [...], "kernel": [...], "engine_override": ...} */
json_t *daemon_xdp_json(void);

/*
 * The maps of the loaded objects, named "<object basename>/<map>", and the kernel attachments'
 * pin directories, for maps_ctl.c. @fn's nonzero return stops the walk. Called with the
 * module's lock held: @fn must not call daemon_xdp_*().
 */
typedef int (*daemon_xdp_map_fn)(const char *name, struct sn_map *map, void *arg);
int daemon_xdp_for_each_map(daemon_xdp_map_fn fn, void *arg);
/* The kernel attachments' pinned maps, "kernel:<ifname>/<pin name>", by an fd held open. */
typedef int (*daemon_xdp_kmap_fn)(const char *name, int fd, void *arg);
int daemon_xdp_for_each_kernel_map(daemon_xdp_kmap_fn fn, void *arg);

#endif /* DAEMON_XDP_RUN_H */
