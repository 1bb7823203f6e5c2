// SPDX-License-Identifier: GPL-2.0-only
/* alloc_check.c - TEMPORARY pass-through stub; the allocation checker is being written. */
#include <stdlib.h>
#include "compiler.h"
#ifdef BHLOCK_DEBUG
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n)
{
	return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
	return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
	return __real_realloc(p, n);
}
void __wrap_free(void *p)
{
	__real_free(p);
}
#endif
