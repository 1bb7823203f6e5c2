// SPDX-License-Identifier: GPL-2.0-only
/* lockdep.c - TEMPORARY no-op stub; the validator is being written. */
#include "lockdep.h"
#ifdef BHLOCK_DEBUG
void lockdep_init_map(struct lockdep_map *map, const char *name, struct lock_class_key *key)
{
	map->name = name;
	map->key = key;
}
void lock_acquire(struct lockdep_map *map, bool trylock, const char *site)
{
	(void)map, (void)trylock, (void)site;
}
void lock_acquire_failed(struct lockdep_map *map)
{
	(void)map;
}
void lock_release(struct lockdep_map *map, const char *site)
{
	(void)map, (void)site;
}
void lockdep_assert_in_softirq(const char *site)
{
	(void)site;
}
void lockdep_assert_pinned(const char *site)
{
	(void)site;
}
void lockdep_task_exit(void)
{
}
#endif
