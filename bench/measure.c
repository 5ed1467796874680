// SPDX-License-Identifier: MIT
/* One measurement, shared by `run` and `study` (include/barbench/measure.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"
#include "barbench/stats.h"
#include "parse.h"

static const char *op_name(const struct bb_workload *w)
{
	bool r = false, wr = false;

	for (size_t i = 0; i < w->n; i++) {
		r |= w->acc[i].op == BB_OP_READ;
		wr |= w->acc[i].op == BB_OP_WRITE;
	}
	return r && wr ? "mix" : wr ? "write" : "read";
}

int bb_measure_one(const struct bb_measure *m, const struct bb_run_spec *c, struct bb_run_row *row,
		   char *why, size_t whylen, struct bb_diag *d)
{
	struct bb_param mine[BB_POLICY_MAX_PARAMS];
	char ptxt[64];
	unsigned nmine = bb_params_for(c->ops, c->params, c->nr_params, mine, ptxt, sizeof(ptxt));
	struct bb_policy_ctx ctx = { .page_size = c->page_size, .must_trap = m->must_trap,
				     .nr_must_trap = m->nr_must_trap, .params = mine, .nr_params = nmine,
				     .profile = m->profile, .cost = m->cost };
	struct bb_run_result res;
	struct bb_plan plan;
	double *copy;
	int err;

	memset(row, 0, sizeof(*row));
	err = bb_policy_run(c->ops, m->region, &ctx, &plan, d);
	if (err)
		return err;
	if (!plan.applicable || !c->wl->n) {
		snprintf(why, whylen, "%s", !plan.applicable ? plan.reason : c->wl_why ? c->wl_why : "nothing to do");
		bb_plan_free(&plan);
		return 1;
	}
	if (m->dev->ops->flags & BB_BACKEND_NO_TRAP) {
		/* a trapped access has nowhere to go: every access of such a backend is a load or store */
		for (size_t i = 0; i < c->wl->n; i++) {
			if (bb_plan_mode_at(&plan, c->wl->acc[i].offset) == BB_WIN_MAP)
				continue;
			snprintf(why, whylen, "%s traps offset 0x%" PRIx64 ", which the workload touches, and %s has no trap "
				 "path (every access is a load or store; what traps is the VMM's business)", c->ops->name,
				 c->wl->acc[i].offset, m->dev->ops->name);
			bb_plan_free(&plan);
			return 1;
		}
	}
	if (bb_runner_fits(c->runner, m->region, d)) {
		/* the runner cannot hold this region at all (the guest's 32-bit address space): not a failure */
		snprintf(why, whylen, "%s", d->msg);
		bb_plan_free(&plan);
		return 1;
	}
	{
		size_t samples = m->samples, warmup = m->warmup;

		bb_workload_rounds(c->wl, &samples, &warmup);	/* a sweep reads every page alike */
		struct bb_run_cfg cfg = {
			.dev = m->dev, .region = m->region, .plan = &plan, .wl = c->wl,
			.samples = samples, .warmup = warmup, .tsc = m->tsc,
			.tsc_overhead = m->overhead, .counters = m->counters, .ioeventfd = c->ioeventfd,
			.batch = m->batch,
		};

		err = c->runner->run(&cfg, &res, d);
	}
	if (err) {
		bb_diag_prefix(d, "%s %s %" PRIu64, c->runner->name, c->ops->name, c->page_size);
		bb_plan_free(&plan);
		return err;
	}
	snprintf(row->id, sizeof(row->id), "%s", c->id);
	row->repetition = c->repetition;
	bb_spec_public(m->device, row->device, sizeof(row->device));	/* no secret in a shared folder */
	row->region = m->region->index;
	snprintf(row->policy, sizeof(row->policy), "%s", c->ops->name);
	snprintf(row->params, sizeof(row->params), "%s%s%s", ptxt,
		 c->ioeventfd ? (ptxt[0] ? ";" : "") : "", c->ioeventfd ? "ioeventfd=1" : "");
	row->page_size = c->page_size;
	snprintf(row->runner, sizeof(row->runner), "%s", c->runner->name);
	snprintf(row->workload, sizeof(row->workload), "%s", c->wl->name);
	snprintf(row->op, sizeof(row->op), "%s", op_name(c->wl));
	row->width = c->width;
	row->mappings = plan.nr_mappings;
	row->memslots = plan.memslots;
	/* the workload's share, each sample weighted alike: a batch repeats an access, it does not add one */
	row->trapped_share = res.n ? res.trapped_weight / (double)res.n : 0;
	row->trapped_accesses = res.trapped_accesses;
	row->setup_ns = res.setup_ns;
	row->touch_ns = res.touch_ns;
	row->pte_kb = res.pte_kb;
	row->trap_syscalls = res.trap_syscalls;
	row->accesses = res.accesses;
	/* of the timed loop as it ran: never divided by a sub-resolution sum */
	row->ops_s = res.wall_ns > 0 ? (double)res.accesses * 1e9 / res.wall_ns : 0;
	row->bytes_s = res.wall_ns > 0 ? (double)res.bytes * 1e9 / res.wall_ns : 0;
	row->have_ctr = res.have_ctr;
	row->ctr = res.ctr;
	row->guest = c->runner->flags & BB_RUNNER_IN_GUEST;
	snprintf(row->guest_exec, sizeof(row->guest_exec), "%s", res.guest_exec);
	snprintf(row->guest_mode, sizeof(row->guest_mode), "%s", res.guest_mode);
	row->exits_mmio = res.exits_mmio;
	row->exits_io = res.exits_io;
	row->exits_other = res.exits_other;
	row->ioeventfd_writes = res.ioeventfd_writes;
	row->memslots_used = res.memslots_used;
	row->vm_setup_ns = res.vm_setup_ns;
	row->predicted_ns = m->cost ? bb_predict_cycle_ns(m->cost, &plan, c->wl->acc, c->wl->n, !c->wl->serialised) : -1;
	bb_plan_free(&plan);

	if (m->dev->has_layout) {
		row->device_read_ns = m->dev->layout.read_ns;
		row->device_write_ns = m->dev->layout.write_ns;
	}
	row->batch_map = res.batch_map;
	row->batch_trap = res.batch_trap;
	{
		/* the clock's step over the smallest batch: the coarsest per-access figure of the run */
		unsigned least = res.batch_map && (!res.batch_trap || res.batch_map < res.batch_trap) ? res.batch_map
												   : res.batch_trap;

		row->resolution_ns = bb_tsc_resolution_ns(m->tsc) / (least ? least : 1);
	}
	err = bb_samples_write(m->out, row->id, res.ns, res.offset, res.trapped, res.covers, res.n, d);
	copy = err ? NULL : malloc(res.n * sizeof(*copy));
	if (!err && !copy)
		err = bb_diag_set(d, -ENOMEM, "out of memory");
	if (!err) {
		memcpy(copy, res.ns, res.n * sizeof(*copy));
		err = bb_summarize(copy, res.n, &row->s);
		if (err)
			bb_diag_set(d, err, "%s: no usable samples", row->id);
		else
			row->tmean_ns = bb_tmean(copy, res.n);
		free(copy);
	}
	bb_run_result_free(&res);
	return err;
}

