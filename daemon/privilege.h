/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * privilege.h - after set-up softnetd keeps only the capabilities it still needs (libcap).
 *
 * Set-up (ports, AF_XDP sockets and UMEMs, RT threads, XDP programs, hugepages) runs with the
 * privileges softnetd was started with. Then sn_privilege_drop() takes every capability outside
 * the kept set out of the permitted, effective and bounding sets of every thread, empties the
 * inheritable and ambient sets and sets no_new_privs, so that neither the daemon nor anything it
 * could exec gets them back. The kept set and why each capability is in it: privilege.c
 * (sn_priv_kept[]) and docs/reliability.md, "Least privilege".
 *
 * Capabilities are per thread: every thread of the process makes the change on itself, signalled
 * by the caller, and the caller then reads each thread's sets back from /proc/self/task/N/status;
 * a thread that still holds more than the kept set fails the drop (privilege.c).
 *
 * SOFTNETD_DROP_CAPS=cap_a,cap_b (environment) drops those kept capabilities too: the way to see
 * what breaks without one (docs/reliability.md lists what was tried).
 */
#ifndef DAEMON_PRIVILEGE_H
#define DAEMON_PRIVILEGE_H

#include <stddef.h>

/*
 * sn_privilege_drop() - keep only the kept set (those of it the process has).
 * @kept, @kept_len: the capabilities kept, e.g. "cap_net_admin,cap_sys_admin" ("none"
 *                   when none)
 * @err, @errlen: the reason on failure
 * Context: main thread, after set-up, before READY. Other threads may run.
 * Return: 0; -EINVAL an unknown or not kept name in SOFTNETD_DROP_CAPS; -EPERM a thread still
 * held more than the kept set after three rounds, or the kernel refused a change; -ETIMEDOUT a
 * signalled thread did not apply the drop within 5 s; other -errno (sigaction, /proc).
 */
int sn_privilege_drop(char *kept, size_t kept_len, char *err, size_t errlen);

#endif /* DAEMON_PRIVILEGE_H */
