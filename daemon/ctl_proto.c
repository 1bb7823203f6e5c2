// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl_proto.c - requests and replies of the control socket (ctl_proto.h).
 *
 * The parser is the daemon's first line of defence: everything that reaches a handler has a
 * known command, a known operation and arguments checked for type, length and syntax. Errors
 * name the key and say what was expected and what was found, like the config parser's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

static const char *const ctl_cmd_names[CTL_CMD_NR] = {
	[CTL_STATS] = "stats", [CTL_PORTS] = "ports",	  [CTL_NAPI] = "napi",
	[CTL_ROUTES] = "routes", [CTL_FDB] = "fdb",	  [CTL_NEIGH] = "neigh",
	[CTL_MAPS] = "maps",	 [CTL_PROFILE] = "profile", [CTL_TRACE] = "trace",
	[CTL_XDP] = "xdp",
	[CTL_DEBUG] = "debug",
};

static const char *const ctl_op_names[CTL_OP_NR] = {
	[CTL_OP_NONE] = "", [CTL_OP_SHOW] = "show", [CTL_OP_ADD] = "add",     [CTL_OP_DEL] = "del",
	[CTL_OP_DUMP] = "dump", [CTL_OP_ON] = "on",   [CTL_OP_OFF] = "off", [CTL_OP_RESET] = "reset",
	[CTL_OP_LIST] = "list", [CTL_OP_UPDATE] = "update", [CTL_OP_DELETE] = "delete",
	[CTL_OP_ATTACH] = "attach", [CTL_OP_DETACH] = "detach",
	[CTL_OP_FAIL_ALLOC] = "fail-alloc",
};

enum { CTL_ARG_PREFIX = 1, CTL_ARG_VIA = 2, CTL_ARG_DEV = 4, CTL_ARG_FAIL = 8,
       CTL_ARG_PORT = 16, CTL_ARG_OBJECT = 32, CTL_ARG_PROGRAM = 64, CTL_ARG_ENGINE = 128,
       CTL_ARG_MAP = 256, CTL_ARG_KEY = 512, CTL_ARG_VALUE = 1024, CTL_ARG_FLAGS = 2048 };

/* Per command: the operations it takes (bit per enum ctl_op), its default, its argument keys. */
#define OPS(x) (1u << CTL_OP_##x)
static const struct {
	unsigned int ops;
	enum ctl_op def;
	unsigned int args; /* CTL_ARG_* */
} ctl_cmd_spec[CTL_CMD_NR] = {
	[CTL_ROUTES] = {OPS(SHOW) | OPS(ADD) | OPS(DEL), CTL_OP_SHOW,
			CTL_ARG_PREFIX | CTL_ARG_VIA | CTL_ARG_DEV},
	[CTL_MAPS] = {OPS(LIST) | OPS(DUMP) | OPS(UPDATE) | OPS(DELETE), CTL_OP_LIST,
		      CTL_ARG_MAP | CTL_ARG_KEY | CTL_ARG_VALUE | CTL_ARG_FLAGS},
	[CTL_XDP] = {OPS(SHOW) | OPS(ATTACH) | OPS(DETACH), CTL_OP_SHOW,
		     CTL_ARG_PORT | CTL_ARG_OBJECT | CTL_ARG_PROGRAM | CTL_ARG_ENGINE},
	[CTL_TRACE] = {OPS(DUMP) | OPS(ON) | OPS(OFF) | OPS(RESET), CTL_OP_DUMP, 0},
	[CTL_DEBUG] = {OPS(FAIL_ALLOC), CTL_OP_NONE, CTL_ARG_FAIL},
};
#undef OPS

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	return (unsigned int)cmd < CTL_CMD_NR ? ctl_cmd_names[cmd] : "?";
}

const char *ctl_op_name(enum ctl_op op)
{
	return (unsigned int)op < CTL_OP_NR ? ctl_op_names[op] : "?";
}

