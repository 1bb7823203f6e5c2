/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ctl_server.h - the control socket's server: a thread that accepts softnetctl's connections on
 * <runtime-dir>/softnetd.sock, checks who connected (SO_PEERCRED: uid 0 or the daemon's own uid),
 * and answers one JSON reply line per request line (ctl_proto.h).
 *
 * Up to CTL_MAX_CLIENTS connections are served at once (a `softnetctl stats -i 1` keeps its
 * connection open); a client that sends a line longer than CTL_REQUEST_MAX, or that does not read
 * its replies within CTL_SEND_TIMEOUT_MS, is dropped. A bad request gets an error reply and the
 * connection stays usable; nothing a client sends can stop the server.
 *
 * Context: start/stop from the main thread, after the datapath is up / before it goes down.
 */
#ifndef DAEMON_CTL_SERVER_H
#define DAEMON_CTL_SERVER_H

#include "ctl_proto.h"

#define CTL_MAX_CLIENTS 16
#define CTL_SEND_TIMEOUT_MS 2000

struct softnetd;

/*
 * Create the runtime directory (0755) if missing and the listening socket in it (0600),
 * replacing a stale socket left by a daemon that died. Done before any port is touched, so that
 * a second softnetd started by mistake stops here instead of taking the first one's interfaces.
 * Clients that connect before ctl_server_start() wait in the listen backlog.
 * Return: 0, -EADDRINUSE (another softnetd answers on it), -EEXIST (not a socket there),
 * -ENAMETOOLONG, or the -errno of mkdir/socket/bind/listen (each logged).
 */
int ctl_server_open(struct softnetd *d);
/* Start answering (the server thread). Return: 0 or -errno of pthread_create (logged). */
int ctl_server_start(void);
/* Stop the thread, close every connection, remove the socket. Safe if never opened/started. */
void ctl_server_stop(void);

/* Answer one request line (the dispatcher, also used by tests). Return: a malloc'ed reply line. */
char *ctl_server_handle(const char *line, size_t len);

#endif /* DAEMON_CTL_SERVER_H */
