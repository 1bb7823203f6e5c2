// SPDX-License-Identifier: GPL-2.0-only
/*
 * faulty.bpf.c - programs the kernel verifier would refuse but clang compiles, each with one
 * fault the interpreter must stop at run time (XDP_ABORTED, nothing touched):
 *   oob_read   reads one byte past data_end (no bounds check);
 *   oob_write  writes 4 bytes straddling data_end;
 *   map_oob    reads one byte past a looked-up 8-byte array value;
 *   endless    loops forever (instruction budget);
 *   deep       recurses without end (call depth).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

SEC("xdp")
int oob_read(struct xdp_md *ctx)
{
	unsigned char *end = (void *)(long)ctx->data_end;

	return *(volatile unsigned char *)end;
}

SEC("xdp")
int oob_write(struct xdp_md *ctx)
{
	unsigned char *end = (void *)(long)ctx->data_end;

	*(volatile __u32 *)(end - 3) = 0xdeadbeef;
	return XDP_PASS;
}

SEC("xdp")
int map_oob(struct xdp_md *ctx)
{
	__u32 k = 0;
	unsigned char *v = bpf_map_lookup_elem(&vals, &k);

	(void)ctx;
	if (!v)
		return XDP_PASS;
	return ((volatile unsigned char *)v)[8];
}

SEC("xdp")
int endless(struct xdp_md *ctx)
{
	volatile __u32 n = ctx->rx_queue_index;

	for (;;)
		n++;
	return XDP_PASS;
}

static __attribute__((noinline)) int down(int n)
{
	volatile unsigned char frame[64];

	frame[n & 63] = (unsigned char)n;
	if (n == -1)
		return 0;
	/* a volatile read after the call keeps clang from turning the recursion into a loop */
	return down(n + 1) + frame[n & 63];
}

SEC("xdp")
int deep(struct xdp_md *ctx)
{
	return down(ctx->rx_queue_index) & 3;
}

char _license[] SEC("license") = "GPL";
