// SPDX-License-Identifier: MIT
/*
 * Numbers and lists as people type them: bb_parse_u64 (decimal, 0x-hex,
 * K/M/G/T suffix), bb_parse_page_size, bb_cli_page_sizes ("4K,64K"), the
 * must-trap argument "O:L" (bb_target_add_must_trap) and workload names
 * (bb_workload_parse).  bb_parse_u64 is checked against strtoull, a value
 * it accepts prints and parses back to itself, and every list item an
 * accepted list holds is a page size on its own.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "parse.h"
#include "barbench/workload.h"
#include "cli.h"
#include "fuzz.h"

#define MAX_STR 256

/*
 * What bb_parse_u64 must say, from strtoull and the documented grammar:
 * [0x]DIGITS, then for decimal one optional K/M/G/T; too many digits is
 * -ERANGE whatever follows them.
 */
static int reference(const char *s, uint64_t *out)
{
	const char *p = s, *rest;
	char digits[MAX_STR + 1];
	unsigned long long v;
	uint64_t mul = 1;
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	size_t span = 0;

	if (hex)
		p += 2;
	while (p[span] && (hex ? isxdigit((unsigned char)p[span]) : isdigit((unsigned char)p[span])))
		span++;
	if (!span)
		return -EINVAL;
	memcpy(digits, p, span);
	digits[span] = '\0';
	errno = 0;
	v = strtoull(digits, NULL, hex ? 16 : 10);
	if (errno == ERANGE)
		return -ERANGE;
	rest = p + span;
	if (*rest) {
		int shift = bb_size_suffix_shift(*rest);	/* the suffix table is the grammar's */

		if (hex || rest[1] || shift < 0)
			return -EINVAL;
		mul = 1ull << shift;
		if (v > UINT64_MAX / mul)
			return -ERANGE;
	}
	*out = (uint64_t)v * mul;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[MAX_STR + 1], back[64];
	uint64_t v = 0, w = 0, pages[16];
	unsigned n = 0, commas = 0;
	struct bb_diag d = { "" };
	int err, ref;

	if (size > MAX_STR || memchr(data, '\0', size))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	err = bb_parse_u64(s, &v);
	ref = reference(s, &w);
	FUZZ_ASSERT(err == ref, "'%s': bb_parse_u64 says %d, the reference %d", s, err, ref);
	if (!err) {
		FUZZ_ASSERT(v == w, "'%s': 0x%" PRIx64 " != 0x%" PRIx64, s, v, w);
		snprintf(back, sizeof(back), "%" PRIu64, v);
		FUZZ_ASSERT(!bb_parse_u64(back, &w) && w == v, "%s does not parse back", back);
		snprintf(back, sizeof(back), "0x%" PRIx64, v);
		FUZZ_ASSERT(!bb_parse_u64(back, &w) && w == v, "%s does not parse back", back);
	}
	err = bb_parse_page_size(s, &w);
	FUZZ_ASSERT(!err == (!ref && v >= 4096 && !(v & (v - 1))), "'%s': page size %d", s, err);

	err = bb_cli_page_sizes(s, pages, 16, &n, &d);
	if (err) {
		FUZZ_ASSERT(err == -EINVAL && strstr(d.msg, "--page-size"), "'%s': %d %s", s, err, d.msg);
	} else {
		char *save = NULL, *tok;
		unsigned k = 0;

		for (const char *c = s; *c; c++)
			commas += *c == ',';
		FUZZ_ASSERT(n >= 1 && n <= 16 && n == commas + 1, "'%s': %u sizes", s, n);
		for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save), k++)
			FUZZ_ASSERT(k < n && !bb_parse_page_size(tok, &w) && w == pages[k], "'%s' item %u", tok, k);
		FUZZ_ASSERT(k == n, "%u items, %u sizes", k, n);
		memcpy(s, data, size);	/* strtok_r wrote into it */
	}

	{
		struct bb_target t;

		memset(&t, 0, sizeof(t));
		t.region.size = 0x10000;
		err = bb_target_add_must_trap(&t, s, &d);
		if (err)
			FUZZ_ASSERT(err == -EINVAL && !strncmp(d.msg, "--must-trap ", 12), "'%s': %d %s", s, err, d.msg);
		else
			FUZZ_ASSERT(t.nr_must_trap == 1 && t.must_trap[0].size > 0 &&
				    t.must_trap[0].offset + t.must_trap[0].size <= 0x10000, "'%s' accepted", s);
	}
	{
		struct bb_workload_spec spec;

		err = bb_workload_parse(s, 4, &spec, &d);
		if (err)
			FUZZ_ASSERT(err == -EINVAL && !strncmp(d.msg, "workload ", 9), "'%s': %s", s, d.msg);
		else if (spec.kind == BB_WL_REPLAY)
			FUZZ_ASSERT(!strcmp(spec.trace, s + 7), "'%s': trace '%s'", s, spec.trace);
		else
			FUZZ_ASSERT(!strcmp(bb_workload_kind_name(spec.kind), s), "'%s' read as %s", s,
				    bb_workload_kind_name(spec.kind));
	}
	return 0;
}
