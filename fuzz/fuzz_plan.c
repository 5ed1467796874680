// SPDX-License-Identifier: MIT
/*
 * Plan parameters and sizes: a region-info buffer, a page size, policy
 * parameters and must-trap ranges, as `barbench plan --region-info F
 * --page-size S --param K=V... --must-trap O:L...` takes them, through
 * every built-in policy (bb_policy_run).
 *
 * Input: [u16 little-endian n][n bytes of region info][text]
 * where the text is three lines: page size; params "k=v,k=v"; must-trap
 * "O:L,O:L".  Missing lines are empty.
 *
 * Properties: no policy ever produces a plan that fails validation (-EPROTO
 * would be a policy bug); a bad page size or parameter is -EINVAL for every
 * policy that sees it; a plan tiles the region; `trap` maps nothing;
 * `full`/`holes` apply exactly when the region allows mapping all of it,
 * `sparse`, `merged` and `trap` always (any other built-in gives a reason);
 * `merged` (span=0) maps exactly the bytes `sparse` maps, in no more
 * memslots and as many mmaps, and with span=1 at least those bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <linux/vfio.h>

#include "json.h"
#include "measure.h"
#include "parse.h"
#include "barbench/policy.h"
#include "cli.h"
#include "fuzz.h"

#define MAX_TEXT 512

struct iv {
	uint64_t lo, hi;
};

/* MAP coverage of a plan as disjoint, non-touching intervals. */
static size_t coverage(const struct bb_plan *p, struct iv *out)
{
	size_t n = 0;

	for (uint32_t i = 0; i < p->nr_windows; i++) {
		const struct bb_window *w = &p->windows[i];

		if (w->mode != BB_WIN_MAP)
			continue;
		if (n && out[n - 1].hi == w->offset)
			out[n - 1].hi = w->offset + w->size;
		else
			out[n++] = (struct iv){ w->offset, w->offset + w->size };
	}
	return n;
}

static bool covers(const struct iv *big, size_t nb, const struct iv *small, size_t ns)
{
	size_t k = 0;

	for (size_t i = 0; i < ns; i++) {
		while (k < nb && big[k].hi <= small[i].lo)
			k++;
		if (k == nb || big[k].lo > small[i].lo || big[k].hi < small[i].hi)
			return false;
	}
	return true;
}

/* Next line of @t (modified in place), or "" at the end. */
static char *line(char **t)
{
	char *s = *t, *e = strchr(s, '\n');

	if (e) {
		*e = '\0';
		*t = e + 1;
	} else {
		*t = s + strlen(s);
	}
	return s;
}

