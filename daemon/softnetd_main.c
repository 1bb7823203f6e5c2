// SPDX-License-Identifier: GPL-2.0-only
/*
 * softnetd_main.c - softnetd's entry point, for now only --check-config: the forwarding daemon
 * itself (issue 4) is not written yet, and running without --check-config says so.
 *
 * Exit codes: 0 valid / help, 1 not implemented, 2 invalid configuration or usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: softnetd --check-config FILE\n"
		"       softnetd --help\n"
		"\n"
		"  -c, --check-config FILE  check FILE against the configuration schema; print a\n"
		"                           one-line summary and exit 0 if valid, print the error\n"
		"                           as FILE:LINE:COL: KEY: ... and exit 2 if not\n"
		"  -h, --help               this text\n"
		"\n"
		"Examples: config/examples/*.yaml. The forwarding daemon itself is not\n"
		"implemented yet (issue 4): only --check-config works.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"check-config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *check = NULL;
	struct softnetd_config *cfg;
	char msg[1024];
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
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
	if (!check) {
		fprintf(stderr, "softnetd: the forwarding daemon is not implemented yet; only "
				"--check-config FILE works (see --help)\n");
		return 1;
	}
	cfg = softnetd_config__load(check, msg, sizeof(msg));
	if (!cfg) {
		fprintf(stderr, "%s\n", msg);
		return 2;
	}
	softnetd_config__summary(cfg, msg, sizeof(msg));
	printf("%s\n", msg);
	softnetd_config__free(cfg);
	return 0;
}
