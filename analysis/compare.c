// SPDX-License-Identifier: MIT
/*
 * barbench compare A B: per configuration present in both folders, the ratio
 * of medians B/A with an interval [B.lo / A.hi, B.hi / A.lo] built from the
 * two 95% confidence intervals of the medians (conservative: it holds every
 * ratio both intervals allow).  A change is significant when that interval
 * excludes 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "barbench/analysis.h"
#include "barbench/json.h"

static int load(const char *dir, struct bb_recs *r, struct bb_configs *c, struct bb_diag *d)
{
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	err = bb_recs_read(path, r, d);
	if (!err)
		err = bb_configs_build(r, c, d);
	if (err)
		bb_recs_free(r);
	return err;
}

int bb_compare(const char *a, const char *b, FILE *out, bool json, struct bb_diag *d)
{
	struct bb_recs ra, rb;
	struct bb_configs ca, cb;
	unsigned common = 0, sig = 0;
	int err;

	err = load(a, &ra, &ca, d);
	if (err)
		return err;
	err = load(b, &rb, &cb, d);
	if (err) {
		bb_configs_free(&ca);
		bb_recs_free(&ra);
		return err;
	}
	if (json)
		fprintf(out, "[");
	else
		fprintf(out, "%-60s %10s %10s %8s %19s  %s\n", "configuration (device|region|policy|params|page|runner|workload)",
			"A_p50_ns", "B_p50_ns", "B/A", "95% interval", "change");
	for (size_t i = 0; i < cb.n; i++) {
		const struct bb_config *y = &cb.v[i], *x = NULL;
		double ratio, lo, hi;
		bool s;

		for (size_t k = 0; k < ca.n && !x; k++)
			if (!strcmp(ca.v[k].key, y->key))
				x = &ca.v[k];
		if (!x)
			continue;
		ratio = x->p50_ns > 0 ? y->p50_ns / x->p50_ns : 1.0;
		lo = x->ci_hi_ns > 0 ? y->ci_lo_ns / x->ci_hi_ns : 0.0;
		hi = x->ci_lo_ns > 0 ? y->ci_hi_ns / x->ci_lo_ns : 1e300;
		s = lo > 1.0 || hi < 1.0;
		sig += s;
		if (json) {
			fprintf(out, "%s{\"config\":", common ? "," : "");
			bb_json_string(out, y->key);
			fprintf(out, ",\"a_p50_ns\":%.3f,\"b_p50_ns\":%.3f,\"ratio\":%.4f,\"ratio_lo\":%.4f,\"ratio_hi\":%.4g,"
				"\"significant\":%s,\"reps_a\":%zu,\"reps_b\":%zu}", x->p50_ns, y->p50_ns, ratio, lo, hi,
				s ? "true" : "false", x->nreps, y->nreps);
		} else {
			fprintf(out, "%-60.60s %10.1f %10.1f %8.3f  [%7.3f, %7.3g]  %s\n", y->key, x->p50_ns, y->p50_ns, ratio,
				lo, hi, !s ? "-" : hi < 1.0 ? "faster (significant)" : "slower (significant)");
		}
		common++;
	}
	if (json)
		fprintf(out, "]\n");
	else
		fprintf(out, "%u configurations in both, %u significant change%s\n", common, sig, sig == 1 ? "" : "s");
	bb_configs_free(&ca);
	bb_configs_free(&cb);
	bb_recs_free(&ra);
	bb_recs_free(&rb);
	if (!common)
		return bb_diag_set(d, -ENOENT, "%s and %s have no configuration in common", a, b);
	return (int)sig;
}
