// SPDX-License-Identifier: GPL-2.0-only
/* drop_reason.c - names of the drop reasons (drop_reason.h). */
#include "net/drop_reason.h"

#define X(e, n) [SN_DROP_##e] = n,
static const char *const sn_drop_reason_names[SN_DROP_MAX] = { SN_DROP_REASONS(X) };
#undef X

const char *sn_drop_reason_name(enum sn_drop_reason r)
{
	if ((unsigned int)r >= SN_DROP_MAX)
		return "?";
	return sn_drop_reason_names[r];
}
