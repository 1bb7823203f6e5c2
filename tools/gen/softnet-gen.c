// SPDX-License-Identifier: GPL-2.0-only
/*
 * softnet-gen - a traffic generator and sink for softnetd's tests, benchmarks and demo.
 *
 *   softnet-gen send --dev IF --dst-mac MAC --src-ip A --dst-ip B [--vlan N] [--size 64..1500]
 *                    [--rate PPS|0] [--flows N] [--count N | --duration S] [--ipv6] ...
 *   softnet-gen recv --dev IF [--duration S] [--expect N]
 *
 * send builds one frame template (Ethernet, optional 802.1Q tag, IPv4 or IPv6, UDP with the
 * generator's payload), loads bpf/gen_xdp.bpf.o and runs it with BPF_PROG_TEST_RUN in live-frame
 * mode (BPF_F_TEST_XDP_LIVE_FRAMES): every repetition is one real frame transmitted out of --dev
 * (XDP_TX becomes a redirect to the ingress device, net/bpf/test_run.c), so the frames arrive at
 * the veth peer. The program stamps a sequence number and a timestamp into each frame and spreads
 * them over --flows UDP source ports. Rate pacing runs the test in chunks of about 20 ms of
 * traffic (a run has ~1.5 ms of fixed set-up cost), sleeping to absolute deadlines, so the rate
 * is exact over any second but bursty within 20 ms; --rate 0 runs flat out.
 *
 * recv attaches bpf/sink_xdp.bpf.o to --dev (native XDP, else skb mode, and says which), counts
 * the generator's frames (others go on to the stack), and at the end prints what the sink saw.
 *
 * Both print one JSON object on stdout; diagnostics go to stderr. Both must run in the network
 * namespace of --dev (ip netns exec); nothing is pinned, so bpffs is not needed.
 *
 * Exit codes: 0 done, 1 runtime error, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifndef SOFTNET_GEN_BPF_DIR
#define SOFTNET_GEN_BPF_DIR "."
#endif

/* Shared with bpf/gen_xdp.bpf.c and bpf/sink_xdp.bpf.c. */
#define GEN_MAGIC 0x31305844474e5353ULL
#define GEN_PAYLOAD_LEN 16 /* magic (8) | seq (4) | ts (4) */
#define SINK_HIST_BUCKETS 40

struct gen_cfg {
	uint32_t flows;
	uint16_t sport_base;
	uint16_t l4_off;
	uint8_t ipv6;
	uint8_t pad;
	uint16_t csum_base;
};

struct sink_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t reordered;
	uint64_t duplicates;
	uint64_t lat_min;
	uint64_t lat_max;
	uint32_t max_seq;
	uint32_t pad;
	uint64_t hist[SINK_HIST_BUCKETS];
};

#define FRAME_MAX 1518 /* 1500-byte frames plus a VLAN tag still fit */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The directory of /proc/self/exe, then the build's bpf/ directory. */
static int find_obj(const char *name, const char *given, char *out, size_t len)
{
	char exe[PATH_MAX - 64], *slash;
	const char *env = getenv("SOFTNET_GEN_BPF_DIR");
	ssize_t n;

	if (given) {
		snprintf(out, len, "%s", given);
		return access(out, R_OK) ? -errno : 0;
	}
	if (env) {
		snprintf(out, len, "%s/%s", env, name);
		if (!access(out, R_OK))
			return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(out, len, "%s/%s", exe, name) < (int)len && !access(out, R_OK))
				return 0;
		}
	}
	snprintf(out, len, "%s/%s", SOFTNET_GEN_BPF_DIR, name);
	return access(out, R_OK) ? -errno : 0;
}

static struct bpf_object *open_and_load(const char *path, const char *what)
{
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "softnet-gen: %s: cannot open '%s': %s\n", what, path, strerror(errno));
		return NULL;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "softnet-gen: %s: cannot load '%s': %s\n", what, path, strerror(-err));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

static int dev_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

