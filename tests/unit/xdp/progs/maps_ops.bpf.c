// SPDX-License-Identifier: GPL-2.0-only
/* maps_ops.bpf.c - BTF map definitions of several types, used with lookup/update/delete. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 128);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} pcpu SEC(".maps");

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_key);
	__type(value, __u32);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} ports SEC(".maps");

SEC("xdp")
int xdp_maps(struct xdp_md *ctx)
{
	__u32 k = ctx->ingress_ifindex;
	__u64 one = 1, *v;
	struct lpm_key lk = { .prefixlen = 32, .addr = k };
	__u32 *r;

	v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST);
	k = 0;
	v = bpf_map_lookup_elem(&pcpu, &k);
	if (v)
		*v += 1;
	r = bpf_map_lookup_elem(&routes, &lk);
	if (r && *r == 0)
		bpf_map_delete_elem(&counts, &k);
	if (r)
		return bpf_redirect_map(&ports, *r, XDP_PASS);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
