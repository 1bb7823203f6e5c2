// SPDX-License-Identifier: GPL-2.0-only
/* rqspinlock.c - not yet written. */
#include "compiler.h"
