/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * file_trust.h - may softnetd act on this file? Its configuration and the BPF objects it runs
 * decide what a root daemon on the packet path does, so someone who may rewrite them may run
 * code as softnetd. Such files are refused before they are read: at start, at SIGHUP (the
 * running configuration stays) and for `softnetctl xdp attach` objects.
 *
 * A file is trusted when it is a regular file (symbolic links followed), owned by root or by
 * softnetd's own uid, not writable by its group or by others, and when every directory on its
 * path, as named and with symbolic links resolved, is owned by root or softnetd's uid and is not
 * writable by group or others unless it has the sticky bit (/tmp: others may add files there but
 * not replace ours). The check is by path, then the caller opens the path: whoever could swap the
 * file in between would need write access to one of those directories, which is refused.
 *
 * Context: any thread; no lock. Reads only metadata (stat), never the file.
 */
#ifndef DAEMON_FILE_TRUST_H
#define DAEMON_FILE_TRUST_H

#include <stddef.h>

/*
 * sn_file_check_trusted() - refuse a file others could have written.
 * @path: the file as the operator named it (relative to the working directory or absolute)
 * @err, @len: on refusal, "PATH: refused: REASON", e.g.
 *             "/etc/softnetd/softnetd.yaml: refused: writable by others (mode 0666)";
 *             callers print it after "softnetd: ".
 * Return: 0 trusted; -EPERM refused (writable by group/others, foreign owner, a directory on the
 * path likewise); -EINVAL not a regular file; -errno when stat fails (e.g. -ENOENT). @err is set
 * for every nonzero return.
 */
int sn_file_check_trusted(const char *path, char *err, size_t len);

#endif /* DAEMON_FILE_TRUST_H */
