/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * map_hash_fast.h - the lookup of a HASH map with a 4-byte key, inline, for a caller that has
 * resolved the map once and calls it per packet: the XDP JIT's per-map entries
 * (xdp/bpf_jit_calls.c), as the kernel inlines its htab lookup into the program
 * (htab_map_gen_lookup()). Same walk and rules as every other lookup (map_hash_internal.h).
 *
 * Use it only on a map for which sn_map__lookup_fn() (map_hash.h) returned
 * sn_htab_lookup_elem_key4: the same function, out of line.
 * Context: any (a lock-free reader).
 */
#ifndef MAPS_MAP_HASH_FAST_H
#define MAPS_MAP_HASH_FAST_H

#include "maps/map_hash.h"
#include "maps/map_hash_internal.h"

static __always_inline void *__sn_htab_lookup_elem_key4(struct sn_map *map, const void *key)
{
	struct htab_elem *l = htab_lookup_elem_ks(to_htab(map), key, 4);

	/* round_up(4, 8): the value follows the key's 8 bytes. */
	return l ? l->key + 8 : NULL;
}

#endif /* MAPS_MAP_HASH_FAST_H */
