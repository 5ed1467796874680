// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <jansson.h>

#include "json.h"
#include "report.h"
#include "barbench/stats.h"

/*
 * summary.json: per configuration, its median with its interval (named by the
 * coverage it has) and the resolution, and its group's verdict with the reason, for programs that
 * read results (docs: README, "summary.json").  Written with jansson, the
 * project's JSON library: every string is escaped by it, every number is
 * finite or null.
 */
static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/*
 * One configuration's verdict within its group's recommendation @o (the
 * report's one answer, analysis/verdict.c): what report.md's tables and
 * words say of it, for programs.
 */
static void config_verdict(const struct recommend *o, const struct bb_config *c, const char **verdict,
			   const char **why)
{
	const struct verdict *v = &o->v;
	bool tied = false;

	for (unsigned t = 0; t < v->ntied; t++)
		tied |= v->tied[t] == c;
	if (!bb_rep_vmm_usable(c)) {
		*verdict = "upper bound";
		*why = "maps the MSI-X table and PBA a VMM must emulate";
	} else if (o->kind == BB_REC_UNTESTED) {
		*verdict = "untested";
		*why = "too few repetitions for any test to order two policies (at least 4)";
	} else if (o->kind == BB_REC_TRAPS && c == v->pick) {
		*verdict = v->best ? "best" : "recommended";
		*why = v->best ? "every policy a VMM can use traps here, and trap is below every other by the statistics"
			       : "every policy a VMM can use traps here alike (none told apart from trap): trap, "
				 "which needs no memslot";
	} else if (o->kind == BB_REC_TRAPS && tied) {
		*verdict = "all trap alike";
		*why = "not told apart from the fastest, which is not told apart from trap: mapping gains nothing here";
	} else if (v->best && c == v->pick) {
		*verdict = "best";
		*why = "below every other usable policy: intervals apart, Mann-Whitney p < 0.05, beyond the resolution";
	} else if (c == v->pick) {
		*verdict = "recommended";
		*why = "tied with the fastest; the fewest memslots among the tied";
	} else {
		*verdict = tied ? "tied" : "slower";
		*why = tied ? "not told apart from the fastest" : "slower than the fastest, by the statistics";
	}
}

/*
 * The interval of @c's median, named as it is: ci95_lo_ns/ci95_hi_ns only
 * where it covers 95% (null below: with 4 repetitions the [min, max] range
 * covers 87.5%), and always interval ("ci95", "range", or "none" for one
 * repetition), interval_lo_ns, interval_hi_ns and interval_coverage.
 */
static void interval_json(json_t *o, const struct bb_config *c)
{
	bool ci95 = c->ci_level >= BB_CI_LEVEL, none = c->nreps < 2;

	json_object_set_new(o, "ci95_lo_ns", ci95 ? num_or_null(c->ci_lo_ns) : json_null());
	json_object_set_new(o, "ci95_hi_ns", ci95 ? num_or_null(c->ci_hi_ns) : json_null());
	json_object_set_new(o, "interval", json_string(ci95 ? "ci95" : none ? "none" : "range"));
	json_object_set_new(o, "interval_lo_ns", none ? json_null() : num_or_null(c->ci_lo_ns));
	json_object_set_new(o, "interval_hi_ns", none ? json_null() : num_or_null(c->ci_hi_ns));
	json_object_set_new(o, "interval_coverage", num_or_null(c->ci_level));
}

int bb_rep_write_summary(FILE *f, void *arg)
{
	struct rep *r = arg;
	json_t *root = json_object(), *cfgs = json_array();
	int err = 0;

	if (!root || !cfgs) {
		json_decref(root);
		json_decref(cfgs);
		return -ENOMEM;
	}
	json_object_set_new(root, "schema", json_string("barbench-summary/1"));
	json_object_set_new(root, "study", bb_json_str(r->study));
	json_object_set_new(root, "configurations", cfgs);
	for (size_t i = 0; i < r->cfg.n;) {
		const struct bb_rec *g = r->sorted[i]->first;
		size_t j = i;
		struct recommend rec;
		const struct bb_config *tr;

		while (j < r->cfg.n && bb_rep_same_group(r->sorted[j]->first, g, true, true))
			j++;
		bb_rep_recommend(r, i, j - 1, &rec);
		tr = rec.trap;
		for (size_t k = i; k < j; k++) {
			const struct bb_config *c = r->sorted[k];
			const char *verdict, *why;
			json_t *o = json_object();

			if (!o) {
				err = -ENOMEM;
				break;
			}
			config_verdict(&rec, c, &verdict, &why);
			if (r->nfolders > 1)	/* a merged report: the host is part of a configuration */
				json_object_set_new(o, "host", bb_json_str(r->hosts[c->first->folder]));
			json_object_set_new(o, "device", bb_json_str(c->first->device));
			json_object_set_new(o, "region", json_integer(c->first->region));
			json_object_set_new(o, "policy", bb_json_str(c->first->policy));
			json_object_set_new(o, "params", bb_json_str(c->first->params));
			json_object_set_new(o, "page_size_bytes", json_integer((json_int_t)c->first->page_size));
			json_object_set_new(o, "runner", bb_json_str(c->first->runner));
			json_object_set_new(o, "workload", bb_json_str(c->first->workload));
			json_object_set_new(o, "repetitions", json_integer((json_int_t)c->nreps));
			json_object_set_new(o, "p50_ns", num_or_null(c->p50_ns));
			interval_json(o, c);
			json_object_set_new(o, "resolution_ns", c->resolution_ns > 0 ? json_real(c->resolution_ns) : json_null());
			json_object_set_new(o, "below_resolution", json_boolean(c->resolution_ns > 0 && c->p50_ns < c->resolution_ns));
			json_object_set_new(o, "memslots", json_integer(c->memslots));
			json_object_set_new(o, "trapped_share", num_or_null(c->trapped_share));
			json_object_set_new(o, "speedup_vs_trap", tr && c != tr && c->speedup_vs_trap > 0 ?
					    json_real(c->speedup_vs_trap) : json_null());
			json_object_set_new(o, "speedup_is_bound", json_boolean(c->speedup_is_bound));
			json_object_set_new(o, "verdict", json_string(verdict));
			json_object_set_new(o, "why", json_string(why));
			json_object_set_new(o, "group_verdict", json_string(bb_rep_rec_name(rec.kind)));
			if (json_array_append_new(cfgs, o)) {
				err = -ENOMEM;
				break;
			}
		}
		if (err)
			break;
		i = j;
	}
	if (!err && json_dumpf(root, f, JSON_INDENT(1) | JSON_ENSURE_ASCII))
		err = -EIO;
	if (!err)
		fputc('\n', f);
	json_decref(root);
	return err ? err : ferror(f) ? -EIO : 0;
}
