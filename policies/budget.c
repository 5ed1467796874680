// SPDX-License-Identifier: MIT
/*
 * budget: given at most K memslots, the must-trap ranges, an access profile
 * and the cost model, choose the map windows that minimise the predicted
 * time: exact, by dynamic programming over the aligned pieces of the areas
 * (the same pieces sparse maps).  A memslot covers a run of touching pieces;
 * each piece keeps its own mmap in one reserved range (as merged does).
 *
 * Objective, per unit of the profile:
 *   sum over accesses of weight x cost(path, op)
 *   + (pieces mapped x per_mapping_ns + memslots x per_memslot_ns) / amortize
 * Mapping piece p saves s_p = sum of its accesses' weight x (trap - map) and
 * costs m = per_mapping_ns / amortize; a memslot costs c = per_memslot_ns /
 * amortize.  f[i][k][o]: best saving over the first i pieces with k memslots,
 * o = piece i-1 mapped.  O(pieces x K).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/model.h"
#include "barbench/policy.h"
#include "pieces.h"

static const char *const budget_params[] = {
	"memslots=K: at most K memslots (default: no limit)",
	"amortize=N: setup is paid once per N units of the profile (default 1000000)",
	NULL,
};

static int cmp_piece(const void *a, const void *b)
{
	const struct bb_piece *x = a, *y = b;

	return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

/* What mapping piece @p saves per profile unit (without its setup), by cost model @c. */
static double saving(const struct bb_policy_ctx *ctx, const struct bb_cost *c, const struct bb_piece *p)
{
	double s = 0;

	if (!ctx->profile) {
		/* no profile: one read per 4 KiB page, every page alike */
		s = (double)p->size / 4096.0 * (c->ns[BB_PATH_TRAP][0] - c->ns[BB_PATH_MAP][0]);
	} else {
		for (size_t i = 0; i < ctx->profile->n; i++) {
			const struct bb_profile_entry *e = &ctx->profile->v[i];

			if (e->offset >= p->offset && e->offset + e->width <= p->offset + p->size)
				s += e->weight * (c->ns[BB_PATH_TRAP][e->op] - c->ns[BB_PATH_MAP][e->op]);
		}
	}
	return s;
}

static int budget_plan(const struct bb_region *r, const struct bb_policy_ctx *ctx, struct bb_plan *plan,
		       struct bb_diag *d)
{
	struct bb_cost def;
	const struct bb_cost *c = ctx->cost;
	struct bb_pieces pc;
	uint64_t kmax, amortize;
	size_t n, K, W;
	double *f = NULL, *val = NULL, m, slot;
	unsigned char *take = NULL;
	int err;

	if (!c) {
		bb_cost_default(&def);
		c = &def;
	}
	err = bb_policy_param_u64(ctx, "memslots", UINT64_MAX, &kmax, d);
	if (!err)
		err = bb_policy_param_u64(ctx, "amortize", 1000000, &amortize, d);
	if (err)
		return err;
	if (!amortize)
		return bb_diag_set(d, -EINVAL, "parameter amortize=0: must be at least 1");
	err = bb_aligned_pieces(r, ctx, false, plan, &pc, NULL, NULL);
	if (err)
		return err;
	n = pc.n;
	if (n)
		qsort(pc.v, n, sizeof(*pc.v), cmp_piece);
	K = kmax < n ? (size_t)kmax : n;
	W = (K + 1) * 2;
	m = c->per_mapping_ns / (double)amortize;
	slot = c->per_memslot_ns / (double)amortize;
	f = malloc((n + 1) * W * sizeof(*f));
	take = calloc((n + 1) * W, 1);
	val = calloc(n ? n : 1, sizeof(*val));
	if (!f || !take || !val) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		val[i] = saving(ctx, c, &pc.v[i]) - m;
#define F(i, k, o) f[(size_t)(i) * W + (size_t)(k) * 2 + (size_t)(o)]
#define T(i, k, o) take[(size_t)(i) * W + (size_t)(k) * 2 + (size_t)(o)]
	for (size_t x = 0; x < (n + 1) * W; x++)
		f[x] = -INFINITY;
	F(0, 0, 0) = 0;
	/*
	 * T records how state (i+1, k, o) was reached: o == 0 from (i, k, 0|1)
	 * (1 + previous o); o == 1: 1 extended (i, k, 1), 2 opened from (i, k-1, 0),
	 * 3 opened from (i, k-1, 1).
	 */
	for (size_t i = 0; i < n; i++) {
		bool touch = i && pc.v[i - 1].offset + pc.v[i - 1].size == pc.v[i].offset;

		for (size_t k = 0; k <= K; k++) {
			for (int o = 0; o < 2; o++) {
				double cur = F(i, k, o);

				if (cur == -INFINITY)
					continue;
				if (cur > F(i + 1, k, 0)) {	/* leave piece i trapped */
					F(i + 1, k, 0) = cur;
					T(i + 1, k, 0) = (unsigned char)(1 + o);
				}
				if (o && touch && cur + val[i] > F(i + 1, k, 1)) {	/* extend the memslot */
					F(i + 1, k, 1) = cur + val[i];
					T(i + 1, k, 1) = 1;
				}
				if (k < K && cur + val[i] - slot > F(i + 1, k + 1, 1)) {	/* open one */
					F(i + 1, k + 1, 1) = cur + val[i] - slot;
					T(i + 1, k + 1, 1) = (unsigned char)(2 + o);
				}
			}
		}
	}
	{
		size_t bk = 0;
		int bo = 0;
		double best = -INFINITY;
		unsigned char *chosen = calloc(n ? n : 1, 1);

		if (!chosen) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t k = 0; k <= K; k++)
			for (int o = 0; o < 2; o++)
				if (F(n, k, o) > best) {
					best = F(n, k, o);
					bk = k;
					bo = o;
				}
		for (size_t i = n; i > 0; i--) {
			unsigned char t = T(i, bk, bo);

			if (bo == 0) {
				bo = t - 1;
			} else {
				chosen[i - 1] = 1;
				if (t == 1) {
					bo = 1;
				} else {
					bo = t - 2;
					bk--;
				}
			}
		}
		/* map windows: runs of touching chosen pieces; one mmap per piece */
		for (size_t i = 0; i < n && !err; i++) {
			uint64_t lo, hi;

			if (!chosen[i])
				continue;
			lo = pc.v[i].offset;
			hi = lo + pc.v[i].size;
			err = bb_plan_add_mapping(plan, pc.v[i].offset, pc.v[i].size);
			while (!err && i + 1 < n && chosen[i + 1] && pc.v[i + 1].offset == hi) {
				i++;
				hi += pc.v[i].size;
				err = bb_plan_add_mapping(plan, pc.v[i].offset, pc.v[i].size);
			}
			if (!err)
				err = bb_plan_add_map(plan, lo, hi - lo);
		}
		free(chosen);
	}
	plan->reserve_va = true;
	if (!err && !ctx->profile)
		bb_plan_warn(plan, "no access profile: every 4 KiB page weighted alike");
#undef F
#undef T
out:
	free(f);
	free(take);
	free(val);
	bb_pieces_free(&pc);
	return err;
}

const struct bb_policy_ops bb_policy_budget = {
	.abi = BB_POLICY_ABI,
	.name = "budget",
	.summary = "at most K memslots where the profile says they save the most: exact (dynamic programming)",
	.params = budget_params,
	.plan = budget_plan,
};
