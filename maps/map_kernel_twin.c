// SPDX-License-Identifier: GPL-2.0-only
/*
 * map_kernel_twin.c - create a softnetd map's definition as a kernel map through libbpf, pin it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>

#include "map_internal.h"
#include "map_kernel_twin.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static __u32 twin_map_flags(const struct sn_map *map)
{
	__u32 flags = map->map_flags;

	if (flags & SOFTNET_F_LPM_PREALLOC)
		flags = (flags & ~SOFTNET_F_LPM_PREALLOC) | BPF_F_NO_PREALLOC;
	if (map->map_type == BPF_MAP_TYPE_DEVMAP || map->map_type == BPF_MAP_TYPE_DEVMAP_HASH)
		flags &= ~BPF_F_RDONLY_PROG;
	return flags;
}

static int twin_copy_one(const void *key, const void *value, void *ctx)
{
	int fd = *(int *)ctx;

	return bpf_map_update_elem(fd, key, value, BPF_ANY);
}

int sn_map__sync_kernel_twin(const struct sn_map *map, int fd)
{
	/* A write-only map cannot be read back; bypass its fd rules for the copy. */
	struct sn_map tmp;
	int err;

	if (!(map->map_flags & BPF_F_WRONLY))
		return sn_map__for_each_elem(map, twin_copy_one, &fd);
	tmp = *map;
	tmp.map_flags &= ~BPF_F_WRONLY;
	err = sn_map__for_each_elem(&tmp, twin_copy_one, &fd);
	return err;
}

int sn_map__create_kernel_twin(const struct sn_map *map, const struct sn_map_twin_opts *opts)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts);
	bool copy = opts && opts->copy_elems;
	const char *pin = opts ? opts->pin_path : NULL;
	int fd, err;

	copts.map_flags = twin_map_flags(map);
	if (map->map_flags & BPF_F_NUMA_NODE)
		copts.numa_node = (__u32)map->numa_node;
	/* A BPF_F_RDONLY map gives a read-only fd: it could not be filled, as with bpf(2). */
	if (copy && (copts.map_flags & BPF_F_RDONLY))
		return -EPERM;
	fd = bpf_map_create(map->map_type, map->name[0] ? map->name : NULL, map->key_size,
			    map->value_size, map->max_entries, &copts);
	if (fd < 0)
		return fd < -1 ? fd : -errno;
	if (copy) {
		err = sn_map__sync_kernel_twin(map, fd);
		if (err)
			goto close_fd;
	}
	if (pin) {
		err = bpf_obj_pin(fd, pin);
		if (err) {
			err = err < -1 ? err : -errno;
			goto close_fd;
		}
	}
	return fd;
close_fd:
	close(fd);
	return err;
}

int sn_bpffs_mount(const char *path)
{
	struct statfs st;

	if (!path)
		path = SN_BPFFS_DEFAULT;
	if (statfs(path, &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", path, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}
