// SPDX-License-Identifier: MIT
/*
 * lspci -vvv -xxxx text for one device (lspci.h).  The formats are those
 * pciutils prints (lspci.c show_slot_name, show_bases, show_rom, show_size,
 * show_hex_dump; ls-caps.c cap_msix; ls-caps-vendor.c
 * show_vendor_caps_virtio): facts read from pciutils 3.9, no code taken.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "lspci.h"
#include "parse.h"

#define MAX_LINE 4096

/* CTX_ECAP: the detail lines of an extended capability read no further (a second SR-IOV's "Region N:" is no PF Region) */
enum ctx { CTX_NONE, CTX_MSIX, CTX_VIRTIO, CTX_SRIOV, CTX_REBAR, CTX_ECAP };

struct lx {
	struct bb_lspci *o;
	struct bb_diag *d;
	unsigned line;
	enum ctx ctx;
	bool rows_ended;	/* a line that is not a row came after the rows */
};

/* -EINVAL with "FILE:LINE: message" */
#define lerr(x, ...) bb_diag_at((x)->d, (x)->o->name, (x)->line, __VA_ARGS__)

/* Advance *@p past @s when the text starts with it. */
static bool lit(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n))
		return false;
	*p += n;
	return true;
}

/* 1 to @max hex digits (at most 16). */
static bool hexnum(const char **p, uint64_t *v, unsigned max)
{
	unsigned n = 0;

	*v = 0;
	while (bb_hex_digit(**p) >= 0) {
		if (++n > max || n > 16)
			return false;
		*v = *v << 4 | (uint64_t)bb_hex_digit(**p);
		(*p)++;
	}
	return n > 0;
}

/* 1 to 10 decimal digits. */
static bool decnum(const char **p, uint64_t *v)
{
	unsigned n = 0;

	*v = 0;
	while (**p >= '0' && **p <= '9') {
		if (++n > 10)
			return false;
		*v = *v * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	return n > 0;
}

/* The line, trimmed, printable ASCII only ('"' becomes '\''), cut to fit. */
static void keep_text(char *dst, size_t n, const char *s)
{
	size_t k = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s && k + 1 < n; s++) {
		char c = *s == '\t' ? ' ' : *s == '"' ? '\'' : *s;

		if (c >= 0x20 && c < 0x7f)
			dst[k++] = c;
	}
	while (k && dst[k - 1] == ' ')
		k--;
	dst[k] = '\0';
}

/* "[size=512K]" contents after "size=": lspci's show_size (a 32-bit count of bytes, K, M, G or T). */
static bool size_token(const char *s, size_t n, uint64_t *out)
{
	const char *p = s;
	uint64_t v;
	unsigned shift = 0;

	if (!decnum(&p, &v) || v == 0 || v > UINT32_MAX)
		return false;
	if ((size_t)(p - s) < n) {
		switch (*p++) {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		case 'T': shift = 40; break;
		default: return false;
		}
	}
	if ((size_t)(p - s) != n || (shift && v >> (64 - shift)))
		return false;
	*out = v << shift;
	return true;
}

/* The "[...]" tokens after a Region's or the ROM's address and type. */
static int bracket_tokens(struct lx *x, const char *p, struct bb_lspci_bar *b)
{
	for (;;) {
		const char *e;
		size_t n;

		while (*p == ' ')
			p++;
		if (!*p)
			return 0;
		if (*p != '[' || !(e = strchr(p, ']')))
			return lerr(x, "'%.40s': expected [size=N], [disabled], [virtual] or [enhanced]", p);
		p++;
		n = (size_t)(e - p);
		if (n > 5 && !strncmp(p, "size=", 5)) {
			if (b->has_size)
				return lerr(x, "two [size=] on one line");
			if (!size_token(p + 5, n - 5, &b->size))
				return lerr(x, "[%.*s]: not a size as lspci prints one (1 to 4294967295, then K, M, G or T)",
					    (int)(n > 40 ? 40 : n), p);
			b->has_size = true;
		} else if ((n == 8 && !strncmp(p, "disabled", 8)) || (n == 15 && !strncmp(p, "disabled by cmd", 15))) {
			b->disabled = true;
		} else if (n == 7 && !strncmp(p, "virtual", 7)) {
			b->virt = true;
		} else if (!(n == 8 && !strncmp(p, "enhanced", 8))) {
			return lerr(x, "[%.*s]: not a bracket lspci prints on this line", (int)(n > 40 ? 40 : n), p);
		}
		p = e + 1;
	}
}

/* An address: hex digits or <unassigned>, <ignored>, <broken-64-bit-slot>. */
static int address(struct lx *x, const char **p, struct bb_lspci_bar *b)
{
	if (lit(p, "<unassigned>") || lit(p, "<ignored>") || lit(p, "<broken-64-bit-slot>"))
		return 0;
	if (!hexnum(p, &b->addr, 16) || (**p && **p != ' '))
		return lerr(x, "'%.40s': not an address", *p);
	b->has_addr = true;
	return 0;
}

