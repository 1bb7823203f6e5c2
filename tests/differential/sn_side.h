/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sn_side.h - softnetd's side of the differential suite: four in-process ports whose
 * kernel_ifindex is the matching veth's (so the same map contents name them), frames received
 * on port 0 by a busy poll of its NAPI in the calling task (the XDP run, the redirect and the
 * flush all done when it returns), transmitted frames captured per port; and a direct run of the
 * program on a buffer laid out as BPF_PROG_TEST_RUN lays it out (256 bytes of headroom, a page).
 */
#ifndef TESTS_DIFFERENTIAL_SN_SIDE_H
#define TESTS_DIFFERENTIAL_SN_SIDE_H

#include "diff.h"
#include "xdp/bpf_prog.h"

struct sside_prog;

/* Start the datapath (profile rt-nested), create the ports. Return: 0 or -errno with @err. */
int sside_setup(const struct diff_maps_plan *plan, char *err, size_t errlen);
void sside_teardown(void);

/*
 * Open @obj_path, fill its maps from @plan, prepare @prog_name for @engine and attach it to
 * port 0. Return: the program, or NULL with @err (-EOPNOTSUPP in *rc: the engine refused it).
 */
struct sside_prog *sside_prog_load(const char *obj_path, const char *prog_name,
				   enum sn_xdp_engine engine, const struct diff_maps_plan *plan,
				   uint32_t cfg_ifindex, uint32_t cfg_fallback, int *rc, char *err,
				   size_t errlen);
void sside_prog_unload(struct sside_prog *sp);

/* Run one frame: direct (verdict, output) and received on port 0 (deliveries). */
void sside_run(struct sside_prog *sp, const uint8_t *pkt, uint32_t len, struct diff_result *r);

/* Test hook for the suite's own check: flip XDP_DROP <-> XDP_PASS in the direct run's verdict. */
extern int sside_break_verdict;

#endif /* TESTS_DIFFERENTIAL_SN_SIDE_H */
