// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ctl_proto.c - the control socket's request parser and reply builder (daemon/ctl_proto.c).
 *
 * The input is one request line, as ctl_server reads it from a client (without its newline).
 * Each input goes the way the daemon takes it, plus the client's side of the same exchange:
 *   1. ctl_request_parse() with the daemon's 512-byte error buffer: 0, or -EINVAL with a
 *      non-empty one-line message (ctl_proto.h: "one line saying what was wrong");
 *   2. refused: ctl_reply_error("%s", err) exactly as ctl_server_handle() does; it must give a
 *      line (NULL means the daemon answers "out of memory" to a bad request), one JSON line
 *      ending in its only newline, that ctl_reply_parse() reads back as that same error;
 *   3. accepted: the request is in range, its strings are NUL-terminated, and
 *      ctl_request_format() gives a line that parses back to the same request (what
 *      softnetctl sends is what the daemon understood); ctl_reply_ok() of an object naming it
 *      reads back as ok;
 *   4. the raw input as a reply line (softnetctl reading a hostile or broken daemon):
 *      ctl_reply_parse() returns an ok object or NULL with an error set, never crashes (the
 *      error is the daemon's own text then, so it is not held to one line).
 * Any violated property aborts (a crash for libFuzzer); ASan's leak check covers the JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl_proto.h"

#define FUZZ_TARGET "fuzz_ctl_proto"
#include "fuzz_check.h"

/* Exactly one line: non-empty, @nl_at_end says whether it ends in '\n', no other newline. */
static void check_one_line(const char *s, bool nl_at_end, const char *what)
{
	size_t n = strlen(s);

	CHECK(n > 0, "%s: empty", what);
	if (nl_at_end) {
		CHECK(s[n - 1] == '\n', "%s: no newline at the end: %s", what, s);
		n--;
	}
	CHECK(!memchr(s, '\n', n) && !memchr(s, '\r', n), "%s: more than one line: %s", what, s);
}

static bool str_terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void check_refused(const char *err)
{
	char err2[1100];
	json_t *r;
	char *line;

	check_one_line(err, false, "request error");
	line = ctl_reply_error("%s", err);
	CHECK(line, "ctl_reply_error(\"%%s\", \"%s\") returned NULL", err);
	check_one_line(line, true, "error reply");
	err2[0] = '\0';
	r = ctl_reply_parse(line, strlen(line) - 1, err2, sizeof(err2));
	CHECK(!r, "an error reply read back as ok: %s", line);
	CHECK(!strcmp(err, err2), "error reply read back as \"%s\", was \"%s\"", err2, err);
	free(line);
}

static void check_accepted(const struct ctl_request *req)
{
	struct ctl_request again;
	char err[512], err2[512];
	char *line, *reply;
	json_t *r;

	CHECK((unsigned int)req->cmd < CTL_CMD_NR && (unsigned int)req->op < CTL_OP_NR,
	      "cmd %d op %d out of range", (int)req->cmd, (int)req->op);
	CHECK(strcmp(ctl_cmd_name(req->cmd), "?") && strcmp(ctl_op_name(req->op), "?"),
	      "cmd %d op %d without a name", (int)req->cmd, (int)req->op);
	CHECK(str_terminated(req->prefix, sizeof(req->prefix)) &&
	      str_terminated(req->via, sizeof(req->via)) && str_terminated(req->dev, sizeof(req->dev)),
	      "request strings not terminated");

	line = ctl_request_format(req);
	CHECK(line, "ctl_request_format() refused an accepted request (errno %d)", errno);
	check_one_line(line, true, "formatted request");
	err[0] = '\0';
	CHECK(ctl_request_parse(line, strlen(line) - 1, &again, err, sizeof(err)) == 0,
	      "formatted request %s refused: %s", line, err);
	CHECK(again.cmd == req->cmd && again.op == req->op && !strcmp(again.prefix, req->prefix) &&
		      !strcmp(again.via, req->via) && !strcmp(again.dev, req->dev),
	      "formatted request %s parses to another request", line);
	free(line);

	reply = ctl_reply_ok(json_pack("{s:s, s:s, s:s, s:s, s:s}", "cmd", ctl_cmd_name(req->cmd),
				       "op", ctl_op_name(req->op), "prefix", req->prefix, "via",
				       req->via, "dev", req->dev));
	CHECK(reply, "ctl_reply_ok() returned NULL");
	check_one_line(reply, true, "ok reply");
	err2[0] = '\0';
	r = ctl_reply_parse(reply, strlen(reply) - 1, err2, sizeof(err2));
	CHECK(r && json_is_true(json_object_get(r, "ok")), "ok reply not read back: %s (%s)", reply,
	      err2);
	json_decref(r);
	free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	char err[512]; /* ctl_server_handle()'s */
	char rerr[512];
	json_t *r;
	int rc;

	/* A request line never holds its newline: the server splits on it. */
	if (memchr(data, '\n', size))
		return -1; /* reject: not a possible line (keeps it out of the corpus) */

	memset(&req, 0xa5, sizeof(req));
	err[0] = '\0';
	rc = ctl_request_parse((const char *)data, size, &req, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL, "ctl_request_parse returned %d", rc);
	if (rc)
		check_refused(err);
	else
		check_accepted(&req);

	rerr[0] = '\0';
	r = ctl_reply_parse((const char *)data, size, rerr, sizeof(rerr));
	if (r)
		CHECK(json_is_object(r) && json_is_true(json_object_get(r, "ok")),
		      "ctl_reply_parse accepted a reply that does not say ok");
	else
		CHECK(str_terminated(rerr, sizeof(rerr)), "error not terminated");
	json_decref(r);
	return 0;
}
