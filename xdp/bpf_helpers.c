// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_helpers.c - the BPF helpers softnetd provides to XDP programs (bpf_interp.h), by kernel
 * helper id, for both engines.
 *
 * Each helper first does what the kernel verifier would have done before the program ran: its
 * map argument must be one of the program's maps (sn_bpf_prog_has_map()) of a type the helper
 * accepts, its ctx argument must be the run's ctx, and its memory arguments must lie in a region
 * the program may use (sn_bpf_mem_ok()) with a size the verifier would accept. A refusal ends
 * the program as XDP_ABORTED with SN_BPF_FAULT_HELPER (sn_bpf_helper_refuse()). Past that point
 * the helper returns what the kernel helper returns for the same arguments (net/core/filter.c,
 * kernel/bpf/helpers.c, kernel/trace/bpf_trace.c, as of 6.18):
 *
 * - xdp_adjust_head: data may move within [data_hard_start + 40 + metalen, data_end - 14]
 *   (40 = sizeof(struct xdp_frame), 14 = ETH_HLEN); metadata moves with it; else -EINVAL.
 * - xdp_adjust_meta: data_meta within [data_hard_start + 40, data], else -EINVAL; the metadata
 *   length must be a multiple of 4 and at most 255 (SN_XDP_META_MAX), else -EACCES.
 * - xdp_adjust_tail: data_end within [data + 14, data_hard_start + frame_sz - 320] (320 =
 *   SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86_64), else -EINVAL; grown bytes are
 *   zeroed. softnetd has no multi-buffer frames, so xdp.frags programs see linear frames.
 * - xdp_load_bytes/xdp_store_bytes: offset from data; offset or len > 0xffff -EFAULT; past the
 *   end -EINVAL.
 * - csum_diff: the 6.13+ arch-independent definition (the result folded to 16 bits, any length,
 *   no 512-byte limit): push = fold(sum(to) + seed), pull = fold(~sum(from, ~seed)), diff =
 *   fold(sum(to, seed) - sum(from)), nothing = seed.
 * - fib_lookup: plen < sizeof(struct bpf_fib_lookup) -EINVAL, unknown flags -EINVAL, family
 *   neither AF_INET nor AF_INET6 -EAFNOSUPPORT; then sn_bpf_fib_lookup_hook, or
 *   BPF_FIB_LKUP_RET_NOT_FWDED while the stack has not installed it.
 * - trace_printk: the kernel's format subset (%d %i %u %x %X %o %c %s %p %pK %px %pB %ps %pS
 *   %pi4 %pI4 %pi6 %pI6 with flags, width and l/ll), at most 3 arguments; printed to stderr at
 *   most SN_TRACE_PRINTK_BURST lines per second (a note says how many were suppressed);
 *   returns the formatted length, -EINVAL for a bad format.
 * - get_prandom_u32: a per-CPU xorshift64* generator seeded from the clock on first use.
 *
 * Context: BH context of a task that cannot migrate (per-CPU maps, get_smp_processor_id).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "bhlock/compiler.h"
#include "bhlock/percpu.h"
#include "maps/map.h"
#include "xdp/bpf_interp.h"
#include "xdp/bpf_interp_internal.h"
#include "xdp/xdp.h"

int (*sn_bpf_fib_lookup_hook)(void *params, int plen, uint32_t flags);

#define SN_TRACE_PRINTK_BURST 10
#define SN_TRACE_PRINTK_BUF 1024 /* MAX_BPRINTF_BUF */
#define SN_TRACE_PRINTK_ARGS 3

uint64_t sn_bpf_helper_refuse(struct sn_bpf_run_ctx *rc)
{
	rc->fault->reason = SN_BPF_FAULT_HELPER;
	return 0;
}

static inline void *ptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

static inline uint64_t ret_long(long v)
{
	return (uint64_t)(int64_t)v;
}

/* ---- maps ---- */

static struct sn_map *map_arg(struct sn_bpf_run_ctx *rc, uint64_t r1)
{
	struct sn_map *map = ptr(r1);

	return r1 && sn_bpf_prog_has_map(rc->prog, map) ? map : NULL;
}

