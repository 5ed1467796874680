// SPDX-License-Identifier: MIT
/*
 * Results folders read back (report, compare, study --resume): the same
 * bytes go to the runs.csv reader (bb_recs_parse), the manifest reader
 * (bb_manifest_parse) and, as the study.txt of a resumed study, to
 * bb_study_parse and bb_study_hash.  Refused runs.csv: -EINVAL naming
 * "fuzz:LINE", nothing handed back.  Accepted: every text field is what
 * barbench writes there (bb_results_text_ok), every number finite and in
 * range, and the configurations built from the rows have finite medians
 * inside the rows' range.  Manifest strings end inside their fields; the
 * study hash is "fnv1a64:" and 16 hex digits, the same for the same bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "study.h"
#include "fuzz.h"

static void check_rec(const struct bb_rec *r)
{
	FUZZ_ASSERT(bb_results_text_ok(BB_TEXT_NAME, r->id, sizeof(r->id), NULL), "id '%s'", r->id);
	FUZZ_ASSERT(bb_results_text_ok(BB_TEXT_PATH, r->device, sizeof(r->device), NULL), "device");
	FUZZ_ASSERT(bb_results_text_ok(BB_TEXT_NAME, r->policy, sizeof(r->policy), NULL), "policy '%s'", r->policy);
	FUZZ_ASSERT(bb_results_text_ok(BB_TEXT_PARAMS, r->params, sizeof(r->params), NULL), "params '%s'", r->params);
	FUZZ_ASSERT(bb_results_text_ok(BB_TEXT_NAME, r->runner, sizeof(r->runner), NULL), "runner '%s'", r->runner);
	FUZZ_ASSERT(bb_results_text_ok(BB_TEXT_WORKLOAD, r->workload, sizeof(r->workload), NULL), "workload");
	FUZZ_ASSERT(!r->guest_exec[0] || bb_results_text_ok(BB_TEXT_NAME, r->guest_exec, sizeof(r->guest_exec), NULL),
		    "guest_exec");
	FUZZ_ASSERT(!strcmp(r->op, "read") || !strcmp(r->op, "write") || !strcmp(r->op, "mix"), "op '%s'", r->op);
	FUZZ_ASSERT(r->width == 1 || r->width == 2 || r->width == 4 || r->width == 8, "width %u", r->width);
	FUZZ_ASSERT(r->page_size >= 4096 && !(r->page_size & (r->page_size - 1)), "page size");
	FUZZ_ASSERT(r->trapped_share >= 0 && r->trapped_share <= 1, "trapped_share %g", r->trapped_share);
	FUZZ_ASSERT(isfinite(r->p50_ns) && isfinite(r->p99_ns) && isfinite(r->p999_ns) && isfinite(r->tmean_ns) &&
		    isfinite(r->predicted_ns) && isfinite(r->setup_ns) && isfinite(r->ops_s), "a number not finite");
	FUZZ_ASSERT(r->lineno >= 2, "line %u", r->lineno);
}

static void runs(const uint8_t *data, size_t size)
{
	struct bb_recs recs;
	struct bb_configs cfg;
	struct bb_diag d = { "" };
	int err = bb_recs_parse((const char *)data, size, "fuzz", &recs, &d);

	if (err) {
		FUZZ_ASSERT(err == -EINVAL || err == -ENOMEM, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz:", 5), "message names no line: %s", d.msg);
		FUZZ_ASSERT(!recs.n && !recs.v, "rows handed back with an error");
		return;
	}
	for (size_t i = 0; i < recs.n; i++)
		check_rec(&recs.v[i]);
	if (!bb_configs_build(&recs, &cfg, &d)) {
		for (size_t k = 0; k < cfg.n; k++) {
			const struct bb_config *c = &cfg.v[k];
			double lo = INFINITY, hi = -INFINITY;

			for (size_t i = 0; i < recs.n; i++) {
				if (cfg.of_rec[i] != k)
					continue;
				lo = fmin(lo, recs.v[i].p50_ns);
				hi = fmax(hi, recs.v[i].p50_ns);
			}
			FUZZ_ASSERT(c->nreps >= 1 && isfinite(c->p50_ns) && c->p50_ns >= lo && c->p50_ns <= hi,
				    "configuration %zu: median %g outside [%g, %g]", k, c->p50_ns, lo, hi);
			FUZZ_ASSERT(c->ci_lo_ns <= c->p50_ns && c->p50_ns <= c->ci_hi_ns, "configuration %zu: CI", k);
		}
		bb_configs_free(&cfg);
	}
	bb_recs_free(&recs);
}

static void manifest(const uint8_t *data, size_t size)
{
	struct bb_manifest_info mi;
	char *text = malloc(size + 1);

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)bb_manifest_parse(text, &mi, "manifest.json", NULL);
	FUZZ_ASSERT(memchr(mi.study, 0, sizeof(mi.study)) && memchr(mi.host, 0, sizeof(mi.host)) &&
		    memchr(mi.cpu, 0, sizeof(mi.cpu)) && memchr(mi.study_hash, 0, sizeof(mi.study_hash)) &&
		    memchr(mi.guest_exec, 0, sizeof(mi.guest_exec)) && memchr(mi.commit, 0, sizeof(mi.commit)),
		    "a manifest string not terminated");
	fprintf(fuzz_null(), "%s %s %s %s %s %d\n", mi.study, mi.date, mi.host, mi.cpu, mi.study_hash, mi.complete);
	free(text);
}

static void study(const uint8_t *data, size_t size)
{
	static struct bb_study st;
	struct bb_diag d = { "" };
	char h1[BB_STUDY_HASH_LEN], h2[BB_STUDY_HASH_LEN];

	bb_study_hash(data, size, h1);
	bb_study_hash(data, size, h2);
	FUZZ_ASSERT(!strcmp(h1, h2) && strlen(h1) == 24 && !strncmp(h1, "fnv1a64:", 8) &&
		    strspn(h1 + 8, "0123456789abcdef") == 16, "hash '%s'", h1);
	if (bb_study_parse((const char *)data, size, "fuzz", &st, &d))
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz:", 5), "study message names no line: %s", d.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	runs(data, size);
	manifest(data, size);
	study(data, size);
	return 0;
}
