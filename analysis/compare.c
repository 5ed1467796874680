// SPDX-License-Identifier: MIT
/*
 * barbench compare A B: per configuration present in both folders, the
 * medians, the ratio of medians B/A with a distribution-free 95% interval,
 * and a two-sided Mann-Whitney U test on the repetitions' medians (each row
 * of runs.csv is one repetition, its p50_ns one value).
 *
 * A change is significant only when both sides have at least
 * BB_COMPARE_MIN_REPS repetitions, p < 0.05, and the medians differ by more
 * than the timer's resolution (the coarser of the two folders'; a folder that
 * does not record it gets no guard and a warning).  Medians below the
 * resolution are printed as "< R ns", never as a number they are not.
 * Before the table: a warning for every difference between the two
 * manifests that makes their figures incomparable (CPU, hypervisor, kernel,
 * timer, build, barbench version), or that a folder has none to check.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "json.h"
#include "barbench/stats.h"

#define BB_COMPARE_MIN_REPS 3
#define BB_COMPARE_ALPHA 0.05
#define MAX_WARNINGS 24

struct side {
	const char *dir;
	struct bb_recs r;
	struct bb_configs c;
	bool no_resolution;	/* a common configuration without resolution_ns */
};

struct warnings {
	unsigned n;
	char msg[MAX_WARNINGS][BB_DIAG_MAX];
};

static void warn(struct warnings *w, const char *fmt, ...) BB_PRINTF(2, 3);
static void warn(struct warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (w->n >= MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg[w->n++], BB_DIAG_MAX, fmt, ap);
	va_end(ap);
}

static void side_free(struct side *s)
{
	bb_configs_free(&s->c);
	bb_recs_free(&s->r);
}

/* runs.csv of s->dir, its configurations, and each configuration's repetitions side by side. */
static int load(struct side *s, struct bb_diag *d)
{
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/runs.csv", s->dir);
	err = bb_recs_read(path, &s->r, d);
	if (err)
		return err;
	err = bb_configs_build(&s->r, &s->c, d);
	if (err) {
		bb_recs_free(&s->r);
		return err;
	}
	return 0;
}

/* A manifest string for a terminal line: what is not printable ASCII becomes '?'. */
static void printable(const char *s, char *out, size_t len)
{
	size_t k = 0;

	if (!*s)
		s = "(not recorded)";
	for (; *s && k + 1 < len; s++)
		out[k++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[k] = '\0';
}

static void check_manifests(const struct side *a, const struct side *b, struct warnings *w)
{
	struct bb_manifest_info m[2];
	const struct side *s[2] = { a, b };
	bool ok[2];

	for (int i = 0; i < 2; i++) {
		struct bb_diag d;
		int err = bb_manifest_read(s[i]->dir, &m[i], &d);

		ok[i] = !err;
		if (err == -ENOENT)
			warn(w, "%s %s has no manifest.json: its CPU, kernel, timer and build cannot be checked "
			     "against the other folder's", i ? "B" : "A", s[i]->dir);
		else if (err)
			warn(w, "%s: %s; its CPU, kernel, timer and build cannot be checked", i ? "B" : "A", d.msg);
	}
	if (!ok[0] || !ok[1])
		return;
	{
		static const struct {
			const char *what;
			size_t off;
		} fields[] = {
#define F(what, field) { what, offsetof(struct bb_manifest_info, field) }
			F("CPU model", cpu),
			F("hypervisor", hyper),
			F("kernel", kernel),
			F("timer step (cycles)", step_cycles),
			F("timer resolution (ns)", resolution_ns),
			F("timer end instruction", end_instruction),
			F("compiler", compiler),
			F("compiler flags", cflags),
			F("build type", build_type),
			F("barbench version", version),
#undef F
		};
		unsigned differ = 0;

		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const char *x = (const char *)&m[0] + fields[i].off, *y = (const char *)&m[1] + fields[i].off;
			char px[160], py[160];

			if (!strcmp(x, y))
				continue;
			printable(x, px, sizeof(px));
			printable(y, py, sizeof(py));
			warn(w, "the folders differ in %s: A '%s', B '%s'", fields[i].what, px, py);
			differ++;
		}
		if (differ) {
			char hx[96], hy[96];

			printable(m[0].host, hx, sizeof(hx));
			printable(m[1].host, hy, sizeof(hy));
			warn(w, "A (host '%s') and B (host '%s') were not measured under the same conditions: "
			     "a change below may come from the machine or the build, not from what was changed",
			     hx, hy);
		}
	}
}

