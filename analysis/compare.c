// SPDX-License-Identifier: MIT
/*
 * barbench compare A B [C ...]: the first folder is the baseline A, every
 * further folder a B compared with it.  Per configuration present in both,
 * the medians, the ratio of medians B/A with a distribution-free 95%
 * interval, and a two-sided Mann-Whitney U test on the repetitions' medians
 * (each row of runs.csv is one repetition, its p50_ns one value).  The host
 * of each folder (bb_results_host: the manifest's hostname, else the
 * folder's name, "#K" for a second of one name) labels its comparison.
 *
 * A change is significant only when both sides have at least
 * BB_COMPARE_MIN_REPS repetitions, p < 0.05, and the medians differ by more
 * than the timer's resolution (the coarser of the two folders'; a folder that
 * does not record it gets no guard and a warning).  Medians below the
 * resolution are printed as "< R ns", never as a number they are not.
 * Before the tables: a warning for every difference between the two
 * manifests of a comparison that makes their figures incomparable (CPU,
 * hypervisor, kernel, timer, build, barbench version), or that a folder has
 * none to check.  With --holm the p-values of every test of every
 * comparison are adjusted together (Holm 1979), so that the chance of any
 * false "significant" among them stays below alpha.
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
#include "parse.h"
#include "barbench/stats.h"

#define BB_COMPARE_MIN_REPS 3
#define BB_COMPARE_ALPHA 0.05
#define MAX_WARNINGS 24

/* One results folder: its runs, configurations and manifest, read once whatever the comparisons it is in. */
struct side {
	const char *dir;
	struct bb_recs r;
	struct bb_configs c;
	struct bb_manifest_info mi;
	int mi_err;			/* 0, -ENOENT (no manifest.json) or why it cannot be read (mi_msg) */
	char mi_msg[BB_DIAG_MAX];
};

struct warnings {
	unsigned n;
	char msg[MAX_WARNINGS][BB_DIAG_MAX];
	bool a_only[MAX_WARNINGS];	/* about the baseline alone: the text says it once, not per comparison */
};

enum verdict { V_FASTER, V_SLOWER, V_SAME, V_FEW, V_RES };
static const char *const verdict_json[] = { "faster", "slower", "no change", "not enough repetitions",
					    "below resolution" };

struct row {
	const struct bb_config *x, *y;
	size_t na, nb;
	double res;			/* the guard: the coarser resolution; 0: none */
	double ratio, lo, hi, level;	/* NAN: none */
	double p;			/* NAN: not tested */
	double p_adj;			/* p after the correction (--holm), p without one */
	enum verdict v;
};

/* One comparison: the baseline (side 0) against side @b. */
struct pair {
	size_t b;
	struct warnings w;
	struct row *rows;
	size_t n;			/* configurations in both */
	size_t only_a, only_b;		/* configurations of one side only */
	bool no_res_a, no_res_b;	/* a configuration in both without resolution_ns */
	unsigned sig, few, res, small;
	bool low_level;
};

struct cmp {
	size_t n;			/* folders; n - 1 comparisons */
	struct side *s;
	char (*hosts)[BB_HOST_NAME_MAX];
	struct pair *p;
	bool holm;
	size_t tests;			/* p-values computed, over every comparison */
	unsigned sig;
};

