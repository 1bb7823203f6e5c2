// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_xdp.c - the XDP sections: ports[].xdp (a program softnetd runs on a port's received
 * frames) and kernel_xdp (programs attached to kernel interfaces through libxdp).
 *
 * Objects are checked here, not at start-up: an absolute path of an existing regular file, so
 * that a typo is a FILE:LINE:COL error from --check-config rather than a failed start. Whether
 * the file is a loadable BPF object is the loader's business (the daemon reports it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_internal.h"

/* struct sn_bpf_object keeps the path in 256 bytes (xdp/bpf_prog.h). */
#define CFG_OBJECT_PATH_MAX 256
/* struct sn_bpf_prog keeps the name in 64 bytes. */
#define CFG_PROG_NAME_MAX 64

static const char *const cfg_xdp_engines[] = {"auto", "jit", "interp", NULL};
static const char *const cfg_kxdp_modes[] = {"native", "skb", NULL};

/* An absolute path of an existing regular file (the object), duplicated into *out. */
static int cfg_object(struct cfg_parser *p, const yaml_node_t *n, const char *path, char **out)
{
	char f[64];
	struct stat st;
	const char *s;
	int err = cfg_strdup(p, n, path, out);

	if (err)
		return err;
	s = *out;
	if (s[0] != '/' || strlen(s) >= CFG_OBJECT_PATH_MAX)
		return cfg_err(p, n, path,
			       "expected an absolute path of a BPF object (at most %d characters), "
			       "got %s",
			       CFG_OBJECT_PATH_MAX - 1, cfg_found(n, f, sizeof(f)));
	if (stat(s, &st))
		return cfg_err(p, n, path, "expected an existing BPF object file, got %s (%s)",
			       cfg_found(n, f, sizeof(f)), strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cfg_err(p, n, path, "expected a regular file (a BPF object), got %s (%s)",
			       cfg_found(n, f, sizeof(f)),
			       S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
	return 0;
}

/* A C identifier: the function name of a SEC("xdp") program. */
static int cfg_prog_name(struct cfg_parser *p, const yaml_node_t *n, const char *path, char **out)
{
	char f[64];
	int err = cfg_strdup(p, n, path, out);
	const char *s;

	if (err)
		return err;
	s = *out;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
		      (c != s && *c >= '0' && *c <= '9')))
			return cfg_err(p, n, path, "expected a program (function) name, got %s",
				       cfg_found(n, f, sizeof(f)));
	if (strlen(s) >= CFG_PROG_NAME_MAX)
		return cfg_err(p, n, path, "expected a program name of at most %d characters, got %s",
			       CFG_PROG_NAME_MAX - 1, cfg_found(n, f, sizeof(f)));
	return 0;
}

int cfg_port_xdp(struct cfg_parser *p, const yaml_node_t *n, const char *path, struct cfg_xdp *x)
{
	struct cfg_key k[] = {{.name = "object"}, {.name = "program"}, {.name = "engine"},
			      {.name = NULL}};
	char kp[CFG_PATH_MAX];
	int err = cfg_mapping(p, n, path, k), v;

	if (err)
		return err;
	if (!k[0].value)
		return cfg_missing(p, n, path, "object", "for an xdp program");
	cfg_path(kp, "%s.object", path);
	if ((err = cfg_object(p, k[0].value, kp, &x->object)))
		return err;
	cfg_path(kp, "%s.program", path);
	if (k[1].value && (err = cfg_prog_name(p, k[1].value, kp, &x->program)))
		return err;
	cfg_path(kp, "%s.engine", path);
	if (k[2].value) {
		if ((err = cfg_enum(p, k[2].value, kp, cfg_xdp_engines, &v)))
			return err;
		x->engine = (enum cfg_xdp_engine)v;
	}
	return 0;
}

