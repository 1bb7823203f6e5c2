// SPDX-License-Identifier: GPL-2.0-only
/*
 * softnetd_main.c - softnetd's command line: run the forwarding daemon in the foreground
 * (daemon.c), or only check a configuration file (--check-config).
 *
 * Exit codes: 0 clean stop / valid configuration / help; 1 the daemon failed to start or leaked
 * on the way out; 2 invalid configuration or usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: softnetd [--config FILE] [--profile vanilla|rt-bhlock|rt-nested]\n"
		"                [--log-level err|warn|info|debug] [--journal] [--runtime-dir DIR]\n"
		"       softnetd --check-config FILE\n"
		"       softnetd --help\n"
		"\n"
		"Runs the forwarding daemon in the foreground until SIGTERM or SIGINT (drain, exit 0);\n"
		"SIGHUP re-reads the configuration (routes, neighbours, static FDB entries and\n"
		"addresses change live; an invalid file is logged and the running one kept).\n"
		"\n"
		"  -c, --config FILE        configuration (default %s)\n"
		"  -p, --profile NAME       locking profile, overrides the file's profile:\n"
		"  -l, --log-level LEVEL    err, warn, info (default) or debug; overrides log_level:\n"
		"  -j, --journal            log to the systemd journal instead of stderr\n"
		"  -x, --xdp-engine ENGINE  jit or interp for every port's XDP program, overriding\n"
		"                           the ports' xdp.engine\n"
		"  -r, --runtime-dir DIR    where the control socket %s is made\n"
		"                           (default %s)\n"
		"  -C, --check-config FILE  check FILE against the configuration schema; print a\n"
		"                           one-line summary and exit 0 if valid, print the error\n"
		"                           as FILE:LINE:COL: KEY: ... and exit 2 if not\n"
		"  -h, --help               this text\n"
		"\n"
		"Examples: config/examples/*.yaml. Control: softnetctl (see softnetctl --help).\n",
		SOFTNETD_CONFIG_DEFAULT, CTL_SOCKET_NAME, CTL_RUNTIME_DIR_DEFAULT);
}

static int check_config(const char *path)
{
	struct softnetd_config *cfg;
	char msg[1024];

	cfg = softnetd_config__load(path, msg, sizeof(msg));
	if (!cfg) {
		fprintf(stderr, "%s\n", msg);
		return 2;
	}
	softnetd_config__summary(cfg, msg, sizeof(msg));
	printf("%s\n", msg);
	softnetd_config__free(cfg);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"profile", required_argument, NULL, 'p'},
		{"log-level", required_argument, NULL, 'l'},
		{"journal", no_argument, NULL, 'j'},
		{"xdp-engine", required_argument, NULL, 'x'},
		{"runtime-dir", required_argument, NULL, 'r'},
		{"check-config", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct softnetd_opts o = {
		.config_path = SOFTNETD_CONFIG_DEFAULT,
		.runtime_dir = CTL_RUNTIME_DIR_DEFAULT,
		.xdp_engine = -1,
	};
	const char *check = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "c:p:l:jx:r:C:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'p':
			if (bh_profile_parse(optarg, &o.profile)) {
				fprintf(stderr, "softnetd: --profile: expected vanilla|rt-bhlock|"
						"rt-nested, got '%s'\n",
					optarg);
				return 2;
			}
			o.profile_set = true;
			break;
		case 'l':
			if (sn_log_level_parse(optarg, &o.log_level)) {
				fprintf(stderr, "softnetd: --log-level: expected err|warn|info|debug, "
						"got '%s'\n",
					optarg);
				return 2;
			}
			o.log_level_set = true;
			break;
		case 'j':
			o.journal = true;
			break;
		case 'x':
			if (strcmp(optarg, "jit") && strcmp(optarg, "interp")) {
				fprintf(stderr, "softnetd: --xdp-engine: expected jit|interp, got '%s'\n",
					optarg);
				return 2;
			}
			o.xdp_engine = !strcmp(optarg, "jit") ? CFG_XDP_ENGINE_JIT : CFG_XDP_ENGINE_INTERP;
			break;
		case 'r':
			if (!*optarg) {
				fprintf(stderr, "softnetd: --runtime-dir: expected a directory\n");
				return 2;
			}
			o.runtime_dir = optarg;
			break;
		case 'C':
			check = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "softnetd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (check)
		return check_config(check);
	return softnetd_run(&o);
}
