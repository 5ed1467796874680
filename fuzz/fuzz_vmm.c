// SPDX-License-Identifier: MIT
/*
 * What `barbench vmm --sweep FILE --trap-log FILE` reads back: the same bytes
 * as a sweep file (bb_vmm_sweep_parse) and as a trap log (bb_traplog_parse).
 * Refused: -EINVAL naming "fuzz" (file:line, or the file), nothing handed
 * back.  An accepted sweep holds pages on 4 KiB boundaries, each probed word
 * aligned inside its page, no page twice, finite non-negative times; written
 * back (bb_vmm_sweep_write) it parses again, and writing that gives the same
 * text; the classification rule then gives every probed page a class and
 * every other page none.  An accepted trap log is sorted without a key
 * twice, every count at least 1 and every access inside 2^64.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm_infer.h"
#include "fuzz.h"

static char *written(const struct bb_vmm_row *rows, size_t n, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	FUZZ_ASSERT(f != NULL, "open_memstream");
	bb_vmm_sweep_write(f, "fuzz", rows, n);
	fclose(f);
	return text;
}

static void sweep(const uint8_t *data, size_t size)
{
	struct bb_vmm_row *rows = (struct bb_vmm_row *)&size, *back = NULL;
	struct bb_vmm_rule rule;
	struct bb_diag d = { "" };
	size_t n = 7, n2 = 0, l1, l2;
	char *t1, *t2;
	int err = bb_vmm_sweep_parse((const char *)data, size, "fuzz", &rows, &n, &d);

	if (err) {
		FUZZ_ASSERT(err == -EINVAL || err == -ENOMEM, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz", 4), "message names no input: %s", d.msg);
		FUZZ_ASSERT(!rows && !n, "a refused sweep handed rows back");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct bb_vmm_row *r = &rows[i];

		FUZZ_ASSERT(r->page % 4096 == 0, "page 0x%llx", (unsigned long long)r->page);
		FUZZ_ASSERT(!r->probed || (r->offset >= r->page && r->offset - r->page < 4096 && r->width &&
					   r->offset % r->width == 0), "probe outside its page");
		FUZZ_ASSERT(isfinite(r->p50_ns) && r->p50_ns >= 0 && r->resolution_ns >= 0, "a time");
		FUZZ_ASSERT(!i || strcmp(rows[i - 1].device, r->device) || rows[i - 1].region != r->region ||
			    rows[i - 1].page != r->page, "a page twice");
	}
	t1 = written(rows, n, &l1);
	err = bb_vmm_sweep_parse(t1, l1, "fuzz-back", &back, &n2, &d);
	FUZZ_ASSERT(!err && n2 == n, "written back it does not parse: %s", d.msg);
	t2 = written(back, n2, &l2);
	FUZZ_ASSERT(l1 == l2 && !memcmp(t1, t2, l1), "written twice it reads differently");
	bb_vmm_classify(rows, n, &rule);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(rows[i].probed == (rows[i].cls != BB_VMM_UNPROBED), "class of page %zu", i);
	free(t1);
	free(t2);
	free(back);
	free(rows);
}

static void trap_log(const uint8_t *data, size_t size)
{
	struct bb_trap_entry *e = (struct bb_trap_entry *)&size;
	struct bb_diag d = { "" };
	size_t n = 7;
	int err = bb_traplog_parse((const char *)data, size, "fuzz", &e, &n, &d);

	if (err) {
		FUZZ_ASSERT(err == -EINVAL || err == -ENOMEM, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz", 4), "message names no input: %s", d.msg);
		FUZZ_ASSERT(!e && !n, "a refused log handed entries back");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(e[i].count >= 1 && e[i].width >= 1 && e[i].offset + e[i].width > e[i].offset, "entry %zu", i);
		FUZZ_ASSERT(!i || e[i - 1].region < e[i].region || (e[i - 1].region == e[i].region &&
			    (e[i - 1].offset < e[i].offset || (e[i - 1].offset == e[i].offset &&
			     (e[i - 1].width < e[i].width || (e[i - 1].width == e[i].width && e[i - 1].write < e[i].write))))),
			    "entries %zu and %zu out of order or twice", i - 1, i);
	}
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sweep(data, size);
	trap_log(data, size);
	return 0;
}