static uint64_t h_map_lookup_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_map *map = map_arg(rc, r1);
	void *v;

	(void)r3, (void)r4, (void)r5;
	/* The verifier allows lookups on every map type here except cpumap. */
	if (!map || sn_map__type(map) == BPF_MAP_TYPE_CPUMAP ||
	    !sn_bpf_mem_ok(rc, r2, sn_map__key_size(map), false))
		return sn_bpf_helper_refuse(rc);
	v = sn_map_lookup_elem(map, ptr(r2));
	if (v)
		sn_bpf_grant(rc, v, sn_map__value_size(map), sn_bpf_map_prog_writable(rc->prog, map));
	return (uint64_t)(uintptr_t)v;
}

static uint64_t h_map_update_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_map *map = map_arg(rc, r1);

	(void)r5;
	if (!map || !sn_bpf_map_prog_writable(rc->prog, map) ||
	    sn_map__type(map) == BPF_MAP_TYPE_CPUMAP ||
	    !sn_bpf_mem_ok(rc, r2, sn_map__key_size(map), false) ||
	    !sn_bpf_mem_ok(rc, r3, sn_map__value_size(map), false))
		return sn_bpf_helper_refuse(rc);
	return ret_long(sn_map_update_elem(map, ptr(r2), ptr(r3), r4));
}

static uint64_t h_map_delete_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_map *map = map_arg(rc, r1);

	(void)r3, (void)r4, (void)r5;
	if (!map || !sn_bpf_map_prog_writable(rc->prog, map) ||
	    sn_map__type(map) == BPF_MAP_TYPE_CPUMAP ||
	    !sn_bpf_mem_ok(rc, r2, sn_map__key_size(map), false))
		return sn_bpf_helper_refuse(rc);
	return ret_long(sn_map_delete_elem(map, ptr(r2)));
}

/* ---- redirect ---- */

static uint64_t h_redirect(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct sn_bpf_run_ctx *rc)
{
	(void)r3, (void)r4, (void)r5, (void)rc;
	return ret_long(sn_bpf_redirect((uint32_t)r1, r2));
}

static uint64_t h_redirect_map(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct sn_bpf_run_ctx *rc)
{
	struct sn_map *map = map_arg(rc, r1);

	(void)r4, (void)r5;
	if (!map)
		return sn_bpf_helper_refuse(rc);
	switch (sn_map__type(map)) {
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
		break;
	default:
		return sn_bpf_helper_refuse(rc);
	}
	return ret_long(sn_bpf_redirect_map(map, r2, r3));
}

/* ---- packet ---- */

static struct sn_xdp_buff *ctx_arg(struct sn_bpf_run_ctx *rc, uint64_t r1)
{
	return ptr(r1) == rc->xdp ? rc->xdp : NULL;
}

static uint64_t h_xdp_adjust_head(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_xdp_buff *xdp = ctx_arg(rc, r1);
	int offset = (int)r2;
	uintptr_t data, lo, hi, metalen;

	(void)r3, (void)r4, (void)r5;
	if (!xdp)
		return sn_bpf_helper_refuse(rc);
	metalen = (uintptr_t)(xdp->data - xdp->data_meta);
	data = (uintptr_t)xdp->data + (intptr_t)offset;
	lo = (uintptr_t)xdp->data_hard_start + SN_XDP_FRAME_RESERVE + metalen;
	hi = (uintptr_t)xdp->data_end - SN_ETH_HLEN;
	if (data < lo || data > hi)
		return ret_long(-EINVAL);
	if (metalen)
		memmove(xdp->data_meta + offset, xdp->data_meta, metalen);
	xdp->data_meta += offset;
	xdp->data = (uint8_t *)data;
	return 0;
}

static uint64_t h_xdp_adjust_meta(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_xdp_buff *xdp = ctx_arg(rc, r1);
	int offset = (int)r2;
	uintptr_t meta, metalen;

	(void)r3, (void)r4, (void)r5;
	if (!xdp)
		return sn_bpf_helper_refuse(rc);
	meta = (uintptr_t)xdp->data_meta + (intptr_t)offset;
	if (meta < (uintptr_t)xdp->data_hard_start + SN_XDP_FRAME_RESERVE ||
	    meta > (uintptr_t)xdp->data)
		return ret_long(-EINVAL);
	metalen = (uintptr_t)xdp->data - meta;
	if ((metalen & 3) || metalen > SN_XDP_META_MAX)
		return ret_long(-EACCES);
	xdp->data_meta = (uint8_t *)meta;
	return 0;
}

