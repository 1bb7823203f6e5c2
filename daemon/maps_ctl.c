// SPDX-License-Identifier: GPL-2.0-only
/*
 * maps_ctl.c - `softnetctl maps` list/dump/update/delete over softnetd's tables, the XDP
 * programs' maps and the kernel-pinned maps (maps_ctl.h).
 *
 * Each request walks the three sources in that order with one visitor; softnetd's tables under
 * softnetd.ctl_lock (as every stack table access from the control socket), the others under
 * xdp_run.c's lock (an object cannot be closed while its map is being read or written).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maps/map.h"
#include "stack/stack.h"
#include "xdp/xdp.h"

#include "daemon.h"
#include "log.h"
#include "maps_ctl.h"
#include "xdp_run.h"

/* One map, whichever its source. */
struct mc_map {
	const char *name;
	const char *role; /* "fdb", ..., "xdp", "kernel" */
	int type;
	struct sn_map *map; /* softnetd's own (stack or program), or NULL */
	int fd;             /* kernel-pinned, or -1 */
	uint32_t key_size, value_size, value_size_sys, max_entries;
	void (*decode)(const void *key, const void *value, struct sn_stack_entry *e);
};

struct mc_req {
	const struct ctl_request *req;
	json_t *list;
	bool found;
	int rc;
	char err[256];
};

static const char *mc_type_name(int type)
{
	static const struct {
		int type;
		const char *name;
	} names[] = {
		{BPF_MAP_TYPE_HASH, "hash"},
		{BPF_MAP_TYPE_ARRAY, "array"},
		{BPF_MAP_TYPE_PERCPU_HASH, "percpu_hash"},
		{BPF_MAP_TYPE_PERCPU_ARRAY, "percpu_array"},
		{BPF_MAP_TYPE_LRU_HASH, "lru_hash"},
		{BPF_MAP_TYPE_LRU_PERCPU_HASH, "lru_percpu_hash"},
		{BPF_MAP_TYPE_LPM_TRIE, "lpm_trie"},
		{BPF_MAP_TYPE_DEVMAP, "devmap"},
		{BPF_MAP_TYPE_DEVMAP_HASH, "devmap_hash"},
		{BPF_MAP_TYPE_CPUMAP, "cpumap"},
		{BPF_MAP_TYPE_XSKMAP, "xskmap"},
		{BPF_MAP_TYPE_PROG_ARRAY, "prog_array"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	return "other";
}

/* @len bytes as lowercase hex pairs separated by spaces, as `bpftool map dump` prints them. */
static json_t *mc_hex(const void *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = p;
	char *s = malloc(len ? len * 3 : 1);
	json_t *j;

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		s[3 * i] = digits[b[i] >> 4];
		s[3 * i + 1] = digits[b[i] & 15];
		s[3 * i + 2] = ' ';
	}
	s[len ? len * 3 - 1 : 0] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

/* Decode @hex (checked by ctl_proto.c) into exactly @want bytes. Return: 0 or -EINVAL. */
static int mc_unhex(const char *hex, uint8_t *out, size_t want, const char *what,
		    struct mc_req *r)
{
	size_t n = strlen(hex) / 2;

	if (n != want) {
		snprintf(r->err, sizeof(r->err), "%s: expected %zu bytes (%zu hex digits), got %zu",
			 what, want, 2 * want, n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	return 0;
}

static json_t *mc_header(const struct mc_map *m)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "role", json_string(m->role));
	json_object_set_new(o, "type", json_string(mc_type_name(m->type)));
	json_object_set_new(o, "key_size", json_integer(m->key_size));
	json_object_set_new(o, "value_size", json_integer(m->value_size));
	json_object_set_new(o, "max_entries", json_integer(m->max_entries));
	return o;
}

struct mc_dump {
	const struct mc_map *m;
	json_t *entries;
};

static int mc_elem(const void *key, const void *value, void *arg)
{
	struct mc_dump *d = arg;
	json_t *o = json_object();

	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "key", mc_hex(key, d->m->key_size));
	json_object_set_new(o, "value", mc_hex(value, d->m->value_size_sys));
	if (d->m->decode) {
		struct sn_stack_entry e;

		memset(&e, 0, sizeof(e));
		d->m->decode(key, value, &e);
		/* The line `softnetctl fdb`, `neigh` and `routes` give for the same entry. */
		json_t *dec = json_object();

		if (dec) {
			json_object_set_new(dec, "kind", json_string(e.kind ? e.kind : ""));
			json_object_set_new(dec, "text",
					    json_stringn(e.text, strnlen(e.text, sizeof(e.text))));
			json_object_set_new(o, "decoded", dec);
		}
	}
	json_array_append_new(d->entries, o);
	return 0;
}

/* Every element of a kernel map, through bpf(2). */
static int mc_kernel_walk(const struct mc_map *m, struct mc_dump *d)
{
	uint8_t *key = calloc(1, m->key_size + 1), *next = calloc(1, m->key_size + 1);
	uint8_t *val = calloc(1, m->value_size_sys + 1);
	bool first = true;
	int rc = 0;

	if (!key || !next || !val) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t n = 0; n <= m->max_entries; n++) {
		if (bpf_map_get_next_key(m->fd, first ? NULL : key, next)) {
			rc = errno == ENOENT ? 0 : -errno;
			break;
		}
		first = false;
		memcpy(key, next, m->key_size);
		if (bpf_map_lookup_elem(m->fd, key, val))
			continue; /* deleted meanwhile, or an array slot without a value */
		rc = mc_elem(key, val, d);
		if (rc)
			break;
	}
out:
	free(key);
	free(next);
	free(val);
	return rc;
}

