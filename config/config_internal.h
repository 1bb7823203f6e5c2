/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config_internal.h - shared by the config module's files: the parser state, the error reporter
 * and the typed scalar readers. Every reader either stores a value and returns 0, or writes the
 * error line and returns -EINVAL; callers return at the first error.
 */
#ifndef SOFTNETD_CONFIG_INTERNAL_H
#define SOFTNETD_CONFIG_INTERNAL_H

#include <yaml.h>

#include "config.h"

#define CFG_PATH_MAX 128

struct cfg_parser {
	yaml_document_t doc;
	const char *file;
	char *err;
	size_t errlen;
	struct softnetd_config *cfg;
	/* Nodes of each port's name (for duplicate reports) and of its references. */
	const yaml_node_t **port_name_node;
	/* When set, the keys an unknown-key error lists instead of all of keys[] (ports). */
	const char *allowed_hint;
};

/* "FILE:LINE:COL: PATH: MSG" at node n (line 1, column 1 without a node). Return: -EINVAL. */
__attribute__((format(printf, 4, 5))) int cfg_err(struct cfg_parser *p, const yaml_node_t *n,
						  const char *path, const char *fmt, ...);
/* What was found at n, for "got ...": "x" quoted and escaped, null, a list, a mapping. */
const char *cfg_found(const yaml_node_t *n, char *buf, size_t len);
/* Build a key path: cfg_path(buf, "ports[%zu].%s", i, key). */
__attribute__((format(printf, 3, 4))) void cfg_pathf(char *buf, size_t len, const char *fmt, ...);
#define cfg_path(buf, ...) cfg_pathf((buf), sizeof(buf), __VA_ARGS__)

#define cfg_node(p, id) yaml_document_get_node(&(p)->doc, (id))
#define cfg_for_each_pair(map, pair)                                   \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start; \
	     pair < (map)->data.mapping.pairs.top; pair++)
#define cfg_seq_len(seq) \
	((size_t)((seq)->data.sequence.items.top - (seq)->data.sequence.items.start))
#define cfg_seq_item(p, seq, i) cfg_node(p, (seq)->data.sequence.items.start[i])

/* A key of a mapping and where its value is. */
struct cfg_key {
	const char *name;
	const yaml_node_t *key; /* NULL when the key is absent */
	const yaml_node_t *value;
};

/*
 * Match the keys of map against keys[] (NULL-terminated by name): unknown and duplicate keys are
 * errors; keys[i].key/value are set for those present.
 */
int cfg_mapping(struct cfg_parser *p, const yaml_node_t *map, const char *path,
		struct cfg_key *keys);
/* Error for a required key that is absent: "PATH.KEY: expected a value (required WHAT), ...". */
int cfg_missing(struct cfg_parser *p, const yaml_node_t *map, const char *path, const char *key,
		const char *what);
int cfg_expect_mapping(struct cfg_parser *p, const yaml_node_t *n, const char *path);
int cfg_expect_list(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *what);

/* config_scalar.c: typed readers. */
int cfg_int(struct cfg_parser *p, const yaml_node_t *n, const char *path, long lo, long hi,
	    int *out);
int cfg_bool(struct cfg_parser *p, const yaml_node_t *n, const char *path, bool *out);
/* A string of 1..max-1 characters copied into out. */
int cfg_string(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *out, size_t max);
/* A non-empty string, duplicated into *out. */
int cfg_strdup(struct cfg_parser *p, const yaml_node_t *n, const char *path, char **out);
/* One of names[] (NULL-terminated); *out is its index. */
int cfg_enum(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *const *names,
	     int *out);
int cfg_mac(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint8_t mac[6]);
/* An IPv4/IPv6 address without a prefix length. */
int cfg_ip(struct cfg_parser *p, const yaml_node_t *n, const char *path, struct cfg_addr *a);
/* ADDR/LEN; with network set, host bits must be zero. */
int cfg_cidr(struct cfg_parser *p, const yaml_node_t *n, const char *path, bool network,
	     struct cfg_addr *a);
/* The name of a port defined under ports:; *out is its index. */
int cfg_port_ref(struct cfg_parser *p, const yaml_node_t *n, const char *path, int *out);

/* config_schema.c: top level, cpus, napi, ports. config_tables.c: the rest. */
int cfg_top(struct cfg_parser *p, const yaml_node_t *root);
int cfg_bridge(struct cfg_parser *p, const yaml_node_t *n);
int cfg_routes(struct cfg_parser *p, const yaml_node_t *n);
int cfg_neighbours(struct cfg_parser *p, const yaml_node_t *n);
int cfg_fdb(struct cfg_parser *p, const yaml_node_t *n);
int cfg_router(struct cfg_parser *p, const yaml_node_t *n);
/* config_xdp.c: ports[].xdp, kernel_xdp, and freeing what they hold. */
int cfg_port_xdp(struct cfg_parser *p, const yaml_node_t *n, const char *path, struct cfg_xdp *x);
int cfg_kernel_xdp(struct cfg_parser *p, const yaml_node_t *n);
void cfg_xdp_free(struct softnetd_config *cfg);

#endif /* SOFTNETD_CONFIG_INTERNAL_H */
