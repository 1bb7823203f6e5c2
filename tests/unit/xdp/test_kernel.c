// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_kernel.c - kernel mode (xdp_kernel.c): real objects attached through libxdp to a veth in
 * a network namespace of our own, frames sent in with AF_PACKET on the peer, the program's
 * effect checked (drop: nothing delivered; globals: delivered and counted in its .bss/.data
 * maps, read through the pins with bpf_obj_get), then detach: nothing attached (bpf_xdp_query)
 * and no pin left under pin_dir.
 *
 * Everything runs in a child after unshare(CLONE_NEWNET | CLONE_NEWNS): the veths die with the
 * namespace, and a fresh bpffs is mounted over /sys/fs/bpf in the private mount namespace, so the
 * host's pins are never touched. Needs root: skipped (77) otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/test_util.h"
#include "xdp/xdp.h"

#define OBJ(name) XDP_PROGS_DIR "/" name ".bpf.o"
#define IF_XDP "snk0"
#define IF_PEER "snk1"
#define PIN_DIR "/sys/fs/bpf/sntest/" IF_XDP
#define TEST_PROTO 0x88b5 /* IEEE local experimental ethertype */
#define NR_FRAMES 20

static char err[512], describe[256];

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The namespace: private mounts, a fresh bpffs, no IPv6 chatter, a veth pair up. */
static int ns_setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET | CLONE_NEWNS))
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -1;
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	if (sh("ip link add " IF_XDP " type veth peer name " IF_PEER " && ip link set " IF_XDP
	       " up && ip link set " IF_PEER " up && ip link set lo up"))
		return -1;
	return 0;
}

static int ns_teardown(void **state)
{
	(void)state;
	sh("ip link del " IF_XDP " 2>/dev/null");
	umount("/sys/fs/bpf");
	return 0;
}

static int pkt_socket(const char *ifname, uint16_t proto)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(proto));

	assert_true(fd >= 0);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* Send @n frames of 64 bytes into IF_XDP (through its peer); return how many IF_XDP's
 * stack delivered to a packet socket (i.e. XDP_PASS). */
static int send_and_count(int n)
{
	int tx = pkt_socket(IF_PEER, TEST_PROTO), rx = pkt_socket(IF_XDP, TEST_PROTO);
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };
	uint8_t f[64], buf[2048];
	int got = 0;

	to.sll_ifindex = (int)if_nametoindex(IF_PEER);
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	f[6] = 0x02;
	f[11] = 0x01;
	f[12] = TEST_PROTO >> 8;
	f[13] = TEST_PROTO & 0xff;
	for (int i = 0; i < n; i++) {
		f[14] = (uint8_t)i;
		assert_int_equal(sendto(tx, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)),
				 sizeof(f));
	}
	for (;;) {
		struct pollfd p = { .fd = rx, .events = POLLIN };

		if (poll(&p, 1, 300) <= 0)
			break;
		while (recv(rx, buf, sizeof(buf), 0) > 0)
			got++;
	}
	close(tx);
	close(rx);
	return got;
}

/* Program id attached to IF_XDP and its mode (XDP_ATTACHED_*). */
static uint32_t attached(uint8_t *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	assert_int_equal(bpf_xdp_query((int)if_nametoindex(IF_XDP), 0, &q), 0);
	if (mode)
		*mode = q.attach_mode;
	return q.prog_id;
}