enum verdict { V_FASTER, V_SLOWER, V_SAME, V_FEW, V_RES };
static const char *const verdict_json[] = { "faster", "slower", "no change", "not enough repetitions",
					    "below resolution" };

struct row {
	const struct bb_config *x, *y;
	size_t na, nb;
	double res;			/* the guard: the coarser resolution; 0: none */
	double ratio, lo, hi, level;	/* NAN: none */
	double p;			/* NAN: not tested */
	enum verdict v;
};

static void assess(const struct side *a, size_t ka, const struct side *b, size_t kb, struct row *w)
{
	const double *xa = a->c.rep_p50 + a->c.rep_start[ka], *xb = b->c.rep_p50 + b->c.rep_start[kb];
	double ma, mb;
	struct bb_mwu t;

	w->x = &a->c.v[ka];
	w->y = &b->c.v[kb];
	w->na = a->c.v[ka].nreps;
	w->nb = b->c.v[kb].nreps;
	w->res = w->x->resolution_ns > w->y->resolution_ns ? w->x->resolution_ns : w->y->resolution_ns;
	w->ratio = w->lo = w->hi = w->level = w->p = NAN;
	ma = w->x->p50_ns;
	mb = w->y->p50_ns;
	/* a ratio only of medians both measured (above 0 and the resolution) */
	if (ma > 0 && mb > 0 && ma >= w->res && mb >= w->res)
		w->ratio = mb / ma;
	if (w->na < BB_COMPARE_MIN_REPS || w->nb < BB_COMPARE_MIN_REPS) {
		w->v = V_FEW;
		return;
	}
	if (!bb_mann_whitney(xa, w->na, xb, w->nb, &t))
		w->p = t.p;
	if (!isnan(w->ratio) &&
	    bb_ratio_interval(xa, w->na, xb, w->nb, &w->lo, &w->hi, &w->level))
		w->lo = w->hi = w->level = NAN;	/* a repetition at 0, or too many pairs */
	if ((ma < w->res && mb < w->res) || (ma <= 0 && mb <= 0))
		w->v = V_RES;
	else if (isnan(w->p) || w->p >= BB_COMPARE_ALPHA)
		w->v = V_SAME;
	else if (fabs(mb - ma) <= w->res)
		w->v = V_RES;
	else
		w->v = mb < ma ? V_FASTER : V_SLOWER;
}

/* One configuration of `compare --json`: what it is, field by field, then the figures (finite or null). */
static json_t *row_json(const struct row *w)
{
	const struct bb_rec *c = w->y->first;

	return json_pack("{s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:s}",
			 "device", bb_json_str(c->device), "region", (json_int_t)c->region,
			 "policy", bb_json_str(c->policy), "params", bb_json_str(c->params),
			 "page_size_bytes", bb_json_u64(c->page_size), "runner", bb_json_str(c->runner),
			 "workload", bb_json_str(c->workload),
			 "a_p50_ns", bb_json_num(w->x->p50_ns), "b_p50_ns", bb_json_num(w->y->p50_ns),
			 "resolution_ns", bb_json_num(w->res > 0 ? w->res : NAN), "ratio", bb_json_num(w->ratio),
			 "ratio_ci_lo", bb_json_num(w->lo), "ratio_ci_hi", bb_json_num(w->hi),
			 "ratio_ci_level", bb_json_num(w->level), "p_value", bb_json_num(w->p),
			 "repetitions_a", (json_int_t)w->na, "repetitions_b", (json_int_t)w->nb,
			 "verdict", verdict_json[w->v]);
}

