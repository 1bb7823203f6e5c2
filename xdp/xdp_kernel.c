// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_kernel.c - kernel mode: the same object attached to a kernel interface through libxdp.
 *
 * Order (each step undone in reverse on failure, and by sn_xdp_kernel_detach()):
 *   1. bpffs at /sys/fs/bpf (sn_bpffs_mount), then pin_dir created (we remember which levels);
 *   2. bpf_object__open_file(); every map gets pin path <pin_dir>/<map name> ('.' becomes '_':
 *      bpffs refuses dots, and global data maps are called "<obj>.data") and hash maps lose
 *      BPF_F_NO_PREALLOC (LPM tries need it and keep it). A pin path that already exists is
 *      refused (-EEXIST): reusing or later removing someone else's pin would be wrong;
 *   3. only the chosen program is autoloaded; libxdp loads the object (libbpf creates and pins
 *      the maps) and attaches: native, or skb when asked or when native fails (said in
 *      @describe). libxdp tries its dispatcher first and, where freplace cannot load (see
 *      MACHINE.md), falls back to single-program mode by itself; which one is in use is read
 *      back with xdp_multiprog__is_legacy();
 *   4. detach: xdp_program__detach(), every pin we made unpinned, directories we made removed.
 * libxdp's and libbpf's logs are kept quiet during attach (the dispatcher attempt is noisy by
 * design); the last warning line goes into @err when the attach fails.
 *
 * Context: thread; needs CAP_NET_ADMIN and CAP_BPF (root). Not thread-safe against itself
 * (the library print hooks are process-global).
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "maps/map_kernel_twin.h"
#include "xdp/xdp.h"

#define SN_XDP_KERNEL_PIN_ROOT "/sys/fs/bpf/softnetd"
#define SN_XDP_KERNEL_VLOG (1 << 16)

struct sn_xdp_kernel_attach {
	struct bpf_object *obj;
	struct xdp_program *prog;
	int ifindex;
	enum xdp_attach_mode mode; /* as attached */
	bool attached;
	char *vlog; /* the kernel verifier's log of the chosen program (for refusals) */
	char pin_dir[256];
	/* Directories this attachment created, deepest last: removed in reverse when empty. */
	char made_dirs[4][256];
	int nr_made_dirs;
};

/* Last warning line of libxdp/libbpf during the attach (the libraries' hooks are global). */
static char sn_kern_last_warn[256];

static void keep_warn(const char *fmt, va_list ap)
{
	size_t n;

	vsnprintf(sn_kern_last_warn, sizeof(sn_kern_last_warn), fmt, ap);
	n = strlen(sn_kern_last_warn);
	while (n && sn_kern_last_warn[n - 1] == '\n')
		sn_kern_last_warn[--n] = '\0';
}

static int quiet_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBXDP_WARN)
		keep_warn(fmt, ap);
	return 0;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		keep_warn(fmt, ap);
	return 0;
}

/*
 * The verifier's reason in its log: the last line that is not a statistics line
 * ("processed N insns ...", "verification time ..."). Empty when there is no log.
 */
static void verifier_reason(const char *log, char *out, size_t outlen)
{
	const char *end, *start;

	out[0] = '\0';
	if (!log)
		return;
	end = log + strlen(log);
	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		if (start == log || (strncmp(start, "processed ", 10) &&
				     strncmp(start, "verification time", 17)))
			break;
		end = start;
	}
	snprintf(out, outlen, "%.*s", (int)(end - start), start);
}