/* Entries left under @dir (0 when it does not exist). */
static int pins_left(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_drop_native(void **state)
{
	struct sn_xdp_kernel_attach *a;
	uint8_t mode = 0;

	(void)state;
	assert_int_equal(send_and_count(NR_FRAMES), NR_FRAMES); /* baseline: delivered */
	a = sn_xdp_kernel_attach(OBJ("drop"), NULL, IF_XDP, SN_XDP_KERNEL_NATIVE, PIN_DIR,
				 describe, sizeof(describe), err, sizeof(err));
	if (!a)
		print_error("attach: %s\n", err);
	assert_non_null(a);
	print_message("drop: %s\n", describe);
	assert_non_null(strstr(describe, "native"));
	assert_non_null(strstr(describe, "libxdp"));
	assert_true(attached(&mode) != 0);
	assert_true(mode == XDP_ATTACHED_DRV || mode == XDP_ATTACHED_MULTI);
	assert_int_equal(send_and_count(NR_FRAMES), 0);
	sn_xdp_kernel_detach(a);
	assert_int_equal(attached(NULL), 0);
	assert_int_equal(pins_left(PIN_DIR), 0);
	assert_int_equal(send_and_count(NR_FRAMES), NR_FRAMES);
}

/* A map pinned under PIN_DIR whose name ends with @suffix: its fd. */
static int pinned_map(const char *suffix, char *path, size_t len)
{
	DIR *d = opendir(PIN_DIR);
	struct dirent *e;
	int fd = -1;

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), s = strlen(suffix);

		if (n >= s && !strcmp(e->d_name + n - s, suffix)) {
			snprintf(path, len, "%s/%s", PIN_DIR, e->d_name);
			fd = bpf_obj_get(path);
			break;
		}
	}
	closedir(d);
	return fd;
}

static void test_globals_pinned_maps(void **state)
{
	struct sn_xdp_kernel_attach *a;
	uint64_t seen = 0, data[2] = { 0 };
	uint32_t zero = 0;
	char path[512];
	int fd;

	(void)state;
	a = sn_xdp_kernel_attach(OBJ("globals"), "xdp_globals", IF_XDP, SN_XDP_KERNEL_NATIVE,
				 PIN_DIR, describe, sizeof(describe), err, sizeof(err));
	if (!a)
		print_error("attach: %s\n", err);
	assert_non_null(a);
	print_message("globals: %s; pins: %d\n", describe, pins_left(PIN_DIR));
	assert_true(pins_left(PIN_DIR) >= 3); /* .data, .rodata, .bss */
	assert_int_equal(send_and_count(NR_FRAMES), NR_FRAMES); /* XDP_PASS delivers */

	fd = pinned_map("_bss", path, sizeof(path));
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &seen), 0);
	close(fd);
	print_message("%s: g_seen = %llu\n", path, (unsigned long long)seen);
	assert_true(seen >= NR_FRAMES);
	fd = pinned_map("_data", path, sizeof(path));
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &zero, data), 0);
	close(fd);
	assert_int_equal(data[0], 0x1122334455667788ULL + seen);
	assert_int_equal((uint32_t)data[1], 9);

	sn_xdp_kernel_detach(a);
	assert_int_equal(attached(NULL), 0);
	assert_int_equal(pins_left(PIN_DIR), 0);
}

/* Hash maps are created preallocated; the LPM trie keeps BPF_F_NO_PREALLOC (it needs it). */
static void test_maps_prealloc(void **state)
{
	struct sn_xdp_kernel_attach *a;
	char path[512];
	int fd;

	(void)state;
	if (access(OBJ("maps_ops"), R_OK))
		skip();
	a = sn_xdp_kernel_attach(OBJ("maps_ops"), NULL, IF_XDP, SN_XDP_KERNEL_NATIVE, PIN_DIR,
				 describe, sizeof(describe), err, sizeof(err));
	if (!a)
		print_error("attach: %s\n", err);
	assert_non_null(a);
	{
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);

		fd = pinned_map("counts", path, sizeof(path));
		assert_true(fd >= 0);
		assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
		assert_int_equal(info.type, BPF_MAP_TYPE_HASH);
		assert_int_equal(info.map_flags & BPF_F_NO_PREALLOC, 0);
		close(fd);
	}
	{
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);

		fd = pinned_map("routes", path, sizeof(path));
		assert_true(fd >= 0);
		assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
		assert_int_equal(info.type, BPF_MAP_TYPE_LPM_TRIE);
		assert_true(info.map_flags & BPF_F_NO_PREALLOC);
		close(fd);
	}
	sn_xdp_kernel_detach(a);
	assert_int_equal(attached(NULL), 0);
	assert_int_equal(pins_left(PIN_DIR), 0);
}

