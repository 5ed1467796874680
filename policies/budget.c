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
 * o = piece i-1 mapped.  Without a limit, or when the best plan fits the
 * limit, the memslot dimension is dropped: O(pieces); otherwise
 * O(pieces x K), refused when its table would exceed 256 MiB.
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

static int cmp_entry(const void *a, const void *b)
{
	const struct bb_profile_entry *x = *(const struct bb_profile_entry *const *)a;
	const struct bb_profile_entry *y = *(const struct bb_profile_entry *const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x < y ? -1 : (x > y);	/* the profile's own order among equals */
}

/*
 * What mapping each piece saves per profile unit (without its setup), by
 * cost model @c, into val[] minus @m.  The profile is sorted once and swept
 * with the (sorted, disjoint) pieces: O((pieces + entries) log entries),
 * where testing every entry against every piece was their product.
 */
static int savings(const struct bb_policy_ctx *ctx, const struct bb_cost *c, const struct bb_pieces *pc,
		   double m, double *val)
{
	const struct bb_profile_entry **e;
	size_t ne, j = 0;

	if (!ctx->profile) {
		/* no profile: one read per 4 KiB page, every page alike */
		for (size_t i = 0; i < pc->n; i++)
			val[i] = (double)pc->v[i].size / 4096.0 * (c->ns[BB_PATH_TRAP][0] - c->ns[BB_PATH_MAP][0]) - m;
		return 0;
	}
	ne = ctx->profile->n;
	e = malloc((ne ? ne : 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t k = 0; k < ne; k++)
		e[k] = &ctx->profile->v[k];
	qsort(e, ne, sizeof(*e), cmp_entry);
	for (size_t i = 0; i < pc->n; i++) {
		const struct bb_piece *p = &pc->v[i];
		double s = 0;

		while (j < ne && e[j]->offset < p->offset)
			j++;
		for (size_t k = j; k < ne && e[k]->offset < p->offset + p->size; k++)
			if (e[k]->offset + e[k]->width <= p->offset + p->size)
				s += e[k]->weight * (c->ns[BB_PATH_TRAP][e[k]->op] - c->ns[BB_PATH_MAP][e[k]->op]);
		val[i] = s - m;
	}
	free(e);
	return 0;
}

/* A state of the unlimited search: best saving, then fewest memslots. */
struct best {
	double v;
	size_t slots;
};

static bool better(double v, size_t slots, const struct best *b)
{
	return v > b->v || (v == b->v && slots < b->slots);
}

/*
 * No memslot limit: the same recurrence without the memslot dimension,
 * ordered by (saving, fewer memslots), O(pieces).  Fills chosen[] and returns
 * the memslots used.  Among the best savings it finds one with the fewest
 * memslots, which is what the limited search picks when the limit does not
 * bind; ties between plans of equal saving and memslots may resolve
 * differently, both being optimal.
 */
static int unlimited(size_t n, const struct bb_piece *v, const double *val, double slot, unsigned char *chosen,
		     size_t *slots_out)
{
	struct best *g = malloc((n + 1) * 2 * sizeof(*g));
	unsigned char *t = calloc((n + 1) * 2, 1);
	int bo;

	if (!g || !t) {
		free(g);
		free(t);
		return -ENOMEM;
	}
#define G(i, o) g[(size_t)(i) * 2 + (size_t)(o)]
#define TT(i, o) t[(size_t)(i) * 2 + (size_t)(o)]
	for (size_t x = 0; x < (n + 1) * 2; x++)
		g[x] = (struct best){ -INFINITY, 0 };
	G(0, 0) = (struct best){ 0, 0 };
	for (size_t i = 0; i < n; i++) {
		bool touch = i && v[i - 1].offset + v[i - 1].size == v[i].offset;

		for (int o = 0; o < 2; o++) {
			struct best cur = G(i, o);

			if (cur.v == -INFINITY)
				continue;
			if (better(cur.v, cur.slots, &G(i + 1, 0))) {
				G(i + 1, 0) = cur;
				TT(i + 1, 0) = (unsigned char)(1 + o);
			}
			if (o && touch && better(cur.v + val[i], cur.slots, &G(i + 1, 1))) {
				G(i + 1, 1) = (struct best){ cur.v + val[i], cur.slots };
				TT(i + 1, 1) = 1;
			}
			if (better(cur.v + val[i] - slot, cur.slots + 1, &G(i + 1, 1))) {
				G(i + 1, 1) = (struct best){ cur.v + val[i] - slot, cur.slots + 1 };
				TT(i + 1, 1) = (unsigned char)(2 + o);
			}
		}
	}
	bo = better(G(n, 1).v, G(n, 1).slots, &G(n, 0)) ? 1 : 0;
	*slots_out = G(n, bo).slots;
	for (size_t i = n; i > 0; i--) {
		unsigned char tr = TT(i, bo);

		if (bo == 0) {
			bo = tr - 1;
		} else {
			chosen[i - 1] = 1;
			bo = tr == 1 ? 1 : tr - 2;
		}
	}
#undef G
#undef TT
	free(g);
	free(t);
	return 0;
}

/* The largest table of the limited search; above it, budget refuses rather than exhaust memory. */
#define LIMITED_TABLE_MAX (256u << 20)

/*
 * At most @K memslots (K below what the unlimited search uses): f[k][o] is
 * the best saving over the pieces so far with k memslots, o = the last piece
 * mapped; two rows of f, and a table of how each state was reached for the
 * traceback.  O(pieces x K) time, O(pieces x K) bytes.
 */
static int limited(size_t n, const struct bb_piece *v, const double *val, double slot, size_t K,
		   unsigned char *chosen, struct bb_diag *d)
{
	size_t W = (K + 1) * 2;
	double *f0, *f1;
	unsigned char *take;
	size_t bk = 0;
	int bo = 0;
	double best = -INFINITY;

	if (n + 1 > LIMITED_TABLE_MAX / W)
		return bb_diag_set(d, -E2BIG, "budget: %zu pieces with at most %zu memslots needs a table of more than"
				   " %u MiB; give a smaller memslots=", n, K, LIMITED_TABLE_MAX >> 20);
	f0 = malloc(W * sizeof(*f0));
	f1 = malloc(W * sizeof(*f1));
	take = calloc((n + 1) * W, 1);
	if (!f0 || !f1 || !take) {
		free(f0);
		free(f1);
		free(take);
		return -ENOMEM;
	}
#define T(i, k, o) take[(size_t)(i) * W + (size_t)(k) * 2 + (size_t)(o)]
	for (size_t x = 0; x < W; x++)
		f0[x] = -INFINITY;
	f0[0] = 0;
	/*
	 * T records how state (i+1, k, o) was reached: o == 0 from (i, k, 0|1)
	 * (1 + previous o); o == 1: 1 extended (i, k, 1), 2 opened from (i, k-1, 0),
	 * 3 opened from (i, k-1, 1).
	 */
	for (size_t i = 0; i < n; i++) {
		bool touch = i && v[i - 1].offset + v[i - 1].size == v[i].offset;
		double *tmp;

		for (size_t x = 0; x < W; x++)
			f1[x] = -INFINITY;
		for (size_t k = 0; k <= K; k++) {
			for (int o = 0; o < 2; o++) {
				double cur = f0[k * 2 + (size_t)o];

				if (cur == -INFINITY)
					continue;
				if (cur > f1[k * 2]) {	/* leave piece i trapped */
					f1[k * 2] = cur;
					T(i + 1, k, 0) = (unsigned char)(1 + o);
				}
				if (o && touch && cur + val[i] > f1[k * 2 + 1]) {	/* extend the memslot */
					f1[k * 2 + 1] = cur + val[i];
					T(i + 1, k, 1) = 1;
				}
				if (k < K && cur + val[i] - slot > f1[(k + 1) * 2 + 1]) {	/* open one */
					f1[(k + 1) * 2 + 1] = cur + val[i] - slot;
					T(i + 1, k + 1, 1) = (unsigned char)(2 + o);
				}
			}
		}
		tmp = f0;
		f0 = f1;
		f1 = tmp;
	}
	for (size_t k = 0; k <= K; k++)
		for (int o = 0; o < 2; o++)
			if (f0[k * 2 + (size_t)o] > best) {
				best = f0[k * 2 + (size_t)o];
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
#undef T
	free(f0);
	free(f1);
	free(take);
	return 0;
}

static int budget_plan(const struct bb_region *r, const struct bb_policy_ctx *ctx, struct bb_plan *plan,
		       struct bb_diag *d)
{
	struct bb_cost def;
	const struct bb_cost *c = ctx->cost;
	struct bb_pieces pc;
	uint64_t kmax, amortize;
	size_t n, used = 0;
	double *val = NULL, m, slot;
	unsigned char *chosen = NULL;
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
	m = c->per_mapping_ns / (double)amortize;
	slot = c->per_memslot_ns / (double)amortize;
	val = calloc(n ? n : 1, sizeof(*val));
	chosen = calloc(n ? n : 1, 1);
	if (!val || !chosen || savings(ctx, c, &pc, m, val)) {
		err = -ENOMEM;
		goto out;
	}
	/* the best plan without a limit; only when it needs more than K memslots does K bind */
	err = unlimited(n, pc.v, val, slot, chosen, &used);
	if (!err && used > kmax) {
		memset(chosen, 0, n ? n : 1);
		err = limited(n, pc.v, val, slot, (size_t)kmax, chosen, d);
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
	plan->reserve_va = true;
	if (!err && !ctx->profile)
		bb_plan_warn(plan, "no access profile: every 4 KiB page weighted alike");
out:
	free(val);
	free(chosen);
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
