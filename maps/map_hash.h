/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * map_hash.h - the datapath lookup of a map resolved once, for callers that call it per packet
 * on a map they already know (the XDP JIT, xdp/bpf_jit_calls.c), as the kernel's verifier
 * rewrites bpf_map_lookup_elem() into the map type's own lookup (do_misc_fixups()).
 */
#ifndef MAPS_MAP_HASH_H
#define MAPS_MAP_HASH_H

struct sn_map;

typedef void *(*sn_map_lookup_fn)(struct sn_map *map, const void *key);

/**
 * sn_map__lookup_fn() - the function sn_map_lookup_elem(@map, key) ends in: the type's own
 * lookup, for a HASH map with a 4-byte key a copy specialised for that size
 * (sn_htab_lookup_elem_key4(), inline in map_hash_fast.h).
 * Calling it is sn_map_lookup_elem() without the dispatch; same result, same context rules.
 * Context: any. Return: never NULL.
 */
sn_map_lookup_fn sn_map__lookup_fn(const struct sn_map *map);

/* The lookup of a HASH map with a 4-byte key (what sn_map__lookup_fn() gives for one). */
void *sn_htab_lookup_elem_key4(struct sn_map *map, const void *key);

#endif /* MAPS_MAP_HASH_H */