__attribute__((format(printf, 3, 4))) static int ctl_err(char *err, size_t errlen,
							  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * @s quoted for an error line: at most 32 bytes of it, with '"', '\\', control characters and
 * every byte above 0x7e escaped, so that the message stays one line of ASCII whatever the client
 * sent (a cut through a UTF-8 sequence would make the error reply invalid JSON for jansson, and
 * a newline would split it).
 */
static const char *ctl_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	buf[o++] = '"';
	for (size_t i = 0; s[i] && o + 6 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 32) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* @s (jansson's error text, which quotes the bad input) with the same escapes, not cut. */
static const char *ctl_ascii(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

/* What a JSON value is, for "got ...": a short quoted string, a number, a type name. */
static const char *ctl_found(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_STRING:
		break;
	}
	return ctl_quote(json_string_value(v), buf, len);
}

static bool ctl_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* An address without a length, or (@prefix) ADDR/LEN with the host bits zero. */
static bool ctl_addr_ok(const char *s, bool prefix)
{
	char a[64];
	const char *slash = strchr(s, '/');
	unsigned char bin[16];
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	long plen;
	char *end;
	int family, max;

	if (!prefix && slash)
		return false;
	if (prefix && !slash)
		return false;
	if (alen == 0 || alen >= sizeof(a))
		return false;
	memcpy(a, s, alen);
	a[alen] = '\0';
	family = strchr(a, ':') ? AF_INET6 : AF_INET;
	max = family == AF_INET ? 32 : 128;
	if (inet_pton(family, a, bin) != 1)
		return false;
	if (!prefix)
		return true;
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	errno = 0;
	plen = strtol(slash + 1, &end, 10);
	if (*end || errno || plen < 0 || plen > max)
		return false;
	for (int bit = (int)plen; bit < max; bit++)
		if (bin[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static int ctl_string_arg(const json_t *v, const char *key, char *out, size_t max, char *err,
			  size_t errlen)
{
	char f[64];
	const char *s = json_string_value(v);

	if (!s || !*s || strlen(s) >= max)
		return ctl_err(err, errlen, "%s: expected a string of 1..%zu characters, got %s", key,
			       max - 1, ctl_found(v, f, sizeof(f)));
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int ctl_route_args(struct ctl_request *req, char *err, size_t errlen)
{
	const char *what = ctl_op_name(req->op);
	char q[64];

	if (req->op == CTL_OP_SHOW && (req->prefix[0] || req->via[0] || req->dev[0]))
		return ctl_err(err, errlen, "routes show: takes no prefix, via or dev");
	if (req->op == CTL_OP_SHOW)
		return 0;
	if (!req->prefix[0])
		return ctl_err(err, errlen, "routes %s: prefix: expected ADDR/LEN, got nothing",
			       what);
	if (!ctl_addr_ok(req->prefix, true))
		return ctl_err(err, errlen,
			       "routes %s: prefix: expected ADDR/LEN with the host bits zero "
			       "(10.0.2.0/24, fd00::/64), got %s",
			       what, ctl_quote(req->prefix, q, sizeof(q)));
	if (req->op == CTL_OP_DEL) {
		if (req->via[0] || req->dev[0])
			return ctl_err(err, errlen, "routes del: takes only a prefix");
		return 0;
	}
	if (req->via[0] && !ctl_addr_ok(req->via, false))
		return ctl_err(err, errlen,
			       "routes add: via: expected an IPv4 or IPv6 address, got %s",
			       ctl_quote(req->via, q, sizeof(q)));
	if (req->via[0] && (strchr(req->via, ':') != NULL) != (strchr(req->prefix, ':') != NULL))
		return ctl_err(err, errlen,
			       "routes add: via: expected an address of the prefix's family, got "
			       "\"%s\" for %s",
			       req->via, req->prefix);
	if (!req->dev[0])
		return ctl_err(err, errlen, "routes add: dev: expected a port name, got nothing");
	for (const char *c = req->dev; *c; c++)
		if (!ctl_name_char(*c))
			return ctl_err(err, errlen,
				       "routes add: dev: expected a port name (letters, digits, "
				       "'_', '-', '.'), got %s",
				       ctl_quote(req->dev, q, sizeof(q)));
	return 0;
}

/* ---- xdp and maps arguments ---- */

static const struct {
	const char *key;
	unsigned int arg;
	size_t off, size;
} ctl_xdp_maps_keys[] = {
	{"port", CTL_ARG_PORT, offsetof(struct ctl_request, dev), sizeof(((struct ctl_request *)0)->dev)},
	{"object", CTL_ARG_OBJECT, offsetof(struct ctl_request, object),
	 sizeof(((struct ctl_request *)0)->object)},
	{"program", CTL_ARG_PROGRAM, offsetof(struct ctl_request, program),
	 sizeof(((struct ctl_request *)0)->program)},
	{"engine", CTL_ARG_ENGINE, offsetof(struct ctl_request, engine),
	 sizeof(((struct ctl_request *)0)->engine)},
	{"map", CTL_ARG_MAP, offsetof(struct ctl_request, map), sizeof(((struct ctl_request *)0)->map)},
	{"key", CTL_ARG_KEY, offsetof(struct ctl_request, key), sizeof(((struct ctl_request *)0)->key)},
	{"value", CTL_ARG_VALUE, offsetof(struct ctl_request, value),
	 sizeof(((struct ctl_request *)0)->value)},
	{"flags", CTL_ARG_FLAGS, offsetof(struct ctl_request, flags),
	 sizeof(((struct ctl_request *)0)->flags)},
};
#define CTL_XDP_MAPS_NKEYS (sizeof(ctl_xdp_maps_keys) / sizeof(ctl_xdp_maps_keys[0]))

static bool ctl_xdp_maps_key(const char *key, unsigned int args)
{
	for (size_t i = 0; i < CTL_XDP_MAPS_NKEYS; i++)
		if ((args & ctl_xdp_maps_keys[i].arg) && !strcmp(key, ctl_xdp_maps_keys[i].key))
			return true;
	return false;
}

static int ctl_xdp_maps_arg(struct ctl_request *req, const char *key, const json_t *v, char *err,
			    size_t errlen)
{
	for (size_t i = 0; i < CTL_XDP_MAPS_NKEYS; i++)
		if (!strcmp(key, ctl_xdp_maps_keys[i].key))
			return ctl_string_arg(v, key, (char *)req + ctl_xdp_maps_keys[i].off,
					      ctl_xdp_maps_keys[i].size, err, errlen);
	return ctl_err(err, errlen, "request: unknown key");
}

static int ctl_xdp_maps_format(const struct ctl_request *req, json_t *o)
{
	int rc = 0;

	for (size_t i = 1; i < CTL_XDP_MAPS_NKEYS; i++) { /* "port" is req->dev: done */
		const char *s = (const char *)req + ctl_xdp_maps_keys[i].off;

		if (s[0])
			rc |= json_object_set_new(o, ctl_xdp_maps_keys[i].key, json_string(s));
	}
	return rc;
}

/* Which of the xdp/maps arguments @req carries (CTL_ARG_* bits). */
static unsigned int ctl_xdp_maps_given(const struct ctl_request *req)
{
	unsigned int given = 0;

	for (size_t i = 0; i < CTL_XDP_MAPS_NKEYS; i++)
		if (((const char *)req + ctl_xdp_maps_keys[i].off)[0])
			given |= ctl_xdp_maps_keys[i].arg;
	return given;
}

/* Printable ASCII without spaces, quotes or backslashes (paths, map names). */
static bool ctl_plain(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '\\')
			return false;
	return true;
}

static bool ctl_ident(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
		      (c != s && *c >= '0' && *c <= '9')))
			return false;
	return true;
}

static bool ctl_hex_ok(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return n && n % 2 == 0;
}

/* @given must be within @allowed and hold @required. */
static int ctl_need(const char *what, unsigned int given, unsigned int allowed,
		    unsigned int required, char *err, size_t errlen)
{
	for (size_t i = 0; i < CTL_XDP_MAPS_NKEYS; i++) {
		unsigned int a = ctl_xdp_maps_keys[i].arg;

		if ((given & a) && !(allowed & a))
			return ctl_err(err, errlen, "%s: takes no %s", what,
				       ctl_xdp_maps_keys[i].key);
		if ((required & a) && !(given & a))
			return ctl_err(err, errlen, "%s: %s: expected a value, got nothing", what,
				       ctl_xdp_maps_keys[i].key);
	}
	return 0;
}

static int ctl_xdp_args(const struct ctl_request *req, char *err, size_t errlen)
{
	unsigned int given = ctl_xdp_maps_given(req);
	char q[64];
	int rc;

	switch (req->op) {
	case CTL_OP_ATTACH:
		rc = ctl_need("xdp attach", given,
			      CTL_ARG_PORT | CTL_ARG_OBJECT | CTL_ARG_PROGRAM | CTL_ARG_ENGINE,
			      CTL_ARG_PORT | CTL_ARG_OBJECT, err, errlen);
		break;
	case CTL_OP_DETACH:
		rc = ctl_need("xdp detach", given, CTL_ARG_PORT, CTL_ARG_PORT, err, errlen);
		break;
	default:
		return ctl_need("xdp show", given, 0, 0, err, errlen);
	}
	if (rc)
		return rc;
	for (const char *c = req->dev; *c; c++)
		if (!ctl_name_char(*c))
			return ctl_err(err, errlen,
				       "xdp %s: port: expected a port name (letters, digits, '_', "
				       "'-', '.'), got %s",
				       ctl_op_name(req->op), ctl_quote(req->dev, q, sizeof(q)));
	if (req->op == CTL_OP_DETACH)
		return 0;
	if (req->object[0] != '/' || !ctl_plain(req->object))
		return ctl_err(err, errlen,
			       "xdp attach: object: expected an absolute path without spaces, got %s",
			       ctl_quote(req->object, q, sizeof(q)));
	if (req->program[0] && !ctl_ident(req->program))
		return ctl_err(err, errlen, "xdp attach: program: expected a function name, got %s",
			       ctl_quote(req->program, q, sizeof(q)));
	if (req->engine[0] && strcmp(req->engine, "auto") && strcmp(req->engine, "jit") &&
	    strcmp(req->engine, "interp"))
		return ctl_err(err, errlen, "xdp attach: engine: expected auto|jit|interp, got %s",
			       ctl_quote(req->engine, q, sizeof(q)));
	return 0;
}

static int ctl_maps_args(const struct ctl_request *req, char *err, size_t errlen)
{
	unsigned int given = ctl_xdp_maps_given(req);
	char q[64];
	int rc;

	switch (req->op) {
	case CTL_OP_DUMP:
		rc = ctl_need("maps dump", given, CTL_ARG_MAP, 0, err, errlen);
		break;
	case CTL_OP_UPDATE:
		rc = ctl_need("maps update", given,
			      CTL_ARG_MAP | CTL_ARG_KEY | CTL_ARG_VALUE | CTL_ARG_FLAGS,
			      CTL_ARG_MAP | CTL_ARG_KEY | CTL_ARG_VALUE, err, errlen);
		break;
	case CTL_OP_DELETE:
		rc = ctl_need("maps delete", given, CTL_ARG_MAP | CTL_ARG_KEY,
			      CTL_ARG_MAP | CTL_ARG_KEY, err, errlen);
		break;
	default:
		return ctl_need("maps list", given, 0, 0, err, errlen);
	}
	if (rc)
		return rc;
	if (req->map[0] && !ctl_plain(req->map))
		return ctl_err(err, errlen, "maps %s: map: expected a map name as 'maps' lists it, got %s",
			       ctl_op_name(req->op), ctl_quote(req->map, q, sizeof(q)));
	if (req->key[0] && !ctl_hex_ok(req->key))
		return ctl_err(err, errlen,
			       "maps %s: key: expected hex bytes in memory order (01000000), got %s",
			       ctl_op_name(req->op), ctl_quote(req->key, q, sizeof(q)));
	if (req->value[0] && !ctl_hex_ok(req->value))
		return ctl_err(err, errlen,
			       "maps update: value: expected hex bytes in memory order, got %s",
			       ctl_quote(req->value, q, sizeof(q)));
	if (req->flags[0] && strcmp(req->flags, "any") && strcmp(req->flags, "noexist") &&
	    strcmp(req->flags, "exist"))
		return ctl_err(err, errlen, "maps update: flags: expected any|noexist|exist, got %s",
			       ctl_quote(req->flags, q, sizeof(q)));
	return 0;
}

static int ctl_request_check(const json_t *root, struct ctl_request *req, char *err,
			     size_t errlen)
{
	const json_t *cmd = json_object_get(root, "cmd"), *v;
	const char *key, *name;
	char f[64], expected[128];
	size_t o = 0;
	int c;

	if (!cmd)
		return ctl_err(err, errlen, "request: \"cmd\": expected a command, got nothing");
	name = json_string_value(cmd);
	for (c = 0; c < CTL_CMD_NR; c++) {
		if (name && !strcmp(name, ctl_cmd_names[c]))
			break;
		if (c != CTL_DEBUG) /* the last one, for tests: not advertised */
			o += (size_t)snprintf(expected + o, sizeof(expected) - o, "%s%s",
					      c ? "|" : "", ctl_cmd_names[c]);
	}
	if (c == CTL_CMD_NR)
		return ctl_err(err, errlen, "request: cmd: expected %s, got %s", expected,
			       ctl_found(cmd, f, sizeof(f)));
	req->cmd = (enum ctl_cmd)c;
	req->op = ctl_cmd_spec[c].def;

	json_object_foreach((json_t *)root, key, v) {
		unsigned int args = ctl_cmd_spec[c].args;
		int rc = 0;

		if (!strcmp(key, "cmd"))
			continue;
		if (!strcmp(key, "op") && ctl_cmd_spec[c].ops) {
			const char *op = json_string_value(v);
			int i;

			for (i = 1; i < CTL_OP_NR; i++)
				if ((ctl_cmd_spec[c].ops & (1u << i)) && op &&
				    !strcmp(op, ctl_op_names[i]))
					break;
			if (i == CTL_OP_NR) {
				o = 0;
				for (i = 1; i < CTL_OP_NR; i++)
					if (ctl_cmd_spec[c].ops & (1u << i))
						o += (size_t)snprintf(expected + o,
								      sizeof(expected) - o, "%s%s",
								      o ? "|" : "",
								      ctl_op_names[i]);
				return ctl_err(err, errlen, "%s: op: expected %s, got %s",
					       ctl_cmd_names[c], expected, ctl_found(v, f, sizeof(f)));
			}
			req->op = (enum ctl_op)i;
		} else if (!strcmp(key, "prefix") && (args & CTL_ARG_PREFIX)) {
			rc = ctl_string_arg(v, "prefix", req->prefix, sizeof(req->prefix), err,
					    errlen);
		} else if (!strcmp(key, "via") && (args & CTL_ARG_VIA)) {
			rc = ctl_string_arg(v, "via", req->via, sizeof(req->via), err, errlen);
		} else if (!strcmp(key, "dev") && (args & CTL_ARG_DEV)) {
			rc = ctl_string_arg(v, "dev", req->dev, sizeof(req->dev), err, errlen);
		} else if (ctl_xdp_maps_key(key, args)) {
			rc = ctl_xdp_maps_arg(req, key, v, err, errlen);
		} else if (!strcmp(key, "pool") && (args & CTL_ARG_FAIL)) {
			rc = ctl_string_arg(v, "pool", req->pool, sizeof(req->pool), err, errlen);
		} else if (!strcmp(key, "percent") && (args & CTL_ARG_FAIL)) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 100)
				return ctl_err(err, errlen, "debug: percent: expected 0..100, got %s",
					       json_is_integer(v) ? "a number out of range"
								  : ctl_found(v, f, sizeof(f)));
			req->percent = (int)json_integer_value(v) + 1; /* 0: not given */
		} else {
			char k[64];
			json_t *kj = json_string(key);

			snprintf(k, sizeof(k), "%s", kj ? ctl_found(kj, f, sizeof(f)) : "?");
			json_decref(kj);
			return ctl_err(err, errlen, "%s: unknown key %s", ctl_cmd_names[c], k);
		}
		if (rc)
			return rc;
	}
	if (req->cmd == CTL_ROUTES)
		return ctl_route_args(req, err, errlen);
	if (req->cmd == CTL_XDP)
		return ctl_xdp_args(req, err, errlen);
	if (req->cmd == CTL_MAPS)
		return ctl_maps_args(req, err, errlen);
	if (req->cmd == CTL_DEBUG) {
		if (req->op != CTL_OP_FAIL_ALLOC && (req->pool[0] || req->percent))
			return ctl_err(err, errlen, "debug: pool and percent go with op fail-alloc");
		if (!req->pool[0] != !req->percent)
			return ctl_err(err, errlen, "debug fail-alloc: pool and percent go together");
		if (req->percent)
			req->percent--;
		else
			req->percent = -1; /* show only */
	}
	return 0;
}

int ctl_request_parse(const char *line, size_t len, struct ctl_request *req, char *err,
		      size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(req, 0, sizeof(*req));
	if (len > CTL_REQUEST_MAX)
		return ctl_err(err, errlen, "request: longer than %d bytes", CTL_REQUEST_MAX);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		char t[4 * JSON_ERROR_TEXT_LENGTH];

		return ctl_err(err, errlen, "request: invalid JSON at column %d: %s", jerr.column,
			       ctl_ascii(jerr.text, t, sizeof(t)));
	}
	if (!json_is_object(root)) {
		char f[64];

		rc = ctl_err(err, errlen, "request: expected a JSON object, got %s",
			     ctl_found(root, f, sizeof(f)));
	} else {
		rc = ctl_request_check(root, req, err, errlen);
	}
	json_decref(root);
	if (rc)
		memset(req, 0, sizeof(*req));
	return rc;
}