static uint64_t h_xdp_adjust_tail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_xdp_buff *xdp = ctx_arg(rc, r1);
	int offset = (int)r2;
	intptr_t end, hard_end;

	(void)r3, (void)r4, (void)r5;
	if (!xdp)
		return sn_bpf_helper_refuse(rc);
	hard_end = (intptr_t)xdp->data_hard_start + (intptr_t)xdp->frame_sz -
		   SN_XDP_TAILROOM_RESERVE;
	end = (intptr_t)xdp->data_end + offset;
	if (end > hard_end || end < (intptr_t)xdp->data + SN_ETH_HLEN)
		return ret_long(-EINVAL);
	if (offset > 0)
		memset(xdp->data_end, 0, (size_t)offset);
	xdp->data_end = (uint8_t *)end;
	return 0;
}

static uint64_t h_xdp_get_buff_len(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_xdp_buff *xdp = ctx_arg(rc, r1);

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!xdp)
		return sn_bpf_helper_refuse(rc);
	return (uint64_t)(xdp->data_end - xdp->data);
}

/* bpf_xdp_load_bytes() / bpf_xdp_store_bytes(): the common checks. Return: 0 or -errno. */
static long xdp_bytes_check(const struct sn_xdp_buff *xdp, uint32_t offset, uint32_t len)
{
	if (offset > 0xffff || len > 0xffff)
		return -EFAULT;
	if ((uint64_t)offset + len > (uint64_t)(xdp->data_end - xdp->data))
		return -EINVAL;
	return 0;
}

static uint64_t h_xdp_load_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_xdp_buff *xdp = ctx_arg(rc, r1);
	uint32_t offset = (uint32_t)r2, len = (uint32_t)r4;
	long err;

	(void)r5;
	/* ARG_CONST_SIZE: a zero or huge length never passes the verifier. */
	if (!xdp || len == 0 || r4 > UINT32_MAX || !sn_bpf_mem_ok(rc, r3, len, true))
		return sn_bpf_helper_refuse(rc);
	err = xdp_bytes_check(xdp, offset, len);
	if (err)
		return ret_long(err);
	memmove(ptr(r3), xdp->data + offset, len);
	return 0;
}

static uint64_t h_xdp_store_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	struct sn_xdp_buff *xdp = ctx_arg(rc, r1);
	uint32_t offset = (uint32_t)r2, len = (uint32_t)r4;
	long err;

	(void)r5;
	if (!xdp || len == 0 || r4 > UINT32_MAX || !sn_bpf_mem_ok(rc, r3, len, false))
		return sn_bpf_helper_refuse(rc);
	err = xdp_bytes_check(xdp, offset, len);
	if (err)
		return ret_long(err);
	memmove(xdp->data + offset, ptr(r3), len);
	return 0;
}

/* ---- checksum ---- */

/* Ones'-complement sum of @len bytes as little-endian 16-bit words (csum_partial()). */
static uint64_t csum_words(const uint8_t *p, uint32_t len, uint64_t sum)
{
	uint32_t i = 0;

	for (; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		sum += w;
	}
	if (len - i >= 2) {
		uint16_t h;

		memcpy(&h, p + i, 2);
		sum += h;
		i += 2;
	}
	if (i < len)
		sum += p[i];
	return sum;
}

static uint32_t csum_fold32(uint64_t sum)
{
	sum = (sum & 0xffffffffULL) + (sum >> 32);
	sum = (sum & 0xffffffffULL) + (sum >> 32);
	return (uint32_t)sum;
}

static uint32_t csum_partial32(const uint8_t *p, uint32_t len, uint32_t seed)
{
	return csum_fold32(csum_words(p, len, seed));
}