static int mc_dump_one(const struct mc_map *m, struct mc_req *r)
{
	struct mc_dump d = {.m = m, .entries = json_array()};
	json_t *o = mc_header(m);
	int rc;

	if (!o || !d.entries) {
		json_decref(o);
		json_decref(d.entries);
		return -ENOMEM;
	}
	rc = m->map ? sn_map__for_each_elem(m->map, mc_elem, &d) : mc_kernel_walk(m, &d);
	json_object_set_new(o, "count", json_integer((json_int_t)json_array_size(d.entries)));
	json_object_set_new(o, "entries", d.entries);
	if (rc < 0)
		json_object_set_new(o, "error", json_string(strerror(-rc)));
	json_array_append_new(r->list, o);
	return rc == -ENOMEM ? rc : 0;
}

static int mc_count(const struct mc_map *m)
{
	struct mc_dump d = {.m = m, .entries = json_array()};
	int n;

	if (!d.entries)
		return -ENOMEM;
	/* Only the number is kept: the maps are small, and list is not the datapath. */
	if (m->map)
		sn_map__for_each_elem(m->map, mc_elem, &d);
	else
		mc_kernel_walk(m, &d);
	n = (int)json_array_size(d.entries);
	json_decref(d.entries);
	return n;
}

static int mc_edit(const struct mc_map *m, struct mc_req *r)
{
	const struct ctl_request *req = r->req;
	uint8_t key[CTL_MAP_HEX_KEY_MAX / 2], *val = NULL;
	uint64_t flags = BPF_ANY;
	int rc;

	if (mc_unhex(req->key, key, m->key_size, "key", r))
		return -EINVAL;
	if (req->op == CTL_OP_UPDATE) {
		val = calloc(1, m->value_size_sys + 1);
		if (!val)
			return -ENOMEM;
		if (mc_unhex(req->value, val, m->value_size_sys, "value", r)) {
			free(val);
			return -EINVAL;
		}
		flags = !strcmp(req->flags, "noexist") ? BPF_NOEXIST
			: !strcmp(req->flags, "exist") ? BPF_EXIST
						       : BPF_ANY;
		if (m->map)
			rc = sn_map__update_elem(m->map, key, val, flags);
		else
			rc = bpf_map_update_elem(m->fd, key, val, flags) ? -errno : 0;
		free(val);
	} else if (m->map) {
		rc = sn_map__delete_elem(m->map, key);
	} else {
		rc = bpf_map_delete_elem(m->fd, key) ? -errno : 0;
	}
	/* A cpumap entry runs a thread: start or stop it to match (xdp.h). */
	if (!rc && m->map && m->type == BPF_MAP_TYPE_CPUMAP)
		rc = sn_xdp_cpumap_sync(m->map);
	if (rc) {
		snprintf(r->err, sizeof(r->err), "%s", strerror(-rc));
		return rc;
	}
	sn_info("control: map %s: %s key %s%s%s", m->name, req->op == CTL_OP_UPDATE ? "update" : "delete",
		req->key, req->op == CTL_OP_UPDATE ? " value " : "",
		req->op == CTL_OP_UPDATE ? req->value : "");
	return 0;
}

