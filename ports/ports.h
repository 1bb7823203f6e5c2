/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ports.h - creating softnetd's ports. Each backend makes a registered struct sn_netdev (not yet
 * opened); sn_ports_create() builds all the ports of a configuration, parents before the vlan
 * devices on them, and wires loop devices to their peers.
 *
 * Queue placement: rx queue q of the k-th physical port runs on cpus[(k + q) % nr_cpus] (its IRQ
 * thread, NAPI thread and poll list).
 *
 * Context: thread context, after sn_net_init().
 */
#ifndef PORTS_PORTS_H
#define PORTS_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/netdev.h"

struct softnetd_config;
struct cfg_port;

/* What every backend needs besides its own config entry. */
struct sn_port_env {
	const int *cpus;  /* CPUs for queues (config cpus, or every online CPU) */
	size_t nr_cpus;
	int first_cpu_slot; /* this port's offset in the rotation */
	int irq_prio;     /* SCHED_FIFO priority of IRQ threads (RT profiles), 0: 50 */
	bool napi_threaded;
	int napi_weight;  /* 0: dev_weight */
	int frames_per_queue; /* UMEM / mempool frames per rx queue (config memory.frames_per_queue) */
};

/* Return: the registered device, or NULL with a message in @err (errno set). */
struct sn_netdev *sn_port_afxdp_create(const struct cfg_port *p, const struct sn_port_env *env,
				       char *err, size_t errlen);
struct sn_netdev *sn_port_dpdk_create(const struct cfg_port *p, const struct sn_port_env *env,
				      char *err, size_t errlen);
/* DPDK's EAL, once per process, with the config's EAL arguments. Return 0/-errno. */
int sn_dpdk_eal_init(const struct softnetd_config *cfg, char *err, size_t errlen);
void sn_dpdk_eal_fini(void);

/* A vlan device @name carrying VID @vid over @lower (registered in lower->vlan_upper). */
struct sn_netdev *sn_port_vlan_create(const char *name, struct sn_netdev *lower, uint16_t vid);
/* A loop/tunnel device: what it transmits is transmitted again on its peer (may be itself). */
struct sn_netdev *sn_port_loop_create(const char *name);
void sn_port_loop_set_peer(struct sn_netdev *loop, struct sn_netdev *peer);

/*
 * The in-process test port: rx frames are injected with sn_port_test_inject() (they arrive
 * through an eventfd interrupt and a real NAPI poll on @cpu), tx frames are captured and can be
 * taken with sn_port_test_take_tx(). Used by unit tests and by the stack's tests.
 */
struct sn_netdev *sn_port_test_create(const char *name, unsigned int nr_queues, int cpu);
/* Copy @len bytes as a received frame on queue @q. Context: any thread. Return 0/-ENOBUFS. */
int sn_port_test_inject(struct sn_netdev *dev, unsigned int q, const void *data, uint32_t len);
/*
 * The eventfd that is rx queue @q's interrupt line: request its IRQ with sn_napi_set_irq() before
 * the port opens to choose its priority (open requests it at the default otherwise).
 * Return: the fd or -EINVAL.
 */
int sn_port_test_rx_fd(struct sn_netdev *dev, unsigned int q);
/* Take the oldest transmitted frame's bytes (≤ @cap). Return its length, or -EAGAIN if none. */
int sn_port_test_take_tx(struct sn_netdev *dev, void *buf, uint32_t cap);
/* Wait up to @timeout_ms until @n frames were transmitted (in total). Return 0 or -ETIMEDOUT. */
int sn_port_test_wait_tx(struct sn_netdev *dev, uint64_t n, int timeout_ms);

/*
 * A softnetd of the same runtime directory died without cleaning up (its control socket was
 * stale): AF_XDP ports created from now on detach libxdp's XSK program they find unused on their
 * interface (port_afxdp.c, afxdp_detach_orphan()). Context: thread, before sn_ports_create().
 */
void sn_port_afxdp_reclaim_orphans(void);

/* Every port of @cfg, created and registered in order. Return 0 or -errno with @err. */
int sn_ports_create(const struct softnetd_config *cfg, char *err, size_t errlen);
/* Open every registered port. Return 0 or the first -errno (with @err). */
int sn_ports_open_all(char *err, size_t errlen);
/* Stop and unregister every port (vlan devices first). */
void sn_ports_destroy_all(void);

#endif /* PORTS_PORTS_H */