static void warn(struct warnings *w, const char *fmt, ...) BB_PRINTF(2, 3);
static void warn(struct warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (w->n >= MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	w->a_only[w->n] = false;
	vsnprintf(w->msg[w->n++], BB_DIAG_MAX, fmt, ap);
	va_end(ap);
}

/* The last warning is about the baseline alone. */
static void warn_a_only(struct warnings *w, bool a)
{
	if (w->n)
		w->a_only[w->n - 1] = a;
}

static void side_free(struct side *s)
{
	bb_configs_free(&s->c);
	bb_recs_free(&s->r);
}

/* runs.csv of s->dir (within the *@left bytes the folders read so far leave), its configurations with each one's repetitions side by side, and its manifest. */
static int load(struct side *s, size_t *left, struct bb_diag *d)
{
	char path[4096];
	struct bb_diag md = { "" };
	int err;

	snprintf(path, sizeof(path), "%s/runs.csv", s->dir);
	err = bb_recs_read_within(path, left, &s->r, d);
	if (err)
		return err;
	err = bb_configs_build(&s->r, &s->c, d);
	if (err) {
		bb_recs_free(&s->r);
		return err;
	}
	s->mi_err = bb_manifest_read(s->dir, &s->mi, &md);
	if (s->mi_err)
		bb_strcpy(s->mi_msg, sizeof(s->mi_msg), md.msg);
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
	const struct side *s[2] = { a, b };
	unsigned differ = 0;

	for (int i = 0; i < 2; i++) {
		if (s[i]->mi_err == -ENOENT)
			warn(w, "%s %s has no manifest.json: its CPU, kernel, timer and build cannot be checked "
			     "against the other folder's", i ? "B" : "A", s[i]->dir);
		else if (s[i]->mi_err)
			warn(w, "%s: %s; its CPU, kernel, timer and build cannot be checked", i ? "B" : "A",
			     s[i]->mi_msg);
		if (s[i]->mi_err)
			warn_a_only(w, !i);
	}
	if (a->mi_err || b->mi_err)
		return;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *x = (const char *)&a->mi + fields[i].off, *y = (const char *)&b->mi + fields[i].off;
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

		printable(a->mi.host, hx, sizeof(hx));
		printable(b->mi.host, hy, sizeof(hy));
		warn(w, "A (host '%s') and B (host '%s') were not measured under the same conditions: "
		     "a change below may come from the machine or the build, not from what was changed", hx, hy);
	}
}

/* The verdict of a row whose p-value (NAN: not tested) is @p. */
static enum verdict decide(const struct row *w, double p)
{
	double ma = w->x->p50_ns, mb = w->y->p50_ns;

	if (w->na < BB_COMPARE_MIN_REPS || w->nb < BB_COMPARE_MIN_REPS)
		return V_FEW;
	if ((ma < w->res && mb < w->res) || (ma <= 0 && mb <= 0))
		return V_RES;
	if (isnan(p) || p >= BB_COMPARE_ALPHA)
		return V_SAME;
	if (fabs(mb - ma) <= w->res)
		return V_RES;
	return mb < ma ? V_FASTER : V_SLOWER;
}

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
	if (w->na >= BB_COMPARE_MIN_REPS && w->nb >= BB_COMPARE_MIN_REPS) {
		if (!bb_mann_whitney(xa, w->na, xb, w->nb, &t))
			w->p = t.p;
		if (!isnan(w->ratio) && bb_ratio_interval(xa, w->na, xb, w->nb, &w->lo, &w->hi, &w->level))
			w->lo = w->hi = w->level = NAN;	/* a repetition at 0, or too many pairs */
	}
	w->p_adj = w->p;
	w->v = decide(w, w->p);
}

/* The baseline against side pr->b: every configuration in both assessed, those of one side counted. */
static int pair_build(const struct cmp *m, struct pair *pr, struct bb_diag *d)
{
	const struct side *sa = &m->s[0], *sb = &m->s[pr->b];

	pr->rows = calloc(sb->c.n + 1, sizeof(*pr->rows));
	if (!pr->rows)
		return bb_diag_set(d, -ENOMEM, "compare: out of memory");
	for (size_t kb = 0; kb < sb->c.n; kb++) {
		size_t ka = bb_configs_find(&sa->c, sb->c.v[kb].key, NULL);

		if (ka == sa->c.n) {
			pr->only_b++;
			continue;
		}
		assess(sa, ka, sb, kb, &pr->rows[pr->n]);
		pr->no_res_a |= sa->c.v[ka].resolution_ns <= 0;
		pr->no_res_b |= sb->c.v[kb].resolution_ns <= 0;
		pr->n++;
	}
	if (!pr->n)
		return bb_diag_set(d, -ENOENT, "%s and %s have no configuration in common", sa->dir, sb->dir);
	pr->only_a = sa->c.n - pr->n;
	check_manifests(sa, sb, &pr->w);
	if (pr->no_res_a) {
		warn(&pr->w, "A %s does not record the timer resolution (runs.csv resolution_ns) of some runs: "
		     "their differences are guarded by B's resolution only, or by none", sa->dir);
		warn_a_only(&pr->w, true);
	}
	if (pr->no_res_b)
		warn(&pr->w, "B %s does not record the timer resolution (runs.csv resolution_ns) of some runs: "
		     "their differences are guarded by A's resolution only, or by none", sb->dir);
	return 0;
}

static int by_p(const void *x, const void *y)
{
	double a = (*(const struct row *const *)x)->p, b = (*(const struct row *const *)y)->p;

	return (a > b) - (a < b);
}

