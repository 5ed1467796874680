// SPDX-License-Identifier: MIT
/* The runners, by name. */
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