/* After "Region N: ": "Memory at ADDR (64-bit, non-prefetchable) [size=512K]" or "I/O ports at ADDR [size=32]". */
static int region_line(struct lx *x, const char *p, struct bb_lspci_bar *b)
{
	static const char *const types[] = { "32-bit", "low-1M", "64-bit", "type 3" };
	int err;

	if (lit(&p, "[virtual] "))
		b->virt = true;	/* older lspci put it first */
	if (lit(&p, "I/O ports at ")) {
		b->io = true;
		if ((err = address(x, &p, b)))
			return err;
		return bracket_tokens(x, p, b);
	}
	if (!lit(&p, "Memory at "))
		return lerr(x, "a Region that is neither 'Memory at' nor 'I/O ports at'");
	if ((err = address(x, &p, b)))
		return err;
	if (!lit(&p, " ("))
		return lerr(x, "Region: expected ' (32-bit|64-bit, [non-]prefetchable)' after the address");
	for (b->mem_type = 0; b->mem_type < 4; b->mem_type++)
		if (lit(&p, types[b->mem_type]))
			break;
	if (b->mem_type == 4)
		return lerr(x, "Region: '%.20s' is not 32-bit, 64-bit, low-1M or type 3", p);
	if (lit(&p, ", non-prefetchable)"))
		b->prefetch = false;
	else if (lit(&p, ", prefetchable)"))
		b->prefetch = true;
	else
		return lerr(x, "Region: expected ', prefetchable)' or ', non-prefetchable)'");
	return bracket_tokens(x, p, b);
}

/* pciutils ls-ecaps.c cap_sriov and cap_rebar head lines: what follows is theirs. */
static int ecap_line(struct lx *x, const struct bb_lspci_cap *c, const char *p)
{
	struct bb_lspci *o = x->o;

	if (!strcmp(p, "Single Root I/O Virtualization (SR-IOV)") && !o->sriov.line) {
		o->sriov.line = x->line;
		o->sriov.at = c->at;
		x->ctx = CTX_SRIOV;
	} else if (!strcmp(p, "Physical Resizable BAR") && !o->rebar.line) {
		o->rebar.line = x->line;
		o->rebar.at = c->at;
		x->ctx = CTX_REBAR;
	} else {
		x->ctx = CTX_ECAP;
	}
	return 0;
}

/* "Capabilities: [98] MSI-X: Enable+ Count=3 Masked-" and the rest after "Capabilities: ". */
static int cap_line(struct lx *x, const char *p)
{
	struct bb_lspci *o = x->o;
	struct bb_lspci_cap *c;
	uint64_t at, ver;

	x->ctx = CTX_NONE;
	if (lit(&p, "<access denied>"))
		return lerr(x, "'Capabilities: <access denied>': lspci ran without root and read only the first 64 bytes"
			    " of config space; run lspci -vvv -xxxx as root");
	if (!lit(&p, "[") || !hexnum(&p, &at, 3))
		return lerr(x, "Capabilities: expected '[OFFSET]'");
	if (o->nr_caps == sizeof(o->caps) / sizeof(o->caps[0]))
		return lerr(x, "more capability lines than config space can hold");
	c = &o->caps[o->nr_caps];
	c->at = (unsigned)at;
	c->line = x->line;
	c->extended = lit(&p, " v");
	if (c->extended && (!decnum(&p, &ver) || ver > 15))
		return lerr(x, "Capabilities: expected '[OFFSET vN]', N from 0 to 15");
	c->version = c->extended ? (unsigned)ver : 0;
	if (!lit(&p, "] "))
		return lerr(x, "Capabilities: expected ']' and a name");
	if (at >= BB_PCICFG_MAX || (!c->extended && at >= 256))
		return lerr(x, "Capabilities: offset 0x%" PRIx64 " lies outside %s config space", at,
			    c->extended ? "extended" : "the 256 bytes of standard");
	for (unsigned i = 0; i < o->nr_caps; i++)
		if (o->caps[i].at == c->at && o->caps[i].extended == c->extended)
			return lerr(x, "a second capability at 0x%x (the first at line %u)", c->at, o->caps[i].line);
	keep_text(c->name, sizeof(c->name), p);
	o->nr_caps++;
	if (c->extended)
		return ecap_line(x, c, p);
	if (lit(&p, "MSI-X: ")) {
		const char *cnt = strstr(p, "Count=");
		uint64_t v;

		if (o->msix.line)
			return lerr(x, "a second MSI-X capability (the first at line %u)", o->msix.line);
		if (!cnt || (cnt += 6, !decnum(&cnt, &v)) || v < 1 || v > 2048)
			return lerr(x, "MSI-X: expected Count=N, N from 1 to 2048");
		o->msix.line = x->line;
		o->msix.count = (unsigned)v;
		x->ctx = CTX_MSIX;
	} else if (lit(&p, "Vendor Specific Information: VirtIO: ")) {
		if (o->nr_vcaps == BB_PCICFG_MAX_VIRTIO)
			return lerr(x, "more than %d virtio capabilities", BB_PCICFG_MAX_VIRTIO);
		memset(&o->vcaps[o->nr_vcaps], 0, sizeof(o->vcaps[0]));
		o->vcaps[o->nr_vcaps].at = (unsigned)at;
		o->vcaps[o->nr_vcaps].line = x->line;
		o->nr_vcaps++;
		x->ctx = CTX_VIRTIO;
	}
	return 0;
}