/*
 * Holm's step-down correction over every p-value of every comparison: the
 * i-th smallest of m is adjusted to max over j <= i of min(1, (m - j + 1) p_j),
 * and a row is significant only when its adjusted p is below alpha.
 */
static int holm(struct cmp *m, struct bb_diag *d)
{
	struct row **t = calloc(m->tests + 1, sizeof(*t));
	double run = 0;
	size_t k = 0;

	if (!t)
		return bb_diag_set(d, -ENOMEM, "compare: out of memory");
	for (size_t i = 0; i + 1 < m->n; i++)
		for (size_t r = 0; r < m->p[i].n; r++)
			if (!isnan(m->p[i].rows[r].p))
				t[k++] = &m->p[i].rows[r];
	qsort(t, k, sizeof(*t), by_p);
	for (size_t j = 0; j < k; j++) {
		double a = (double)(k - j) * t[j]->p;

		run = fmax(run, fmin(1.0, a));
		t[j]->p_adj = run;
		t[j]->v = decide(t[j], run);
	}
	free(t);
	return 0;
}

/* What the rows of each comparison add up to, once their verdicts are final. */
static void count(struct cmp *m)
{
	for (size_t i = 0; i + 1 < m->n; i++) {
		struct pair *pr = &m->p[i];

		for (size_t r = 0; r < pr->n; r++) {
			const struct row *w = &pr->rows[r];

			pr->sig += w->v == V_FASTER || w->v == V_SLOWER;
			pr->few += w->v == V_FEW;
			pr->res += w->v == V_RES;
			if (w->v != V_FEW && bb_mwu_min_p(w->na, w->nb) >= BB_COMPARE_ALPHA)
				pr->small++;
			if (!isnan(w->level) && w->level < 0.949)
				pr->low_level = true;
		}
		m->sig += pr->sig;
	}
}

/* One configuration of `compare --json`: what it is, field by field, then the figures (finite or null). */
static json_t *row_json(const struct row *w)
{
	const struct bb_rec *c = w->y->first;

	return json_pack("{s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:s}",
			 "device", bb_json_str(c->device), "region", (json_int_t)c->region,
			 "policy", bb_json_str(c->policy), "params", bb_json_str(c->params),
			 "page_size_bytes", bb_json_u64(c->page_size), "runner", bb_json_str(c->runner),
			 "workload", bb_json_str(c->workload),
			 "a_p50_ns", bb_json_num(w->x->p50_ns), "b_p50_ns", bb_json_num(w->y->p50_ns),
			 "resolution_ns", bb_json_num(w->res > 0 ? w->res : NAN), "ratio", bb_json_num(w->ratio),
			 "ratio_ci_lo", bb_json_num(w->lo), "ratio_ci_hi", bb_json_num(w->hi),
			 "ratio_ci_level", bb_json_num(w->level), "p_adjusted", bb_json_num(w->p_adj),
			 "p_value", bb_json_num(w->p),
			 "repetitions_a", (json_int_t)w->na, "repetitions_b", (json_int_t)w->nb,
			 "verdict", verdict_json[w->v]);
}

/* One comparison of `compare --json`: its folders and hosts, warnings, configurations. */
static json_t *pair_json(const struct cmp *m, const struct pair *pr)
{
	json_t *warn = json_array(), *cfgs = json_array();
	int bad = !warn || !cfgs;

	for (unsigned i = 0; i < pr->w.n && !bad; i++)
		bad |= json_array_append_new(warn, bb_json_str(pr->w.msg[i]));
	for (size_t i = 0; i < pr->n && !bad; i++)
		bad |= json_array_append_new(cfgs, row_json(&pr->rows[i]));
	if (bad) {
		json_decref(warn);
		json_decref(cfgs);
		return NULL;
	}
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:I}", "a", bb_json_str(m->s[0].dir),
			 "host_a", bb_json_str(m->hosts[0]), "b", bb_json_str(m->s[pr->b].dir),
			 "host_b", bb_json_str(m->hosts[pr->b]), "warnings", warn, "only_in_a", (json_int_t)pr->only_a,
			 "only_in_b", (json_int_t)pr->only_b, "configurations", cfgs, "significant", (json_int_t)pr->sig);
}

