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
 * 1 to 2048 vectors.  From accepted resource text, a VF BAR size (lines
 * 8-13 over TotalVFs, the first two bytes) is 0 or a power of two of at
 * least 4 KiB that times TotalVFs is the line's size.  The same bytes as a
 * vfio:/pci: spec (bb_bdf_parse_spec, every option): refused, -EINVAL or
 * -ENAMETOOLONG naming "vfio:"; accepted, a canonical BDF that parses back
 * to itself and a VF token that is "" or 36 lower-case UUID characters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pci.h"
#include "vfio.h"
#include "fuzz.h"

/* The bytes up to a NUL as a spec after "vfio:", with every option a BDF spec may take. */
static void spec_one(const uint8_t *data, size_t size)
{
	char arg[700];
	struct bb_vfio_spec s, back;
	struct bb_diag d = { "" };
	size_t n = size < sizeof(arg) - 1 ? size : sizeof(arg) - 1;
	int err;

	memcpy(arg, data, n);
	arg[n] = '\0';
	err = bb_bdf_parse_spec("vfio", arg, BB_BDF_SYSFS | BB_BDF_VF_TOKEN, &s, &d);
	if (err) {
		FUZZ_ASSERT(err == -EINVAL || err == -ENAMETOOLONG, "spec error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "vfio:", 5), "spec message names no input: %s", d.msg);
		return;
	}
	FUZZ_ASSERT(!s.vf_token[0] || (strlen(s.vf_token) == 36 && strspn(s.vf_token, "0123456789abcdef-") == 36),
		    "vf token '%s'", s.vf_token);
	err = bb_bdf_parse_spec("vfio", s.bdf, 0, &back, &d);
	FUZZ_ASSERT(!err && !strcmp(back.bdf, s.bdf), "BDF %s parses back as %s: %s", s.bdf, back.bdf, d.msg);
}

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
	if (!err) {
		static struct bb_pci_sysfs ps;
		unsigned total = size >= 2 ? (unsigned)(data[0] | data[1] << 8) : 0;

		memset(&ps, 0, sizeof(ps));
		memcpy(ps.res, r, n * sizeof(r[0]));
		ps.nr_res = n;
		for (unsigned i = 0; i < 7; i++) {
			uint64_t v = bb_pci_vf_bar_size(&ps, i, total);

			FUZZ_ASSERT(!v || (v >= 4096 && !(v & (v - 1)) && 7 + i < n &&
					   v * total == r[7 + i].end - r[7 + i].start + 1),
				    "VF BAR%u: 0x%" PRIx64 " for %u VFs", i, v, total);
		}
	}
	spec_one(data, size);
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
