// SPDX-License-Identifier: GPL-2.0-only
/* profile.c - the locking profile of this process. */
#include <errno.h>
#include <string.h>

#include "profile.h"
#include "static_key.h"

enum bh_profile __bh_profile = BH_PROFILE_VANILLA;
static bool bh_profile_frozen;

static const char *const bh_profile_names[] = {
	[BH_PROFILE_VANILLA] = "vanilla",
	[BH_PROFILE_RT_BHLOCK] = "rt-bhlock",
	[BH_PROFILE_RT_NESTED] = "rt-nested",
};

int bh_profile_set(enum bh_profile p)
{
	if ((unsigned int)p >= ARRAY_SIZE(bh_profile_names))
		return -EINVAL;
	if (__atomic_load_n(&bh_profile_frozen, __ATOMIC_ACQUIRE) && p != __bh_profile)
		return -EBUSY;
	int err = bh_static_keys_set_rt_nested(p == BH_PROFILE_RT_NESTED);

	if (err)
		return err;
	__bh_profile = p;
	return 0;
}

int bh_profile_parse(const char *name, enum bh_profile *out)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(bh_profile_names); i++) {
		if (name && strcmp(name, bh_profile_names[i]) == 0) {
			*out = (enum bh_profile)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *bh_profile_name(enum bh_profile p)
{
	if ((unsigned int)p >= ARRAY_SIZE(bh_profile_names))
		return "?";
	return bh_profile_names[p];
}

void __bh_profile_freeze(void)
{
	if (!__atomic_load_n(&bh_profile_frozen, __ATOMIC_RELAXED))
		__atomic_store_n(&bh_profile_frozen, true, __ATOMIC_RELEASE);
}