/* The document of `compare --json` (docs/schemas/compare.schema.json). */
static json_t *compare_json(const struct cmp *m)
{
	json_t *pairs = json_array();

	for (size_t i = 0; pairs && i + 1 < m->n; i++)
		if (json_array_append_new(pairs, pair_json(m, &m->p[i]))) {
			json_decref(pairs);
			return NULL;
		}
	if (!pairs)
		return NULL;
	return json_pack("{s:s,s:o,s:o,s:s,s:f,s:i,s:s,s:s,s:I,s:o,s:I}", "schema", "barbench-compare/2",
			 "a", bb_json_str(m->s[0].dir), "host_a", bb_json_str(m->hosts[0]), "test", "mann-whitney-u",
			 "alpha", BB_COMPARE_ALPHA, "min_repetitions", BB_COMPARE_MIN_REPS,
			 "interval", "pairwise-ratio order statistics (Hodges-Lehmann/Bauer), 95%",
			 "correction", m->holm ? "holm" : "none", "tests", (json_int_t)m->tests,
			 "comparisons", pairs, "significant", (json_int_t)m->sig);
}

/* One row; @width: the configuration column's, as wide as the longest configuration (never cut). */
static void print_text_row(FILE *out, const struct row *w, int width)
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
	if (!isnan(w->p_adj))
		snprintf(p, sizeof(p), "%.3g", w->p_adj);
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
	fprintf(out, "%-*s %12s %12s %8s %20s %8s %9s  %s\n", width, w->y->key, ma, mb, ratio, iv, p, reps, why);
}

/* One comparison's table: the folders and hosts, the rows, their notes and what they add up to. */
static void print_pair(FILE *out, const struct cmp *m, const struct pair *pr)
{
	static const char head[] = "configuration (device|region|policy|params|page|runner|workload)";
	size_t width = sizeof(head) - 1;

	for (size_t i = 0; i < pr->n; i++)
		if (strlen(pr->rows[i].y->key) > width)
			width = strlen(pr->rows[i].y->key);
	fprintf(out, "A %s (%s) -> B %s (%s)\n", m->hosts[0], m->s[0].dir, m->hosts[pr->b], m->s[pr->b].dir);
	fprintf(out, "%-*s %12s %12s %8s %20s %8s %9s  %s\n", (int)width, head, "A p50", "B p50", "B/A",
		"95% interval", m->holm ? "p (Holm)" : "p", "reps A/B", "change");
	for (size_t i = 0; i < pr->n; i++)
		print_text_row(out, &pr->rows[i], (int)width);
	if (pr->low_level)
		fprintf(out, "*: too few repetitions for 95%%: the range of the pairwise ratios, at the "
			"confidence it has (3 and 3: 90%%)\n");
	if (pr->small)
		fprintf(out, "note: %u configuration%s too few repetitions for any p below %.2f "
			"(3 and 3: at least 0.1); 4 a side are needed to find a change\n",
			pr->small, pr->small == 1 ? " has" : "s have", BB_COMPARE_ALPHA);
	fprintf(out, "%zu configurations in both, %u significant change%s", pr->n, pr->sig, pr->sig == 1 ? "" : "s");
	if (pr->few)
		fprintf(out, ", %u not tested (fewer than %d repetitions)", pr->few, BB_COMPARE_MIN_REPS);
	if (pr->res)
		fprintf(out, ", %u below the resolution", pr->res);
	if (pr->only_a)
		fprintf(out, ", %zu only in A", pr->only_a);
	if (pr->only_b)
		fprintf(out, ", %zu only in B", pr->only_b);
	if (pr->w.n)
		fprintf(out, " (%u warning%s above)", pr->w.n, pr->w.n == 1 ? "" : "s");
	fprintf(out, "\n");
}

/*
 * The text: every comparison's warnings first (labelled by B's host when
 * there are several; one about the baseline alone said once), what the test
 * and interval are, then one table per comparison and the total.
 */