static uint16_t csum_to16(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t csum_add32(uint32_t a, uint32_t b)
{
	a += b;
	return a + (a < b);
}

static uint64_t h_csum_diff(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct sn_bpf_run_ctx *rc)
{
	uint32_t from_size = (uint32_t)r2, to_size = (uint32_t)r4, seed = (uint32_t)r5;

	/* ARG_PTR_TO_MEM | PTR_MAYBE_NULL with ARG_CONST_SIZE_OR_ZERO. */
	if (r2 > UINT32_MAX || r4 > UINT32_MAX || (from_size && !sn_bpf_mem_ok(rc, r1, from_size, false)) ||
	    (to_size && !sn_bpf_mem_ok(rc, r3, to_size, false)))
		return sn_bpf_helper_refuse(rc);
	if (from_size && to_size)
		return csum_to16(csum_add32(csum_partial32(ptr(r3), to_size, seed),
					    ~csum_partial32(ptr(r1), from_size, 0)));
	if (to_size)
		return csum_to16(csum_partial32(ptr(r3), to_size, seed));
	if (from_size)
		return csum_to16(~csum_partial32(ptr(r1), from_size, ~seed));
	return seed;
}

/* ---- time, CPU, random ---- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t h_ktime_get_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct sn_bpf_run_ctx *rc)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)rc;
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t h_ktime_get_boot_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)rc;
	return clock_ns(CLOCK_BOOTTIME);
}

static uint64_t h_get_smp_processor_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				       uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)rc;
	return (uint64_t)smp_processor_id();
}

/* Per-CPU generator state; only this CPU's task touches its copy (no migration). */
static DEFINE_PER_CPU(uint64_t, sn_bpf_prandom_state);

static uint64_t h_get_prandom_u32(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct sn_bpf_run_ctx *rc)
{
	uint64_t *s = this_cpu_ptr(&sn_bpf_prandom_state), x = *s;

	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)rc;
	if (unlikely(x == 0))
		x = (clock_ns(CLOCK_MONOTONIC) ^ ((uint64_t)(smp_processor_id() + 1) *
						  0x9e3779b97f4a7c15ULL)) | 1;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

/* ---- trace_printk ---- */

struct pbuf {
	char *buf;
	size_t cap, len; /* len counts every byte, also those that did not fit */
};

static void pbuf_put(struct pbuf *b, const char *s, size_t n)
{
	if (b->len < b->cap) {
		size_t room = b->cap - b->len;

		memcpy(b->buf + b->len, s, n < room ? n : room);
	}
	b->len += n;
}

__attribute__((format(printf, 2, 3))) static void pbuf_printf(struct pbuf *b, const char *fmt,
							      ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		pbuf_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static bool trace_printk_allowed(uint64_t *suppressed)
{
	static uint64_t window, count, dropped;
	uint64_t now = clock_ns(CLOCK_MONOTONIC) / 1000000000ULL;
	uint64_t w = __atomic_load_n(&window, __ATOMIC_RELAXED);

	if (w != now && __atomic_compare_exchange_n(&window, &w, now, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED)) {
		__atomic_store_n(&count, 0, __ATOMIC_RELAXED);
		*suppressed = __atomic_exchange_n(&dropped, 0, __ATOMIC_RELAXED);
	}
	if (__atomic_fetch_add(&count, 1, __ATOMIC_RELAXED) < SN_TRACE_PRINTK_BURST)
		return true;
	__atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
	return false;
}

/* Copy a NUL-terminated string the program points at; unreadable → "" as the kernel does. */
static void copy_prog_string(struct sn_bpf_run_ctx *rc, uint64_t p, char *out, size_t cap)
{
	size_t i = 0;

	for (; i + 1 < cap; i++) {
		if (!sn_bpf_mem_ok(rc, p + i, 1, false)) {
			i = 0;
			break;
		}
		out[i] = *(const char *)ptr(p + i);
		if (!out[i])
			break;
	}
	out[i] = 0;
}

static int format_ip(struct sn_bpf_run_ctx *rc, struct pbuf *b, uint64_t p, char ver, bool upper)
{
	uint8_t a[16];

	if (ver == '4') {
		if (!sn_bpf_mem_ok(rc, p, 4, false))
			return -EINVAL;
		memcpy(a, ptr(p), 4);
		if (upper)
			pbuf_printf(b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		else
			pbuf_printf(b, "%03u.%03u.%03u.%03u", a[0], a[1], a[2], a[3]);
		return 0;
	}
	if (!sn_bpf_mem_ok(rc, p, 16, false))
		return -EINVAL;
	memcpy(a, ptr(p), 16);
	for (int i = 0; i < 16; i += 2)
		pbuf_printf(b, upper ? "%s%02x%02x" : "%s%02x%02x", i ? ":" : "", a[i], a[i + 1]);
	return 0;
}

/*
 * Format @fmt with @args as bpf_trace_printk() does. Return: the formatted length, or -EINVAL
 * for a format the kernel refuses (unknown conversion, more than 3 arguments, non-printable).
 */
static long trace_format(struct sn_bpf_run_ctx *rc, const char *fmt, const uint64_t *args,
			 struct pbuf *b)
{
	int nargs = 0;

	for (size_t i = 0; fmt[i]; i++) {
		char spec[32], conv;
		size_t s = 0;
		int lmod = 0;

		if (fmt[i] != '%') {
			if (!(fmt[i] >= 0x20 && fmt[i] < 0x7f) && !(fmt[i] >= '\t' && fmt[i] <= '\r'))
				return -EINVAL;
			pbuf_put(b, &fmt[i], 1);
			continue;
		}
		if (fmt[i + 1] == '%') {
			pbuf_put(b, "%", 1);
			i++;
			continue;
		}
		if (nargs == SN_TRACE_PRINTK_ARGS)
			return -EINVAL;
		spec[s++] = '%';
		i++;
		while (strchr("-+ #0", fmt[i]) && fmt[i] && s < 8)
			spec[s++] = fmt[i++];
		while (fmt[i] >= '0' && fmt[i] <= '9' && s < 16)
			spec[s++] = fmt[i++];
		while (fmt[i] == 'l' && lmod < 2) {
			lmod++;
			i++;
		}
		conv = fmt[i];
		uint64_t v = args[nargs++];

		switch (conv) {
		case 'd':
		case 'i':
			spec[s++] = 'l', spec[s++] = 'l', spec[s++] = 'd', spec[s] = 0;
			pbuf_printf(b, spec, lmod ? (long long)v : (long long)(int32_t)v);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			spec[s++] = 'l', spec[s++] = 'l', spec[s++] = conv, spec[s] = 0;
			pbuf_printf(b, spec, lmod ? (unsigned long long)v
						  : (unsigned long long)(uint32_t)v);
			break;
		case 'c':
			if (lmod)
				return -EINVAL;
			spec[s++] = 'c', spec[s] = 0;
			pbuf_printf(b, spec, (int)(unsigned char)v);
			break;
		case 's': {
			char str[256];

			if (lmod)
				return -EINVAL;
			copy_prog_string(rc, v, str, sizeof(str));
			spec[s++] = 's', spec[s] = 0;
			pbuf_printf(b, spec, str);
			break;
		}
		case 'p':
			if (lmod)
				return -EINVAL;
			switch (fmt[i + 1]) {
			case 'K':
			case 'x':
			case 'B':
			case 's':
			case 'S':
				i++;
				break;
			case 'i':
			case 'I':
				if (fmt[i + 2] != '4' && fmt[i + 2] != '6')
					return -EINVAL;
				if (format_ip(rc, b, v, fmt[i + 2], fmt[i + 1] == 'I'))
					return -EINVAL;
				i += 2;
				continue;
			default:
				if ((fmt[i + 1] >= 'a' && fmt[i + 1] <= 'z') ||
				    (fmt[i + 1] >= 'A' && fmt[i + 1] <= 'Z') ||
				    (fmt[i + 1] >= '0' && fmt[i + 1] <= '9'))
					return -EINVAL;
			}
			pbuf_printf(b, "0x%llx", (unsigned long long)v);
			break;
		default:
			return -EINVAL;
		}
	}
	return (long)b->len;
}

static uint64_t h_trace_printk(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct sn_bpf_run_ctx *rc)
{
	const char *fmt = ptr(r1);
	uint32_t fmt_size = (uint32_t)r2;
	uint64_t args[SN_TRACE_PRINTK_ARGS] = { r3, r4, r5 }, suppressed = 0;
	char out[SN_TRACE_PRINTK_BUF];
	struct pbuf b = { .buf = out, .cap = sizeof(out) - 1 };
	long n;

	if (fmt_size == 0 || r2 > UINT32_MAX || !sn_bpf_mem_ok(rc, r1, fmt_size, false))
		return sn_bpf_helper_refuse(rc);
	if (!memchr(fmt, 0, fmt_size))
		return ret_long(-EINVAL);
	n = trace_format(rc, fmt, args, &b);
	if (n < 0)
		return ret_long(n);
	out[b.len < b.cap ? b.len : b.cap] = 0;
	if (trace_printk_allowed(&suppressed)) {
		size_t l = strlen(out);

		if (suppressed)
			fprintf(stderr, "bpf_trace_printk: %llu messages suppressed\n",
				(unsigned long long)suppressed);
		fprintf(stderr, "bpf_trace_printk: %s%s", out, l && out[l - 1] == '\n' ? "" : "\n");
	}
	return ret_long(n);
}

/* ---- fib ---- */

#define SN_FIB_LOOKUP_FLAGS 0x3fU /* DIRECT OUTPUT SKIP_NEIGH TBID SRC MARK (6.18) */

static uint64_t h_fib_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct sn_bpf_run_ctx *rc)
{
	struct bpf_fib_lookup *params = ptr(r2);
	int plen = (int)r3;
	uint32_t flags = (uint32_t)r4;

	(void)r5;
	if (!ctx_arg(rc, r1) || plen <= 0 || !sn_bpf_mem_ok(rc, r2, (uint32_t)plen, true))
		return sn_bpf_helper_refuse(rc);
	if ((size_t)plen < sizeof(*params))
		return ret_long(-EINVAL);
	if (flags & ~SN_FIB_LOOKUP_FLAGS)
		return ret_long(-EINVAL);
	if (params->family != AF_INET && params->family != AF_INET6)
		return ret_long(-EAFNOSUPPORT);
	if (!sn_bpf_fib_lookup_hook)
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	return ret_long(sn_bpf_fib_lookup_hook(params, plen, flags));
}

/* ---- tables ---- */

/* Every id of this kernel's enum bpf_func_id, named as the kernel names it. */
#ifdef ___BPF_FUNC_MAPPER /* 6.2+: FN(name, id), no separators */
#define SN_HELPER_NAME(x, ...) [BPF_FUNC_##x] = "bpf_" #x,
#else /* older: FN(name) with commas between */
#define SN_HELPER_NAME(x, ...) [BPF_FUNC_##x] = "bpf_" #x
#endif
static const char *const helper_names[__BPF_FUNC_MAX_ID] = { __BPF_FUNC_MAPPER(SN_HELPER_NAME) };
#undef SN_HELPER_NAME

#define HELPER(id, f) [BPF_FUNC_##id] = { .name = "bpf_" #id, .fn = f }
#define HELPER_MAPVAL(id, f)                                                                       \
	[BPF_FUNC_##id] = { .name = "bpf_" #id, .fn = f, .returns_map_value = true }
static const struct sn_bpf_helper helpers[__BPF_FUNC_MAX_ID] = {
	HELPER_MAPVAL(map_lookup_elem, h_map_lookup_elem),
	HELPER(map_update_elem, h_map_update_elem),
	HELPER(map_delete_elem, h_map_delete_elem),
	HELPER(ktime_get_ns, h_ktime_get_ns),
	HELPER(ktime_get_boot_ns, h_ktime_get_boot_ns),
	HELPER(trace_printk, h_trace_printk),
	HELPER(get_prandom_u32, h_get_prandom_u32),
	HELPER(get_smp_processor_id, h_get_smp_processor_id),
	HELPER(redirect, h_redirect),
	HELPER(redirect_map, h_redirect_map),
	HELPER(csum_diff, h_csum_diff),
	HELPER(xdp_adjust_head, h_xdp_adjust_head),
	HELPER(xdp_adjust_meta, h_xdp_adjust_meta),
	HELPER(xdp_adjust_tail, h_xdp_adjust_tail),
	HELPER(fib_lookup, h_fib_lookup),
	HELPER(xdp_get_buff_len, h_xdp_get_buff_len),
	HELPER(xdp_load_bytes, h_xdp_load_bytes),
	HELPER(xdp_store_bytes, h_xdp_store_bytes),
};
#undef HELPER
#undef HELPER_MAPVAL

const struct sn_bpf_helper *sn_bpf_helper_get(int32_t id)
{
	if (id < 0 || id >= __BPF_FUNC_MAX_ID || !helpers[id].fn)
		return NULL;
	return &helpers[id];
}

const char *sn_bpf_helper_name(int32_t id)
{
	if (id < 0 || id >= __BPF_FUNC_MAX_ID || !helper_names[id])
		return "unknown";
	return helper_names[id];
}
