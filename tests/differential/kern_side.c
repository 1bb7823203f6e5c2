// SPDX-License-Identifier: GPL-2.0-only
/*
 * kern_side.c - the kernel side of the differential suite (kern_side.h).
 *
 * Delivery capture: xdp_sink (progs/diff_sink.bpf.c) on each peer copies arriving frames into a
 * ring buffer. A live test run returns once the frame was redirected, not once the peer's NAPI
 * ran, so after each frame a fence frame is sent out of every port (xdp_fence); a veth has one
 * rx queue, served in order, so once the four fences are captured everything the frame caused
 * has been captured too.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kern_side.h"

#define FENCE_PROTO 0x88b6
static const uint8_t fence_magic[8] = { 'S', 'N', 'X', 'D', 'F', 'F', 'E', 'N' };

struct sink_rec {
	uint32_t ifindex;
	uint32_t len;
	uint8_t data[2048];
};

static struct {
	struct bpf_object *sink;
	int fence_fd;
	struct ring_buffer *rb;
	uint32_t ifindex[DIFF_NR_PORTS], peer[DIFF_NR_PORTS];
	/* capture state of the frame being run */
	struct diff_result *cur;
	uint32_t fence_seq;
	int fences_seen;
	int stray; /* frames captured on no known peer */
} ks;

struct kside_prog {
	struct bpf_object *obj;
	int fd;
};

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static int peer_port(uint32_t ifindex)
{
	for (int i = 0; i < DIFF_NR_PORTS; i++)
		if (ks.peer[i] == ifindex)
			return i;
	return -1;
}

static int on_frame(void *ctx, void *data, size_t size)
{
	const struct sink_rec *rec = data;
	struct diff_result *r = ks.cur;
	int port = peer_port(rec->ifindex);
	uint32_t len = rec->len < sizeof(rec->data) ? rec->len : sizeof(rec->data);

	(void)ctx;
	(void)size;
	if (port < 0) {
		ks.stray++;
		return 0;
	}
	if (len >= 32 && rec->data[12] == FENCE_PROTO >> 8 && rec->data[13] == (FENCE_PROTO & 0xff) &&
	    !memcmp(rec->data + 20, fence_magic, sizeof(fence_magic))) {
		uint32_t seq;

		memcpy(&seq, rec->data + 28, 4);
		if (seq == ks.fence_seq)
			ks.fences_seen++;
		return 0;
	}
	if (!r)
		return 0;
	if (r->nr_deliv >= DIFF_MAX_DELIV) {
		r->deliv_overflow = true;
		return 0;
	}
	struct diff_deliv *d = &r->deliv[r->nr_deliv++];

	d->port = port;
	d->len = rec->len;
	memcpy(d->data, rec->data, len < sizeof(d->data) ? len : sizeof(d->data));
	return 0;
}

int kside_setup(const char *sink_obj, struct diff_maps_plan *plan, char *err, size_t errlen)
{
	struct bpf_program *sink;
	char cmd[512];
	int rc;

	if (geteuid() != 0) {
		snprintf(err, errlen, "needs root (network namespace, veths, BPF)");
		return -EPERM;
	}
	if (unshare(CLONE_NEWNET)) {
		snprintf(err, errlen, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return -errno;
	}
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	for (int i = 0; i < DIFF_NR_PORTS; i++) {
		snprintf(cmd, sizeof(cmd),
			 "ip link add snxdf%d numtxqueues 1 numrxqueues 1 type veth peer name snxdf%dp "
			 "numtxqueues 1 numrxqueues 1 && ip link set snxdf%d up && ip link set snxdf%dp up",
			 i, i, i, i);
		if (sh(cmd)) {
			snprintf(err, errlen, "cannot create veth pair snxdf%d (kernel without veth?)", i);
			return -ENODEV;
		}
		snprintf(cmd, sizeof(cmd), "snxdf%d", i);
		ks.ifindex[i] = if_nametoindex(cmd);
		snprintf(cmd, sizeof(cmd), "snxdf%dp", i);
		ks.peer[i] = if_nametoindex(cmd);
		plan->ifindex[i] = ks.ifindex[i];
	}
	sh("ip link set lo up");
	ks.sink = bpf_object__open_file(sink_obj, NULL);
	if (!ks.sink || bpf_object__load(ks.sink)) {
		snprintf(err, errlen, "%s: cannot load: %s", sink_obj, strerror(errno));
		return -EINVAL;
	}
	sink = bpf_object__find_program_by_name(ks.sink, "xdp_sink");
	ks.fence_fd = bpf_program__fd(bpf_object__find_program_by_name(ks.sink, "xdp_fence"));
	for (int i = 0; i < DIFF_NR_PORTS; i++) {
		rc = bpf_xdp_attach((int)ks.peer[i], bpf_program__fd(sink), XDP_FLAGS_DRV_MODE, NULL);
		if (rc) {
			snprintf(err, errlen, "attach xdp_sink natively on snxdf%dp: %s", i, strerror(-rc));
			return rc;
		}
	}
	ks.rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(ks.sink, "frames")),
				 on_frame, NULL, NULL);
	if (!ks.rb) {
		snprintf(err, errlen, "ring buffer: %s", strerror(errno));
		return -errno;
	}
	/* veths just set up may still be coming up: give the carrier a moment. */
	usleep(200 * 1000);
	return 0;
}