static void print_text(FILE *out, const struct cmp *m)
{
	size_t np = m->n - 1;

	for (size_t i = 0; i < np; i++)
		for (unsigned k = 0; k < m->p[i].w.n; k++) {
			bool said = false;

			for (size_t j = 0; j < i && m->p[i].w.a_only[k] && !said; j++)
				for (unsigned q = 0; q < m->p[j].w.n && !said; q++)
					said = !strcmp(m->p[j].w.msg[q], m->p[i].w.msg[k]);
			if (said)
				continue;
			if (np > 1)
				fprintf(out, "warning: B %s: %s\n", m->hosts[m->p[i].b], m->p[i].w.msg[k]);
			else
				fprintf(out, "warning: %s\n", m->p[i].w.msg[k]);
		}
	fprintf(out, "test: two-sided Mann-Whitney U on the repetitions' medians; significant when p < %.2f "
		"and the medians differ by more than the timer resolution (%d repetitions a side needed)\n"
		"B/A: ratio of the medians; interval: 95%% distribution-free interval of B/A, order statistics "
		"of the pairwise ratios of repetitions (Hodges-Lehmann/Bauer)\n"
		"caveat: a folder's repetitions ran in one session, so the machine's drift between the two sessions "
		"is not in their spread; a significant change says the sessions differ, not why (two back-to-back "
		"runs of one study on a 2-vCPU VM, nothing changed: 8 of 8 significant, 1.18-1.45x)\n",
		BB_COMPARE_ALPHA, BB_COMPARE_MIN_REPS);
	if (m->holm)
		fprintf(out, "correction: Holm over all %zu tests of %zu comparison%s; p is the adjusted p-value\n",
			m->tests, np, np == 1 ? "" : "s");
	for (size_t i = 0; i < np; i++) {
		fprintf(out, "\n");
		print_pair(out, m, &m->p[i]);
	}
	if (np > 1) {
		fprintf(out, "\n%zu folders against A %s: %u significant change%s (", np, m->hosts[0], m->sig,
			m->sig == 1 ? "" : "s");
		for (size_t i = 0; i < np; i++)
			fprintf(out, "%s%s %u", i ? ", " : "", m->hosts[m->p[i].b], m->p[i].sig);
		fprintf(out, ")\n");
	}
	if (!m->holm && m->tests * BB_COMPARE_ALPHA >= 1)
		fprintf(out, "note: %zu tests at p < %.2f: about %.1f of them come out significant by chance when "
			"nothing changed; --holm bounds the chance of any at %.2f\n", m->tests, BB_COMPARE_ALPHA,
			(double)m->tests * BB_COMPARE_ALPHA, BB_COMPARE_ALPHA);
}

static void cmp_free(struct cmp *m)
{
	for (size_t i = 0; m->p && i + 1 < m->n; i++)
		free(m->p[i].rows);
	for (size_t i = 0; m->s && i < m->n; i++)
		side_free(&m->s[i]);
	free(m->p);
	free(m->s);
	free(m->hosts);
}

int bb_compare_dirs(const char *const *dirs, size_t n, FILE *out, const struct bb_compare_opts *o,
		    struct bb_diag *d)
{
	struct cmp m = { .n = n, .holm = o->holm };
	size_t left = BB_RESULTS_MAX_FILE;	/* what every runs.csv together may hold */
	int err = 0;

	if (n < 2 || n > BB_RESULTS_MAX_FOLDERS)
		return bb_diag_set(d, -EINVAL, "compare: 2 to %d results folders, not %zu", BB_RESULTS_MAX_FOLDERS, n);
	m.s = calloc(n, sizeof(*m.s));
	m.hosts = calloc(n, sizeof(*m.hosts));
	m.p = calloc(n - 1, sizeof(*m.p));
	if (!m.s || !m.hosts || !m.p) {
		cmp_free(&m);
		return bb_diag_set(d, -ENOMEM, "compare: out of memory");
	}
	for (size_t k = 0; k < n && !err; k++) {
		m.s[k].dir = dirs[k];
		err = load(&m.s[k], &left, d);
		if (!err)
			bb_results_host(dirs[k], m.s[k].mi_err ? NULL : &m.s[k].mi, m.hosts, k);
	}
	for (size_t i = 0; i + 1 < n && !err; i++) {
		m.p[i].b = i + 1;
		err = pair_build(&m, &m.p[i], d);
		for (size_t r = 0; !err && r < m.p[i].n; r++)
			m.tests += !isnan(m.p[i].rows[r].p);
	}
	if (!err && m.holm)
		err = holm(&m, d);
	if (err)
		goto out;
	count(&m);
	if (o->json) {
		err = bb_json_write(out, compare_json(&m), 0);
		if (err) {
			bb_diag_set(d, err, "compare: %s", err == -ENOMEM ? "out of memory" : "writing the JSON failed");
			goto out;
		}
	} else {
		print_text(out, &m);
	}
	err = (int)m.sig;
out:
	cmp_free(&m);
	return err;
}

int bb_compare(const char *a, const char *b, FILE *out, bool json, struct bb_diag *d)
{
	const char *dirs[2] = { a, b };
	struct bb_compare_opts o = { .json = json };

	return bb_compare_dirs(dirs, 2, out, &o, d);
}
