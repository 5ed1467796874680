/* SPDX-License-Identifier: MIT */
/*
 * What `barbench layout check` looks for in a parsed layout, and the page
 * question the report and `advise` ask too: which registers share a host
 * page with the MSI-X table or PBA, so that every policy that keeps those
 * trapped traps them as well.
 */
#ifndef BARBENCH_LAYOUT_CHECK_H
#define BARBENCH_LAYOUT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "barbench/layout.h"

enum bb_finding_kind {
	BB_FIND_OUTSIDE,	/* a register outside its region */
	BB_FIND_OVERLAP,	/* two registers share bytes */
	BB_FIND_SAFE_MSIX,	/* a safe r/rw range over the MSI-X table or PBA */
	BB_FIND_NO_HOTNESS,	/* a doorbell without reads=/writes= */
	BB_FIND_MSIX_PAGE,	/* a doorbell on a page of the MSI-X table or PBA at 4, 16 or 64 KiB */
	BB_FIND_MSIX_UNKNOWN,	/* note: msix placement=unknown, the page checks cannot be made */
};

struct bb_layout_finding {
	unsigned line;		/* of the statement (an array: its line) */
	enum bb_finding_kind kind;
	bool note;		/* informative: not a finding for the exit status */
	bool accepted;		/* a finding the statement's accept= names (then also a note) */
	uint64_t page;		/* MSIX_PAGE: the smallest page size at which it happens */
	char msg[320];
};

struct bb_layout_findings {
	uint32_t n;
	struct bb_layout_finding *v;	/* sorted by line, then kind */
	bool more;			/* stopped at BB_LAYOUT_MAX_FINDINGS */
};

#define BB_LAYOUT_MAX_FINDINGS 1000

/* The page sizes `layout check` looks at. */
extern const uint64_t bb_layout_check_pages[3];

/*
 * Check @l; 0 with *@out filled (maybe empty), or -ENOMEM.  O(n log n) in
 * the registers: an array of 16384 doorbells is one statement, reported once.
 */
int bb_layout_check(const struct bb_layout *l, struct bb_layout_findings *out, struct bb_diag *d);
void bb_layout_findings_free(struct bb_layout_findings *f);

/* Short name of a kind for JSON and for messages: "overlap", "msix-page". */
const char *bb_finding_kind_name(enum bb_finding_kind k);

/* Does any finding count (not a note)? */
bool bb_layout_findings_fail(const struct bb_layout_findings *f);

/*
 * Does register @g share a @page-byte host page with a must-trap range of
 * its region (the MSI-X table or PBA widened to pages)?  Fills *@with with
 * that range when it does.
 */
bool bb_layout_reg_on_must_trap_page(const struct bb_layout *l, const struct bb_layout_reg *g, uint64_t page,
				     struct bb_range *with);

/*
 * Hot registers (reads= or writes= above 0) sharing a @page-byte host page with
 * a must-trap range: every policy that keeps the MSI-X table and PBA trapped
 * traps them too.  Returns how many; the first @max go to @out (may be NULL).
 */
uint32_t bb_layout_hot_on_must_trap_pages(const struct bb_layout *l, uint64_t page,
					  const struct bb_layout_reg **out, uint32_t max);

#endif
