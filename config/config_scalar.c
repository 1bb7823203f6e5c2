// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_scalar.c - typed readers for scalar values. Each names what it expected and what it
 * found ("expected integer 1..64, got \"x\""); none accepts a list or a mapping.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* The scalar's text, or NULL for a list, a mapping or a null. */
static const char *cfg_scalar(const yaml_node_t *n)
{
	char f[8];

	if (!n || n->type != YAML_SCALAR_NODE || !strcmp(cfg_found(n, f, sizeof(f)), "null"))
		return NULL;
	return (const char *)n->data.scalar.value;
}

int cfg_int(struct cfg_parser *p, const yaml_node_t *n, const char *path, long lo, long hi,
	    int *out)
{
	const char *s = cfg_scalar(n);
	char f[64], *end;
	long v;

	if (s && *s && (*s == '-' || (*s >= '0' && *s <= '9'))) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (!*end && !errno && v >= lo && v <= hi) {
			*out = (int)v;
			return 0;
		}
	}
	return cfg_err(p, n, path, "expected integer %ld..%ld, got %s", lo, hi,
		       cfg_found(n, f, sizeof(f)));
}

int cfg_bool(struct cfg_parser *p, const yaml_node_t *n, const char *path, bool *out)
{
	const char *s = cfg_scalar(n);
	char f[64];

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		return *out = true, 0;
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		return *out = false, 0;
	return cfg_err(p, n, path, "expected true or false, got %s", cfg_found(n, f, sizeof(f)));
}

int cfg_string(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *out, size_t max)
{
	const char *s = cfg_scalar(n);
	char f[64];

	if (s && *s && strlen(s) < max) {
		memcpy(out, s, strlen(s) + 1);
		return 0;
	}
	return cfg_err(p, n, path, "expected a string of 1..%zu characters, got %s", max - 1,
		       cfg_found(n, f, sizeof(f)));
}

int cfg_strdup(struct cfg_parser *p, const yaml_node_t *n, const char *path, char **out)
{
	const char *s = cfg_scalar(n);
	char f[64];

	if (!s || !*s)
		return cfg_err(p, n, path, "expected a non-empty string, got %s",
			       cfg_found(n, f, sizeof(f)));
	*out = strdup(s);
	if (!*out) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	return 0;
}

int cfg_enum(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *const *names,
	     int *out)
{
	const char *s = cfg_scalar(n);
	char f[64], expected[128];
	size_t o = 0;

	for (int i = 0; names[i]; i++) {
		if (s && !strcmp(s, names[i]))
			return *out = i, 0;
		o += (size_t)snprintf(expected + o, sizeof(expected) - o, "%s%s", i ? "|" : "",
				      names[i]);
		if (o >= sizeof(expected))
			break;
	}
	return cfg_err(p, n, path, "expected %s, got %s", expected, cfg_found(n, f, sizeof(f)));
}

static int cfg_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cfg_mac(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint8_t mac[6])
{
	const char *s = cfg_scalar(n);
	char f[64];
	int i;

	/* Exactly six colon-separated pairs of hex digits: 02:00:00:00:00:01. */
	for (i = 0; s && i < 6; i++) {
		const char *h = s + 3 * i;
		int hi = cfg_hex(h[0]), lo = hi < 0 ? -1 : cfg_hex(h[1]);

		if (lo < 0 || h[2] != (i == 5 ? '\0' : ':'))
			break;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (i == 6)
		return 0;
	return cfg_err(p, n, path, "expected a MAC address xx:xx:xx:xx:xx:xx, got %s",
		       cfg_found(n, f, sizeof(f)));
}

static bool cfg_parse_ip(const char *s, struct cfg_addr *a)
{
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		return a->family = AF_INET, a->plen = 32, true;
	if (inet_pton(AF_INET6, s, &a->v6) == 1)
		return a->family = AF_INET6, a->plen = 128, true;
	return false;
}

int cfg_ip(struct cfg_parser *p, const yaml_node_t *n, const char *path, struct cfg_addr *a)
{
	const char *s = cfg_scalar(n);
	char f[64];

	if (s && cfg_parse_ip(s, a))
		return 0;
	return cfg_err(p, n, path, "expected an IPv4 or IPv6 address, got %s",
		       cfg_found(n, f, sizeof(f)));
}

/* True if any bit after the first plen bits of the address is set. */
static bool cfg_host_bits(const struct cfg_addr *a)
{
	const uint8_t *b = a->family == AF_INET ? (const uint8_t *)&a->v4 : a->v6.s6_addr;
	unsigned int bytes = a->family == AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < bytes; i++) {
		unsigned int first = i * 8;
		uint8_t mask = first >= a->plen	      ? 0xff
			       : first + 8 <= a->plen ? 0
						      : (uint8_t)(0xff >> (a->plen - first));

		if (b[i] & mask)
			return true;
	}
	return false;
}

int cfg_cidr(struct cfg_parser *p, const yaml_node_t *n, const char *path, bool network,
	     struct cfg_addr *a)
{
	const char *s = cfg_scalar(n), *slash = s ? strchr(s, '/') : NULL;
	char f[64], ip[INET6_ADDRSTRLEN + 1], *end;
	long plen;

	if (slash && (size_t)(slash - s) < sizeof(ip)) {
		memcpy(ip, s, (size_t)(slash - s));
		ip[slash - s] = '\0';
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (cfg_parse_ip(ip, a) && slash[1] >= '0' && slash[1] <= '9' && !*end && !errno &&
		    plen <= a->plen) {
			a->plen = (uint8_t)plen;
			if (!network || !cfg_host_bits(a))
				return 0;
			return cfg_err(p, n, path,
				       "expected a network prefix (host bits zero), got %s",
				       cfg_found(n, f, sizeof(f)));
		}
	}
	return cfg_err(p, n, path,
		       "expected a CIDR prefix ADDR/LEN (IPv4 /0..32, IPv6 /0..128), "
		       "got %s",
		       cfg_found(n, f, sizeof(f)));
}

int cfg_port_ref(struct cfg_parser *p, const yaml_node_t *n, const char *path, int *out)
{
	const char *s = cfg_scalar(n);
	struct softnetd_config *cfg = p->cfg;
	char f[64];

	for (size_t i = 0; s && i < cfg->nr_ports; i++)
		if (!strcmp(s, cfg->ports[i].name))
			return *out = (int)i, 0;
	return cfg_err(p, n, path, "expected the name of a port defined under ports, got %s",
		       cfg_found(n, f, sizeof(f)));
}