struct send_opts {
	const char *dev;
	const char *obj;
	uint8_t dst_mac[6], src_mac[6];
	bool have_dst_mac, have_src_mac;
	const char *src_ip, *dst_ip;
	int vlan;      /* 0 = untagged */
	int size;      /* frame length without FCS */
	uint64_t rate; /* 0 = as fast as possible */
	uint32_t flows;
	uint64_t count;    /* 0 = no limit */
	double duration;   /* 0 = no limit */
	bool ipv6;
	uint16_t sport, dport;
	uint32_t batch;
};

/*
 * Build the template into @frame; return its length and fill @cfg (offsets, checksum base) or
 * -EINVAL with a message printed.
 */
static int build_template(struct send_opts *o, uint8_t *frame, struct gen_cfg *cfg)
{
	size_t l3, l4, hdrs, len, i;
	uint64_t magic = GEN_MAGIC;
	uint8_t *ip, *udp;
	uint32_t sum;

	memset(frame, 0, FRAME_MAX);
	memcpy(frame, o->dst_mac, 6);
	memcpy(frame + 6, o->src_mac, 6);
	l3 = 14;
	if (o->vlan) {
		put16(frame + 12, 0x8100);
		put16(frame + 14, o->vlan & 0x0fff);
		l3 = 18;
	}
	put16(frame + l3 - 2, o->ipv6 ? 0x86dd : 0x0800);
	l4 = l3 + (o->ipv6 ? 40 : 20);
	hdrs = l4 + 8 + GEN_PAYLOAD_LEN;
	len = o->size;
	if (len < hdrs) {
		fprintf(stderr, "softnet-gen: send: --size %d is below the %zu bytes of headers and "
				"payload stamp: using %zu\n", o->size, hdrs, hdrs);
		len = hdrs;
	}
	if (len > FRAME_MAX - (o->vlan ? 0 : 4))
		len = FRAME_MAX - (o->vlan ? 0 : 4);
	ip = frame + l3;
	udp = frame + l4;
	if (o->ipv6) {
		ip[0] = 0x60;
		put16(ip + 4, len - l4);
		ip[6] = 17;
		ip[7] = 64;
		if (inet_pton(AF_INET6, o->src_ip, ip + 8) != 1 ||
		    inet_pton(AF_INET6, o->dst_ip, ip + 24) != 1) {
			fprintf(stderr, "softnet-gen: send: --src-ip/--dst-ip: not IPv6 addresses\n");
			return -EINVAL;
		}
	} else {
		ip[0] = 0x45;
		put16(ip + 2, len - l3);
		ip[8] = 64;
		ip[9] = 17;
		if (inet_pton(AF_INET, o->src_ip, ip + 12) != 1 ||
		    inet_pton(AF_INET, o->dst_ip, ip + 16) != 1) {
			fprintf(stderr, "softnet-gen: send: --src-ip/--dst-ip: not IPv4 addresses\n");
			return -EINVAL;
		}
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	}
	put16(udp, o->sport);
	put16(udp + 2, o->dport);
	put16(udp + 4, len - l4);
	memcpy(udp + 8, &magic, 8); /* the BPF side compares it as a host-order u64 */
	for (i = l4 + 8 + GEN_PAYLOAD_LEN; i < len; i++)
		frame[i] = (uint8_t)i;
	memset(cfg, 0, sizeof(*cfg));
	if (o->ipv6) {
		sum = csum_add(0, ip + 8, 32); /* pseudo-header: addresses, length, next header */
		sum += len - l4;
		sum += 17;
		sum = csum_add(sum, udp, len - l4);
		cfg->csum_base = htons(csum_fold(sum));
		if (!cfg->csum_base)
			cfg->csum_base = 0xffff;
		memcpy(udp + 6, &cfg->csum_base, 2);
	}
	cfg->flows = o->flows;
	cfg->sport_base = o->sport;
	cfg->l4_off = l4;
	cfg->ipv6 = o->ipv6;
	return (int)len;
}