void kside_teardown(void)
{
	if (ks.stray)
		printf("note: %d frames captured on interfaces that are none of the ports\n", ks.stray);
	for (int i = 0; i < DIFF_NR_PORTS; i++)
		if (ks.peer[i])
			bpf_xdp_detach((int)ks.peer[i], XDP_FLAGS_DRV_MODE, NULL);
	ring_buffer__free(ks.rb);
	bpf_object__close(ks.sink);
	/* The veths go with the namespace when the process ends; remove them now all the same. */
	for (int i = 0; i < DIFF_NR_PORTS; i++) {
		char cmd[64];

		if (!ks.ifindex[i])
			continue;
		snprintf(cmd, sizeof(cmd), "ip link del snxdf%d 2>/dev/null", i);
		sh(cmd);
	}
	memset(&ks, 0, sizeof(ks));
}

/* The contents of every map the suite's objects have (diff_maps_fill() on the other side). */
#include "maps_plan.h"

static int map_set(void *arg, const char *name, const void *k, const void *v)
{
	struct bpf_map *m = bpf_object__find_map_by_name(arg, name);
	struct bpf_devmap_val dv;
	struct bpf_program *p;

	if (!m)
		return 0; /* not in this object */
	if (!strcmp(name, "egress_ports")) { /* DIFF_EGRESS_PROG: the xdp/devmap program's fd */
		memcpy(&dv, v, sizeof(dv));
		bpf_object__for_each_program(p, arg)
			if (bpf_program__expected_attach_type(p) == BPF_XDP_DEVMAP &&
			    dv.bpf_prog.fd == DIFF_EGRESS_PROG)
				dv.bpf_prog.fd = bpf_program__fd(p);
		v = &dv;
	}
	return bpf_map_update_elem(bpf_map__fd(m), k, v, BPF_ANY) ? -errno : 0;
}

struct kside_prog *kside_prog_load(const char *obj_path, const char *prog_name,
				   const struct diff_maps_plan *plan, uint32_t cfg_ifindex,
				   uint32_t cfg_fallback, char *err, size_t errlen)
{
	struct kside_prog *kp = calloc(1, sizeof(*kp));
	struct bpf_program *p;
	int rc;

	if (!kp)
		return NULL;
	kp->obj = bpf_object__open_file(obj_path, NULL);
	if (!kp->obj) {
		snprintf(err, errlen, "%s: %s", obj_path, strerror(errno));
		goto fail;
	}
	/* Only the program under test is loaded (the kernel would refuse none, but keep it lean). */
	bpf_object__for_each_program(p, kp->obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog_name) ||
					     bpf_program__expected_attach_type(p) == BPF_XDP_DEVMAP);
	if (bpf_object__load(kp->obj)) {
		snprintf(err, errlen, "%s: load: %s", obj_path, strerror(errno));
		goto fail;
	}
	p = bpf_object__find_program_by_name(kp->obj, prog_name);
	if (!p) {
		snprintf(err, errlen, "%s: no program %s", obj_path, prog_name);
		goto fail;
	}
	kp->fd = bpf_program__fd(p);
	rc = diff_maps_fill(plan, cfg_ifindex, cfg_fallback, map_set, kp->obj);
	if (rc) {
		snprintf(err, errlen, "%s: map update: %s", obj_path, strerror(-rc));
		goto fail;
	}
	return kp;
fail:
	kside_prog_unload(kp);
	return NULL;
}

void kside_prog_unload(struct kside_prog *kp)
{
	if (!kp)
		return;
	bpf_object__close(kp->obj);
	free(kp);
}

static int live_run(int fd, const uint8_t *pkt, uint32_t len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ks.ifindex[0] };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	return bpf_prog_test_run_opts(fd, &o) ? -errno : 0;
}

/* Fence every port and wait for the four fences (or 2 s). Return: 0 or -ETIMEDOUT. */
static int fence_all(void)
{
	uint8_t f[60] = { 0x02, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0x02, 0xfe, 0xfe, 0xfe, 0xfe, 0xff,
			  FENCE_PROTO >> 8, FENCE_PROTO & 0xff };
	struct timespec t0, t;

	ks.fence_seq++;
	ks.fences_seen = 0;
	memcpy(f + 20, fence_magic, sizeof(fence_magic));
	memcpy(f + 28, &ks.fence_seq, 4);
	for (int i = 0; i < DIFF_NR_PORTS; i++) {
		memcpy(f + 16, &ks.ifindex[i], 4);
		if (live_run(ks.fence_fd, f, sizeof(f)))
			return -EIO;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ring_buffer__consume(ks.rb);
		if (ks.fences_seen >= DIFF_NR_PORTS)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 2)
			return -ETIMEDOUT;
		ring_buffer__poll(ks.rb, 1);
	}
}

int kside_run(struct kside_prog *kp, const uint8_t *pkt, uint32_t len, struct diff_result *r,
	      char *err, size_t errlen)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ks.ifindex[0] };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int rc;

	r->nr_deliv = -1;
	r->deliv_overflow = false;
	if (bpf_prog_test_run_opts(kp->fd, &o)) {
		r->verdict = -errno;
		r->out_len = 0;
		return 0; /* a refusal is a result too (runts) */
	}
	r->verdict = (int)o.retval;
	r->out_len = o.data_size_out;

	/* Live: the frame's deliveries, then the fences. */
	ks.cur = r;
	r->nr_deliv = 0;
	rc = live_run(kp->fd, pkt, len);
	if (rc == -EINVAL) {
		/* Live frames have limits of their own (kern_side.h): no delivery to compare. */
		r->nr_deliv = -1;
		ks.cur = NULL;
		return 0;
	}
	if (rc) {
		snprintf(err, errlen, "live test run: %s", strerror(-rc));
		ks.cur = NULL;
		return rc;
	}
	rc = fence_all();
	ks.cur = NULL;
	if (rc)
		snprintf(err, errlen, "capture fences not seen: %s", strerror(-rc));
	return rc;
}
