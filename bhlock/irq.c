// SPDX-License-Identifier: GPL-2.0-only
/* irq.c - not yet written. */
#include "compiler.h"
