// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_parse.c - YAML text -> libyaml document (a node tree that keeps each node's line and
 * column), then the schema walk. Owns the error format: the parser returns the message and the
 * caller prints it once (HAProxy's cfgparse style). On error everything built so far is freed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "config_internal.h"

#define CFG_FILE_MAX (16u << 20) /* a config is text; refuse anything larger than 16 MiB */

int cfg_err(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	va_list ap;
	int len = snprintf(p->err, p->errlen, "%s:%zu:%zu: %s: ", p->file,
			   n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1, path);

	va_start(ap, fmt);
	if (len >= 0 && (size_t)len < p->errlen)
		vsnprintf(p->err + len, p->errlen - (size_t)len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *cfg_found(const yaml_node_t *n, char *buf, size_t len)
{
	const char *s;
	size_t o = 0;

	if (!n)
		return "nothing";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	s = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	     !strcmp(s, "NULL")))
		return "null";
	/* Quote and escape, cut at 40 characters: the line must stay one readable line. */
	buf[o++] = '"';
	for (size_t i = 0; s[i] && o + 6 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 40) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

int cfg_missing(struct cfg_parser *p, const yaml_node_t *map, const char *path, const char *key,
		const char *what)
{
	char kp[CFG_PATH_MAX];

	cfg_path(kp, "%s%s%s", path, *path ? "." : "", key);
	return cfg_err(p, map, kp, "expected a value (required%s%s), got nothing", what ? " " : "",
		       what ? what : "");
}

int cfg_expect_mapping(struct cfg_parser *p, const yaml_node_t *n, const char *path)
{
	char f[64];

	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return cfg_err(p, n, path, "expected a mapping, got %s", cfg_found(n, f, sizeof(f)));
}

int cfg_expect_list(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *what)
{
	char f[64];

	if (n->type == YAML_SEQUENCE_NODE)
		return 0;
	return cfg_err(p, n, path, "expected a list of %s, got %s", what,
		       cfg_found(n, f, sizeof(f)));
}

int cfg_mapping(struct cfg_parser *p, const yaml_node_t *map, const char *path,
		struct cfg_key *keys)
{
	char kp[CFG_PATH_MAX], f[64];
	int err = cfg_expect_mapping(p, map, path);

	if (err)
		return err;
	cfg_for_each_pair(map, pair)
	{
		const yaml_node_t *kn = cfg_node(p, pair->key);
		const char *k =
			kn->type == YAML_SCALAR_NODE ? (const char *)kn->data.scalar.value : NULL;
		struct cfg_key *key;

		if (!k)
			return cfg_err(p, kn, path, "expected a key name, got %s",
				       cfg_found(kn, f, sizeof(f)));
		cfg_path(kp, "%s%s%s", path, *path ? "." : "", k);
		for (key = keys; key->name && strcmp(key->name, k); key++)
			;
		if (!key->name) {
			/* List what is allowed: the fix is usually a typo. */
			char allowed[256], qk[64];
			size_t o = 0;

			/*
			 * A key holding a control character (a quoted "\n" key) goes into the path
			 * escaped, as cfg_found() shows it: the error must stay one line.
			 */
			for (const char *c = k; *c; c++) {
				if ((unsigned char)*c < 0x20 || *c == 0x7f) {
					cfg_path(kp, "%s%s%s", path, *path ? "." : "",
						 cfg_found(kn, qk, sizeof(qk)));
					break;
				}
			}

			allowed[0] = '\0';
			for (struct cfg_key *a = keys; a->name && o < sizeof(allowed); a++)
				o += (size_t)snprintf(allowed + o, sizeof(allowed) - o, "%s%s",
						      a == keys ? "" : ", ", a->name);
			return cfg_err(p, kn, kp, "expected one of %s, got unknown key %s",
				       p->allowed_hint ? p->allowed_hint : allowed,
				       cfg_found(kn, f, sizeof(f)));
		}
		if (key->key)
			return cfg_err(p, kn, kp,
				       "expected each key once, got %s again (first at "
				       "line %zu)",
				       cfg_found(kn, f, sizeof(f)), key->key->start_mark.line + 1);
		key->key = kn;
		key->value = cfg_node(p, pair->value);
	}
	return 0;
}

/* libyaml reports a tab in indentation as "cannot start any token": say what it is. */
static bool cfg_tab_indent(const char *text, size_t len, const yaml_mark_t *m, size_t *col)
{
	size_t i = m->index < len ? m->index : len;
	size_t bol = i;

	while (bol > 0 && text[bol - 1] != '\n')
		bol--;
	for (size_t j = bol; j < len && (text[j] == ' ' || text[j] == '\t'); j++)
		if (text[j] == '\t')
			return *col = j - bol, true;
	return false;
}

static int cfg_load_document(struct cfg_parser *p, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	int err = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &p->doc)) {
		size_t col;

		if (parser.error == YAML_MEMORY_ERROR) {
			err = -ENOMEM;
			snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		} else if (cfg_tab_indent(text, len, &parser.problem_mark, &col)) {
			err = -EINVAL;
			snprintf(
				p->err, p->errlen,
				"%s:%zu:%zu: yaml: tab character in indentation, YAML indents with "
				"spaces",
				p->file, parser.problem_mark.line + 1, col + 1);
		} else {
			err = -EINVAL;
			snprintf(p->err, p->errlen, "%s:%zu:%zu: yaml: %s%s%s", p->file,
				 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				 parser.problem ? parser.problem : "syntax error",
				 parser.context ? " " : "", parser.context ? parser.context : "");
		}
		yaml_parser_delete(&parser);
		return err;
	}
	/* A second document would be silently ignored: refuse it. */
	if (yaml_document_get_root_node(&p->doc)) {
		if (!yaml_parser_load(&parser, &extra)) {
			err = -EINVAL;
			snprintf(p->err, p->errlen, "%s:%zu:%zu: yaml: %s", p->file,
				 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				 parser.problem ? parser.problem : "syntax error");
		} else {
			yaml_node_t *r = yaml_document_get_root_node(&extra);

			if (r) {
				err = -EINVAL;
				snprintf(p->err, p->errlen,
					 "%s:%zu:%zu: yaml: expected one document, found a second",
					 p->file, r->start_mark.line + 1, r->start_mark.column + 1);
			}
			yaml_document_delete(&extra);
		}
		if (err)
			yaml_document_delete(&p->doc);
	}
	yaml_parser_delete(&parser);
	return err;
}

