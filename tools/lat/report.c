// SPDX-License-Identifier: GPL-2.0-only
/*
 * report.c - the results: a table (µs, like cyclictest's), JSON, and a gnuplot plot of the
 * histograms overlaid on a log y axis (count per bin), like OSADL's latency plots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lat.h"
#include "bhlock/softirq.h"
#include "net/drop_reason.h"

static const double report_pcts[] = { 50, 90, 99, 99.9, 99.99 };

static void row(FILE *f, const char *name, const struct lat_hist *h)
{
	fprintf(f, "%-12s %9llu %8.1f %8.1f", name, (unsigned long long)h->count,
		h->count ? h->min / 1e3 : 0.0, lat_hist__mean(h) / 1e3);
	for (size_t i = 0; i < sizeof(report_pcts) / sizeof(report_pcts[0]); i++)
		fprintf(f, " %8.1f", lat_hist__percentile(h, report_pcts[i]) / 1e3);
	fprintf(f, " %9.1f %8llu\n", h->max / 1e3, (unsigned long long)h->overflow);
}

/* The net_rx load's frames per profile: rate reached, polls, budget cuts, and the accounting. */
static void netrx_line(FILE *f, const struct lat_experiment *x, const struct lat_result *r)
{
	const struct lat_netrx_stats *s = &r->netrx;
	double secs = x->duration_ns / 1e9;

	fprintf(f, "%-12s net_rx: offered %llu (%.0f pps), injected %llu, ring full %llu; received "
		   "%llu = consumed %llu + dropped %llu",
		bh_profile_name(r->profile), (unsigned long long)s->offered, s->offered / secs,
		(unsigned long long)s->injected, (unsigned long long)s->ring_full,
		(unsigned long long)(s->rx_packets + s->rx_ring_drops),
		(unsigned long long)s->consumed, (unsigned long long)s->rx_drops);
	for (int i = 0; i < SN_DROP_MAX; i++)
		if (s->rx_drop_reason[i])
			fprintf(f, " %s=%llu", sn_drop_reason_name((enum sn_drop_reason)i),
				(unsigned long long)s->rx_drop_reason[i]);
	fprintf(f, "; %llu irqs, %llu polls (%.1f frames/poll), %llu net_rx_action, %llu cut by "
		   "budget, %llu handed to ksoftirqd; frame heads %s\n",
		(unsigned long long)s->irqs, (unsigned long long)s->polls,
		s->polls ? (double)(s->rx_packets + s->rx_ring_drops) / s->polls : 0.0,
		(unsigned long long)s->rx_actions, (unsigned long long)s->time_squeeze,
		(unsigned long long)s->deferred, s->heads_check ? "NOT ALL BACK" : "all back");
}

static const struct lat_result *find(const struct lat_result *r, int n, enum bh_profile p)
{
	for (int i = 0; i < n; i++)
		if (r[i].profile == p && r[i].hist)
			return &r[i];
	return NULL;
}

