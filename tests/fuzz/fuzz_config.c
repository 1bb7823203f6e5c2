// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_config.c - the YAML configuration loader and its schema check (config/config.h).
 *
 * The input is the text of a configuration file, given to softnetd_config__parse() as it is
 * (not NUL-terminated: the parser takes a length). The contract of config.h, checked per input:
 *   - a configuration, or NULL with errno EINVAL or ENOMEM, nothing else;
 *   - on NULL, errmsg is one line (no newline) of the form FILE:LINE:COL: MESSAGE with FILE the
 *     name given, LINE and COL 1-based decimal numbers, LINE at most one past the input's last
 *     line (lines counted as YAML counts them: a bare CR is a line break too), and a non-empty
 *     MESSAGE (ENOMEM alone may say "FILE: out of memory");
 *   - on success, softnetd_config__summary() works and the configuration frees cleanly.
 * ASan's leak check after each input covers "no partial configuration is returned".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define FUZZ_NAME "fuzz.yaml"

#define FUZZ_TARGET "fuzz_config"
#include "fuzz_check.h"

/* Parse a 1-based decimal at *@p followed by ':'; advance past the ':'. 0 if malformed. */
static unsigned long pos_number(const char **p)
{
	const char *s = *p;
	unsigned long v = 0;

	if (*s < '1' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9') {
		if (v > 100000000ul)
			return 0;
		v = v * 10 + (unsigned long)(*s++ - '0');
	}
	if (*s != ':')
		return 0;
	*p = s + 1;
	return v;
}

static void check_error_line(const char *msg, int err, const uint8_t *text, size_t len)
{
	size_t nl = strlen(FUZZ_NAME), lines = 1;
	unsigned long line, col;
	const char *p = msg;

	CHECK(!strchr(msg, '\n') && !strchr(msg, '\r'), "error is not one line: \"%s\"", msg);
	CHECK(!strncmp(msg, FUZZ_NAME, nl) && msg[nl] == ':', "error does not name the file: \"%s\"",
	      msg);
	if (err == ENOMEM && !strcmp(msg + nl, ": out of memory"))
		return;
	p = msg + nl + 1;
	line = pos_number(&p);
	col = pos_number(&p);
	CHECK(line && col, "error is not FILE:LINE:COL: ...: \"%s\"", msg);
	CHECK(p[0] == ' ' && p[1] && p[1] != ' ', "error has no message after LINE:COL: \"%s\"", msg);
	/* Line breaks as YAML (and libyaml's scanner) count them: LF, CR, CRLF, NEL, LS, PS. */
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')))
			lines++;
		else if (i + 1 < len && text[i] == 0xc2 && text[i + 1] == 0x85)
			lines++;
		else if (i + 2 < len && text[i] == 0xe2 && text[i + 1] == 0x80 &&
			 (text[i + 2] == 0xa8 || text[i + 2] == 0xa9))
			lines++;
	}
	CHECK(line <= lines + 1, "error line %lu past the input's %zu lines: \"%s\"", line, lines,
	      msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct softnetd_config *cfg;
	char msg[512], sum[512];
	int err;

	memset(msg, 'X', sizeof(msg)); /* the parser must write its own terminator */
	msg[sizeof(msg) - 1] = '\0';
	errno = 0;
	cfg = softnetd_config__parse(FUZZ_NAME, (const char *)data, size, msg, sizeof(msg));
	err = errno;
	if (!cfg) {
		CHECK(err == EINVAL || err == ENOMEM, "NULL with errno %d (%s)", err, strerror(err));
		check_error_line(msg, err, data, size);
		return 0;
	}
	CHECK(softnetd_config__summary(cfg, sum, sizeof(sum)) > 0, "empty summary");
	CHECK(cfg->nr_ports > 0, "a configuration without ports was accepted");
	softnetd_config__free(cfg);
	return 0;
}