/* The document of `compare --json` (docs/schemas/compare.schema.json). */
static json_t *compare_json(const char *a, const char *b, const struct warnings *w, const struct row *rows,
			    size_t n, unsigned sig)
{
	json_t *warn = json_array(), *cfgs = json_array();
	int bad = !warn || !cfgs;

	for (unsigned i = 0; i < w->n && !bad; i++)
		bad |= json_array_append_new(warn, bb_json_str(w->msg[i]));
	for (size_t i = 0; i < n && !bad; i++)
		bad |= json_array_append_new(cfgs, row_json(&rows[i]));
	if (bad) {
		json_decref(warn);
		json_decref(cfgs);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:o,s:o,s:s,s:f,s:i,s:s,s:o,s:I}", "schema", "barbench-compare/1",
			 "a", bb_json_str(a), "b", bb_json_str(b), "warnings", warn, "test", "mann-whitney-u",
			 "alpha", BB_COMPARE_ALPHA, "min_repetitions", BB_COMPARE_MIN_REPS,
			 "interval", "pairwise-ratio order statistics (Hodges-Lehmann/Bauer), 95%",
			 "configurations", cfgs, "significant", (json_int_t)sig);
}

static void print_text_row(FILE *out, const struct row *w)
{
	char ma[32], mb[32], ratio[32], iv[48], p[16], reps[32], why[160];

	bb_format_ns(ma, sizeof(ma), w->x->p50_ns, w->res > 0 ? w->res : 0);
	bb_format_ns(mb, sizeof(mb), w->y->p50_ns, w->res > 0 ? w->res : 0);
	if (!isnan(w->ratio))
		snprintf(ratio, sizeof(ratio), "%.3f", w->ratio);
	else if (w->x->p50_ns < w->res && w->y->p50_ns >= w->res)
		bb_format_ratio(ratio, sizeof(ratio), w->y->p50_ns, w->x->p50_ns, w->res);	/* "> Nx" */
	else if (w->y->p50_ns < w->res && w->x->p50_ns > 0)
		snprintf(ratio, sizeof(ratio), "< %.3g", w->res / w->x->p50_ns);
	else
		snprintf(ratio, sizeof(ratio), "n/a");
	if (!isnan(w->lo))
		snprintf(iv, sizeof(iv), "[%.3f, %.3f]%s", w->lo, w->hi, w->level < 0.949 ? "*" : "");
	else
		snprintf(iv, sizeof(iv), "n/a");
	if (!isnan(w->p))
		snprintf(p, sizeof(p), "%.3g", w->p);
	else
		snprintf(p, sizeof(p), "-");
	snprintf(reps, sizeof(reps), "%zu/%zu", w->na, w->nb);
	switch (w->v) {
	case V_FASTER:
	case V_SLOWER:
		snprintf(why, sizeof(why), "%s (significant)", w->v == V_FASTER ? "faster" : "slower");
		break;
	case V_SAME:
		snprintf(why, sizeof(why), "no significant change");
		break;
	case V_FEW:
		snprintf(why, sizeof(why), "not enough repetitions to test (A %zu, B %zu; %d each needed)", w->na,
			 w->nb, BB_COMPARE_MIN_REPS);
		break;
	case V_RES:
		if (w->res > 0)
			snprintf(why, sizeof(why), "below resolution (%.3g ns apart, resolution %.3g ns)",
				 fabs(w->y->p50_ns - w->x->p50_ns), w->res);
		else
			snprintf(why, sizeof(why), "below resolution (both medians 0)");
		break;
	}
	fprintf(out, "%-60.60s %12s %12s %8s %20s %8s %9s  %s\n", w->y->key, ma, mb, ratio, iv, p, reps, why);
}

