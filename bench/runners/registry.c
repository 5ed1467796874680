// SPDX-License-Identifier: MIT
/* The runners, by name. */
#include <stdio.h>
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
