// SPDX-License-Identifier: GPL-2.0-only
/* pcpu_freelist.c - not yet written. */
#include "compiler.h"