char *ctl_request_format(const struct ctl_request *req)
{
	json_t *o;
	char *s, *line;
	size_t n;
	int rc = 0;

	if ((unsigned int)req->cmd >= CTL_CMD_NR || (unsigned int)req->op >= CTL_OP_NR) {
		errno = EINVAL;
		return NULL;
	}
	o = json_pack("{s:s}", "cmd", ctl_cmd_names[req->cmd]);
	if (!o)
		goto nomem;
	if (req->op != CTL_OP_NONE)
		rc |= json_object_set_new(o, "op", json_string(ctl_op_names[req->op]));
	if (req->prefix[0])
		rc |= json_object_set_new(o, "prefix", json_string(req->prefix));
	if (req->via[0])
		rc |= json_object_set_new(o, "via", json_string(req->via));
	if (req->dev[0])
		rc |= json_object_set_new(o, req->cmd == CTL_XDP ? "port" : "dev",
					  json_string(req->dev));
	rc |= ctl_xdp_maps_format(req, o);
	if (req->cmd == CTL_DEBUG && req->pool[0]) {
		rc |= json_object_set_new(o, "pool", json_string(req->pool));
		rc |= json_object_set_new(o, "percent", json_integer(req->percent));
	}
	s = rc ? NULL : json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		goto nomem;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		goto nomem;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
nomem:
	errno = ENOMEM;
	return NULL;
}