struct softnetd_config *softnetd_config__parse(const char *name, const char *text, size_t len,
					       char *errmsg, size_t errlen)
{
	struct cfg_parser p = {.file = name, .err = errmsg, .errlen = errlen};
	yaml_node_t *root;
	int err;

	if (errlen)
		errmsg[0] = '\0';
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.cfg || !(p.cfg->file = strdup(name))) {
		snprintf(errmsg, errlen, "%s: out of memory", name);
		err = -ENOMEM;
		goto err_free_cfg;
	}
	err = cfg_load_document(&p, text, len);
	if (err)
		goto err_free_cfg;
	root = yaml_document_get_root_node(&p.doc);
	if (!root)
		err = cfg_err(&p, NULL, "config",
			      "expected a mapping with a ports: list, got an empty document");
	else
		err = cfg_top(&p, root);
	free(p.port_name_node);
	yaml_document_delete(&p.doc);
	if (err)
		goto err_free_cfg;
	return p.cfg;

err_free_cfg:
	softnetd_config__free(p.cfg);
	errno = -err;
	return NULL;
}

static int cfg_read_file(const char *path, char **text, size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out_close;
	}
	if (st.st_size > (off_t)CFG_FILE_MAX) {
		err = -EFBIG;
		goto out_close;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		err = -ENOMEM;
		goto out_close;
	}
	*len = 0;
	while ((n = read(fd, *text + *len, (size_t)st.st_size + 1 - *len)) > 0) {
		*len += (size_t)n;
		if (*len > (size_t)st.st_size) { /* grew while reading */
			err = -EFBIG;
			break;
		}
	}
	if (n < 0)
		err = -errno;
	if (err) {
		free(*text);
		*text = NULL;
	}
out_close:
	close(fd);
	return err;
}

struct softnetd_config *softnetd_config__load(const char *path, char *errmsg, size_t errlen)
{
	struct softnetd_config *cfg;
	char *text = NULL;
	size_t len = 0;
	int err = cfg_read_file(path, &text, &len);

	if (err) {
		snprintf(errmsg, errlen, "%s: cannot read configuration: %s", path, strerror(-err));
		errno = -err;
		return NULL;
	}
	cfg = softnetd_config__parse(path, text, len, errmsg, errlen);
	err = errno;
	free(text);
	errno = err;
	return cfg;
}

void cfg_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap); /* a path cut at CFG_PATH_MAX still names the place */
	va_end(ap);
}
