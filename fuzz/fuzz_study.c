// SPDX-License-Identifier: MIT
/*
 * Study files (bb_study_parse, format: studies/README.md).  Refused text is
 * an error naming "fuzz:LINE" (or the file, for what is missing at the end);
 * an accepted study is within every documented bound: 1 to 64 emu: devices,
 * samples 10 to 10,000,000, repetitions 1 to 1000, width 1/2/4/8, page sizes
 * powers of two >= 4 KiB, runners host or guest, no list item twice, every
 * string terminated inside its field.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "study.h"
#include "fuzz.h"

static void check_list(const char *base, size_t w, unsigned n, const char *what)
{
	for (unsigned i = 0; i < n; i++) {
		const char *a = base + i * w;

		FUZZ_ASSERT(memchr(a, '\0', w) && a[0], "%s item %u empty or unterminated", what, i);
		for (unsigned k = 0; k < i; k++)
			FUZZ_ASSERT(strcmp(a, base + k * w), "%s: '%s' twice", what, a);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bb_study st;	/* 40 KiB: not on the stack */
	struct bb_diag d = { "" };
	int err;

	err = bb_study_parse((const char *)data, size, "fuzz", &st, &d);
	if (err) {
		FUZZ_ASSERT(err == -EINVAL || err == -EFBIG, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz:", 5), "message names no line: %s", d.msg);
		return 0;
	}
	FUZZ_ASSERT(memchr(st.name, '\0', sizeof(st.name)), "name unterminated");
	FUZZ_ASSERT(st.nr_devices >= 1 && st.nr_devices <= BB_STUDY_MAX_DEVICES, "%u devices", st.nr_devices);
	for (unsigned i = 0; i < st.nr_devices; i++) {
		const struct bb_study_device *dv = &st.devices[i];

		FUZZ_ASSERT(memchr(dv->spec, '\0', sizeof(dv->spec)) &&
			    (!strncmp(dv->spec, "emu:", 4) || !strncmp(dv->spec, "vfio:", 5) ||
			     !strncmp(dv->spec, "vfio-user:", 10)),
			    "device %u: '%.20s'", i, dv->spec);
		FUZZ_ASSERT(dv->auto_regions || dv->nr_regions, "device %u: an empty region list passed", i);
		FUZZ_ASSERT(dv->nr_regions <= BB_STUDY_MAX_REGIONS, "device %u: %u regions", i, dv->nr_regions);
		for (unsigned k = 0; k < dv->nr_regions; k++)
			FUZZ_ASSERT(dv->regions[k] <= 0xffff, "device %u: region %" PRIu32, i, dv->regions[k]);
		FUZZ_ASSERT(dv->line >= 1, "device %u: no line", i);
	}
	FUZZ_ASSERT(st.samples >= 10 && st.samples <= 10000000, "samples %" PRIu64, st.samples);
	FUZZ_ASSERT(st.warmup <= 10000000, "warmup %" PRIu64, st.warmup);
	FUZZ_ASSERT(st.repetitions >= 1 && st.repetitions <= 1000, "repetitions %u", st.repetitions);
	FUZZ_ASSERT(st.width == 1 || st.width == 2 || st.width == 4 || st.width == 8, "width %u", st.width);
	FUZZ_ASSERT(st.all_policies || (st.nr_policies >= 1 && st.nr_policies <= BB_STUDY_MAX_LIST), "policies");
	check_list(&st.policies[0][0], sizeof(st.policies[0]), st.nr_policies, "policies");
	FUZZ_ASSERT(st.nr_pages >= 1 && st.nr_pages <= BB_STUDY_MAX_LIST, "%u page sizes", st.nr_pages);
	for (unsigned i = 0; i < st.nr_pages; i++)
		FUZZ_ASSERT(st.pages[i] >= 4096 && !(st.pages[i] & (st.pages[i] - 1)), "page 0x%" PRIx64, st.pages[i]);
	FUZZ_ASSERT(st.nr_runners >= 1 && st.nr_runners <= BB_STUDY_MAX_LIST, "%u runners", st.nr_runners);
	check_list(&st.runners[0][0], sizeof(st.runners[0]), st.nr_runners, "runners");
	for (unsigned i = 0; i < st.nr_runners; i++)
		FUZZ_ASSERT(!strcmp(st.runners[i], "host") || !strcmp(st.runners[i], "guest"), "runner '%s'", st.runners[i]);
	FUZZ_ASSERT(st.nr_workloads >= 1 && st.nr_workloads <= BB_STUDY_MAX_LIST, "%u workloads", st.nr_workloads);
	check_list(&st.workloads[0][0], sizeof(st.workloads[0]), st.nr_workloads, "workloads");
	FUZZ_ASSERT(st.nr_params <= BB_STUDY_MAX_PARAMS, "%u params", st.nr_params);
	for (unsigned i = 0; i < st.nr_params; i++)
		FUZZ_ASSERT(st.param_keys[i][0] && st.param_values[i][0] &&
			    memchr(st.param_keys[i], '\0', sizeof(st.param_keys[i])) &&
			    memchr(st.param_values[i], '\0', sizeof(st.param_values[i])), "param %u", i);
	return 0;
}