/* Dump @o (stolen) as one line with its newline. */
static char *ctl_dump_line(json_t *o)
{
	char *s, *line;
	size_t n;

	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

char *ctl_reply_ok(json_t *data)
{
	if (!data)
		return NULL;
	if (!json_is_object(data) || json_object_set_new(data, "ok", json_true())) {
		json_decref(data);
		return NULL;
	}
	return ctl_dump_line(data);
}

char *ctl_reply_verror(const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return ctl_dump_line(json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

char *ctl_reply_error(const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = ctl_reply_verror(fmt, ap);
	va_end(ap);
	return line;
}

json_t *ctl_reply_parse(const char *line, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, 0, &jerr);
	const json_t *ok;

	if (!root) {
		ctl_err(err, errlen, "bad reply from softnetd: invalid JSON at column %d: %s",
			jerr.column, jerr.text);
		return NULL;
	}
	ok = json_object_get(root, "ok");
	if (!json_is_object(root) || !json_is_boolean(ok)) {
		ctl_err(err, errlen, "bad reply from softnetd: no \"ok\" field");
		json_decref(root);
		return NULL;
	}
	if (!json_is_true(ok)) {
		const char *e = json_string_value(json_object_get(root, "error"));

		ctl_err(err, errlen, "%s", e ? e : "softnetd refused the request (no reason given)");
		json_decref(root);
		return NULL;
	}
	return root;
}