/* mkdir -p @path, remembering the levels we create. Return: 0 or -errno. */
static int make_pin_dir(struct sn_xdp_kernel_attach *a, const char *path)
{
	char tmp[256];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) == 0) {
			if (a->nr_made_dirs < 4)
				snprintf(a->made_dirs[a->nr_made_dirs++], sizeof(a->made_dirs[0]),
					 "%s", tmp);
		} else if (errno != EEXIST) {
			return -errno;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

static bool hash_prealloc_type(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static int set_map_pins(struct sn_xdp_kernel_attach *a, char *err, size_t errlen)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, a->obj) {
		char path[512];
		struct stat sb;
		int r;

		size_t n = (size_t)snprintf(path, sizeof(path), "%s/%s", a->pin_dir,
					    bpf_map__name(m));

		if (n >= sizeof(path)) {
			snprintf(err, errlen, "pin path for map '%s' too long", bpf_map__name(m));
			return -ENAMETOOLONG;
		}
		/* bpffs refuses '.' in names: "globals.bss" is pinned as "globals_bss". */
		for (char *c = path + strlen(a->pin_dir) + 1; *c; c++)
			if (*c == '.')
				*c = '_';
		if (stat(path, &sb) == 0) {
			snprintf(err, errlen, "pin '%s' exists (an earlier attachment not detached?)",
				 path);
			return -EEXIST;
		}
		r = bpf_map__set_pin_path(m, path);
		if (r) {
			snprintf(err, errlen, "map '%s': set pin path: %s", bpf_map__name(m),
				 strerror(-r));
			return r;
		}
		if (hash_prealloc_type(bpf_map__type(m)) &&
		    (bpf_map__map_flags(m) & BPF_F_NO_PREALLOC))
			bpf_map__set_map_flags(m, bpf_map__map_flags(m) & ~BPF_F_NO_PREALLOC);
	}
	return 0;
}

/* Unpin every map this attachment pinned, then remove the directories it created. */
static void unpin_all(struct sn_xdp_kernel_attach *a)
{
	struct bpf_map *m;

	if (a->obj) {
		bpf_object__for_each_map(m, a->obj) {
			const char *path = bpf_map__pin_path(m);

			if (!path)
				continue;
			/* libbpf marks a map pinned only once it pinned (or reused) it. */
			if (bpf_map__is_pinned(m))
				bpf_map__unpin(m, NULL);
		}
	}
	while (a->nr_made_dirs > 0)
		rmdir(a->made_dirs[--a->nr_made_dirs]);
}

static struct bpf_program *choose_prog(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p, *want = NULL;

	bpf_object__for_each_program(p, obj) {
		bool xdp = bpf_program__type(p) == BPF_PROG_TYPE_XDP;

		if (!want && ((name && !strcmp(bpf_program__name(p), name)) || (!name && xdp)))
			want = p;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == want);
	return want;
}

static void describe_mode(struct sn_xdp_kernel_attach *a, const char *native_err, char *describe,
			  size_t len)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(a->ifindex);
	const char *how = "unknown libxdp mode";

	if (!libxdp_get_error(mp) && mp) {
		how = xdp_multiprog__is_legacy(mp) ? "libxdp single-program mode"
						   : "libxdp dispatcher mode";
		xdp_multiprog__close(mp);
	}
	if (!describe || !len)
		return;
	if (a->mode == XDP_MODE_NATIVE)
		snprintf(describe, len, "native, %s", how);
	else if (native_err)
		snprintf(describe, len, "skb (native failed: %s), %s", native_err, how);
	else
		snprintf(describe, len, "skb, %s", how);
}