/* "Vector table: BAR=0 offset=00008000" / "PBA: BAR=0 offset=00048000" */
static int msix_detail(struct lx *x, const char *p, bool pba)
{
	uint64_t bar, off;

	if (!lit(&p, "BAR=") || !decnum(&p, &bar) || bar > 7 || !lit(&p, " offset=") || !hexnum(&p, &off, 8) || *p)
		return lerr(x, "MSI-X: expected '%s: BAR=N offset=XXXXXXXX'", pba ? "PBA" : "Vector table");
	if (pba) {
		x->o->msix.pba_line = x->line;
		x->o->msix.pba_bar = (unsigned)bar;
		x->o->msix.pba_off = (uint32_t)off;
	} else {
		x->o->msix.table_line = x->line;
		x->o->msix.table_bar = (unsigned)bar;
		x->o->msix.table_off = (uint32_t)off;
	}
	return 0;
}

/* "BAR=0 offset=00006000 size=00001000 multiplier=00000004" (shared memory: 16 digits and id=N). */
static int virtio_detail(struct lx *x, const char *p)
{
	struct bb_lspci_vcap *v = &x->o->vcaps[x->o->nr_vcaps - 1];
	uint64_t bar, mult, id;

	if (v->detail_line)
		return lerr(x, "a second BAR= line for the virtio capability of line %u", v->line);
	if (!lit(&p, "BAR=") || !decnum(&p, &bar) || bar > 255 || !lit(&p, " offset=") || !hexnum(&p, &v->offset, 16) ||
	    !lit(&p, " size=") || !hexnum(&p, &v->size, 16))
		return lerr(x, "VirtIO: expected 'BAR=N offset=X size=X'");
	if (lit(&p, " id=") && !decnum(&p, &id))
		return lerr(x, "VirtIO: expected id=N");
	if (lit(&p, " multiplier=")) {
		if (!hexnum(&p, &mult, 8))
			return lerr(x, "VirtIO: expected multiplier=XXXXXXXX");
		v->has_mult = true;
		v->mult = (uint32_t)mult;
	}
	if (*p)
		return lerr(x, "VirtIO: '%.30s' after the BAR= fields", p);
	v->bar = (unsigned)bar;
	v->detail_line = x->line;
	return 0;
}

/* @name and a decimal (hex with @hex) number of at most @max. */
static bool field(const char **p, const char *name, bool hex, uint64_t max, uint64_t *v)
{
	return lit(p, name) && (hex ? hexnum(p, v, 8) : decnum(p, v)) && *v <= max;
}

/* cap_sriov's detail lines: counts, VF routing and device ID, page sizes, VF BARs ("Region N:"). */
static int sriov_detail(struct lx *x, const char *p)
{
	struct bb_lspci_sriov *s = &x->o->sriov;
	uint64_t n, fdl;

	if (lit(&p, "Initial VFs: ")) {
		if (s->counts_line || !decnum(&p, &s->initial) || s->initial > 0xffff ||
		    !field(&p, ", Total VFs: ", false, 0xffff, &s->total) ||
		    !field(&p, ", Number of VFs: ", false, 0xffff, &s->num) ||
		    !field(&p, ", Function Dependency Link: ", true, 0xff, &fdl) || *p)
			return lerr(x, "SR-IOV: expected one 'Initial VFs: N, Total VFs: N, Number of VFs: N, Function"
				    " Dependency Link: XX'");
		s->counts_line = x->line;
	} else if (lit(&p, "VF offset: ")) {
		if (s->vf_line || !decnum(&p, &s->vf_offset) || s->vf_offset > 0xffff ||
		    !field(&p, ", stride: ", false, 0xffff, &s->vf_stride) ||
		    !field(&p, ", Device ID: ", true, 0xffff, &s->vf_device) || *p)
			return lerr(x, "SR-IOV: expected one 'VF offset: N, stride: N, Device ID: XXXX'");
		s->vf_line = x->line;
	} else if (lit(&p, "Supported Page Size: ")) {
		if (s->pg_line || !hexnum(&p, &s->sup_pgsize, 8) || !field(&p, ", System Page Size: ", true, UINT32_MAX,
									   &s->sys_pgsize) || *p)
			return lerr(x, "SR-IOV: expected one 'Supported Page Size: XXXXXXXX, System Page Size: XXXXXXXX'");
		s->pg_line = x->line;
	} else if (lit(&p, "Region ")) {
		struct bb_lspci_bar *b;

		if (!decnum(&p, &n) || n > 5 || !lit(&p, ": "))
			return lerr(x, "SR-IOV: expected 'Region N: ' with N from 0 to 5");
		b = &s->vf_bar[n];
		if (b->line)
			return lerr(x, "SR-IOV: a second VF 'Region %" PRIu64 ":' line (the first at line %u)", n, b->line);
		b->line = x->line;
		keep_text(b->text, sizeof(b->text), p);
		return region_line(x, p, b);
	}
	return 0;	/* IOVCap:, IOVCtl:, IOVSta:, VF Migration: */
}

