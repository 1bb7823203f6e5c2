// SPDX-License-Identifier: GPL-2.0-only
/* softirq.c - not yet written. */
#include "compiler.h"