static void check_plan(const struct bb_policy_ops *ops, const struct bb_region *r, const struct bb_plan *p,
		       const struct bb_policy_ctx *ctx)
{
	struct bb_diag d = { "" };
	uint64_t cur = 0;
	bool whole = (r->flags & VFIO_REGION_INFO_FLAG_MMAP) && (!r->has_sparse || r->msix_mappable) && r->size;

	if (!strcmp(ops->name, "full") || !strcmp(ops->name, "holes"))
		FUZZ_ASSERT(p->applicable == whole, "%s applicable=%d on a region that %s be mapped whole",
			    ops->name, p->applicable, whole ? "may" : "may not");
	else if (!strcmp(ops->name, "sparse") || !strcmp(ops->name, "merged") || !strcmp(ops->name, "trap"))
		FUZZ_ASSERT(p->applicable, "%s not applicable: %s", ops->name, p->reason);
	if (!p->applicable) {
		FUZZ_ASSERT(p->reason[0], "%s: no reason", ops->name);
		return;
	}
	FUZZ_ASSERT(!bb_plan_validate(p, r, ctx->must_trap, ctx->nr_must_trap,
				      ops->flags & BB_POLICY_EXPOSES_MUST_TRAP, &d), "%s", d.msg);
	for (uint32_t i = 0; i < p->nr_windows; i++) {
		FUZZ_ASSERT(p->windows[i].offset == cur, "%s: windows do not tile", ops->name);
		cur += p->windows[i].size;
	}
	FUZZ_ASSERT(cur == r->size, "%s: windows end at 0x%" PRIx64, ops->name, cur);
	FUZZ_ASSERT(p->mapped_bytes + p->trapped_bytes == r->size, "%s: counts", ops->name);
	if (!strcmp(ops->name, "trap"))
		FUZZ_ASSERT(!p->nr_mappings && !p->memslots && !p->mapped_bytes, "trap maps something");
	bb_plan_print(fuzz_null(), p, NULL, r->index);
	{
		/* the plan document is always valid JSON: hostile names and sizes included */
		json_t *j = bb_plan_json(p, NULL, r->index);

		FUZZ_ASSERT(j && json_is_object(j), "%s: no plan document", ops->name);
		json_decref(j);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_target t;
	struct bb_registry reg;
	struct bb_param params[BB_POLICY_MAX_PARAMS];
	struct bb_plan plans[BB_REGISTRY_MAX];
	int errs[BB_REGISTRY_MAX];
	char text[MAX_TEXT + 1], *rest = text, *ps, *pl, *ml, *tok;
	unsigned nparams = 0;
	uint64_t page, span = 0;
	bool page_ok, span_seen = false;
	struct bb_diag d = { "" };
	uint16_t n;
	size_t tl;
	int err;

	if (size < 2)
		return 0;
	memcpy(&n, data, 2);
	if ((size_t)n > size - 2)
		return 0;
	memset(&t, 0, sizeof(t));
	if (bb_region_parse(data + 2, n, "fuzz", &t.region, &d))
		return 0;	/* the capability chain has its own target */
	tl = size - 2 - n;
	if (tl > MAX_TEXT || memchr(data + 2 + n, '\0', tl))
		goto out;
	memcpy(text, data + 2 + n, tl);
	text[tl] = '\0';
	ps = line(&rest);
	pl = line(&rest);
	ml = line(&rest);

	if (bb_parse_u64(ps, &page))
		goto out;
	page_ok = page >= 4096 && !(page & (page - 1));
	for (tok = strtok(pl, ","); tok; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || nparams == BB_POLICY_MAX_PARAMS)
			goto out;
		*eq = '\0';
		params[nparams].key = tok;
		params[nparams].value = eq + 1;
		/* the policy reads the first one given */
		if (!strcmp(tok, "span") && !span_seen) {
			span_seen = true;
			if (bb_parse_u64(eq + 1, &span))
				span = 2;
		}
		nparams++;
	}
	for (tok = strtok(ml, ","); tok; tok = strtok(NULL, ",")) {
		err = bb_target_add_must_trap(&t, tok, &d);
		if (err) {
			FUZZ_ASSERT(err == -EINVAL && strstr(d.msg, "--must-trap"), "must-trap error %d: %s", err, d.msg);
			goto out;
		}
		FUZZ_ASSERT(t.must_trap[t.nr_must_trap - 1].size > 0 &&
			    t.must_trap[t.nr_must_trap - 1].offset + t.must_trap[t.nr_must_trap - 1].size <= t.region.size,
			    "accepted must-trap %s outside the region", tok);
	}

	bb_registry_init(&reg);
	for (unsigned i = 0; i < reg.n; i++) {
		const struct bb_policy_ops *ops = reg.ops[i];
		struct bb_param mine[BB_POLICY_MAX_PARAMS];
		char txt[128];
		unsigned nmine = bb_params_for(ops, params, nparams, mine, txt, sizeof(txt));
		struct bb_policy_ctx ctx = { .page_size = page, .must_trap = t.must_trap,
					     .nr_must_trap = t.nr_must_trap, .params = mine, .nr_params = nmine };

		/* as `barbench plan` does: each policy gets its own parameters */
		errs[i] = bb_policy_run(ops, &t.region, &ctx, &plans[i], &d);
		FUZZ_ASSERT(errs[i] != -EPROTO, "policy %s made an invalid plan: %s", ops->name, d.msg);
		FUZZ_ASSERT(errs[i] == 0 || errs[i] == -EINVAL || errs[i] == -ENOMEM, "policy %s: error %d: %s",
			    ops->name, errs[i], d.msg);
		if (!page_ok)
			FUZZ_ASSERT(errs[i] == -EINVAL && strstr(d.msg, "page size"), "page size 0x%" PRIx64
				    " accepted by %s", page, ops->name);
		if (errs[i] == -EINVAL)
			FUZZ_ASSERT(d.msg[0], "policy %s: -EINVAL without a message", ops->name);
		if (!errs[i])
			check_plan(ops, &t.region, &plans[i], &ctx);
		/* every parameter to every policy: one that is not its own is refused by name */
		if (nparams && nmine < nparams && page_ok) {
			struct bb_plan p;

			ctx.params = params;
			ctx.nr_params = nparams;
			err = bb_policy_run(ops, &t.region, &ctx, &p, &d);
			FUZZ_ASSERT(err == -EINVAL && strstr(d.msg, "takes no parameter"), "policy %s took a foreign"
				    " parameter: %d %s", ops->name, err, d.msg);
		}
	}
	/* merged against sparse, on the same must-trap ranges and page */
	{
		const struct bb_plan *sp = NULL, *mg = NULL;

		for (unsigned i = 0; i < reg.n; i++) {
			if (errs[i])
				continue;
			if (!strcmp(reg.ops[i]->name, "sparse"))
				sp = &plans[i];
			if (!strcmp(reg.ops[i]->name, "merged"))
				mg = &plans[i];
		}
		if (sp && mg && span <= 1) {
			struct iv *a = calloc(sp->nr_windows + 1, sizeof(*a)), *b = calloc(mg->nr_windows + 1, sizeof(*b));
			size_t na, nb;

			FUZZ_ASSERT(a && b, "out of memory");
			na = coverage(sp, a);
			nb = coverage(mg, b);
			FUZZ_ASSERT(covers(b, nb, a, na), "merged (span=%" PRIu64 ") does not map all sparse maps", span);
			if (span == 0) {
				FUZZ_ASSERT(covers(a, na, b, nb), "merged maps more than sparse");
				FUZZ_ASSERT(mg->memslots <= sp->memslots, "merged uses more memslots (%" PRIu32 " > %" PRIu32 ")",
					    mg->memslots, sp->memslots);
				FUZZ_ASSERT(mg->nr_mappings == sp->nr_mappings, "merged mmaps %" PRIu32 " != sparse %" PRIu32,
					    mg->nr_mappings, sp->nr_mappings);
			}
			free(a);
			free(b);
		}
	}
	for (unsigned i = 0; i < reg.n; i++)
		if (!errs[i])
			bb_plan_free(&plans[i]);
	bb_registry_free(&reg);
out:
	bb_region_free(&t.region);
	return 0;
}