/* The visitor: what the request does with @m. Nonzero stops the walk. */
static int mc_visit(const struct mc_map *m, struct mc_req *r)
{
	const struct ctl_request *req = r->req;
	bool named = req->map[0] && !strcmp(req->map, m->name);
	json_t *o;

	switch (req->op) {
	case CTL_OP_DUMP:
		/* No name: every softnetd table, as `maps dump` always did. */
		if (!named && (req->map[0] || strcmp(m->role, "xdp") == 0 ||
			       strcmp(m->role, "kernel") == 0))
			return 0;
		r->found = true;
		r->rc = mc_dump_one(m, r);
		return r->rc;
	case CTL_OP_UPDATE:
	case CTL_OP_DELETE:
		if (!named)
			return 0;
		r->found = true;
		r->rc = mc_edit(m, r);
		return 1; /* done */
	default:
		o = mc_header(m);
		if (!o)
			return -ENOMEM;
		json_object_set_new(o, "count", json_integer(mc_count(m)));
		json_array_append_new(r->list, o);
		return 0;
	}
}

static void mc_from_sn_map(struct mc_map *m, struct sn_map *map)
{
	m->map = map;
	m->fd = -1;
	m->type = sn_map__type(map);
	m->key_size = sn_map__key_size(map);
	m->value_size = sn_map__value_size(map);
	m->value_size_sys = sn_map__value_size_sys(map);
	m->max_entries = sn_map__max_entries(map);
}

static int mc_stack_cb(const struct sn_stack_map *sm, void *arg)
{
	struct mc_map m = {.name = sm->name ? sm->name : "", .role = sm->role, .decode = sm->decode};

	mc_from_sn_map(&m, sm->map);
	return mc_visit(&m, arg);
}

static int mc_prog_cb(const char *name, struct sn_map *map, void *arg)
{
	struct mc_map m = {.name = name, .role = "xdp"};

	mc_from_sn_map(&m, map);
	return mc_visit(&m, arg);
}

static int mc_kernel_cb(const char *name, int fd, void *arg)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	struct mc_map m = {.name = name, .role = "kernel", .fd = fd};

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0; /* not a map (a pinned program or link): not listed */
	m.type = (int)info.type;
	m.key_size = info.key_size;
	m.value_size = m.value_size_sys = info.value_size;
	m.max_entries = info.max_entries;
	if (info.type == BPF_MAP_TYPE_PERCPU_HASH || info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
		int ncpu = libbpf_num_possible_cpus();

		m.value_size_sys = ((info.value_size + 7) & ~7u) * (uint32_t)(ncpu > 0 ? ncpu : 1);
	}
	if (m.key_size > CTL_MAP_HEX_KEY_MAX / 2)
		return 0;
	return mc_visit(&m, arg);
}

char *maps_ctl_handle(const struct ctl_request *req)
{
	struct mc_req r = {.req = req, .list = json_array()};
	const char *op = ctl_op_name(req->op);
	json_t *o;
	int rc;

	if (!r.list)
		return NULL;
	pthread_mutex_lock(&softnetd.ctl_lock);
	rc = sn_stack_for_each_map(mc_stack_cb, &r);
	pthread_mutex_unlock(&softnetd.ctl_lock);
	if (rc >= 0 && !(r.found && req->op != CTL_OP_DUMP))
		rc = daemon_xdp_for_each_map(mc_prog_cb, &r);
	if (rc >= 0 && !(r.found && req->op != CTL_OP_DUMP))
		rc = daemon_xdp_for_each_kernel_map(mc_kernel_cb, &r);
	if (rc < 0 && !r.err[0])
		snprintf(r.err, sizeof(r.err), "%s", strerror(-rc));
	if (rc < 0 || (r.found && r.rc)) {
		json_decref(r.list);
		return ctl_reply_error("maps %s %s: %s", op, req->map, r.err[0] ? r.err : "failed");
	}
	if (req->map[0] && !r.found) {
		json_decref(r.list);
		return ctl_reply_error("maps %s: no map '%s' (softnetctl maps lists them)", op,
				       req->map);
	}
	if (req->op == CTL_OP_UPDATE || req->op == CTL_OP_DELETE) {
		json_decref(r.list);
		return ctl_reply_ok(json_pack("{s:s, s:s, s:s}", "op", op, "map", req->map, "key",
					      req->key));
	}
	o = json_object();
	if (!o) {
		json_decref(r.list);
		return NULL;
	}
	json_object_set_new(o, "maps", r.list);
	return ctl_reply_ok(o);
}
