// SPDX-License-Identifier: MIT
/*
 * Cost model files (bb_cost_parse: `plan --cost`, `advise --cost`; what
 * `calibrate --save` writes).  Refused text is -EINVAL naming "fuzz" (a
 * line, or what is missing); an accepted model has every figure finite, at
 * least 0 and at most 1e12 ns, a trap_path that is a name, a source with no
 * control character; written back by bb_cost_write it parses to the same
 * figures, and written again it is the same text.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "barbench/model.h"
#include "runs_csv.h"
#include "fuzz.h"

static char *written(const struct bb_cost *c, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);

	if (!m)
		abort();
	bb_cost_write(m, c);
	if (fclose(m))
		abort();
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const double *f;
	struct bb_cost c, back, again;
	struct bb_diag d = { "" };
	char *t1, *t2;
	size_t l1, l2;
	int err = bb_cost_parse((const char *)data, size, "fuzz", &c, &d);

	if (err) {
		FUZZ_ASSERT(err == -EINVAL, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz:", 5), "message: %s", d.msg);
		return 0;
	}
	f = &c.ns[0][0];
	for (size_t i = 0; i < 4; i++)
		FUZZ_ASSERT(f[i] >= 0 && f[i] <= 1e12, "ns[%zu] %g", i, f[i]);
	FUZZ_ASSERT(c.map_posted_write_ns >= 0 && c.per_mapping_ns >= 0 && c.per_memslot_ns >= 0, "a setup cost < 0");
	FUZZ_ASSERT(bb_results_text_ok(BB_TEXT_NAME, c.trap_path, sizeof(c.trap_path), NULL), "trap_path '%s'",
		    c.trap_path);
	for (const char *p = c.source; *p; p++)
		FUZZ_ASSERT((unsigned char)*p >= 0x20 ? *p != 0x7f : *p == '\t', "a control character in the source");
	t1 = written(&c, &l1);
	err = bb_cost_parse(t1, l1, "fuzz", &back, &d);
	FUZZ_ASSERT(!err, "written back it does not parse: %s", d.msg);
	/* %.3f: the figures come back to the thousandth of a ns (half of one off: 81.3125 prints as 81.312) */
	for (size_t i = 0; i < 4; i++)
		FUZZ_ASSERT(fabs((&back.ns[0][0])[i] - f[i]) <= 0.00050001,
			    "ns[%zu] %g read back as %g", i, f[i], (&back.ns[0][0])[i]);
	t2 = written(&back, &l2);
	err = bb_cost_parse(t2, l2, "fuzz", &again, &d);
	FUZZ_ASSERT(!err && l1 == l2 && !memcmp(t1, t2, l1), "written twice it reads differently");
	free(t1);
	free(t2);
	return 0;
}