int bb_measure_path(struct bb_dev *dev, const struct bb_region *r, const struct bb_range *mt, unsigned nmt,
		    const struct bb_policy_ops *ops, enum bb_wl_kind kind, const struct bb_tsc *tsc, uint64_t overhead,
		    size_t samples, struct bb_summary *sum, double *tmean_ns, double *setup_per_mapping,
		    struct bb_diag *d)
{
	struct bb_policy_ctx ctx = { .page_size = 4096, .must_trap = mt, .nr_must_trap = nmt };
	struct bb_workload_spec spec;
	struct bb_workload wl;
	struct bb_plan plan;
	struct bb_run_result res;
	int err;

	err = bb_workload_parse(bb_workload_kind_name(kind), 4, &spec, d);
	if (!err)
		err = bb_workload_build(&spec, dev->has_layout ? &dev->layout : NULL, r, bb_dev_guard(dev), &wl, d);
	if (err)
		return err;
	err = bb_policy_run(ops, r, &ctx, &plan, d);
	if (!err && !plan.applicable)
		err = bb_diag_set(d, -ENOTSUP, "calibration: %s does not apply: %s", ops->name, plan.reason);
	if (!err) {
		/* a pure path: keep only the accesses this plan sends where the policy says */
		size_t k = 0;

		for (size_t i = 0; i < wl.n; i++) {
			bool mapped = bb_plan_mode_at(&plan, wl.acc[i].offset) == BB_WIN_MAP;

			if (mapped == (ops != &bb_policy_trap))
				wl.acc[k++] = wl.acc[i];
		}
		wl.n = k;	/* a batch may be longer than the cycle: the runner wraps around it */
		if (!k)
			err = bb_diag_set(d, -ENOENT, "calibration: no %s access is %s under %s", wl.name,
					  ops == &bb_policy_trap ? "trapped" : "mapped", ops->name);
	}
	if (!err) {
		struct bb_run_cfg cfg = { .dev = dev, .region = r, .plan = &plan, .wl = &wl, .samples = samples,
					  .warmup = samples / 10, .tsc = tsc, .tsc_overhead = overhead };

		err = bb_runner_host.run(&cfg, &res, d);
		if (!err) {
			struct bb_summary s;

			err = bb_summarize(res.ns, res.n, sum ? sum : &s);
			if (!err && tmean_ns)
				*tmean_ns = bb_tmean(res.ns, res.n);
			if (setup_per_mapping && plan.nr_mappings)
				*setup_per_mapping = (res.setup_ns + res.touch_ns) / plan.nr_mappings;
			bb_run_result_free(&res);
		}
	}
	bb_plan_free(&plan);
	bb_workload_free(&wl);
	return err;
}

