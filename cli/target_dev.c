// SPDX-License-Identifier: MIT
/* What `plan` works on when it is a device behind a backend (vfio:BDF): its region, must-trap ranges, layout. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "barbench/backend.h"
#include "cli.h"

int bb_target_load_dev(struct bb_target *t, const char *spec, bool has_index, uint32_t index, struct bb_diag *d)
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