static int cfg_kernel_xdp_one(struct cfg_parser *p, const yaml_node_t *map, const char *path,
			      size_t i)
{
	struct cfg_key k[] = {{.name = "ifname"}, {.name = "object"},  {.name = "program"},
			      {.name = "mode"},	  {.name = "pin_dir"}, {.name = NULL}};
	struct cfg_kernel_xdp *kx = &p->cfg->kernel_xdp[i];
	char kp[CFG_PATH_MAX], f[64];
	int err = cfg_mapping(p, map, path, k), v;

	if (err)
		return err;
	if (!k[0].value)
		return cfg_missing(p, map, path, "ifname", "for a kernel XDP attachment");
	if (!k[1].value)
		return cfg_missing(p, map, path, "object", "for a kernel XDP attachment");
	cfg_path(kp, "%s.ifname", path);
	if ((err = cfg_string(p, k[0].value, kp, kx->ifname, sizeof(kx->ifname))))
		return err;
	for (size_t j = 0; j < i; j++)
		if (!strcmp(p->cfg->kernel_xdp[j].ifname, kx->ifname))
			return cfg_err(p, k[0].value, kp,
				       "expected an interface not yet listed, got %s (also "
				       "kernel_xdp[%zu]; libxdp runs one program per interface here)",
				       cfg_found(k[0].value, f, sizeof(f)), j);
	cfg_path(kp, "%s.object", path);
	if ((err = cfg_object(p, k[1].value, kp, &kx->object)))
		return err;
	cfg_path(kp, "%s.program", path);
	if (k[2].value && (err = cfg_prog_name(p, k[2].value, kp, &kx->program)))
		return err;
	cfg_path(kp, "%s.mode", path);
	if (k[3].value) {
		if ((err = cfg_enum(p, k[3].value, kp, cfg_kxdp_modes, &v)))
			return err;
		kx->mode = (enum cfg_kernel_xdp_mode)v;
	}
	cfg_path(kp, "%s.pin_dir", path);
	if (k[4].value) {
		if ((err = cfg_strdup(p, k[4].value, kp, &kx->pin_dir)))
			return err;
		if (kx->pin_dir[0] != '/' || strlen(kx->pin_dir) >= CFG_OBJECT_PATH_MAX)
			return cfg_err(p, k[4].value, kp,
				       "expected an absolute directory path (on a bpffs), got %s",
				       cfg_found(k[4].value, f, sizeof(f)));
	}
	return 0;
}

int cfg_kernel_xdp(struct cfg_parser *p, const yaml_node_t *n)
{
	struct softnetd_config *cfg = p->cfg;
	char path[CFG_PATH_MAX];
	int err = cfg_expect_list(p, n, "kernel_xdp", "kernel XDP attachments");

	if (err)
		return err;
	cfg->kernel_xdp = calloc(cfg_seq_len(n) ? cfg_seq_len(n) : 1, sizeof(*cfg->kernel_xdp));
	if (!cfg->kernel_xdp) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	/* nr_kernel_xdp counts the entries begun: the free path frees what each one holds. */
	for (size_t i = 0; !err && i < cfg_seq_len(n); i++) {
		cfg->nr_kernel_xdp = i + 1;
		cfg_path(path, "kernel_xdp[%zu]", i);
		err = cfg_kernel_xdp_one(p, cfg_seq_item(p, n, i), path, i);
	}
	return err;
}

const char *softnetd_xdp_engine_name(enum cfg_xdp_engine e)
{
	return (unsigned int)e < 3 ? cfg_xdp_engines[e] : "?";
}

const char *softnetd_kernel_xdp_mode_name(enum cfg_kernel_xdp_mode m)
{
	return (unsigned int)m < 2 ? cfg_kxdp_modes[m] : "?";
}

void cfg_xdp_free(struct softnetd_config *cfg)
{
	for (size_t i = 0; i < cfg->nr_ports; i++) {
		free(cfg->ports[i].xdp.object);
		free(cfg->ports[i].xdp.program);
	}
	for (size_t i = 0; i < cfg->nr_kernel_xdp; i++) {
		free(cfg->kernel_xdp[i].object);
		free(cfg->kernel_xdp[i].program);
		free(cfg->kernel_xdp[i].pin_dir);
	}
	free(cfg->kernel_xdp);
}