static void send_usage(FILE *f)
{
	fprintf(f,
		"usage: softnet-gen send --dev IF --dst-mac MAC --src-ip A --dst-ip B [options]\n"
		"  --vlan N          802.1Q tag N (1..4094)\n"
		"  --size N          frame length without FCS, 64..1500 (default 64; raised to fit\n"
		"                    the headers and the 16-byte stamp)\n"
		"  --rate PPS        frames per second, 0 = as fast as possible (default 0)\n"
		"  --flows N         UDP source ports used (default 1)\n"
		"  --count N         stop after N frames\n"
		"  --duration S      stop after S seconds (default 10 when no --count)\n"
		"  --ipv6            IPv6 (also chosen when the addresses contain ':')\n"
		"  --src-mac MAC     default: the MAC of --dev\n"
		"  --sport P --dport P   UDP ports (default 10000, 9)\n"
		"  --batch N         live-frame batch size (default 64)\n"
		"  --obj FILE        gen_xdp.bpf.o (default: found next to the binary)\n"
		"Prints {\"sent\":N,\"duration_s\":S,\"pps\":P} on stdout.\n");
}

static int cmd_send(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"dev", required_argument, NULL, 'd'},   {"dst-mac", required_argument, NULL, 'm'},
		{"src-mac", required_argument, NULL, 'M'}, {"src-ip", required_argument, NULL, 's'},
		{"dst-ip", required_argument, NULL, 't'}, {"vlan", required_argument, NULL, 'v'},
		{"size", required_argument, NULL, 'l'},  {"rate", required_argument, NULL, 'r'},
		{"flows", required_argument, NULL, 'f'}, {"count", required_argument, NULL, 'n'},
		{"duration", required_argument, NULL, 'D'}, {"ipv6", no_argument, NULL, '6'},
		{"sport", required_argument, NULL, 'S'}, {"dport", required_argument, NULL, 'P'},
		{"batch", required_argument, NULL, 'b'}, {"obj", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	struct send_opts o = {.size = 64, .flows = 1, .sport = 10000, .dport = 9, .batch = 64};
	struct xdp_md ctx_in = {0};
	struct gen_cfg cfg;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *cfg_map, *seq_map;
	uint8_t frame[FRAME_MAX];
	char path[PATH_MAX];
	double t0, t1;
	uint64_t sent = 0, seq = 0, flat_chunk = 1u << 16;
	uint32_t key = 0;
	int c, len, ifindex, prog_fd, err, rc = 1;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dev = optarg; break;
		case 'm':
			if (parse_mac(optarg, o.dst_mac)) goto bad_arg;
			o.have_dst_mac = true;
			break;
		case 'M':
			if (parse_mac(optarg, o.src_mac)) goto bad_arg;
			o.have_src_mac = true;
			break;
		case 's': o.src_ip = optarg; break;
		case 't': o.dst_ip = optarg; break;
		case 'v':
			o.vlan = atoi(optarg);
			if (o.vlan < 1 || o.vlan > 4094) goto bad_arg;
			break;
		case 'l':
			o.size = atoi(optarg);
			if (o.size < 64 || o.size > 1500) goto bad_arg;
			break;
		case 'r': o.rate = strtoull(optarg, NULL, 0); break;
		case 'f':
			o.flows = strtoul(optarg, NULL, 0);
			if (o.flows < 1 || o.flows > 65535) goto bad_arg;
			break;
		case 'n': o.count = strtoull(optarg, NULL, 0); break;
		case 'D': o.duration = atof(optarg); break;
		case '6': o.ipv6 = true; break;
		case 'S': o.sport = atoi(optarg); break;
		case 'P': o.dport = atoi(optarg); break;
		case 'b':
			o.batch = strtoul(optarg, NULL, 0);
			if (o.batch < 1 || o.batch > 256) goto bad_arg;
			break;
		case 'o': o.obj = optarg; break;
		case 'h': send_usage(stdout); return 0;
		default: send_usage(stderr); return 2;
		}
		continue;
