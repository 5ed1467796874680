// SPDX-License-Identifier: MIT
/*
 * What pci:BDF reads from sysfs: the same bytes as a devices/BDF/resource
 * file (bb_pci_resource_parse) and as a config space image
 * (bb_msix_parse_config, the first 256 bytes).  Refused resource text is
 * -EINVAL naming "fuzz:LINE" (or "fuzz: empty") with nothing counted past the
 * limit; accepted text has at most 17 ranges, each ending at or after its
 * start and spanning less than 2^64 bytes, and written back in the kernel's
 * format ("0x%016llx 0x%016llx 0x%016llx") it parses to the same ranges.
 * An accepted config image places the MSI-X table and PBA in BARs 0-5 with
 * 1 to 2048 vectors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pci.h"
#include "vfio.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_pci_resource r[BB_PCI_MAX_RESOURCES], back[BB_PCI_MAX_RESOURCES];
	char text[BB_PCI_MAX_RESOURCES * 60];
	struct bb_layout_msix m;
	struct bb_diag d = { "" };
	unsigned n = 99, n2, cap;
	size_t used = 0;
	int err;

	err = bb_pci_resource_parse((const char *)data, size, "fuzz", r, &n, &d);
	if (err) {
		FUZZ_ASSERT(err == -EINVAL, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz:", 5), "message names no input: %s", d.msg);
		FUZZ_ASSERT(n <= BB_PCI_MAX_RESOURCES, "%u ranges counted", n);
	} else {
		FUZZ_ASSERT(n >= 1 && n <= BB_PCI_MAX_RESOURCES, "%u ranges", n);
		for (unsigned i = 0; i < n; i++) {
			FUZZ_ASSERT(r[i].end >= r[i].start, "range %u ends before it starts", i);
			FUZZ_ASSERT(r[i].end - r[i].start != UINT64_MAX, "range %u spans 2^64", i);
			used += (size_t)snprintf(text + used, sizeof(text) - used, "0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016"
						 PRIx64 "\n", r[i].start, r[i].end, r[i].flags);
		}
		err = bb_pci_resource_parse(text, used, "fuzz-back", back, &n2, &d);
		FUZZ_ASSERT(!err && n2 == n && !memcmp(back, r, n * sizeof(r[0])), "written back it reads differently: %s",
			    d.msg);
	}
	err = bb_msix_parse_config(data, size < 256 ? size : 256, "fuzz", &m, &cap, &d);
	if (err) {
		FUZZ_ASSERT(err == -EINVAL, "config error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz:", 5), "config message names no input: %s", d.msg);
	} else if (m.present) {
		FUZZ_ASSERT(m.table_region <= 5 && m.pba_region <= 5, "MSI-X in BAR %u/%u", m.table_region, m.pba_region);
		FUZZ_ASSERT(m.vectors >= 1 && m.vectors <= 2048, "%u vectors", m.vectors);
		FUZZ_ASSERT(cap >= 0x40 && cap < 256, "capability at 0x%x", cap);
	}
	return 0;
}
