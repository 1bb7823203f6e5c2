/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ctl_client.h - softnetctl's side of the control socket: connect, send a request line, read
 * its reply line (ctl_proto.h). One connection may carry any number of requests in turn.
 *
 * Context: a single thread.
 */
#ifndef DAEMON_CTL_CLIENT_H
#define DAEMON_CTL_CLIENT_H

#include <stddef.h>

#include "ctl_proto.h"

/* How long a reply may take before the client gives up. */
#define CTL_CLIENT_TIMEOUT_MS 30000

struct ctl_conn {
	int fd;
	char *buf; /* bytes received and not yet returned as a line */
	size_t len, cap;
};

/* Return: 0, or -errno with @err saying what failed and what to check. */
int ctl_conn_open(struct ctl_conn *c, const char *path, char *err, size_t errlen);
void ctl_conn_close(struct ctl_conn *c);

/*
 * Send @req and wait for its reply. *raw receives the reply line (malloc'ed, no newline) when
 * @raw is not NULL, whatever the reply says. Return: the reply object when it says ok; NULL with
 * @err set to the daemon's error or to the transport's.
 */
json_t *ctl_conn_call(struct ctl_conn *c, const struct ctl_request *req, char **raw, char *err,
		      size_t errlen);

#endif /* DAEMON_CTL_CLIENT_H */