/* One of lspci's rebar sizes (print_rebar_range_size): " 16MB" ... " 8EB", " <unknown>" (-1) into *@enc. */
static bool rebar_size(const char **p, int *enc)
{
	static const char *const units[] = { "MB", "GB", "TB", "PB", "EB" };
	uint64_t v;
	int lg = 0;

	if (!lit(p, " "))
		return false;
	if (lit(p, "<unknown>")) {
		*enc = -1;
		return true;
	}
	if (!decnum(p, &v) || !v || (v & (v - 1)) || v > 512)
		return false;
	while ((1ull << lg) < v)
		lg++;
	for (int u = 0; u < 5; u++)
		if (lit(p, units[u])) {
			*enc = lg + 10 * u;
			return **p == ' ' || **p == ',' || !**p;
		}
	return false;
}

/* cap_rebar's "BAR N: current size: 16MB, supported: 16MB 32MB" */
static int rebar_detail(struct lx *x, const char *p)
{
	struct bb_lspci_rebar *r = &x->o->rebar;
	uint64_t n;
	int enc;

	if (!lit(&p, "BAR "))
		return 0;	/* <error in resizable BAR ...>: the hex dump says it again */
	if (r->nr == 6)
		return lerr(x, "Resizable BAR: more than 6 'BAR N:' lines");
	if (!decnum(&p, &n) || n > 7 || !lit(&p, ": current size:") || !rebar_size(&p, &r->bar[r->nr].cur))
		return lerr(x, "Resizable BAR: expected 'BAR N: current size: SIZE'");
	r->bar[r->nr].bar = (unsigned)n;
	r->bar[r->nr].line = x->line;
	r->bar[r->nr].sizes = 0;
	if (lit(&p, ", supported:")) {
		while (*p) {
			if (!rebar_size(&p, &enc) || enc < 0)
				return lerr(x, "Resizable BAR: '%.20s' is not a size lspci prints (1MB to 512EB)", p);
			r->bar[r->nr].sizes |= 1ull << enc;
		}
	}
	if (*p)
		return lerr(x, "Resizable BAR: '%.20s' after the sizes", p);
	r->nr++;
	return 0;
}

/* An indented line of the device: Region, Expansion ROM, Capabilities and their details; the rest is kept out. */
static int detail(struct lx *x, const char *p)
{
	struct bb_lspci *o = x->o;
	const char *start;
	uint64_t n;


	while (*p == ' ' || *p == '\t')
		p++;
	start = p;
	if (x->ctx == CTX_SRIOV && strncmp(p, "Capabilities: ", 14))
		return sriov_detail(x, p);
	if (x->ctx == CTX_REBAR && strncmp(p, "Capabilities: ", 14))
		return rebar_detail(x, p);
	if (x->ctx == CTX_ECAP && strncmp(p, "Capabilities: ", 14))
		return 0;
	if (lit(&p, "Region ")) {
		struct bb_lspci_bar *b;
		int err;

		x->ctx = CTX_NONE;
		if (!decnum(&p, &n) || n > 5 || !lit(&p, ": "))
			return lerr(x, "Region: expected 'Region N: ' with N from 0 to 5");
		b = &o->bar[n];
		if (b->line)
			return lerr(x, "a second 'Region %" PRIu64 ":' line (the first at line %u)", n, b->line);
		memset(b, 0, sizeof(*b));
		b->line = x->line;
		keep_text(b->text, sizeof(b->text), start);
		err = region_line(x, p, b);
		return err;
	}
	if (lit(&p, "Expansion ROM at ")) {
		x->ctx = CTX_NONE;
		if (o->rom.line)
			return lerr(x, "a second Expansion ROM line (the first at line %u)", o->rom.line);
		o->rom.line = x->line;
		keep_text(o->rom.text, sizeof(o->rom.text), start);
		{
			int err = address(x, &p, &o->rom);

			return err ? err : bracket_tokens(x, p, &o->rom);
		}
	}
	if (lit(&p, "Capabilities: "))
		return cap_line(x, p);
	if (x->ctx == CTX_MSIX && lit(&p, "Vector table: "))
		return msix_detail(x, p, false);
	if (x->ctx == CTX_MSIX && lit(&p, "PBA: "))
		return msix_detail(x, p, true);
	if (x->ctx == CTX_VIRTIO && !strncmp(p, "BAR=", 4))
		return virtio_detail(x, p);
	return 0;	/* Control:, Status:, Kernel driver in use: ... */
}

