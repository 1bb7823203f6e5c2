// SPDX-License-Identifier: GPL-2.0-only
/*
 * file_trust.c - refuse configuration and BPF object files others could have written
 * (file_trust.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_trust.h"

/* Owned by root or by softnetd's uid: nobody else may chmod it back to writable. */
static bool owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* "writable by others" (whatever the group may do) / "writable by group", or NULL. */
static const char *writable_by(mode_t mode)
{
	if (mode & S_IWOTH)
		return "writable by others";
	if (mode & S_IWGRP)
		return "writable by group";
	return NULL;
}

/* Each directory from @real's parent up to "/". @real is absolute and resolved. */
static int check_dirs(const char *path, const char *real, char *err, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", real);
	for (;;) {
		slash = strrchr(dir, '/');
		if (!slash)
			return 0;
		if (slash == dir)
			slash[1] = '\0'; /* "/" itself */
		else
			*slash = '\0';
		if (stat(dir, &st)) {
			int e = errno;

			snprintf(err, len, "%s: refused: directory %s: %s", path, dir, strerror(e));
			return -e;
		}
		if (!owner_ok(&st)) {
			snprintf(err, len, "%s: refused: directory %s is owned by uid %u (not root nor "
				 "softnetd's uid %u)", path, dir, (unsigned int)st.st_uid,
				 (unsigned int)geteuid());
			return -EPERM;
		}
		if (writable_by(st.st_mode) && !(st.st_mode & S_ISVTX)) {
			snprintf(err, len, "%s: refused: directory %s is %s (mode %04o) and not "
				 "sticky: others could replace the file", path, dir,
				 writable_by(st.st_mode), (unsigned int)(st.st_mode & 07777));
			return -EPERM;
		}
		if (!strcmp(dir, "/"))
			return 0;
	}
}

int sn_file_check_trusted(const char *path, char *err, size_t len)
{
	char given[PATH_MAX + 1], cwd[PATH_MAX], *real;
	struct stat st;
	const char *w;
	int rc;

	if (!path || !*path) {
		snprintf(err, len, "(empty path): refused: no file named");
		return -EINVAL;
	}
	if (stat(path, &st)) {
		rc = -errno;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "%s: refused: not a regular file", path);
		return -EINVAL;
	}
	w = writable_by(st.st_mode);
	if (w) {
		snprintf(err, len, "%s: refused: %s (mode %04o)", path, w,
			 (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	if (!owner_ok(&st)) {
		snprintf(err, len, "%s: refused: owned by uid %u (not root nor softnetd's uid %u)",
			 path, (unsigned int)st.st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	/*
	 * The directories of the path as named (a symbolic link there could be re-pointed by
	 * whoever may write its directory), then those of the file it resolves to.
	 */
	if (path[0] == '/') {
		snprintf(given, sizeof(given), "%s", path);
	} else if (getcwd(cwd, sizeof(cwd))) {
		snprintf(given, sizeof(given), "%s/%s", cwd, path);
	} else {
		rc = -errno;
		snprintf(err, len, "%s: getcwd: %s", path, strerror(errno));
		return rc;
	}
	rc = check_dirs(path, given, err, len);
	if (rc)
		return rc;
	real = realpath(path, NULL);
	if (!real) {
		rc = -errno;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = check_dirs(path, real, err, len);
	free(real);
	return rc;
}