int bb_cost_calibrate(struct bb_dev *dev, const struct bb_region *r, const struct bb_range *mt, unsigned nmt,
		      const struct bb_tsc *tsc, uint64_t overhead, size_t samples, struct bb_cost *out,
		      struct bb_diag *d)
{
	const struct bb_policy_ops *mapped = &bb_policy_full;
	struct bb_plan probe;
	struct bb_policy_ctx ctx = { .page_size = 4096, .must_trap = mt, .nr_must_trap = nmt };
	int err;

	bb_cost_default(out);
	if (!bb_policy_run(&bb_policy_full, r, &ctx, &probe, NULL) && !probe.applicable)
		mapped = &bb_policy_sparse;
	bb_plan_free(&probe);
#define PATH(ops, kind, tmean, setup) \
	bb_measure_path(dev, r, mt, nmt, ops, kind, tsc, overhead, samples, NULL, tmean, setup, d)
	/* the mapped path where this region has one; else the defaults stand for it */
	if (PATH(mapped, BB_WL_LAT_READ, &out->ns[BB_PATH_MAP][0], &out->per_mapping_ns) ||
	    PATH(mapped, BB_WL_LAT_WRITE, &out->ns[BB_PATH_MAP][1], NULL)) {
		struct bb_cost def;

		bb_cost_default(&def);
		out->ns[BB_PATH_MAP][0] = def.ns[BB_PATH_MAP][0];
		out->ns[BB_PATH_MAP][1] = def.ns[BB_PATH_MAP][1];
		out->per_mapping_ns = def.per_mapping_ns;
		mapped = NULL;
	}
	err = PATH(&bb_policy_trap, BB_WL_LAT_READ, &out->ns[BB_PATH_TRAP][0], NULL);
	if (!err)
		err = PATH(&bb_policy_trap, BB_WL_LAT_WRITE, &out->ns[BB_PATH_TRAP][1], NULL);
	if (!err && (!mapped || PATH(mapped, BB_WL_DOORBELL, &out->map_posted_write_ns, NULL)))
		out->map_posted_write_ns = out->ns[BB_PATH_MAP][1];	/* no doorbell there */
#undef PATH
	if (err)
		return err;
	out->per_memslot_ns = 0;	/* host runner: no memslot */
	/* emu and vfio trap through pread/pwrite on an fd, vfio-user through a message: the backend says */
	snprintf(out->trap_path, sizeof(out->trap_path), "%s", bb_dev_trap_path(dev));
	snprintf(out->source, sizeof(out->source), "calibrated on %s region %u, %zu samples per path (trimmed means)%s",
		 dev->spec, r->index, samples, mapped ? "" : "; mapped path: built-in defaults (nothing mapped here)");
	return 0;
}