/* "00: f4 1a 41 10 ..." : 16 bytes at offset 16 i, rows contiguous from 0. */
static int hex_row(struct lx *x, const char *p)
{
	struct bb_lspci *o = x->o;
	uint64_t off;

	if (!o->slot_line)
		return lerr(x, "a hex dump row before the device line");
	if (!hexnum(&p, &off, 3) || !lit(&p, ":"))
		return lerr(x, "hex dump: expected 'OFFSET:'");
	if (x->rows_ended || off != o->cfg_len)
		return lerr(x, "hex dump row 0x%" PRIx64 " where row 0x%zx was due: rows are missing, repeated or out of"
			    " order", off, o->cfg_len);
	if (o->cfg_len + 16 > BB_PCICFG_MAX)
		return lerr(x, "hex dump longer than the %d bytes of config space", BB_PCICFG_MAX);
	for (unsigned i = 0; i < 16; i++) {
		int hi, lo;

		if (p[0] != ' ' || (hi = bb_hex_digit(p[1])) < 0 || (lo = bb_hex_digit(p[2])) < 0)
			return lerr(x, "hex dump row 0x%" PRIx64 ": byte %u is not ' XX' (16 bytes a row)", off, i);
		o->cfg[o->cfg_len + i] = (uint8_t)(hi << 4 | lo);
		p += 3;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return lerr(x, "hex dump row 0x%" PRIx64 ": more than 16 bytes", off);
	o->row_line[o->cfg_len / 16] = x->line;
	if (!o->cfg_len)
		o->first_row_line = x->line;
	o->last_row_line = x->line;
	o->cfg_len += 16;
	return 0;
}

/* "00:03.0 Ethernet controller: ..." with an optional domain and lspci -P's path ("00:01.0/01:00.0"). */
static bool is_slot(const char *s, size_t n)
{
	bool colon = false;

	if (n < 7 || s[n - 2] != '.' || s[n - 1] < '0' || s[n - 1] > '7')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			colon = true;
		else if (bb_hex_digit(s[i]) < 0 && s[i] != '.' && s[i] != '/')
			return false;
	}
	return colon;
}

static int device_line(struct lx *x, const char *s, size_t slot_len)
{
	struct bb_lspci *o = x->o;

	if (o->slot_line)
		return lerr(x, "a second device (%.*s; the first, %s, at line %u): give the dump of one device"
			    " (lspci -vvv -xxxx -s BDF)", (int)(slot_len < 40 ? slot_len : 40), s, o->slot, o->slot_line);
	if (slot_len >= sizeof(o->slot))
		return lerr(x, "device slot longer than %zu characters", sizeof(o->slot) - 1);
	memcpy(o->slot, s, slot_len);
	o->slot[slot_len] = '\0';
	o->slot_line = x->line;
	keep_text(o->title, sizeof(o->title), s + slot_len);
	return 0;
}