struct sn_xdp_kernel_attach *sn_xdp_kernel_attach(const char *obj_path, const char *prog_name,
						  const char *ifname, enum sn_xdp_kernel_mode mode,
						  const char *pin_dir, char *describe,
						  size_t describe_len, char *err, size_t errlen)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts);
	struct sn_xdp_kernel_attach *a;
	libxdp_print_fn_t old_xdp;
	libbpf_print_fn_t old_bpf;
	struct bpf_program *bp;
	char native_err[128] = "";
	int r;

	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	a->ifindex = (int)if_nametoindex(ifname);
	if (!a->ifindex) {
		r = -errno;
		snprintf(err, errlen, "interface '%s': %s", ifname, strerror(errno));
		goto free_a;
	}
	if (pin_dir)
		r = snprintf(a->pin_dir, sizeof(a->pin_dir), "%s", pin_dir);
	else
		r = snprintf(a->pin_dir, sizeof(a->pin_dir), SN_XDP_KERNEL_PIN_ROOT "/%s", ifname);
	if (r >= (int)sizeof(a->pin_dir)) {
		r = -ENAMETOOLONG;
		snprintf(err, errlen, "pin directory name too long");
		goto free_a;
	}
	r = sn_bpffs_mount(NULL);
	if (r) {
		snprintf(err, errlen, "mount bpffs at /sys/fs/bpf: %s", strerror(-r));
		goto free_a;
	}
	r = make_pin_dir(a, a->pin_dir);
	if (r) {
		snprintf(err, errlen, "pin directory '%s': %s", a->pin_dir, strerror(-r));
		goto remove_dirs;
	}

	old_xdp = libxdp_set_print(quiet_libxdp);
	old_bpf = libbpf_set_print(quiet_libbpf);
	sn_kern_last_warn[0] = '\0';
	a->obj = bpf_object__open_file(obj_path, NULL);
	r = (int)libbpf_get_error(a->obj);
	if (r) {
		a->obj = NULL;
		snprintf(err, errlen, "%s: open: %s", obj_path, strerror(-r));
		goto restore_print;
	}
	bp = choose_prog(a->obj, prog_name);
	if (!bp) {
		r = -ENOENT;
		snprintf(err, errlen, "%s: no XDP program%s%s", obj_path, prog_name ? " " : "",
			 prog_name ? prog_name : "");
		goto close_obj;
	}
	r = set_map_pins(a, err, errlen);
	if (r)
		goto close_obj;
	a->vlog = calloc(1, SN_XDP_KERNEL_VLOG);
	if (a->vlog)
		bpf_program__set_log_buf(bp, a->vlog, SN_XDP_KERNEL_VLOG);
	xopts.obj = a->obj;
	xopts.prog_name = bpf_program__name(bp);
	a->prog = xdp_program__create(&xopts);
	r = (int)libxdp_get_error(a->prog);
	if (r) {
		a->prog = NULL;
		snprintf(err, errlen, "%s: libxdp program: %s", obj_path, strerror(-r));
		goto close_obj;
	}
	a->mode = mode == SN_XDP_KERNEL_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	r = xdp_program__attach(a->prog, a->ifindex, a->mode, 0);
	if (r && a->mode == XDP_MODE_NATIVE) {
		snprintf(native_err, sizeof(native_err), "%s%s%s", strerror(-r),
			 sn_kern_last_warn[0] ? ": " : "", sn_kern_last_warn);
		a->mode = XDP_MODE_SKB;
		r = xdp_program__attach(a->prog, a->ifindex, a->mode, 0);
	}
	if (r) {
		char why[160];

		verifier_reason(a->vlog, why, sizeof(why));
		snprintf(err, errlen, "attach %s to '%s': %s%s%s", xopts.prog_name, ifname,
			 strerror(-r), why[0] || sn_kern_last_warn[0] ? ": " : "",
			 why[0] ? why : sn_kern_last_warn);
		goto close_prog;
	}
	free(a->vlog);
	a->vlog = NULL;
	a->attached = true;
	libxdp_set_print(old_xdp);
	libbpf_set_print(old_bpf);
	describe_mode(a, native_err[0] ? native_err : NULL, describe, describe_len);
	return a;

close_prog:
	xdp_program__close(a->prog);
close_obj:
	unpin_all(a); /* maps pinned by a load that then failed to attach */
	bpf_object__close(a->obj);
restore_print:
	libxdp_set_print(old_xdp);
	libbpf_set_print(old_bpf);
remove_dirs:
	while (a->nr_made_dirs > 0)
		rmdir(a->made_dirs[--a->nr_made_dirs]);
free_a:
	free(a->vlog);
	free(a);
	errno = -r;
	return NULL;
}

void sn_xdp_kernel_detach(struct sn_xdp_kernel_attach *a)
{
	libxdp_print_fn_t old_xdp;

	if (!a)
		return;
	old_xdp = libxdp_set_print(quiet_libxdp);
	if (a->attached)
		xdp_program__detach(a->prog, a->ifindex, a->mode, 0);
	xdp_program__close(a->prog);
	libxdp_set_print(old_xdp);
	unpin_all(a);
	bpf_object__close(a->obj);
	free(a);
}
