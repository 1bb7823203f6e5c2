// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - softnet-lat: run a latency experiment in each of its profiles (each in its own
 * process), with cyclictest first as the machine's baseline; print the table, optionally JSON,
 * plots and the ftrace-style trace of each profile. See docs/latency.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lat.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: softnet-lat [options] EXPERIMENT.yaml\n"
		"  -j, --json FILE        write the results as JSON ('-' for stdout)\n"
		"  -p, --plot PREFIX      write PREFIX.png, PREFIX.svg (gnuplot), PREFIX.dat, PREFIX.gp\n"
		"  -t, --trace PREFIX     record the trace ring; write PREFIX-<profile>.txt (ftrace text)\n"
		"  -P, --profile NAME     run only this profile (repeatable)\n"
		"  -d, --duration S       override duration_s\n"
		"  -w, --warmup S         override warmup_s\n"
		"  -C, --no-cyclictest    skip the cyclictest baseline\n"
		"  -h, --help\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ "trace", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "no-cyclictest", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *json = NULL, *plot = NULL, *trace = NULL;
	enum bh_profile only[LAT_MAX_PROFILES];
	int nr_only = 0, c, failed = 0;
	double duration = -1, warmup = -1;
	bool no_cyclic = false;
	static struct lat_experiment x;
	struct lat_result res[LAT_MAX_PROFILES] = { 0 };
	struct lat_hist *cyclic = NULL;
	char err[512], cmd[256] = "";

	while ((c = getopt_long(argc, argv, "j:p:t:P:d:w:Ch", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = optarg; break;
		case 'p': plot = optarg; break;
		case 't': trace = optarg; break;
		case 'P':
			if (nr_only == LAT_MAX_PROFILES || bh_profile_parse(optarg, &only[nr_only])) {
				fprintf(stderr, "softnet-lat: --profile '%s': expected vanilla, "
						"rt-bhlock or rt-nested\n", optarg);
				return 2;
			}
			nr_only++;
			break;
		case 'd': duration = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'C': no_cyclic = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	if (lat_experiment__load(argv[optind], &x, err, sizeof(err))) {
		fprintf(stderr, "softnet-lat: %s\n", err);
		return 2;
	}
	if (duration > 0)
		x.duration_ns = (uint64_t)(duration * 1e9);
	if (warmup >= 0)
		x.warmup_ns = (uint64_t)(warmup * 1e9);
	if (x.warmup_ns >= x.duration_ns) {
		fprintf(stderr, "softnet-lat: warm-up %.1f s is not shorter than the duration %.1f s\n",
			x.warmup_ns / 1e9, x.duration_ns / 1e9);
		return 2;
	}
	if (nr_only) {
		memcpy(x.profiles, only, sizeof(only));
		x.nr_profiles = nr_only;
	}

	if (x.cyclictest && !no_cyclic) {
		cyclic = lat_hist__new(x.hist_max_ns);
		fprintf(stderr, "softnet-lat: baseline: cyclictest on CPU %d at FIFO %d for %.0f s\n",
			x.cyclictest_cpu, x.cyclictest_prio, (x.duration_ns - x.warmup_ns) / 1e9);
		int e = lat_cyclictest_run(x.cyclictest_cpu, x.cyclictest_prio,
					   x.cyclictest_interval_ns, x.duration_ns - x.warmup_ns,
					   cyclic, cmd, sizeof(cmd));
		if (e) {
			fprintf(stderr, "softnet-lat: cyclictest failed (%s): %s; continuing without "
					"a baseline\n", cmd, strerror(-e));
			lat_hist__reset(cyclic);
		}
	}
	for (int i = 0; i < x.nr_profiles; i++) {
		char tpath[512];
		struct lat_run_opts o = { .trace = trace != NULL };

		if (trace) {
			snprintf(tpath, sizeof(tpath), "%s-%s.txt", trace,
				 bh_profile_name(x.profiles[i]));
			o.trace_path = tpath;
		}
		fprintf(stderr, "softnet-lat: %s: %.1f s\n", bh_profile_name(x.profiles[i]),
			x.duration_ns / 1e9);
		int e = lat_run_profile_forked(&x, x.profiles[i], &o, &res[i]);

		if (e) {
			fprintf(stderr, "softnet-lat: profile %s failed: %s\n",
				bh_profile_name(x.profiles[i]), strerror(-e));
			failed++;
		}
	}
	lat_report_text(stdout, &x, res, x.nr_profiles, cyclic, cmd);
	if (json && lat_report_json(json, &x, res, x.nr_profiles, cyclic, cmd)) {
		fprintf(stderr, "softnet-lat: --json '%s': %s\n", json, strerror(errno));
		failed++;
	}
	if (plot && lat_report_plot(plot, &x, res, x.nr_profiles, cyclic)) {
		fprintf(stderr, "softnet-lat: --plot '%s': gnuplot failed\n", plot);
		failed++;
	}
	for (int i = 0; i < x.nr_profiles; i++)
		lat_result__fini(&res[i]);
	lat_hist__free(cyclic);
	return failed ? 1 : 0;
}