/* One line (NUL-terminated, no newline). */
static int one_line(struct lx *x, const char *s)
{
	size_t tok = strcspn(s, " \t");
	const char *p = s;
	uint64_t off;

	if (!*s || strspn(s, " \t") == strlen(s)) {
		if (x->o->cfg_len)
			x->rows_ended = true;
		return 0;
	}
	if (*s == ' ' || *s == '\t') {
		if (!x->o->slot_line)
			return lerr(x, "an indented line before the device line");
		if (x->o->cfg_len)
			x->rows_ended = true;
		return detail(x, s);
	}
	/* what lspci and libpci print on stderr, when a dump was taken with 2>&1 */
	if (!strncmp(s, "lspci: ", 7) || !strncmp(s, "pcilib: ", 8))
		return 0;
	if (!strncmp(s, "WARNING: Cannot show hex-dump", 29))
		return lerr(x, "lspci could not read config space: no hex dump to take the device from");
	if (hexnum(&p, &off, 3) && *p == ':' && p[1] == ' ')
		return hex_row(x, s);
	if (is_slot(s, tok))
		return device_line(x, s, tok);
	{
		char shown[44];

		keep_text(shown, sizeof(shown), s);
		return lerr(x, "'%s' is not a line of lspci -vvv -xxxx for one device", shown);
	}
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Each Region line against its BAR register: the register is the authority, a Region line the only size. */
static int check_bars(const struct bb_lspci *o, struct bb_diag *d)
{
	static const char *const types[] = { "32-bit", "low-1M", "64-bit", "type 3" };

	for (unsigned i = 0; i < 6; i++) {
		const struct bb_lspci_bar *b = &o->bar[i];
		const struct bb_pcicfg_bar *h = &o->pci.bar[i];
		unsigned at = PCI_BASE_ADDRESS_0 + 4 * i, row = o->row_line[at / 16];
		uint32_t raw = rd32(o->cfg + at), hi = h->is64 ? rd32(o->cfg + at + 4) : 0;

		if (!b->line) {
			if (i < o->pci.nr_bars && !h->upper && (raw || hi))
				return bb_diag_set(d, -EINVAL, "%s:%u: config byte 0x%x: BAR%u reads 0x%08" PRIx32 " but no"
						   " 'Region %u:' line gives its size (BAR sizes are not in config space)",
						   o->name, row, at, i, raw, i);
			continue;
		}
		if (i >= o->pci.nr_bars)
			return bb_diag_set(d, -EINVAL, "%s:%u: Region %u: config header type %u has %u BARs", o->name,
					   b->line, i, o->pci.header_type, o->pci.nr_bars);
		if (h->upper)
			return bb_diag_set(d, -EINVAL, "%s:%u: Region %u: config space makes BAR%u the upper half of the"
					   " 64-bit BAR%u (line %u)", o->name, b->line, i, i, i - 1, row);
		if (b->virt || (!raw && !hi))
			continue;	/* a register that reads 0 has nothing to contradict */
		if (b->io != h->io)
			return bb_diag_set(d, -EINVAL, "%s:%u: Region %u says %s space; config byte 0x%x (line %u) reads"
					   " 0x%08" PRIx32 ": %s space", o->name, b->line, i, b->io ? "I/O" : "memory", at, row,
					   raw, h->io ? "I/O" : "memory");
		if (!b->io && (b->mem_type != h->mem_type || b->prefetch != h->prefetch))
			return bb_diag_set(d, -EINVAL, "%s:%u: Region %u says %s, %sprefetchable; config byte 0x%x (line %u)"
					   " reads 0x%08" PRIx32 ": %s, %sprefetchable", o->name, b->line, i,
					   types[b->mem_type & 3], b->prefetch ? "" : "non-", at, row, raw,
					   types[h->mem_type & 3], h->prefetch ? "" : "non-");
	}
	return 0;
}

static int check_msix(const struct bb_lspci *o, struct bb_diag *d)
{
	const struct bb_layout_msix *m = &o->pci.msix;
	unsigned row = o->row_line[o->pci.msix_at / 16];

	if (!o->msix.line)
		return 0;
	if (!m->present)
		return bb_diag_set(d, -EINVAL, "%s:%u: lspci decoded an MSI-X capability the hex dump's capability list"
				   " does not hold", o->name, o->msix.line);
	if (o->msix.count != m->vectors)
		return bb_diag_set(d, -EINVAL, "%s:%u: MSI-X Count=%u; config byte 0x%x (line %u) says %" PRIu32
				   " vectors", o->name, o->msix.line, o->msix.count, o->pci.msix_at + 2u, row, m->vectors);
	if (o->msix.table_line && (o->msix.table_bar != m->table_region || o->msix.table_off != m->table_offset))
		return bb_diag_set(d, -EINVAL, "%s:%u: Vector table BAR=%u offset=%08" PRIx32 "; config byte 0x%x (line %u)"
				   " says BAR=%" PRIu32 " offset=%08" PRIx64, o->name, o->msix.table_line, o->msix.table_bar,
				   o->msix.table_off, o->pci.msix_at + 4u, row, m->table_region, m->table_offset);
	if (o->msix.pba_line && (o->msix.pba_bar != m->pba_region || o->msix.pba_off != m->pba_offset))
		return bb_diag_set(d, -EINVAL, "%s:%u: PBA BAR=%u offset=%08" PRIx32 "; config byte 0x%x (line %u) says"
				   " BAR=%" PRIu32 " offset=%08" PRIx64, o->name, o->msix.pba_line, o->msix.pba_bar,
				   o->msix.pba_off, o->pci.msix_at + 8u, row, m->pba_region, m->pba_offset);
	return 0;
}

/* Decoded capabilities and virtio structures against the hex dump's list. */
static int check_caps(const struct bb_lspci *o, struct bb_diag *d)
{
	for (unsigned i = 0; i < o->nr_caps; i++) {
		const struct bb_lspci_cap *c = &o->caps[i];
		bool found = c->extended;

		for (unsigned k = 0; !found && k < o->pci.nr_caps; k++)
			found = o->pci.caps[k].at == c->at;
		if (!found)
			return bb_diag_set(d, -EINVAL, "%s:%u: lspci decoded a capability at 0x%x that the hex dump's"
					   " capability list does not reach", o->name, c->line, c->at);
	}
	for (unsigned i = 0; i < o->nr_vcaps; i++) {
		const struct bb_lspci_vcap *v = &o->vcaps[i];
		const struct bb_virtio_cap *h = NULL;

		for (unsigned k = 0; k < o->pci.nr_virtio; k++)
			if (o->pci.virtio[k].at == v->at)
				h = &o->pci.virtio[k];
		if (!h)
			return bb_diag_set(d, -EINVAL, "%s:%u: lspci decoded a virtio capability at 0x%x that the hex dump"
					   " does not hold (vendor 0x%04x, device 0x%04x)", o->name, v->line, v->at,
					   o->pci.vendor, o->pci.device);
		if (v->detail_line && (v->bar != h->bar || v->offset != h->offset || v->size != h->length ||
				       (v->has_mult && v->mult != h->multiplier)))
			return bb_diag_set(d, -EINVAL, "%s:%u: BAR=%u offset=%" PRIx64 " size=%" PRIx64 "; the capability at"
					   " config byte 0x%x (line %u) says BAR=%u offset=%" PRIx64 " size=%" PRIx64
					   " multiplier=%" PRIx32, o->name, v->detail_line, v->bar, v->offset, v->size, h->at,
					   o->row_line[h->at / 16], h->bar, h->offset, h->length, h->multiplier);
	}
	return 0;
}

/* The decoded SR-IOV lines against the hex dump's SR-IOV capability. */
static int check_sriov(const struct bb_lspci *o, struct bb_diag *d)
{
	const struct bb_lspci_sriov *s = &o->sriov;
	const struct bb_pcicfg_sriov *h = &o->pci.sriov;
	unsigned row = o->row_line[h->at / 16];

	if (!s->line || s->at != h->at)
		return 0;	/* not the first SR-IOV capability: the offset and name checks cover it */
	if (s->counts_line && (s->initial != h->initial_vfs || s->total != h->total_vfs || s->num != h->num_vfs))
		return bb_diag_set(d, -EINVAL, "%s:%u: Initial VFs %" PRIu64 ", Total VFs %" PRIu64 ", Number of VFs %" PRIu64
				   "; config byte 0x%x (line %u) says %u, %u, %u", o->name, s->counts_line, s->initial,
				   s->total, s->num, h->at + 0x0cu, o->row_line[(h->at + 0x0c) / 16], h->initial_vfs,
				   h->total_vfs, h->num_vfs);
	if (s->vf_line && (s->vf_offset != h->vf_offset || s->vf_stride != h->vf_stride || s->vf_device != h->vf_device))
		return bb_diag_set(d, -EINVAL, "%s:%u: VF offset %" PRIu64 ", stride %" PRIu64 ", Device ID %04" PRIx64
				   "; config byte 0x%x (line %u) says %u, %u, %04x", o->name, s->vf_line, s->vf_offset,
				   s->vf_stride, s->vf_device, h->at + 0x14u, o->row_line[(h->at + 0x14) / 16], h->vf_offset,
				   h->vf_stride, h->vf_device);
	if (s->pg_line && (s->sup_pgsize != h->sup_pgsize || s->sys_pgsize != h->sys_pgsize))
		return bb_diag_set(d, -EINVAL, "%s:%u: Supported Page Size %08" PRIx64 ", System Page Size %08" PRIx64
				   "; config byte 0x%x (line %u) says %08" PRIx32 ", %08" PRIx32, o->name, s->pg_line,
				   s->sup_pgsize, s->sys_pgsize, h->at + 0x1cu, o->row_line[(h->at + 0x1c) / 16], h->sup_pgsize,
				   h->sys_pgsize);
	for (unsigned i = 0; i < 6; i++) {
		const struct bb_lspci_bar *b = &s->vf_bar[i];
		const struct bb_pcicfg_bar *v = &h->vf_bar[i];
		unsigned at = h->at + 0x24u + 4 * i;
		bool impl = !v->upper && (v->addr || v->mem_type || v->prefetch);

		row = o->row_line[at / 16];
		if (!b->line) {
			if (impl && s->counts_line)
				return bb_diag_set(d, -EINVAL, "%s:%u: config byte 0x%x (line %u): VF BAR%u is implemented but"
						   " lspci printed no VF 'Region %u:' line", o->name, s->line, at, row, i, i);
			continue;
		}
		/* cap_sriov prints "32-bit" for type 0, "64-bit" for any other type */
		if (!impl || b->io || (b->mem_type == 0) != (v->mem_type == 0) || b->prefetch != v->prefetch ||
		    (b->has_addr && b->addr != v->addr))
			return bb_diag_set(d, -EINVAL, "%s:%u: VF Region %u: %s; config byte 0x%x (line %u) says %s%s, %s"
					   "prefetchable at 0x%" PRIx64, o->name, b->line, i, b->text, at, row,
					   impl ? "VF BAR, " : "no VF BAR (",
					   v->mem_type == 0 ? "32-bit" : "64-bit", v->prefetch ? "" : "non-", v->addr);
	}
	return 0;
}

/* The decoded Resizable BAR lines against the hex dump's capability. */
static int check_rebar(const struct bb_lspci *o, struct bb_diag *d)
{
	const struct bb_lspci_rebar *r = &o->rebar;
	const struct bb_pcicfg_rebar *h = &o->pci.rebar;

	if (!r->line || r->at != h->at)
		return 0;
	if (r->nr > h->nr)
		return bb_diag_set(d, -EINVAL, "%s:%u: %u 'BAR N:' lines; config byte 0x%x (line %u) says %u resizable BARs",
				   o->name, r->bar[h->nr].line, r->nr, h->at + 8u, o->row_line[(h->at + 8) / 16], h->nr);
	for (unsigned i = 0; i < r->nr; i++) {
		const struct bb_pcicfg_rebar_bar *b = &h->bar[i];
		int cur = b->cur <= BB_PCICFG_REBAR_MAX_SIZE ? b->cur : -1;

		if (r->bar[i].bar != b->bar || r->bar[i].cur != cur || r->bar[i].sizes != b->sizes)
			return bb_diag_set(d, -EINVAL, "%s:%u: BAR %u, current size encoding %d, sizes 0x%" PRIx64 "; config"
					   " byte 0x%x (line %u) says BAR %u, encoding %d, sizes 0x%" PRIx64 " (bit n: 2^(n+20)"
					   " bytes)", o->name, r->bar[i].line, r->bar[i].bar, r->bar[i].cur, r->bar[i].sizes,
					   b->at, o->row_line[b->at / 16], b->bar, cur, b->sizes);
	}
	return 0;
}

/*
 * Decoded extended capability lines against the hex dump's extended list,
 * when the dump holds it (-xxxx): offset, version, SR-IOV and Resizable BAR
 * by name both ways, then their fields.
 */
static int check_ext(const struct bb_lspci *o, struct bb_diag *d)
{
	static const struct { uint16_t id; const char *name; } named[] = {
		{ 0x0010, "Single Root I/O Virtualization (SR-IOV)" },
		{ 0x0015, "Physical Resizable BAR" },
	};
	int err;

	if (o->cfg_len < BB_PCICFG_EXT + 4)
		return 0;	/* the decoded lines are all there is: bb_gen_from_lspci names them in a note */
	for (unsigned i = 0; i < o->nr_caps; i++) {
		const struct bb_lspci_cap *c = &o->caps[i];
		const struct bb_pcicfg_ecap *e = NULL;

		if (!c->extended)
			continue;
		for (unsigned k = 0; !e && k < o->pci.nr_ecaps; k++)
			if (o->pci.ecaps[k].at == c->at)
				e = &o->pci.ecaps[k];
		if (!e)
			return bb_diag_set(d, -EINVAL, "%s:%u: lspci decoded an extended capability at 0x%x that the hex"
					   " dump's extended capability list does not reach", o->name, c->line, c->at);
		if (e->version != c->version)
			return bb_diag_set(d, -EINVAL, "%s:%u: [%x v%u]; config byte 0x%x (line %u) says version %u", o->name,
					   c->line, c->at, c->version, c->at, o->row_line[c->at / 16], e->version);
		for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++)
			if ((e->id == named[k].id) != !strncmp(c->name, named[k].name, strlen(named[k].name)))
				return bb_diag_set(d, -EINVAL, "%s:%u: '%s'; config byte 0x%x (line %u) says extended"
						   " capability ID 0x%04x (%s)", o->name, c->line, c->name, c->at,
						   o->row_line[c->at / 16], e->id, bb_pciecap_name(e->id, NULL) ?
						   bb_pciecap_name(e->id, NULL) : "not one Linux names");
	}
	if ((err = check_sriov(o, d)))
		return err;
	return check_rebar(o, d);
}

