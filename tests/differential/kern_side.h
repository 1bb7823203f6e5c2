/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kern_side.h - the kernel side of the differential suite: a private network namespace with
 * four veth pairs snxdf0..3 <-> snxdf0p..3p (IPv6 off, so nothing but our frames moves), a
 * capture program on each peer, and the program under test run through BPF_PROG_TEST_RUN:
 * plain for the verdict and the output bytes, BPF_F_TEST_XDP_LIVE_FRAMES with ingress snxdf0 for
 * the delivery (real redirects through real devmaps and cpumaps).
 *
 * The namespace is unshare()d by the calling process before it starts any thread: the veths and
 * the attachments vanish with the process, whatever way it ends.
 */
#ifndef TESTS_DIFFERENTIAL_KERN_SIDE_H
#define TESTS_DIFFERENTIAL_KERN_SIDE_H

#include "diff.h"

struct kside_prog;

/* Namespace, veths, capture. Return: 0, -errno (77-worthy: no root, no veth) with @err. */
int kside_setup(const char *sink_obj, struct diff_maps_plan *plan, char *err, size_t errlen);
void kside_teardown(void);

/* Load @prog_name of @obj_path into the kernel and fill its maps from @plan. */
struct kside_prog *kside_prog_load(const char *obj_path, const char *prog_name,
				   const struct diff_maps_plan *plan, uint32_t cfg_ifindex,
				   uint32_t cfg_fallback, char *err, size_t errlen);
void kside_prog_unload(struct kside_prog *kp);

/* Run one frame: test run (verdict, output) and live (deliveries). Return: 0 or -errno. */
int kside_run(struct kside_prog *kp, const uint8_t *pkt, uint32_t len, struct diff_result *r,
	      char *err, size_t errlen);

#endif /* TESTS_DIFFERENTIAL_KERN_SIDE_H */
