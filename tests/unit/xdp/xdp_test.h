/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_test.h - what the attach, redirect and cpumap tests share: test ports on real NAPI polls,
 * a generator device whose single poll produces a chosen number of frames (deterministic bulk
 * boundaries), frames with a sequence number, and programs.
 *
 * Programs: the clang-built objects of progs/ (XDP_PROGS_DIR), opened with the loader and
 * prepared with the AUTO engine policy; their knobs are one-entry "cfg" array maps.
 */
#ifndef TESTS_UNIT_XDP_XDP_TEST_H
#define TESTS_UNIT_XDP_XDP_TEST_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "maps/map.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "ports/ports.h"
#include "xdp/bpf_prog.h"
#include "xdp/xdp.h"

#define XT_LEN 96
#define XT_SEQ_OFF 16 /* u32 sequence number in the payload */
#define XT_SRC_OFF 20 /* which injector/source */
#define XT_TAG_OFF 21 /* the tagging programs write their id here */

/* A frame: broadcast dst, src mac, IPv4 ethertype, seq at XT_SEQ_OFF, @src at XT_SRC_OFF. */
static inline void xt_frame(uint8_t *p, uint32_t seq, uint8_t src)
{
	memset(p, 0, XT_LEN);
	memset(p, 0xff, 6);
	for (int i = 0; i < 6; i++)
		p[6 + i] = (uint8_t)(0x10 + i);
	p[12] = 0x08;
	p[13] = 0x00;
	memcpy(p + XT_SEQ_OFF, &seq, 4);
	p[XT_SRC_OFF] = src;
	for (int i = 24; i < XT_LEN; i++)
		p[i] = (uint8_t)(i ^ seq);
}

static inline uint32_t xt_seq(const uint8_t *p)
{
	uint32_t s;

	memcpy(&s, p + XT_SEQ_OFF, 4);
	return s;
}

/* ---- real objects from progs/ (built by meson into XDP_PROGS_DIR) ---- */

#define XT_MAX_OBJS 8
static struct sn_bpf_object *xt_objs[XT_MAX_OBJS];

static inline struct sn_bpf_object *xt_open(const char *file)
{
	struct sn_bpf_object *obj = NULL;
	char path[512], err[256] = "";
	int rc;

	snprintf(path, sizeof(path), "%s/%s", XDP_PROGS_DIR, file);
	rc = sn_bpf_object_open(path, NULL, &obj, err, sizeof(err));
	if (rc)
		print_message("%s: %s\n", path, err);
	assert_int_equal(rc, 0);
	for (int i = 0; i < XT_MAX_OBJS; i++) {
		if (!xt_objs[i]) {
			xt_objs[i] = obj;
			return obj;
		}
	}
	fail_msg("too many objects");
	return NULL;
}

/* Program @name of @obj, prepared for @engine (AUTO: JIT when proven, else the interpreter). */
static inline struct sn_bpf_prog *xt_prog(struct sn_bpf_object *obj, const char *name,
					  enum sn_xdp_engine engine)
{
	struct sn_bpf_prog *p = sn_bpf_object_find_prog(obj, name);
	char err[256] = "";

