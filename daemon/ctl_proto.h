/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ctl_proto.h - the control protocol between softnetd and softnetctl, shared by both sides.
 *
 * Transport: a unix stream socket, <runtime-dir>/softnetd.sock (0600). The client writes one
 * request per line, the daemon answers each with one reply line, in order. Both are JSON objects
 * on a single line (no newline inside; strings are escaped).
 *
 * Request: {"cmd": NAME, ...arguments}. The commands and their arguments:
 *   stats                                     counters of ports, CPUs, queues, pools
 *   ports                                     the ports and their backends
 *   napi                                      every NAPI instance
 *   routes  "op": "show" | "add" | "del"      add: "prefix", "dev", optional "via"; del: "prefix"
 *   fdb | neigh                               the stack's tables
 *   maps    "op": "list" (default) | "dump" [+ "map"] | "update" "map" "key" "value" ["flags"]
 *           | "delete" "map" "key"             softnetd's, programs' and kernel-pinned maps;
 *           key/value: hex digits, bytes in memory order; flags any|noexist|exist
 *   xdp     "op": "show" (default) | "attach" "port" "object" ["program"] ["engine"] |
 *           "detach" "port"                    XDP programs on ports, kernel attachments
 *   profile                                   the locking profile and its threads
 *   trace   "op": "dump" | "on" | "off" | "reset" (default dump)
 *   debug   "op": "fail-alloc", optional "pool" (skb_heads|frag_chunks|page_pool|all) with
 *           "percent" (0..100): fault injection (bhlock/fail_alloc.h); replies with every site.
 *           Not listed in the "expected ..." of an unknown command: it is for tests.
 * Unknown commands, unknown keys and values of the wrong type are refused with an error reply
 * that names them.
 *
 * Reply: {"ok": true, ...data} or {"ok": false, "error": "one line saying what was wrong"}.
 *
 * Context: any thread; no global state. Only jansson is needed, so softnetctl links this file
 * without the datapath.
 */
#ifndef DAEMON_CTL_PROTO_H
#define DAEMON_CTL_PROTO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CTL_SOCKET_NAME "softnetd.sock"
#define CTL_RUNTIME_DIR_DEFAULT "/run/softnetd"
/* The longest request line the daemon reads; longer ones are refused and the client dropped. */
#define CTL_REQUEST_MAX 4096
/* The longest reply line a client accepts (a trace dump of every CPU's ring fits). */
#define CTL_REPLY_MAX (64u << 20)
/* Hex digits of a map key / value in a request (2 per byte). */
#define CTL_MAP_HEX_KEY_MAX 512
#define CTL_MAP_HEX_VALUE_MAX 2048

enum ctl_cmd {
	CTL_STATS,
	CTL_PORTS,
	CTL_NAPI,
	CTL_ROUTES,
	CTL_FDB,
	CTL_NEIGH,
	CTL_MAPS,
	CTL_PROFILE,
	CTL_TRACE,
	CTL_XDP,
	CTL_DEBUG, /* fault injection; keep it last (see ctl_proto.c) */
	CTL_CMD_NR
};

enum ctl_op {
	CTL_OP_NONE,
	CTL_OP_SHOW,  /* routes */
	CTL_OP_ADD,   /* routes */
	CTL_OP_DEL,   /* routes */
	CTL_OP_DUMP,  /* maps, trace */
	CTL_OP_ON,    /* trace */
	CTL_OP_OFF,   /* trace */
	CTL_OP_RESET, /* trace */
	CTL_OP_LIST,   /* maps */
	CTL_OP_UPDATE, /* maps */
	CTL_OP_DELETE, /* maps */
	CTL_OP_ATTACH, /* xdp */
	CTL_OP_DETACH, /* xdp */
	CTL_OP_FAIL_ALLOC, /* debug */
	CTL_OP_NR
};

struct ctl_request {
	enum ctl_cmd cmd;
	enum ctl_op op;
	char prefix[64]; /* routes add/del: "10.0.2.0/24", "fd00:1::/64" */
	char via[64];    /* routes add: next hop, or "" */
	char dev[16];    /* routes add: port name; xdp attach/detach: the port ("port") */
	char object[256];  /* xdp attach: absolute path of a BPF object */
	char program[64];  /* xdp attach: program name, or "" for the first */
	char engine[8];    /* xdp attach: auto|jit|interp, or "" */
	char map[160];     /* maps dump/update/delete: a name as `maps` lists it */
	char key[CTL_MAP_HEX_KEY_MAX + 1];     /* maps update/delete: hex, memory order */
	char value[CTL_MAP_HEX_VALUE_MAX + 1]; /* maps update: hex */
	char flags[8];     /* maps update: any|noexist|exist, or "" (any) */
	char pool[16];   /* debug fail-alloc: a site name or "all" */
	int percent;     /* debug fail-alloc: 0..100, with pool */
};

/* "stats", "routes", ...; "?" when out of range. */
const char *ctl_cmd_name(enum ctl_cmd cmd);
/* "show", "add", ...; "" for CTL_OP_NONE. */
const char *ctl_op_name(enum ctl_op op);

/**
 * ctl_request_parse() - check one request line.
 * @line: the line, without its newline; need not be NUL-terminated.
 * @len: its length.
 * @req: receives the request.
 * @err: receives one line saying what was wrong (no newline).
 *
 * Context: any. Return: 0, or -EINVAL with @err set (never crashes on any input).
 */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *req, char *err,
		      size_t errlen);

/*
 * The request as one JSON line with its newline, malloc'ed (the client side).
 * Return: the line, or NULL with errno ENOMEM/EINVAL (a request ctl_request_parse would refuse).
 */
char *ctl_request_format(const struct ctl_request *req);

/*
 * Replies. ctl_reply_ok() sets "ok": true in @data (a JSON object, stolen) and dumps it as one
 * line with its newline; ctl_reply_error() builds {"ok": false, "error": ...}. Both return a
 * malloc'ed line, or NULL when out of memory.
 */
char *ctl_reply_ok(json_t *data);
__attribute__((format(printf, 1, 2))) char *ctl_reply_error(const char *fmt, ...);
char *ctl_reply_verror(const char *fmt, va_list ap);

/*
 * Check a reply line (the client side). Return: the parsed object (caller's reference) when it
 * says ok; NULL with @err set to the daemon's error, or to what was wrong with the line.
 */
json_t *ctl_reply_parse(const char *line, size_t len, char *err, size_t errlen);

#endif /* DAEMON_CTL_PROTO_H */
