// SPDX-License-Identifier: GPL-2.0-only
/* bottom_half.c - not yet written. */
#include "compiler.h"
