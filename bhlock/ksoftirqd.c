// SPDX-License-Identifier: GPL-2.0-only
/* ksoftirqd.c - not yet written. */
#include "compiler.h"