int bb_compare(const char *a, const char *b, FILE *out, bool json, struct bb_diag *d)
{
	struct side sa = { .dir = a }, sb = { .dir = b };
	struct warnings *w;
	struct row *rows;
	size_t common = 0;
	unsigned sig = 0, few = 0, res = 0, small = 0;
	bool low_level = false;
	int err;

	err = load(&sa, d);
	if (err)
		return err;
	err = load(&sb, d);
	if (err) {
		side_free(&sa);
		return err;
	}
	w = calloc(1, sizeof(*w));
	rows = calloc(sb.c.n + 1, sizeof(*rows));
	if (!w || !rows) {
		free(w);
		free(rows);
		side_free(&sa);
		side_free(&sb);
		return bb_diag_set(d, -ENOMEM, "compare: out of memory");
	}
	for (size_t kb = 0; kb < sb.c.n; kb++) {
		size_t ka;

		for (ka = 0; ka < sa.c.n; ka++)
			if (!strcmp(sa.c.v[ka].key, sb.c.v[kb].key))
				break;
		if (ka == sa.c.n)
			continue;
		assess(&sa, ka, &sb, kb, &rows[common]);
		sa.no_resolution |= sa.c.v[ka].resolution_ns <= 0;
		sb.no_resolution |= sb.c.v[kb].resolution_ns <= 0;
		sig += rows[common].v == V_FASTER || rows[common].v == V_SLOWER;
		few += rows[common].v == V_FEW;
		res += rows[common].v == V_RES;
		if (rows[common].v != V_FEW && bb_mwu_min_p(rows[common].na, rows[common].nb) >= BB_COMPARE_ALPHA)
			small++;
		if (!isnan(rows[common].level) && rows[common].level < 0.949)
			low_level = true;
		common++;
	}
	if (!common) {
		err = bb_diag_set(d, -ENOENT, "%s and %s have no configuration in common", a, b);
		goto out;
	}
	check_manifests(&sa, &sb, w);
	if (sa.no_resolution)
		warn(w, "A %s does not record the timer resolution (runs.csv resolution_ns) of some runs: "
		     "their differences are guarded by B's resolution only, or by none", a);
	if (sb.no_resolution)
		warn(w, "B %s does not record the timer resolution (runs.csv resolution_ns) of some runs: "
		     "their differences are guarded by A's resolution only, or by none", b);

	if (json) {
		err = bb_json_write(out, compare_json(a, b, w, rows, common, sig), 0);
		if (err) {
			bb_diag_set(d, err, "compare: %s", err == -ENOMEM ? "out of memory" : "writing the JSON failed");
			goto out;
		}
	} else {
		for (unsigned i = 0; i < w->n; i++)
			fprintf(out, "warning: %s\n", w->msg[i]);
		fprintf(out, "test: two-sided Mann-Whitney U on the repetitions' medians; significant when p < %.2f "
			"and the medians differ by more than the timer resolution (%d repetitions a side needed)\n"
			"B/A: ratio of the medians; interval: 95%% distribution-free interval of B/A, order statistics "
			"of the pairwise ratios of repetitions (Hodges-Lehmann/Bauer)\n",
			BB_COMPARE_ALPHA, BB_COMPARE_MIN_REPS);
		fprintf(out, "%-60s %12s %12s %8s %20s %8s %9s  %s\n",
			"configuration (device|region|policy|params|page|runner|workload)", "A p50", "B p50", "B/A",
			"95% interval", "p", "reps A/B", "change");
		for (size_t i = 0; i < common; i++)
			print_text_row(out, &rows[i]);
		if (low_level)
			fprintf(out, "*: too few repetitions for 95%%: the range of the pairwise ratios, at the "
				"confidence it has (3 and 3: 90%%)\n");
		if (small)
			fprintf(out, "note: %u configuration%s too few repetitions for any p below %.2f "
				"(3 and 3: at least 0.1); 4 a side are needed to find a change\n",
				small, small == 1 ? " has" : "s have", BB_COMPARE_ALPHA);
		fprintf(out, "%zu configurations in both, %u significant change%s", common, sig, sig == 1 ? "" : "s");
		if (few)
			fprintf(out, ", %u not tested (fewer than %d repetitions)", few, BB_COMPARE_MIN_REPS);
		if (res)
			fprintf(out, ", %u below the resolution", res);
		if (w->n)
			fprintf(out, " (%u warning%s above)", w->n, w->n == 1 ? "" : "s");
		fprintf(out, "\n");
	}
	err = (int)sig;
out:
	free(w);
	free(rows);
	side_free(&sa);
	side_free(&sb);
	return err;
}
