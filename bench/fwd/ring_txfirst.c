// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_txfirst.c - softnetd's counterpart of `dpdk-testpmd --tx-first` on net_ring ports.
 *
 * Built as a shared object and loaded into softnetd with LD_PRELOAD by bench/fwd/run.sh. It wraps
 * rte_eth_dev_start(): after the real call succeeds for a port whose driver is net_ring, it sends
 * one burst of SN_TXFIRST_BURST (default 64 = testpmd's 2 streams x 32) frames on tx queue 0 of the
 * which is what testpmd does once per forwarding stream. A net_ring vdev made from a name alone is
 * a loopback (one ring per queue for rx and tx), so the burst comes back on the same port's rx
 * queue and softnetd's bridge floods it to the other port, forever: the frames circulate as they
 * do in testpmd's io mode, and the rate at which softnetd moves them is its forwarding rate.
 *
 * The frames are broadcast (dst ff:ff:ff:ff:ff:ff), so a two-port bridge floods each one to the
 * single other port without a copy; the source MAC is SN_TXFIRST_SRC (default 02:00:00:00:00:01),
 * which run.sh pins as a static FDB entry so that source learning finds it and writes nothing.
 * 64-byte IPv4/UDP frames, like testpmd's txonly template.
 *
 * The mbufs come from a pool of our own (made here, after EAL is up). Context: the caller of
 * rte_eth_dev_start() (thread context, during softnetd's start-up, before its NAPIs poll the port).
 * Nothing else of softnetd is touched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define TXF_FRAME_LEN 60 /* 64 on the wire with the FCS */

static struct rte_mempool *txf_pool;

static void txf_parse_mac(const char *s, uint8_t *m)
{
	unsigned int b[6];

	if (!s || sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
		static const uint8_t def[6] = {0x02, 0, 0, 0, 0, 0x01};
		memcpy(m, def, 6);
		return;
	}
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)b[i];
}

static void txf_fill(struct rte_mbuf *m, const uint8_t *src, unsigned int seq)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	memset(p, 0, TXF_FRAME_LEN);
	memset(p, 0xff, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x08; /* IPv4 */
	p[14] = 0x45;
	p[16] = 0;
	p[17] = TXF_FRAME_LEN - 14;
	p[22] = 64; /* ttl */
	p[23] = 17; /* UDP */
	p[26] = 198; p[27] = 18; p[28] = 0; p[29] = 1; /* 198.18.0.1 */
	p[30] = 198; p[31] = 18; p[32] = 0; p[33] = 2; /* 198.18.0.2 */
	{
		uint32_t sum = 0;

		for (int i = 14; i < 34; i += 2)
			sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		p[24] = (uint8_t)(sum >> 8);
		p[25] = (uint8_t)sum;
	}
	p[34] = (uint8_t)((10000 + seq) >> 8); p[35] = (uint8_t)(10000 + seq);
	p[36] = 0; p[37] = 9;
	p[38] = 0; p[39] = TXF_FRAME_LEN - 34;
	m->data_len = m->pkt_len = TXF_FRAME_LEN;
}

static int txf_port = -1;

/* After SN_TXFIRST_DELAY_MS (default 1500, when softnetd has started every port and said
 * "ready"), send the first burst into the first net_ring port's loopback ring. One burst on one
 * port only: net_ring's rings are single-producer, and until this burst exists nobody else
 * enqueues on them (softnetd transmits only what it received), so there is no second producer. */
static void *txf_thread(void *arg)
{
	const char *env = getenv("SN_TXFIRST_BURST"), *delay = getenv("SN_TXFIRST_DELAY_MS");
	unsigned int n = env ? (unsigned int)atoi(env) : 64, sent;
	struct rte_mbuf *bufs[512];
	uint16_t port_id = (uint16_t)txf_port;
	uint8_t src[6];

	(void)arg;
	usleep((useconds_t)(delay ? atoi(delay) : 1500) * 1000u);
	if (n == 0 || n > 512)
		n = 64;
	txf_pool = rte_pktmbuf_pool_create("sn_txfirst", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	if (!txf_pool || rte_pktmbuf_alloc_bulk(txf_pool, bufs, n)) {
		fprintf(stderr, "ring_txfirst: port %u: no mbufs for the first burst\n", port_id);
		return NULL;
	}
	txf_parse_mac(getenv("SN_TXFIRST_SRC"), src);
	for (unsigned int i = 0; i < n; i++)
		txf_fill(bufs[i], src, i);
	sent = rte_eth_tx_burst(port_id, 0, bufs, (uint16_t)n);
	if (sent < n)
		rte_pktmbuf_free_bulk(bufs + sent, n - sent);
	fprintf(stderr, "ring_txfirst: port %u (net_ring): %u frames sent first\n", port_id, sent);
	return NULL;
}

int rte_eth_dev_start(uint16_t port_id)
{
	static int (*real_start)(uint16_t);
	struct rte_eth_dev_info info;
	pthread_t t;
	int rc;

	if (!real_start)
		real_start = (int (*)(uint16_t))dlsym(RTLD_NEXT, "rte_eth_dev_start");
	rc = real_start(port_id);
	if (rc || txf_port >= 0 || rte_eth_dev_info_get(port_id, &info) || !info.driver_name ||
	    strcmp(info.driver_name, "net_ring"))
		return rc;
	txf_port = port_id;
	if (pthread_create(&t, NULL, txf_thread, NULL) == 0)
		pthread_detach(t);
	return rc;
}
