// SPDX-License-Identifier: GPL-2.0-only
/*
 * helpers.bpf.c - one program per helper family, each leaving its results in the .bss
 * variables below for the test to read: maps (lookup/update/delete on an array and a hash),
 * csum_diff over the first 20 bytes, xdp_load_bytes/xdp_store_bytes, time/CPU/random,
 * trace_printk, fib_lookup, redirect.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} flows SEC(".maps");

/* The only .bss variable, so it sits at offset 0 of the .bss map's value. */
struct results {
	__u64 lookup, update, del, csum, time, cpu, rand1, rand2, printk;
	__s64 fib, load, store;
	unsigned char bytes[8];
} res;

SEC("xdp")
int xdp_maps(struct xdp_md *ctx)
{
	__u32 k = 1, v = 77;
	__u64 *c;
	__u32 *f;

	c = bpf_map_lookup_elem(&counters, &k);
	if (!c)
		return XDP_ABORTED;
	__sync_fetch_and_add(c, 1);
	res.lookup = *c;
	k = ctx->ingress_ifindex;
	res.update = bpf_map_update_elem(&flows, &k, &v, BPF_NOEXIST);
	f = bpf_map_lookup_elem(&flows, &k);
	if (f)
		*f += 1;
	res.del = bpf_map_delete_elem(&flows, &v); /* absent: -ENOENT */
	return XDP_PASS;
}

SEC("xdp")
int xdp_csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 20 > end)
		return XDP_DROP;
	res.csum = bpf_csum_diff(0, 0, data, 20, 0);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
	unsigned char buf[8];

	res.load = bpf_xdp_load_bytes(ctx, 2, buf, sizeof(buf));
	__builtin_memcpy(res.bytes, buf, sizeof(buf));
	buf[0] = 0xab;
	res.store = bpf_xdp_store_bytes(ctx, 0, buf, 1);
	/* past the end: -EINVAL */
	if (bpf_xdp_load_bytes(ctx, 0xfff0, buf, sizeof(buf)) != -22)
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("xdp")
int xdp_misc(struct xdp_md *ctx)
{
	struct bpf_fib_lookup p = {};

	res.time = bpf_ktime_get_ns();
	res.cpu = bpf_get_smp_processor_id();
	res.rand1 = bpf_get_prandom_u32();
	res.rand2 = bpf_get_prandom_u32();
	res.printk = bpf_printk("helpers %d %s", 42, "ok");
	p.family = 2; /* AF_INET */
	p.ifindex = ctx->ingress_ifindex;
	res.fib = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	return XDP_PASS;
}

SEC("xdp")
int xdp_redir(struct xdp_md *ctx)
{
	return bpf_redirect(ctx->ingress_ifindex + 1, 0);
}

char _license[] SEC("license") = "GPL";