	assert_non_null(p);
	if (sn_bpf_prog_prepare(p, engine, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	return p;
}

static inline struct sn_map *xt_map(struct sn_bpf_object *obj, const char *name)
{
	struct sn_map *m = sn_bpf_object_find_map(obj, name);

	assert_non_null(m);
	return m;
}

/* Write entry 0 of the object's one-entry array "cfg". */
static inline void xt_cfg(struct sn_bpf_object *obj, const void *val)
{
	uint32_t zero = 0;

	assert_int_equal(sn_map__update_elem(xt_map(obj, "cfg"), &zero, val, BPF_ANY), 0);
}

/* After the devices are gone (no program runs any more). */
static inline void xt_close_objs(void)
{
	for (int i = 0; i < XT_MAX_OBJS; i++) {
		struct sn_bpf_object *obj = xt_objs[i];

		if (!obj)
			continue;
		for (size_t j = 0; j < obj->nr_progs; j++)
			sn_bpf_prog_unprepare(&obj->progs[j]);
		for (size_t j = 0; j < obj->nr_maps; j++)
			if (obj->maps[j].map && sn_map__type(obj->maps[j].map) == BPF_MAP_TYPE_CPUMAP)
				sn_xdp_cpumap_release(obj->maps[j].map);
		sn_bpf_object_close(obj);
		xt_objs[i] = NULL;
	}
}

static inline uint64_t xt_stat(struct sn_netdev *d, size_t off)
{
	struct sn_xdp_stats s;

	sn_xdp_stats_read(d, &s);
	return *(uint64_t *)((char *)&s + off);
}
#define XT_STAT(d, field) xt_stat((d), offsetof(struct sn_xdp_stats, field))

static inline struct sn_dev_stats xt_dev_stats(struct sn_netdev *d)
{
	struct sn_dev_stats s;

	sn_dev_stats_read(d, -1, &s);
	return s;
}

/*
 * Frames the test ports dropped before XDP saw them (no frame head: the per-CPU head cache ran
 * dry while the other CPU held many frames); counted, so the totals still add up.
 */
static inline uint64_t xt_nomem(struct sn_netdev *a, struct sn_netdev *b)
{
	return xt_dev_stats(a).drops[SN_DROP_NOMEM_HEAD] + xt_dev_stats(b).drops[SN_DROP_NOMEM_HEAD];
}

/* Wait until *counter reaches n. Return: 0 or -ETIMEDOUT. */
static inline int xt_wait(const int *counter, int n, int timeout_ms)
{
	for (int i = 0; i < timeout_ms * 10; i++) {
		if (__atomic_load_n(counter, __ATOMIC_ACQUIRE) >= n)
			return 0;
		usleep(100);
	}
	return -ETIMEDOUT;
}

/* ---- the generator device: one poll produces gen_n frames ---- */

static const struct sn_netdev_ops xt_gen_ops = { .kind = "gen" };
static int xt_gen_n;
static uint32_t xt_gen_seq;

static inline int xt_gen_poll(struct sn_napi *n, int budget)
{
	int done = 0;

	while (done < xt_gen_n && done < budget) {
		struct sn_frame *f = sn_frame_alloc(XT_LEN);

		assert_non_null(f);
		xt_frame(f->data, xt_gen_seq++, 0);
		f->len = XT_LEN;
		f->dev = n->dev;
		f->rxq = 0;
		sn_netif_receive_frame(f);
		done++;
	}
	napi_complete_done(n, done);
	return done;
}

static inline struct sn_netdev *xt_gen_create(const char *name)
{
	struct sn_netdev *d = sn_netdev_alloc(name, &xt_gen_ops, 0, 1, 0);

	assert_non_null(d);
	assert_int_equal(sn_netdev_register(d), 0);
	sn_netif_napi_add(d, &d->napi[0], 0, xt_gen_poll, 64, 0);
	napi_enable(&d->napi[0]);
	d->admin_up = true;
	return d;
}

/* One poll of @gen producing @n frames, on the calling (pinned) task. */
static inline void xt_gen_run(struct sn_netdev *gen, int n)
{
	xt_gen_n = n;
	local_bh_disable();
	napi_schedule(&gen->napi[0]);
	local_bh_enable();
}

/* ---- common setup ---- */

static inline void xt_setup_core(void)
{
	assert_int_equal(sn_net_init(NULL), 0);
	assert_int_equal(bhlock_start(), 0);
	assert_int_equal(sn_xdp_init(), 0);
#ifdef BHLOCK_DEBUG
	lockdep_reset();
#endif
}

static inline void xt_teardown_core(void)
{
	struct sn_netdev *d;
	int i;

	sn_xdp_fini();
	sn_for_each_netdev(d, i)
		sn_netdev_unregister(d);
	bhlock_stop();
	sn_netdev_set_rx_handler(NULL);
	xt_close_objs();
	sn_net_fini();
}

static inline struct sn_netdev *xt_port(const char *name, int cpu)
{
	struct sn_netdev *d = sn_port_test_create(name, 1, cpu % nr_cpu_ids);

	assert_non_null(d);
	assert_int_equal(sn_netdev_open(d), 0);
	return d;
}

static inline void xt_inject(struct sn_netdev *d, const uint8_t *p, uint32_t len)
{
	while (sn_port_test_inject(d, 0, p, len) == -ENOBUFS)
		usleep(50);
}

static inline unsigned long xt_validator_reports(void)
{
#ifdef BHLOCK_DEBUG
	return lockdep_report_total();
#else
	return 0;
#endif
}

#endif /* TESTS_UNIT_XDP_XDP_TEST_H */
