// SPDX-License-Identifier: GPL-2.0-only
/*
 * sn_side.c - softnetd's side of the differential suite (sn_side.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bhlock/bhlock.h"
#include "bhlock/profile.h"
#include "bhlock/task.h"
#include "maps/map.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "xdp/xdp.h"
#include "xdp/xdp_map_prog.h"

#include "maps_plan.h"
#include "sn_side.h"

#define RUN_BUF 4096 /* a page, as the kernel's test run and a veth's live frames */
#define RUN_HEADROOM 256

int sside_break_verdict;

struct dp_priv {
	int port;
	const uint8_t *pending; /* the frame the next poll receives */
	uint32_t pending_len;
	uint64_t nomem;
};

struct sside_prog {
	struct sn_bpf_object *obj;
	struct sn_bpf_prog *prog;
};

static struct sn_netdev *ports[DIFF_NR_PORTS];
static struct diff_result *capture; /* where transmitted frames go */
static int pin_cpu;
static uint8_t run_buf[RUN_BUF] __attribute__((aligned(64)));

static enum sn_netdev_tx dp_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
				       struct sn_txq *txq)
{
	struct dp_priv *pp = dev->priv;
	struct diff_result *r = capture;

	(void)txq;
	if (r && r->nr_deliv >= 0) {
		if (r->nr_deliv < DIFF_MAX_DELIV) {
			struct diff_deliv *d = &r->deliv[r->nr_deliv++];
			uint32_t n = f->len < sizeof(d->data) ? f->len : sizeof(d->data);

			d->port = pp->port;
			d->len = f->len;
			memcpy(d->data, f->data, n);
		} else {
			r->deliv_overflow = true;
		}
	}
	sn_frame_free(f, false);
	return NETDEV_TX_OK;
}

static void dp_tx_flush(struct sn_netdev *dev, struct sn_txq *txq)
{
	(void)dev;
	txq->pending = 0;
}

static const struct sn_netdev_ops dp_ops = {
	.kind = "test",
	.start_xmit = dp_start_xmit,
	.tx_flush = dp_tx_flush,
};

/* Receive the pending frame, laid out as a veth's XDP frame: 256 bytes of headroom, a page. */
static int dp_poll(struct sn_napi *n, int budget)
{
	struct dp_priv *pp = n->dev->priv;
	int done = 0;

	if (pp->pending_len && budget > 0) {
		struct sn_frame *f = sn_frame_alloc(RUN_BUF - SN_FRAME_HEADROOM);

		if (f) {
			f->data += RUN_HEADROOM - SN_FRAME_HEADROOM;
			memcpy(f->data, pp->pending, pp->pending_len);
			f->len = pp->pending_len;
			f->dev = n->dev;
			f->rxq = 0;
			sn_netif_receive_frame(f);
			done = 1;
		} else {
			pp->nomem++;
		}
		pp->pending_len = 0;
	}
	if (done < budget)
		napi_complete_done(n, done);
	return done;
}

/* What XDP_PASS and the cpumap threads hand to the stack: not compared, freed. */
static void dp_rx_handler(struct sn_frame *f)
{
	sn_dev_drop_frame(f->dev, f, SN_DROP_LOCAL_UNHANDLED);
}

int sside_setup(const struct diff_maps_plan *plan, char *err, size_t errlen)
{
	int rc;

	rc = bh_profile_set(BH_PROFILE_RT_NESTED);
	rc = rc ?: sn_net_init(NULL);
	rc = rc ?: bhlock_start();
	rc = rc ?: sn_xdp_init();
	if (rc) {
		snprintf(err, errlen, "datapath start: %s", strerror(-rc));
		return rc;
	}
	pin_cpu = nr_cpu_ids - 1;
	rc = bh_task_pin(pin_cpu);
	if (rc) {
		snprintf(err, errlen, "pin to CPU %d: %s", pin_cpu, strerror(-rc));
		return rc;
	}
	sn_netdev_set_rx_handler(dp_rx_handler);
	for (int i = 0; i < DIFF_NR_PORTS; i++) {
		char name[16];
		struct sn_netdev *d;

		snprintf(name, sizeof(name), "snxdf%d", i);
		d = sn_netdev_alloc(name, &dp_ops, sizeof(struct dp_priv), 1, 1);
		if (!d || sn_netdev_register(d)) {
			snprintf(err, errlen, "port %s: cannot create", name);
			return -ENOMEM;
		}
		((struct dp_priv *)d->priv)->port = i;
		d->kernel_ifindex = (int)plan->ifindex[i]; /* the veth it stands for */
		sn_netif_napi_add(d, &d->napi[0], 0, dp_poll, 64, pin_cpu);
		napi_enable(&d->napi[0]);
		rc = sn_netdev_open(d);
		if (rc) {
			snprintf(err, errlen, "port %s: open: %s", name, strerror(-rc));
			return rc;
		}
		ports[i] = d;
	}
	return 0;
}

void sside_teardown(void)
{
	struct sn_netdev *d;
	int i;

	sn_xdp_fini();
	sn_for_each_netdev(d, i)
		sn_netdev_unregister(d);
	bhlock_stop();
	sn_netdev_set_rx_handler(NULL);
	sn_net_fini();
	memset(ports, 0, sizeof(ports));
}

