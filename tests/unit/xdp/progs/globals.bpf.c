// SPDX-License-Identifier: GPL-2.0-only
/* globals.bpf.c - global data: .data, .rodata, .bss and a string literal section. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile __u64 g_counter = 0x1122334455667788ULL; /* .data */
volatile __u32 g_second = 7;                       /* .data, offset 8 */
const volatile __u32 g_action = XDP_PASS;          /* .rodata */
const volatile __u32 g_limit = 1500;               /* .rodata, offset 4 */
volatile __u64 g_seen;                             /* .bss */

SEC("xdp")
int xdp_globals(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	g_seen++;
	g_counter += 1;
	g_second = 9;
	if (end - data > g_limit)
		bpf_printk("long frame %d", (int)(end - data));
	if (end - data < 14)
		bpf_trace_printk("runt\n", sizeof("runt\n"));
	return g_action;
}

char _license[] SEC("license") = "GPL";
