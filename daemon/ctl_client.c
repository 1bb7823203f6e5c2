// SPDX-License-Identifier: GPL-2.0-only
/* ctl_client.c - connect to softnetd's control socket and exchange lines (ctl_client.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_client.h"

__attribute__((format(printf, 3, 4))) static int conn_err(char *err, size_t errlen,
							   const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return saved ? -saved : -EIO;
}

int ctl_conn_open(struct ctl_conn *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CTL_CLIENT_TIMEOUT_MS / 1000,
			     .tv_usec = (CTL_CLIENT_TIMEOUT_MS % 1000) * 1000};
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return conn_err(err, errlen, "%s: path too long for a unix socket", path);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return conn_err(err, errlen, "socket: %s", strerror(errno));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		const char *hint = errno == ENOENT || errno == ECONNREFUSED
					   ? " (is softnetd running? see -s SOCKET)"
				   : errno == EACCES ? " (the control socket is for root and "
						       "softnetd's user only)"
						     : "";

		rc = conn_err(err, errlen, "cannot connect to %s: %s%s", path, strerror(errno),
			      hint);
		close(c->fd);
		c->fd = -1;
		return rc;
	}
	return 0;
}

void ctl_conn_close(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

/* The next line (without its newline, NUL-terminated, malloc'ed). Return: NULL with @err. */
static char *conn_read_line(struct ctl_conn *c, size_t *out_len, char *err, size_t errlen)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			char *line = malloc(l + 1);

			if (!line) {
				errno = ENOMEM;
				conn_err(err, errlen, "out of memory");
				return NULL;
			}
			memcpy(line, c->buf, l);
			line[l] = '\0';
			c->len -= l + 1;
			memmove(c->buf, nl + 1, c->len);
			*out_len = l;
			return line;
		}
		if (c->len >= CTL_REPLY_MAX) {
			errno = EMSGSIZE;
			conn_err(err, errlen, "reply from softnetd longer than %u bytes",
				 CTL_REPLY_MAX);
			return NULL;
		}
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 131072;
			char *b = realloc(c->buf, cap);

			if (!b) {
				errno = ENOMEM;
				conn_err(err, errlen, "out of memory");
				return NULL;
			}
			c->buf = b;
			c->cap = cap;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			errno = ETIMEDOUT;
			conn_err(err, errlen, "softnetd did not answer within %d s",
				 CTL_CLIENT_TIMEOUT_MS / 1000);
			return NULL;
		}
		if (n < 0) {
			conn_err(err, errlen, "reading the reply: %s", strerror(errno));
			return NULL;
		}
		if (n == 0) {
			errno = ECONNRESET;
			conn_err(err, errlen, "softnetd closed the connection without a reply");
			return NULL;
		}
		c->len += (size_t)n;
	}
}

json_t *ctl_conn_call(struct ctl_conn *c, const struct ctl_request *req, char **raw, char *err,
		      size_t errlen)
{
	char *line = ctl_request_format(req), *reply;
	size_t len, off = 0;
	int send_errno = 0;
	json_t *o;

	if (raw)
		*raw = NULL;
	if (!line) {
		conn_err(err, errlen, "cannot build the request: %s", strerror(errno));
		return NULL;
	}
	len = strlen(line);
	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		/* A refusal (ctl_server.c) is written before the daemon closes: read it below. */
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			send_errno = errno;
			break;
		}
		if (n <= 0) {
			conn_err(err, errlen, "sending the request: %s", strerror(errno));
			free(line);
			return NULL;
		}
		off += (size_t)n;
	}
	free(line);
	reply = conn_read_line(c, &len, err, errlen);
	if (!reply && send_errno) {
		errno = send_errno;
		conn_err(err, errlen, "sending the request: %s", strerror(send_errno));
	}
	if (!reply)
		return NULL;
	o = ctl_reply_parse(reply, len, err, errlen);
	if (raw)
		*raw = reply;
	else
		free(reply);
	return o;
}