int bb_lspci_parse(const char *text, size_t len, const char *name, struct bb_lspci *out, struct bb_diag *d)
{
	struct lx x = { .o = out, .d = d };
	char buf[MAX_LINE + 1];
	size_t pos = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "lspci");
	/* the name labels messages and the comments of a generated layout: one line, whatever the file is called */
	for (char *c = out->name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (len > BB_LSPCI_MAX_BYTES)
		return bb_diag_set(d, -EFBIG, "%s: %zu bytes is more than an lspci dump of one device may be (%u)",
				   out->name, len, BB_LSPCI_MAX_BYTES);
	while (pos < len && !err) {
		size_t e = pos, n;

		while (e < len && text[e] != '\n')
			e++;
		n = e - pos;
		x.line++;
		if (n && text[pos + n - 1] == '\r')
			n--;
		if (n > MAX_LINE)
			return lerr(&x, "a line of %zu characters (at most %d)", n, MAX_LINE);
		for (size_t i = 0; i < n; i++)
			if (((unsigned char)text[pos + i] < 0x20 && text[pos + i] != '\t') || text[pos + i] == 0x7f)
				return lerr(&x, "control character 0x%02x at column %zu: not lspci text",
					    (unsigned char)text[pos + i], i + 1);
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos = e + 1;
		err = one_line(&x, buf);
	}
	if (err)
		return err;
	if (!out->slot_line)
		return bb_diag_set(d, -EINVAL, "%s:%u: no device line (BB:DD.F Class: Name): not lspci -vvv -xxxx output",
				   out->name, x.line);
	if (!out->cfg_len)
		return bb_diag_set(d, -EINVAL, "%s:%u: no hex dump of config space: run lspci with -xxxx (or -xxx) as root",
				   out->name, x.line);
	{
		struct bb_pcicfg_src src = { out->name, out->row_line, out->last_row_line };

		err = bb_pcicfg_parse(out->cfg, out->cfg_len, &src, &out->pci, d);
	}
	if (!err)
		err = check_bars(out, d);
	if (!err)
		err = check_msix(out, d);
	if (!err)
		err = check_caps(out, d);
	if (!err)
		err = check_ext(out, d);
	return err;
}

unsigned bb_lspci_line_of(const struct bb_lspci *l, unsigned at)
{
	for (unsigned i = 0; i < l->nr_caps; i++)
		if (l->caps[i].at == at && l->caps[i].extended == (at >= BB_PCICFG_EXT))
			return l->caps[i].line;
	return at < BB_PCICFG_MAX ? l->row_line[at / 16] : 0;
}
