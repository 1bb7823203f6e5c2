// SPDX-License-Identifier: GPL-2.0-only
/* nolock_pool.c - not yet written. */
#include "compiler.h"
