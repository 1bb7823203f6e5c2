// SPDX-License-Identifier: GPL-2.0-only
/* local_lock.c - not yet written. */
#include "compiler.h"