bad_arg:
		for (const struct option *lo = lopts; lo->name; lo++)
			if (lo->val == c)
				fprintf(stderr, "softnet-gen: send: bad value for --%s: '%s'\n",
					lo->name, optarg);
		return 2;
	}
	if (!o.dev || !o.have_dst_mac || !o.src_ip || !o.dst_ip) {
		fprintf(stderr, "softnet-gen: send: --dev, --dst-mac, --src-ip and --dst-ip are required\n");
		send_usage(stderr);
		return 2;
	}
	if (strchr(o.src_ip, ':') || strchr(o.dst_ip, ':'))
		o.ipv6 = true;
	if (!o.count && o.duration <= 0)
		o.duration = 10;
	ifindex = if_nametoindex(o.dev);
	if (!ifindex) {
		fprintf(stderr, "softnet-gen: send: device '%s': %s\n", o.dev, strerror(errno));
		return 1;
	}
	if (!o.have_src_mac && (err = dev_mac(o.dev, o.src_mac))) {
		fprintf(stderr, "softnet-gen: send: device '%s': no MAC address: %s\n", o.dev,
			strerror(-err));
		return 1;
	}
	len = build_template(&o, frame, &cfg);
	if (len < 0)
		return 2;
	err = find_obj("gen_xdp.bpf.o", o.obj, path, sizeof(path));
	if (err) {
		fprintf(stderr, "softnet-gen: send: gen_xdp.bpf.o not found (last tried '%s'); use --obj\n",
			path);
		return 1;
	}
	obj = open_and_load(path, "send");
	if (!obj)
		return 1;
	prog = bpf_object__find_program_by_name(obj, "gen_xdp");
	cfg_map = bpf_object__find_map_by_name(obj, "gen_cfg");
	seq_map = bpf_object__find_map_by_name(obj, "gen_seq");
	if (!prog || !cfg_map || !seq_map) {
		fprintf(stderr, "softnet-gen: send: '%s' lacks gen_xdp/gen_cfg/gen_seq\n", path);
		goto close;
	}
	err = bpf_map_update_elem(bpf_map__fd(cfg_map), &key, &cfg, BPF_ANY);
	if (err) {
		fprintf(stderr, "softnet-gen: send: gen_cfg update: %s\n", strerror(errno));
		goto close;
	}
	prog_fd = bpf_program__fd(prog);
	ctx_in.ingress_ifindex = ifindex;
	ctx_in.data_end = len; /* the kernel wants data_end == data_size_in (bpf_prog_test_run_xdp) */

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_s();
	while (!stop_requested) {
		/*
		 * Each call costs ~1.5 ms of set-up here (the kernel builds a page_pool per run), so
		 * paced: 20 ms of traffic per call, more to catch up when behind; flat out: ~50 ms.
		 */
		uint64_t chunk = o.rate ? (o.rate + 49) / 50 : flat_chunk;
		double now = now_s();

		if (o.rate) {
			double behind = (now - t0) * o.rate - (double)sent;

			if (behind > (double)chunk)
				chunk = behind < o.rate / 5.0 ? (uint64_t)behind : (o.rate + 4) / 5;
		}

		if (o.duration > 0 && now - t0 >= o.duration)
			break;
		if (o.count) {
			if (sent >= o.count)
				break;
			if (chunk > o.count - sent)
				chunk = o.count - sent;
		}
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = len,
			    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = (int)chunk,
			    .batch_size = o.batch);
		double c0 = now_s();

		err = bpf_prog_test_run_opts(prog_fd, &topts);
		if (err) {
			if (errno == EINTR)
				break;
			fprintf(stderr, "softnet-gen: send: BPF_PROG_TEST_RUN (live frames) on '%s': %s\n",
				o.dev, strerror(errno));
			goto close;
		}
		sent += chunk;
		if (!o.rate) {
			/* adapt the flat-out chunk to about 50 ms at this machine's rate */
			double dt = now_s() - c0;

			if (dt > 0) {
				flat_chunk = (uint64_t)(chunk * 0.05 / dt);
				if (flat_chunk < 1024)
					flat_chunk = 1024;
				if (flat_chunk > (1u << 22))
					flat_chunk = 1u << 22;
			}
		}
		if (o.rate) {
			double due = t0 + (double)sent / o.rate;
			struct timespec ts;
			double wait = due - now_s();

			if (wait > 0) {
				ts.tv_sec = (time_t)wait;
				ts.tv_nsec = (long)((wait - ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
	}
	t1 = now_s();
	/* the program's own counter: what really ran, even if a call was cut short */
	if (!bpf_map_lookup_elem(bpf_map__fd(seq_map), &key, &seq))
		sent = seq;
	printf("{\"sent\": %llu, \"duration_s\": %.3f, \"pps\": %.0f, \"dev\": \"%s\", \"size\": %d, "
	       "\"flows\": %u}\n",
	       (unsigned long long)sent, t1 - t0, t1 > t0 ? sent / (t1 - t0) : 0.0, o.dev, len,
	       o.flows);
	fflush(stdout);
	rc = 0;
close:
	bpf_object__close(obj);
	return rc;
}

static void recv_usage(FILE *f)
{
	fprintf(f,
		"usage: softnet-gen recv --dev IF [--duration S] [--expect N] [--obj FILE] [--skb-mode]\n"
		"  Counts the generator's frames arriving on IF until --duration S passes (default:\n"
		"  until SIGINT/SIGTERM), or until --expect N frames have arrived. Prints\n"
		"  {\"received\",\"bytes\",\"lost\",\"reordered\",\"duplicates\",\"latency_ns\":{...}}.\n");
}

static uint64_t hist_quantile(const uint64_t *hist, uint64_t total, double q, uint64_t lo,
			      uint64_t hi)
{
	uint64_t want = (uint64_t)(q * total + 0.5), acc = 0, v;
	int b;

	if (!total)
		return 0;
	if (want < 1)
		want = 1;
	for (b = 0; b < SINK_HIST_BUCKETS; b++) {
		acc += hist[b];
		if (acc >= want)
			break;
	}
	/* bucket b holds [2^(b-1), 2^b): report its upper end, kept within the exact min/max */
	v = b == 0 ? 0 : (b >= 64 ? UINT64_MAX : (1ULL << b) - 1);
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return v;
}

static int sink_read(struct bpf_map *map, struct sink_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, b;
	struct sink_stats *v;
	uint32_t key = 0;

	if (ncpu < 1)
		return -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, v)) {
		free(v);
		return -errno;
	}
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < ncpu; i++) {
		if (!v[i].packets)
			continue;
		if (!sum->packets || v[i].lat_min < sum->lat_min)
			sum->lat_min = v[i].lat_min;
		if (v[i].lat_max > sum->lat_max)
			sum->lat_max = v[i].lat_max;
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
		sum->reordered += v[i].reordered;
		sum->duplicates += v[i].duplicates;
		for (b = 0; b < SINK_HIST_BUCKETS; b++)
			sum->hist[b] += v[i].hist[b];
	}
	free(v);
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"dev", required_argument, NULL, 'd'},    {"duration", required_argument, NULL, 'D'},
		{"expect", required_argument, NULL, 'e'}, {"obj", required_argument, NULL, 'o'},
		{"skb-mode", no_argument, NULL, 'k'},     {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dev = NULL, *objpath = NULL, *mode;
	double duration = 0, t0;
	bool have_expect = false, skb_only = false;
	uint64_t expect = 0;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *stats;
	struct sink_stats st;
	char path[PATH_MAX];
	uint32_t flags;
	int c, ifindex, prog_fd, err, rc = 1;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'D': duration = atof(optarg); break;
		case 'e':
			expect = strtoull(optarg, NULL, 0);
			have_expect = true;
			break;
		case 'o': objpath = optarg; break;
		case 'k': skb_only = true; break;
		case 'h': recv_usage(stdout); return 0;
		default: recv_usage(stderr); return 2;
		}
	}
	if (!dev) {
		fprintf(stderr, "softnet-gen: recv: --dev is required\n");
		recv_usage(stderr);
		return 2;
	}
	ifindex = if_nametoindex(dev);
	if (!ifindex) {
		fprintf(stderr, "softnet-gen: recv: device '%s': %s\n", dev, strerror(errno));
		return 1;
	}
	err = find_obj("sink_xdp.bpf.o", objpath, path, sizeof(path));
	if (err) {
		fprintf(stderr, "softnet-gen: recv: sink_xdp.bpf.o not found (last tried '%s'); use --obj\n",
			path);
		return 1;
	}
	obj = open_and_load(path, "recv");
	if (!obj)
		return 1;
	prog = bpf_object__find_program_by_name(obj, "sink_xdp");
	stats = bpf_object__find_map_by_name(obj, "sink_stats");
	if (!prog || !stats) {
		fprintf(stderr, "softnet-gen: recv: '%s' lacks sink_xdp/sink_stats\n", path);
		goto close;
	}
	prog_fd = bpf_program__fd(prog);
	mode = "native";
	flags = XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
	err = skb_only ? -EOPNOTSUPP : bpf_xdp_attach(ifindex, prog_fd, flags, NULL);
	if (err) {
		if (!skb_only)
			fprintf(stderr, "softnet-gen: recv: native XDP on '%s' failed (%s): falling back "
					"to skb mode\n", dev, strerror(-err));
		mode = "skb";
		flags = XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
		err = bpf_xdp_attach(ifindex, prog_fd, flags, NULL);
		if (err) {
			fprintf(stderr, "softnet-gen: recv: attaching XDP to '%s': %s\n", dev,
				strerror(-err));
			goto close;
		}
	}
	fprintf(stderr, "softnet-gen: recv: sink attached to %s (%s XDP)\n", dev, mode);
	fflush(stderr);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_s();
	while (!stop_requested) {
		struct timespec ts = {0, 20 * 1000 * 1000};

		if (duration > 0 && now_s() - t0 >= duration)
			break;
		if (have_expect && !sink_read(stats, &st) && st.packets >= expect)
			break;
		nanosleep(&ts, NULL);
	}
	err = sink_read(stats, &st);
	{
		LIBBPF_OPTS(bpf_xdp_attach_opts, dopts, .old_prog_fd = prog_fd);

		if (bpf_xdp_detach(ifindex, (flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST) | XDP_FLAGS_REPLACE,
				   &dopts))
			fprintf(stderr, "softnet-gen: recv: detaching from '%s' failed\n", dev);
	}
	if (err) {
		fprintf(stderr, "softnet-gen: recv: reading sink_stats: %s\n", strerror(-err));
		goto close;
	}
	printf("{\"received\": %llu, \"bytes\": %llu, ", (unsigned long long)st.packets,
	       (unsigned long long)st.bytes);
	if (have_expect)
		printf("\"expected\": %llu, \"lost\": %lld, ", (unsigned long long)expect,
		       (long long)(expect - st.packets));
	printf("\"reordered\": %llu, \"duplicates\": %llu, \"duration_s\": %.3f, \"mode\": \"%s\", "
	       "\"latency_ns\": {\"min\": %llu, \"p50\": %llu, \"p99\": %llu, \"max\": %llu}}\n",
	       (unsigned long long)st.reordered, (unsigned long long)st.duplicates, now_s() - t0, mode,
	       (unsigned long long)st.lat_min,
	       (unsigned long long)hist_quantile(st.hist, st.packets, 0.50, st.lat_min, st.lat_max),
	       (unsigned long long)hist_quantile(st.hist, st.packets, 0.99, st.lat_min, st.lat_max),
	       (unsigned long long)st.lat_max);
	fflush(stdout);
	rc = 0;
close:
	bpf_object__close(obj);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: softnet-gen send|recv [options]   (softnet-gen send --help, recv --help)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(libbpf_log);
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "recv"))
		return cmd_recv(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