void lat_report_text(FILE *f, const struct lat_experiment *x, const struct lat_result *r, int n,
		     const struct lat_hist *cyclic, const char *cyclic_cmd)
{
	const struct lat_load *ml = &x->loads[x->measured];
	const struct lat_thread *mt = &x->threads[ml->thread];

	fprintf(f, "\nsoftnet-lat: %s (%s): '%s' FIFO %d on CPU %d, every %.1f ms, %s softirq; "
		   "%.1f s per profile after %.1f s warm-up\n",
		x->name, x->file, mt->name, mt->priority, mt->cpu, ml->period_ns / 1e6,
		softirq_to_name[ml->vector], (x->duration_ns - x->warmup_ns) / 1e9,
		x->warmup_ns / 1e9);
	fprintf(f, "latency from interrupt to end of softirq, µs\n");
	fprintf(f, "%-12s %9s %8s %8s %8s %8s %8s %8s %8s %9s %8s\n", "profile", "samples", "min",
		"avg", "p50", "p90", "p99", "p99.9", "p99.99", "max", "overflow");
	if (cyclic && cyclic->count)
		row(f, "cyclictest", cyclic);
	for (int i = 0; i < n; i++)
		if (r[i].hist)
			row(f, bh_profile_name(r[i].profile), r[i].hist);
	if (cyclic && cyclic->count)
		fprintf(f, "(cyclictest: %s)\n", cyclic_cmd);
	for (int i = 0; i < n; i++)
		fprintf(f, "%-12s sections %lu, missed ticks %lu; trace: %ld events, %ld %s runs inside "
			   "the section, %ld lock blocks, %ld PI boosts\n",
			bh_profile_name(r[i].profile), r[i].sections, r[i].missed_ticks,
			r[i].trace.events, r[i].trace.nested_runs, softirq_to_name[ml->vector],
			r[i].trace.lock_blocks, r[i].trace.pi_boosts);
	for (int i = 0; i < n; i++)
		if (r[i].has_netrx)
			netrx_line(f, x, &r[i]);

	const struct lat_result *b = find(r, n, BH_PROFILE_RT_BHLOCK);
	const struct lat_result *nn = find(r, n, BH_PROFILE_RT_NESTED);

	if (b && nn) {
		double pb = (double)lat_hist__percentile(b->hist, 99.9);
		double pn = (double)lat_hist__percentile(nn->hist, 99.9);

		fprintf(f, "goal: rt-nested p99.9 %.1f µs vs rt-bhlock %.1f µs (ratio 1/%.1f, goal 1/10)",
			pn / 1e3, pb / 1e3, pn ? pb / pn : 0.0);
		if (cyclic && cyclic->count) {
			double pc = (double)lat_hist__percentile(cyclic, 99.9);

			fprintf(f, "; vs cyclictest p99.9 %.1f µs (%.2fx, goal <= 2x)", pc / 1e3,
				pc ? pn / pc : 0.0);
		}
		fprintf(f, "\n");
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int lat_report_json(const char *path, const struct lat_experiment *x, const struct lat_result *r,
		    int n, const struct lat_hist *cyclic, const char *cyclic_cmd)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	const struct lat_load *ml = &x->loads[x->measured];
	const struct lat_thread *mt = &x->threads[ml->thread];

	if (!f)
		return -errno;
	fprintf(f, "{\n  \"experiment\": ");
	json_str(f, x->name);
	fprintf(f, ",\n  \"file\": ");
	json_str(f, x->file);
	fprintf(f, ",\n  \"duration_s\": %.3f,\n  \"warmup_s\": %.3f,\n", x->duration_ns / 1e9,
		x->warmup_ns / 1e9);
	fprintf(f, "  \"measured\": {\"thread\": ");
	json_str(f, mt->name);
	fprintf(f, ", \"priority\": %d, \"cpu\": %d, \"vector\": \"%s\", \"period_us\": %.1f},\n",
		mt->priority, mt->cpu, softirq_to_name[ml->vector], ml->period_ns / 1e3);
	for (int i = 0; i < x->nr_loads; i++) {
		const struct lat_load *l = &x->loads[i];

		if (l->type != LAT_LOAD_NET_RX)
			continue;
		fprintf(f, "  \"net_rx_load\": {\"thread\": ");
		json_str(f, x->threads[l->thread].name);
		fprintf(f, ", \"priority\": %d, \"cpu\": %d, \"port\": \"test\", \"ifname\": ",
			x->threads[l->thread].priority, x->threads[l->thread].cpu);
		json_str(f, l->rx.ifname);
		fprintf(f, ", \"rate_pps\": %llu, \"burst\": %u, \"frame_size\": %u, "
			   "\"per_frame_ns\": %llu},\n",
			(unsigned long long)l->rx.rate_pps, l->rx.burst, l->rx.frame_size,
			(unsigned long long)l->rx.per_frame_ns);
	}
	if (cyclic && cyclic->count) {
		fprintf(f, "  \"cyclictest\": {\n    \"command\": ");
		json_str(f, cyclic_cmd);
		fprintf(f, ",\n    \"latency\": ");
		lat_hist__json(cyclic, f, 6);
		fprintf(f, "\n  },\n");
	}
	fprintf(f, "  \"profiles\": [");
	for (int i = 0; i < n; i++) {
		if (!r[i].hist)
			continue;
		fprintf(f, "%s\n    {\n      \"profile\": \"%s\",\n", i ? "," : "",
			bh_profile_name(r[i].profile));
		fprintf(f, "      \"samples\": %lu,\n      \"warmup_samples\": %lu,\n"
			   "      \"missed_ticks\": %lu,\n      \"sections\": %lu,\n",
			r[i].samples, r[i].warmup_samples, r[i].missed_ticks, r[i].sections);
		fprintf(f, "      \"trace\": {\"events\": %ld, \"nested_runs\": %ld, "
			   "\"lock_blocks\": %ld, \"pi_boosts\": %ld},\n",
			r[i].trace.events, r[i].trace.nested_runs, r[i].trace.lock_blocks,
			r[i].trace.pi_boosts);
		if (r[i].has_netrx) {
			const struct lat_netrx_stats *s = &r[i].netrx;

			fprintf(f, "      \"net_rx\": {\"offered\": %llu, \"injected\": %llu, "
				   "\"ring_full\": %llu, \"rx_packets\": %llu, \"rx_ring_drops\": %llu, "
				   "\"consumed\": %llu, \"rx_drops\": %llu, \"rx_drops_by_reason\": {",
				(unsigned long long)s->offered, (unsigned long long)s->injected,
				(unsigned long long)s->ring_full, (unsigned long long)s->rx_packets,
				(unsigned long long)s->rx_ring_drops, (unsigned long long)s->consumed,
				(unsigned long long)s->rx_drops);
			for (int d = 0, first = 1; d < SN_DROP_MAX; d++)
				if (s->rx_drop_reason[d]) {
					fprintf(f, "%s\"%s\": %llu", first ? "" : ", ",
						sn_drop_reason_name((enum sn_drop_reason)d),
						(unsigned long long)s->rx_drop_reason[d]);
					first = 0;
				}
			fprintf(f, "}, \"irqs\": %llu, \"polls\": %llu, \"repolls\": %llu, "
				   "\"net_rx_actions\": %llu, \"time_squeeze\": %llu, "
				   "\"deferred_to_ksoftirqd\": %llu, \"ksoftirqd_runs\": %llu, "
				   "\"heads_all_back\": %s},\n",
				(unsigned long long)s->irqs, (unsigned long long)s->polls,
				(unsigned long long)s->repolls, (unsigned long long)s->rx_actions,
				(unsigned long long)s->time_squeeze, (unsigned long long)s->deferred,
				(unsigned long long)s->ksoftirqd_runs,
				s->heads_check ? "false" : "true");
		}
		fprintf(f, "      \"latency\": ");
		lat_hist__json(r[i].hist, f, 8);
		fprintf(f, "\n    }");
	}
	fprintf(f, "\n  ]\n}\n");
	if (f != stdout)
		fclose(f);
	return 0;
}

int lat_report_plot(const char *prefix, const struct lat_experiment *x, const struct lat_result *r,
		    int n, const struct lat_hist *cyclic)
{
	const struct lat_hist *hs[LAT_MAX_PROFILES + 1];
	const char *names[LAT_MAX_PROFILES + 1];
	uint64_t maxv = 0, bin_ns;
	size_t nbins = 500;
	int nh = 0, err = 0;
	char path[512], cmd[1100];
	FILE *f;

	if (cyclic && cyclic->count)
		hs[nh] = cyclic, names[nh++] = "cyclictest";
	for (int i = 0; i < n; i++)
		if (r[i].hist && r[i].hist->count)
			hs[nh] = r[i].hist, names[nh++] = bh_profile_name(r[i].profile);
	for (int i = 0; i < nh; i++)
		if (hs[i]->max > maxv)
			maxv = hs[i]->max;
	if (maxv > x->hist_max_ns)
		maxv = x->hist_max_ns;
	bin_ns = (maxv * 11 / 10 / nbins + 999) / 1000 * 1000;
	if (bin_ns < 1000)
		bin_ns = 1000;

	uint64_t *bins = calloc(nbins * (size_t)nh + 1, sizeof(*bins));

	if (!bins)
		return -ENOMEM;
	for (int i = 0; i < nh; i++)
		lat_hist__linear_bins(hs[i], bin_ns, bins + (size_t)i * nbins, nbins);
	snprintf(path, sizeof(path), "%s.dat", prefix);
	f = fopen(path, "w");
	if (!f) {
		free(bins);
		return -errno;
	}
	fprintf(f, "# bin start (µs), bin width %.0f µs; then counts per bin:", bin_ns / 1e3);
	for (int i = 0; i < nh; i++)
		fprintf(f, " %s", names[i]);
	fprintf(f, "\n");
	for (size_t b = 0; b < nbins; b++) {
		fprintf(f, "%.1f", b * bin_ns / 1e3);
		/* Empty bins are written below the y range so that log scale draws them at 0. */
		for (int i = 0; i < nh; i++) {
			uint64_t c = bins[(size_t)i * nbins + b];

			if (c)
				fprintf(f, " %llu", (unsigned long long)c);
			else
				fprintf(f, " 0.01");
		}
		fprintf(f, "\n");
	}
	fclose(f);
	free(bins);

	snprintf(path, sizeof(path), "%s.gp", prefix);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (int t = 0; t < 2; t++) {
		fprintf(f, "set terminal %s size 1000,600\nset output '%s.%s'\n",
			t ? "svg" : "pngcairo", prefix, t ? "svg" : "png");
		fprintf(f, "set title \"softnet-lat %s: interrupt to end of %s softirq, FIFO %d on CPU "
			   "%d (%.0f s per profile)\"\n",
			x->name, softirq_to_name[x->loads[x->measured].vector],
			x->threads[x->loads[x->measured].thread].priority,
			x->threads[x->loads[x->measured].thread].cpu,
			(x->duration_ns - x->warmup_ns) / 1e9);
		fprintf(f, "set xlabel 'latency (µs), %.0f µs bins'\nset ylabel 'samples per bin'\n"
			   "set logscale y\nset yrange [0.8:*]\nset grid\nset key top right\n",
			bin_ns / 1e3);
		fprintf(f, "plot ");
		for (int i = 0; i < nh; i++)
			fprintf(f, "%s'%s.dat' using 1:%d with steps lw 2 title '%s'", i ? ", " : "",
				prefix, i + 2, names[i]);
		fprintf(f, "\n");
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gnuplot '%s.gp'", prefix);
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		err = -ECHILD;
	return err;
}