static void test_skb_mode(void **state)
{
	struct sn_xdp_kernel_attach *a;
	uint8_t mode = 0;

	(void)state;
	a = sn_xdp_kernel_attach(OBJ("drop"), "xdp_drop", IF_XDP, SN_XDP_KERNEL_SKB, PIN_DIR,
				 describe, sizeof(describe), err, sizeof(err));
	if (!a)
		print_error("attach: %s\n", err);
	assert_non_null(a);
	print_message("drop skb: %s\n", describe);
	assert_true(!strncmp(describe, "skb", 3));
	assert_true(attached(&mode) != 0);
	assert_true(mode == XDP_ATTACHED_SKB || mode == XDP_ATTACHED_MULTI);
	assert_int_equal(send_and_count(NR_FRAMES), 0);
	sn_xdp_kernel_detach(a);
	assert_int_equal(attached(NULL), 0);
	assert_int_equal(pins_left(PIN_DIR), 0);
}

/* Failures leave nothing behind: no program, no pin, no directory. */
static void test_failures_clean(void **state)
{
	struct sn_xdp_kernel_attach *a;
	struct stat sb;

	(void)state;
	a = sn_xdp_kernel_attach(OBJ("globals"), "no_such_prog", IF_XDP, SN_XDP_KERNEL_NATIVE,
				 PIN_DIR, describe, sizeof(describe), err, sizeof(err));
	assert_null(a);
	print_message("no program: %s\n", err);
	assert_int_equal(attached(NULL), 0);
	assert_int_equal(stat(PIN_DIR, &sb), -1);

	/* pass.bpf.o reads egress_ifindex: the kernel refuses it outside devmap programs. */
	a = sn_xdp_kernel_attach(OBJ("pass"), NULL, IF_XDP, SN_XDP_KERNEL_NATIVE, PIN_DIR,
				 describe, sizeof(describe), err, sizeof(err));
	assert_null(a);
	print_message("kernel refusal: %s\n", err);
	assert_int_equal(attached(NULL), 0);
	assert_int_equal(pins_left(PIN_DIR), 0);
	assert_int_equal(stat(PIN_DIR, &sb), -1);

	a = sn_xdp_kernel_attach(OBJ("drop"), NULL, "snk_none", SN_XDP_KERNEL_NATIVE, PIN_DIR,
				 describe, sizeof(describe), err, sizeof(err));
	assert_null(a);
	print_message("no interface: %s\n", err);

	/* Someone else's pin is neither reused nor removed: -EEXIST. */
	if (access(OBJ("maps_ops"), R_OK) == 0) {
		int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "other", 4, 4, 1, NULL);

		assert_true(fd >= 0);
		assert_int_equal(sh("mkdir -p " PIN_DIR), 0);
		assert_int_equal(bpf_obj_pin(fd, PIN_DIR "/counts"), 0);
		a = sn_xdp_kernel_attach(OBJ("maps_ops"), NULL, IF_XDP, SN_XDP_KERNEL_NATIVE,
					 PIN_DIR, describe, sizeof(describe), err, sizeof(err));
		assert_null(a);
		assert_int_equal(errno, EEXIST);
		print_message("existing pin: %s\n", err);
		assert_int_equal(pins_left(PIN_DIR), 1);
		assert_int_equal(attached(NULL), 0);
		unlink(PIN_DIR "/counts");
		rmdir(PIN_DIR);
		rmdir("/sys/fs/bpf/sntest");
		close(fd);
	}
}

static void run_all(void *arg)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_native),
		cmocka_unit_test(test_globals_pinned_maps),
		cmocka_unit_test(test_maps_prealloc),
		cmocka_unit_test(test_skb_mode),
		cmocka_unit_test(test_failures_clean),
	};

	(void)arg;
	exit(cmocka_run_group_tests(tests, ns_setup, ns_teardown) ? 1 : 0);
}

int main(void)
{
	int st;
	pid_t pid;

	if (geteuid() != 0) {
		printf("skipped: kernel mode needs root (netns, veth, bpf)\n");
		return 77;
	}
	if (access(OBJ("drop"), R_OK) || access(OBJ("globals"), R_OK)) {
		printf("skipped: test objects drop/globals not built\n");
		return 77;
	}
	libbpf_set_print(NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		run_all(NULL);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
