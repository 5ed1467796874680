// SPDX-License-Identifier: MIT
/* One measurement, shared by `run` and `study` (include/barbench/measure.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/measure.h"
#include "barbench/stats.h"

unsigned bb_params_for(const struct bb_policy_ops *ops, const struct bb_param *all, unsigned n,
		       struct bb_param *out, char *txt, size_t txtlen)
{
	unsigned k = 0;

	if (txtlen)
		txt[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		size_t kl = strlen(all[i].key);

		for (unsigned j = 0; ops->params && ops->params[j] && k < BB_POLICY_MAX_PARAMS; j++) {
			if (strncmp(ops->params[j], all[i].key, kl) || ops->params[j][kl] != '=')
				continue;
			out[k++] = all[i];
			if (txtlen > strlen(txt))
				snprintf(txt + strlen(txt), txtlen - strlen(txt), "%s%s=%s", k > 1 ? ";" : "",
					 all[i].key, all[i].value);
		}
	}
	return k;
}

static const char *op_name(const struct bb_workload *w)
{
	bool r = false, wr = false;

	for (size_t i = 0; i < w->n; i++) {
		r |= w->acc[i].op == BB_OP_READ;
		wr |= w->acc[i].op == BB_OP_WRITE;
	}
	return r && wr ? "mix" : wr ? "write" : "read";
}

int bb_measure_one(const struct bb_measure *m, const struct bb_combo *c, struct bb_run_row *row,
		   char *why, size_t whylen, struct bb_diag *d)
{
	struct bb_param mine[BB_POLICY_MAX_PARAMS];
	char ptxt[64];
	unsigned nmine = bb_params_for(c->ops, c->params, c->nr_params, mine, ptxt, sizeof(ptxt));
	struct bb_policy_ctx ctx = { .page_size = c->page_size, .must_trap = m->must_trap,
				     .nr_must_trap = m->nr_must_trap, .params = mine, .nr_params = nmine };
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
	{
		struct bb_run_cfg cfg = {
			.dev = m->dev, .region = m->region, .plan = &plan, .wl = c->wl,
			.samples = m->samples, .warmup = m->warmup, .tsc = m->tsc,
			.tsc_overhead = m->overhead, .counters = m->counters, .ioeventfd = c->ioeventfd,
		};

		err = c->runner->run(&cfg, &res, d);
	}
	if (err) {
		bb_diag_prefix(d, "%s %s %" PRIu64, c->runner->name, c->ops->name, c->page_size);
		bb_plan_free(&plan);
		return err;
	}
	snprintf(row->id, sizeof(row->id), "%s", c->id);
	snprintf(row->device, sizeof(row->device), "%s", m->device);
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
	row->trapped_share = res.accesses ? (double)res.trapped_accesses / (double)res.accesses : 0;
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
	row->guest = c->runner != &bb_runner_host;
	snprintf(row->guest_exec, sizeof(row->guest_exec), "%s", res.guest_exec);
	snprintf(row->guest_mode, sizeof(row->guest_mode), "%s", res.guest_mode);
	row->exits_mmio = res.exits_mmio;
	row->exits_io = res.exits_io;
	row->exits_other = res.exits_other;
	row->ioeventfd_writes = res.ioeventfd_writes;
	row->memslots_used = res.memslots_used;
	row->vm_setup_ns = res.vm_setup_ns;
	bb_plan_free(&plan);

	err = bb_samples_write(m->out, row->id, res.ns, res.offset, res.trapped, res.n, d);
	copy = err ? NULL : malloc(res.n * sizeof(*copy));
	if (!err && !copy)
		err = bb_diag_set(d, -ENOMEM, "out of memory");
	if (!err) {
		memcpy(copy, res.ns, res.n * sizeof(*copy));
		err = bb_summarize(copy, res.n, &row->s);
		if (err)
			bb_diag_set(d, err, "%s: no usable samples", row->id);
		free(copy);
	}
	bb_run_result_free(&res);
	return err;
}
