// SPDX-License-Identifier: MIT
/* The runners, by name, and what every runner's run starts and ends with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/runner.h"

static const struct bb_runner_ops *const runners[] = {
	&bb_runner_host,
	&bb_runner_guest,
};

const struct bb_runner_ops *bb_runner_find(const char *name)
{
	for (size_t i = 0; i < sizeof(runners) / sizeof(runners[0]); i++)
		if (!strcmp(runners[i]->name, name))
			return runners[i];
	return NULL;
}

const char *bb_runner_names(void)
{
	static char names[128];

	if (!names[0])
		for (size_t i = 0; i < sizeof(runners) / sizeof(runners[0]); i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
				 runners[i]->name);
	return names;
}

int bb_runner_probe(const struct bb_runner_ops *ops, struct bb_runner_probe *out, struct bb_diag *d)
{
	memset(out, 0, sizeof(*out));
	return ops->probe ? ops->probe(out, d) : 0;
}

int bb_runner_fits(const struct bb_runner_ops *ops, const struct bb_region *r, struct bb_diag *d)
{
	return ops->fits ? ops->fits(r, d) : 0;
}

int bb_run_begin(const struct bb_run_cfg *cfg, struct bb_run_result *out, struct bb_diag *d)
{
	memset(out, 0, sizeof(*out));
	out->pte_kb = -1;
	if (!cfg->samples || !cfg->wl->n)
		return bb_diag_set(d, -EINVAL, "%s: nothing to run (%zu samples, %zu accesses)", cfg->wl->name,
				   cfg->samples, cfg->wl->n);
	return 0;
}

void bb_run_result_free(struct bb_run_result *r)
{
	if (!r)
		return;
	free(r->ns);
	free(r->offset);
	free(r->trapped);
	free(r->covers);
	r->ns = NULL;
	r->offset = NULL;
	r->trapped = NULL;
	r->covers = NULL;
}
