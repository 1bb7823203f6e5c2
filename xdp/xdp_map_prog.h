/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_map_prog.h - programs held by devmap and cpumap entries (kernel/bpf/devmap.c
 * __dev_map_alloc_node(), kernel/bpf/cpumap.c __cpu_map_load_bpf_program()).
 *
 * softnetd has no program fds: in a value of softnetd's own devmap/cpumap, the field
 * bpf_prog.fd carries a softnetd program id (sn_xdp_prog_id(), xdp_internal.h); the map reads
 * the same id back in bpf_prog.id. An entry holds a reference on its program from the update
 * that installs it until the entry is replaced, deleted or its map freed.
 *
 * The map module does not link against xdp/: maps/map_devmap.c and map_cpumap.c reach
 * sn_xdp_map_prog_get()/put() through weak references, and without xdp/ linked in refuse any
 * fd > 0 as the kernel refuses an fd that is not a program.
 *
 * Unload of a program a map still holds (the map keeps it alive, as the kernel's reference):
 * sn_bpf_prog_unprepare() leaves a held program prepared and registered under its id, and
 * sn_bpf_object_close() parks an object one of whose programs is held by a map the object does
 * not own itself; sn_xdp_map_prog_reap() frees parked objects whose programs are no longer held
 * (called by every object close and by sn_xdp_fini()).
 *
 * Context: get/put from any context that may update a map (they take no lock, only atomics);
 * the rest from thread context.
 */
#ifndef XDP_XDP_MAP_PROG_H
#define XDP_XDP_MAP_PROG_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

struct sn_bpf_prog;
struct sn_bpf_object;

/* Program ids run 1..SN_XDP_MAX_PROG_IDS (xdp_attach.c's id table). */
#define SN_XDP_MAX_PROG_IDS 256
/* The id of @prog, registering it on first use; 0 when the table is full (xdp_internal.h). */
uint32_t sn_xdp_prog_id(struct sn_bpf_prog *prog);

/**
 * sn_xdp_map_prog_get() - take a map entry's reference on program @id.
 * @type: the attach type the map requires (BPF_XDP_DEVMAP or BPF_XDP_CPUMAP).
 * Return: 0, -EBADF (no program has that id: the kernel's answer to a bad fd), -EINVAL (the
 * program's expected attach type is not @type). The maps turn both into their own kernel code.
 */
int sn_xdp_map_prog_get(uint32_t id, enum bpf_attach_type type);
/* Drop a reference sn_xdp_map_prog_get() took. */
void sn_xdp_map_prog_put(uint32_t id);
/* How many map entries hold program @id (tests, softnetctl). */
uint32_t sn_xdp_map_prog_refs(uint32_t id);

/* Is @prog registered under an id? (Thread context.) */
bool __sn_xdp_map_prog_registered(const struct sn_bpf_prog *prog);
/* Is @prog held by some map entry? (xdp_attach.c: unprepare leaves such a program.) */
bool __sn_xdp_map_prog_held(const struct sn_bpf_prog *prog);
/* bpf_loader.c: true when @obj was parked (a foreign map holds one of its programs). */
bool __sn_xdp_map_prog_park(struct sn_bpf_object *obj);
/* Free every parked object no map holds any more. Return: how many remain parked. */
int sn_xdp_map_prog_reap(void);
/* bpf_loader.c: free @obj now (its maps first, which drops their references, then programs). */
void __sn_bpf_object_free(struct sn_bpf_object *obj);

#endif /* XDP_XDP_MAP_PROG_H */
