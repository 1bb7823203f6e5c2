/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * map_kernel_twin.h - a softnetd map's definition created as a real kernel map through libbpf,
 * optionally pinned in bpffs, so that kernel-mode XDP and `bpftool map dump pinned ...` see the
 * same table (DESIGN.md: kernel twin).
 *
 * The twin has the same type, key/value sizes, max_entries, name and flags, translated where
 * softnetd extends the kernel: SOFTNET_F_LPM_PREALLOC becomes BPF_F_NO_PREALLOC (the kernel's
 * LPM trie requires it), and the BPF_F_RDONLY_PROG the kernel itself adds to devmaps is left out.
 * Hash-type twins are preallocated (the kernel default) unless the map says otherwise.
 *
 * Context: thread context; needs CAP_BPF (root) and, for pinning, a bpffs mount.
 */
#ifndef MAPS_MAP_KERNEL_TWIN_H
#define MAPS_MAP_KERNEL_TWIN_H

#include <stdbool.h>
#include <stddef.h>

#include "map.h"

#define SN_BPFFS_DEFAULT "/sys/fs/bpf"

struct sn_map_twin_opts {
	size_t sz;            /* sizeof(struct sn_map_twin_opts) */
	const char *pin_path; /* NULL: not pinned; else a path inside a bpffs mount */
	bool copy_elems;      /* copy the map's current elements into the twin */
};

/**
 * sn_map__create_kernel_twin() - create the kernel map (and pin it if asked).
 * Return: the map's fd (the caller closes it; a pin outlives it), or -errno from bpf(2)
 * (-EPERM without privileges, -EEXIST if the pin path exists, ...). On failure nothing is left
 * behind: no fd, no pin.
 */
int sn_map__create_kernel_twin(const struct sn_map *map, const struct sn_map_twin_opts *opts);

/* Copy every element of map into the kernel map fd (BPF_ANY). Return: 0 or the first -errno. */
int sn_map__sync_kernel_twin(const struct sn_map *map, int fd);

/**
 * sn_bpffs_mount() - make sure a bpffs is mounted at path (NULL: /sys/fs/bpf), creating the
 * directory if needed.
 * Return: 0 (already mounted or mounted now) or -errno.
 */
int sn_bpffs_mount(const char *path);

#endif /* MAPS_MAP_KERNEL_TWIN_H */
