// SPDX-License-Identifier: MIT
/* Loading what the commands work on: a device's region through its backend, or a captured region-info file. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/backend.h"
#include "parse.h"
#include "cli.h"

#define MAX_REGION_INFO (1u << 20)

int bb_cli_layout(const char *arg, struct bb_layout *l, struct bb_diag *d)
{
	char path[512];
	int err;

	if (!strncmp(arg, "emu:", 4))
		arg += 4;
	err = bb_layout_resolve(arg, path, sizeof(path), d);
	if (err) {
		bb_diag_prefix(d, "%s", arg);
		return err;
	}
	return bb_layout_load(path, l, d);
}

/* The region to plan, read through the device's backend (emu:, vfio:, vfio-user: alike), with its layout. */
static int target_from_dev(struct bb_target *t, const char *spec, bool has_index, uint32_t index, struct bb_diag *d)
{
	struct bb_dev *dev;
	bool known = false;
	int err;

	err = bb_dev_open(spec, &dev, d);
	if (err)
		return err;
	if (!has_index) {
		if (dev->nr_regions != 1) {
			err = bb_diag_set(d, -EINVAL, "%s: has %" PRIu32 " regions: choose one with --region", spec,
					  dev->nr_regions);
			goto out;
		}
		index = dev->index[0];
	}
	for (uint32_t i = 0; i < dev->nr_regions; i++)
		known |= dev->index[i] == index;
	if (!known) {
		err = bb_diag_set(d, -EINVAL, "%s: no region %" PRIu32 " (barbench info %s lists them)", spec, index, spec);
		goto out;
	}
	snprintf(t->name, sizeof(t->name), "%s/region%" PRIu32, spec, index);
	err = bb_dev_region(dev, index, &t->region, NULL, NULL, d);
	if (err)
		goto out;
	t->nr_must_trap = bb_dev_must_trap(dev, index, t->must_trap);
	if (dev->has_layout) {
		/* the layout moves to the target: names of trapped registers in the plan */
		t->layout = dev->layout;
		t->has_layout = true;
		memset(&dev->layout, 0, sizeof(dev->layout));
		dev->has_layout = false;
	}
out:
	bb_dev_close(dev);
	return err;
}

int bb_target_load(struct bb_target *t, const char *spec, const char *file, bool has_index,
		   uint32_t index, struct bb_diag *d)
{
	uint8_t *buf;
	size_t len;
	int err;

	memset(t, 0, sizeof(*t));
	if (!file)
		return target_from_dev(t, spec, has_index, index, d);
	snprintf(t->name, sizeof(t->name), "%s", file);
	err = bb_cli_read_file(file, MAX_REGION_INFO, &buf, &len, d);
	if (err)
		return err;
	err = bb_region_parse(buf, len, file, &t->region, d);
	free(buf);
	if (!err && has_index && t->region.index != index)
		err = bb_diag_set(d, -EINVAL, "%s: holds region %" PRIu32 ", not %" PRIu32, file,
				  t->region.index, index);
	return err;
}

int bb_target_add_must_trap(struct bb_target *t, const char *arg, struct bb_diag *d)
{
	const char *colon = strchr(arg, ':');
	char off[64];
	uint64_t o, n;

	if (!colon || (size_t)(colon - arg) >= sizeof(off))
		return bb_diag_set(d, -EINVAL, "--must-trap %s: want OFFSET:LENGTH", arg);
	memcpy(off, arg, (size_t)(colon - arg));
	off[colon - arg] = '\0';
	if (bb_parse_u64(off, &o) || bb_parse_u64(colon + 1, &n) || n == 0)
		return bb_diag_set(d, -EINVAL, "--must-trap %s: want OFFSET:LENGTH with LENGTH > 0", arg);
	if (o + n < o || o + n > t->region.size)
		return bb_diag_set(d, -EINVAL, "--must-trap %s: outside the region (size 0x%" PRIx64 ")",
				   arg, t->region.size);
	if (t->nr_must_trap >= BB_MAX_MUST_TRAP)
		return bb_diag_set(d, -EINVAL, "--must-trap %s: at most %d ranges", arg, BB_MAX_MUST_TRAP);
	t->must_trap[t->nr_must_trap++] = (struct bb_range){ t->region.index, o, n };
	return 0;
}

void bb_target_free(struct bb_target *t)
{
	bb_region_free(&t->region);
	if (t->has_layout)
		bb_layout_free(&t->layout);
	t->has_layout = false;
}

int bb_cli_page_sizes(const char *arg, uint64_t *out, unsigned max, unsigned *n, struct bb_diag *d)
{
	char tok[64];
	const char *p = arg;

	*n = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0 || len >= sizeof(tok))
			return bb_diag_set(d, -EINVAL, "--page-size %s: empty or too long item", arg);
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (*n >= max)
			return bb_diag_set(d, -EINVAL, "--page-size %s: at most %u sizes", arg, max);
		if (bb_parse_page_size(tok, &out[*n]))
			return bb_diag_set(d, -EINVAL, "--page-size %s: '%s' is not a power of two >= 4K",
					   arg, tok);
		(*n)++;
		p += len;
		if (*p == ',' && !*++p)
			return bb_diag_set(d, -EINVAL, "--page-size %s: trailing comma", arg);
	}
	if (!*n)
		return bb_diag_set(d, -EINVAL, "--page-size: empty");
	return 0;
}
