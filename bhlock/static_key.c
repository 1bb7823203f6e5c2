// SPDX-License-Identifier: GPL-2.0-only
/* static_key.c - rewrite the rt-nested branch sites (see static_key.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "static_key.h"

#ifdef BH_HAVE_STATIC_KEYS
struct bh_jump_entry {
	uintptr_t code;   /* the 5-byte NOP */
	uintptr_t target; /* the "yes" label */
};

extern struct bh_jump_entry __start_bh_jump_rt_nested[] __attribute__((weak));
extern struct bh_jump_entry __stop_bh_jump_rt_nested[] __attribute__((weak));

static const unsigned char bh_nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

static int bh_text_writable(uintptr_t addr, bool writable)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t start = addr & ~(uintptr_t)(pg - 1);
	/* A site may straddle two pages. */
	size_t len = ((addr + 5 - start) + (size_t)pg - 1) & ~(size_t)(pg - 1);
	int prot = PROT_READ | PROT_EXEC | (writable ? PROT_WRITE : 0);

	return mprotect((void *)start, len, prot) ? -errno : 0;
}

int bh_static_keys_set_rt_nested(bool on)
{
	for (struct bh_jump_entry *e = __start_bh_jump_rt_nested; e < __stop_bh_jump_rt_nested;
	     e++) {
		unsigned char insn[5];
		int err;

		if (on) {
			int32_t rel = (int32_t)(e->target - (e->code + 5));

			insn[0] = 0xe9; /* jmp rel32 */
			memcpy(&insn[1], &rel, sizeof(rel));
		} else {
			memcpy(insn, bh_nop5, sizeof(insn));
		}
		if (!memcmp((void *)e->code, insn, sizeof(insn)))
			continue;
		err = bh_text_writable(e->code, true);
		if (err) {
			fprintf(stderr, "bhlock: cannot patch the rt-nested branch at %#lx: %s\n",
				(unsigned long)e->code, strerror(-err));
			return err;
		}
		memcpy((void *)e->code, insn, sizeof(insn));
		__builtin___clear_cache((char *)e->code, (char *)e->code + 5);
		bh_text_writable(e->code, false);
	}
	return 0;
}
#else
int bh_static_keys_set_rt_nested(bool on)
{
	(void)on;
	return 0;
}
#endif
