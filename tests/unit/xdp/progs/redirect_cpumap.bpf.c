// SPDX-License-Identifier: GPL-2.0-only
/*
 * redirect_cpumap.bpf.c - XDP_REDIRECT into a cpumap entry (the CPU from the one-entry array
 * "cfg"), and a split: frames with an odd sequence number (u32 at byte 16) to the cpumap entry,
 * even ones to devmap key 0.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SEQ_OFF 16

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 64);
} cpu_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} tx_port SEC(".maps");

SEC("xdp")
int xdp_redirect_cpumap(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *cpu = bpf_map_lookup_elem(&cfg, &zero);

	(void)ctx;
	if (!cpu)
		return XDP_ABORTED;
	return bpf_redirect_map(&cpu_map, *cpu, 0);
}

SEC("xdp")
int xdp_split(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u32 zero = 0, *cpu;

	if (data + SEQ_OFF + 4 > end)
		return XDP_ABORTED;
	if (!(data[SEQ_OFF] & 1))
		return bpf_redirect_map(&tx_port, 0, 0);
	cpu = bpf_map_lookup_elem(&cfg, &zero);
	if (!cpu)
		return XDP_ABORTED;
	return bpf_redirect_map(&cpu_map, *cpu, 0);
}

char _license[] SEC("license") = "GPL";
