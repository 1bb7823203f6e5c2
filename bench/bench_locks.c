// SPDX-License-Identifier: GPL-2.0-only
/* bench_locks.c - placeholder main, replaced by the full lock benchmark. */
#include <stdio.h>
#include "bench_util.h"
int main(void)
{
	bench_spinlocks();
	return 0;
}
