// SPDX-License-Identifier: MIT
/* Access profiles from a layout's hotness hints or from a replay trace. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "parse.h"

/* @p's accesses to one key summed into one entry (bb_profile_merge: n log n; a search per access was n^2) */
static int merged(struct bb_profile *p)
{
	int err = bb_profile_merge(p);

	if (err)
		bb_profile_free(p);
	return err;
}

int bb_profile_from_layout(const struct bb_layout *l, uint32_t index, unsigned width, struct bb_profile *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; l && i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = &l->regs[i];
		unsigned w = width;
		int err = 0;

		if (g->region != index || (!g->reads && !g->writes))
			continue;
		while (w > 1 && w > g->size)
			w /= 2;
		if (g->reads)
			err = bb_profile_push(out, g->offset - g->offset % w, w, 0, g->reads);
		if (!err && g->writes && g->kind != BB_REG_ID)
			err = bb_profile_push(out, g->offset - g->offset % w, w, 1, g->writes);
		if (err) {
			bb_profile_free(out);
			return err;
		}
	}
	return merged(out);
}

int bb_profile_from_trace(const char *path, const struct bb_region *r, struct bb_profile *out, struct bb_diag *d)
{
	struct bb_access *acc;
	size_t n, len;
	char *text;
	int err;

	memset(out, 0, sizeof(*out));
	err = bb_read_file(path, 64u << 20, &text, &len, d);
	if (err)
		return err;
	err = bb_trace_parse(text, len, path, r, &acc, &n, d);
	free(text);
	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++)
		err = bb_profile_push(out, acc[i].offset, acc[i].width, acc[i].op, 1.0);
	free(acc);
	if (!err)
		err = merged(out);
	if (err) {
		bb_profile_free(out);
		return bb_diag_set(d, err, "%s: out of memory", path);
	}
	return 0;
}

int bb_profile_uniform(const struct bb_layout *l, uint32_t index, unsigned width, struct bb_profile *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; l && i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = &l->regs[i];
		unsigned w = width;
		int err;

		if (g->region != index)
			continue;
		while (w > 1 && w > g->size)
			w /= 2;
		err = bb_profile_push(out, g->offset - g->offset % w, w, g->kind == BB_REG_DOORBELL ? 1 : 0, 1.0);
		if (err) {
			bb_profile_free(out);
			return err;
		}
	}
	return merged(out);
}