static int sn_map_set(void *arg, const char *name, const void *k, const void *v)
{
	struct sn_map *m = sn_bpf_object_find_map(arg, name);
	struct sn_bpf_object *obj = arg;
	struct bpf_devmap_val dv;

	if (!m)
		return 0;
	if (!strcmp(name, "egress_ports")) { /* DIFF_EGRESS_PROG: the xdp/devmap program's id */
		memcpy(&dv, v, sizeof(dv));
		for (size_t i = 0; i < obj->nr_progs; i++)
			if (obj->progs[i].expected_attach_type == BPF_XDP_DEVMAP &&
			    dv.bpf_prog.fd == DIFF_EGRESS_PROG)
				dv.bpf_prog.fd = (int)sn_xdp_prog_id(&obj->progs[i]);
		v = &dv;
	}
	return sn_map__update_elem(m, k, v, BPF_ANY);
}

struct sside_prog *sside_prog_load(const char *obj_path, const char *prog_name,
				   enum sn_xdp_engine engine, const struct diff_maps_plan *plan,
				   uint32_t cfg_ifindex, uint32_t cfg_fallback, int *rc, char *err,
				   size_t errlen)
{
	struct sside_prog *sp = calloc(1, sizeof(*sp));

	*rc = -ENOMEM;
	if (!sp)
		return NULL;
	*rc = sn_bpf_object_open(obj_path, NULL, &sp->obj, err, errlen);
	if (*rc)
		goto fail;
	sp->prog = sn_bpf_object_find_prog(sp->obj, prog_name);
	if (!sp->prog) {
		snprintf(err, errlen, "%s: no program %s", obj_path, prog_name);
		*rc = -ENOENT;
		goto fail;
	}
	*rc = diff_maps_fill(plan, cfg_ifindex, cfg_fallback, sn_map_set, sp->obj);
	if (*rc) {
		snprintf(err, errlen, "%s: map update: %s", obj_path, strerror(-*rc));
		goto fail;
	}
	*rc = sn_bpf_prog_prepare(sp->prog, engine, err, errlen);
	if (*rc)
		goto fail;
	*rc = sn_xdp_attach(ports[0], sp->prog);
	if (*rc) {
		snprintf(err, errlen, "attach: %s", strerror(-*rc));
		goto fail;
	}
	return sp;
fail:
	sside_prog_unload(sp);
	return NULL;
}

void sside_prog_unload(struct sside_prog *sp)
{
	if (!sp)
		return;
	if (ports[0] && sn_xdp_attached(ports[0]))
		sn_xdp_detach(ports[0]);
	if (sp->obj) {
		for (size_t j = 0; j < sp->obj->nr_progs; j++)
			sn_bpf_prog_unprepare(&sp->obj->progs[j]);
		for (size_t j = 0; j < sp->obj->nr_maps; j++)
			if (sp->obj->maps[j].map &&
			    sn_map__type(sp->obj->maps[j].map) == BPF_MAP_TYPE_CPUMAP)
				sn_xdp_cpumap_release(sp->obj->maps[j].map);
		sn_bpf_object_close(sp->obj);
	}
	free(sp);
}

/* BPF_PROG_TEST_RUN's layout: the output is data_meta .. data_end. */
static void direct_run(struct sside_prog *sp, const uint8_t *pkt, uint32_t len,
		       struct diff_result *r)
{
	struct sn_xdp_buff x = {
		.data_hard_start = run_buf,
		.data = run_buf + RUN_HEADROOM,
		.data_meta = run_buf + RUN_HEADROOM,
		.data_end = run_buf + RUN_HEADROOM + len,
		.frame_sz = RUN_BUF,
		.ingress_ifindex = sn_dev_xdp_ifindex(ports[0]),
		.rx_queue_index = 0,
		.rxdev = ports[0],
	};
	uint32_t act;

	memset(run_buf, 0, sizeof(run_buf));
	memcpy(run_buf + RUN_HEADROOM, pkt, len);
	local_bh_disable();
	act = sn_bpf_prog_run_xdp(sp->prog, &x);
	local_bh_enable();
	if (sside_break_verdict && (act == XDP_DROP || act == XDP_PASS))
		act = act == XDP_DROP ? XDP_PASS : XDP_DROP;
	r->verdict = (int)act;
	r->out_len = (uint32_t)(x.data_end - x.data_meta);
	if (r->out_len > sizeof(r->out))
		r->out_len = sizeof(r->out);
	memcpy(r->out, x.data_meta, r->out_len);
}

void sside_run(struct sside_prog *sp, const uint8_t *pkt, uint32_t len, struct diff_result *r)
{
	struct dp_priv *pp = ports[0]->priv;
	int rc;

	r->nr_deliv = -1;
	r->deliv_overflow = false;
	r->verdict = -EINVAL;
	r->out_len = 0;
	if (len >= DIFF_MIN_KERNEL)
		direct_run(sp, pkt, len, r);
	/* Live: port 0 receives it in a busy poll of this task; everything is sent on return. */
	r->nr_deliv = 0;
	capture = r;
	pp->pending = pkt;
	pp->pending_len = len;
	do {
		rc = sn_napi_busy_loop(&ports[0]->napi[0], 1000, true);
		if (rc == -EBUSY)
			usleep(100);
	} while (rc == -EBUSY);
	capture = NULL;
}
