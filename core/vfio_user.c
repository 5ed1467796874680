// SPDX-License-Identifier: MIT
/*
 * The parsers of a vfio-user peer's bytes, shared by the client backend, the
 * server and the fuzz target: the version JSON (a small bounded
 * recursive-descent reader, since the capabilities object is all we need of
 * JSON) and the reply checks.  Pure: bytes in, a checked structure or a
 * message naming the byte out; the sockets are bench/vfio_user/sock.c's.
 * Section names in comments are those of QEMU's docs/interop/vfio-user.rst.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "bytes.h"
#include "parse.h"
#include "vfio_user.h"

_Static_assert(sizeof(struct bb_vu_hdr) == 16, "vfio-user header is 16 bytes");
_Static_assert(sizeof(struct bb_vu_version) == 4, "version payload");
_Static_assert(sizeof(struct bb_vu_device_info) == 16, "device info payload");
_Static_assert(sizeof(struct bb_vu_region_access) == 16, "region access payload");
_Static_assert(sizeof(struct bb_vu_dma_map) == 32, "DMA map payload is 16 + 32 bytes in the spec");
_Static_assert(sizeof(struct bb_vu_dma_unmap) == 24, "DMA unmap payload");
_Static_assert(sizeof(struct bb_vu_write_one) == 24, "one write of WRITE_MULTI");
_Static_assert(sizeof(struct vfio_region_info) == 32, "region info");
_Static_assert(sizeof(struct vfio_irq_info) == 16, "irq info");
_Static_assert(sizeof(struct vfio_irq_set) == 20, "irq set");

#define HDR ((size_t)sizeof(struct bb_vu_hdr))

void bb_vu_caps_default(struct bb_vu_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->max_msg_fds = BB_VU_DEF_MAX_MSG_FDS;
	c->max_data_xfer_size = BB_VU_DEF_MAX_XFER;
	c->max_dma_maps = BB_VU_DEF_MAX_DMA_MAPS;
	c->pgsizes = BB_VU_DEF_PGSIZES;
}

const char *bb_vu_cmd_name(uint16_t cmd)
{
	static const char *const names[] = {
		[BB_VU_VERSION] = "VERSION",
		[BB_VU_DMA_MAP] = "DMA_MAP",
		[BB_VU_DMA_UNMAP] = "DMA_UNMAP",
		[BB_VU_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
		[BB_VU_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
		[BB_VU_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
		[BB_VU_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
		[BB_VU_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
		[BB_VU_REGION_READ] = "REGION_READ",
		[BB_VU_REGION_WRITE] = "REGION_WRITE",
		[BB_VU_DMA_READ] = "DMA_READ",
		[BB_VU_DMA_WRITE] = "DMA_WRITE",
		[BB_VU_DEVICE_RESET] = "DEVICE_RESET",
		[14] = "DIRTY_PAGES",
		[BB_VU_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
		[BB_VU_DEVICE_FEATURE] = "DEVICE_FEATURE",
		[BB_VU_MIG_DATA_READ] = "MIG_DATA_READ",
		[BB_VU_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
	};

	if (cmd < sizeof(names) / sizeof(names[0]) && names[cmd])
		return names[cmd];
	return "an unknown command";
}

/* ---- the version JSON ---- */

struct jp {
	const char *s;
	size_t n, i;
	unsigned depth;
	const char *who;
	struct bb_diag *d;
};

static int jerr(struct jp *p, const char *fmt, ...) BB_PRINTF(2, 3);
static int jerr(struct jp *p, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bb_diag_set(p->d, -EINVAL, "%s: byte %zu of the version JSON: %s", p->who, p->i, msg);
}

static void ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static bool lit(struct jp *p, const char *word)
{
	size_t k = strlen(word);

	if (p->n - p->i < k || memcmp(p->s + p->i, word, k))
		return false;
	p->i += k;
	return true;
}

/*
 * A string at p->i (the opening quote).  Decoded into @out (@cap bytes,
 * NUL-terminated) when given; *@fits is false when it did not fit or held
 * an escape outside ASCII (such a key is simply not one we know).
 */
static int string(struct jp *p, char *out, size_t cap, bool *fits)
{
	size_t o = 0;
	bool ok = true;

	if (p->i >= p->n || p->s[p->i] != '"')
		return jerr(p, "a string must start with '\"'");
	p->i++;
	for (;;) {
		unsigned char c;

		if (p->i >= p->n)
			return jerr(p, "unterminated string");
		c = (unsigned char)p->s[p->i];
		if (c == '"') {
			p->i++;
			break;
		}
		if (c < 0x20)
			return jerr(p, "control character 0x%02x inside a string", c);
		if (c == '\\') {
			char e;

			if (p->n - p->i < 2)
				return jerr(p, "unterminated escape");
			e = p->s[p->i + 1];
			switch (e) {
			case '"': case '\\': case '/': c = (unsigned char)e; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned v = 0;

				if (p->n - p->i < 6)
					return jerr(p, "\\u needs four hex digits");
				for (int k = 2; k < 6; k++) {
					int h = bb_hex_digit(p->s[p->i + k]);

					if (h < 0)
						return jerr(p, "\\u needs four hex digits");
					v = v * 16 + (unsigned)h;
				}
				p->i += 4;
				if (v == 0 || v > 0x7f)
					ok = false;	/* not a name we could know */
				c = (unsigned char)v;
				break;
			}
			default:
				return jerr(p, "unknown escape '\\%c'", e);
			}
			p->i += 2;
		} else {
			p->i++;
		}
		if (out && ok) {
			if (o + 1 < cap)
				out[o++] = (char)c;
			else
				ok = false;
		}
	}
	if (out)
		out[o < cap ? o : cap - 1] = '\0';
	if (fits)
		*fits = ok;
	return 0;
}

/* A JSON number at p->i: its grammar checked; *@u set when it is a plain non-negative integer that fits. */
static int number(struct jp *p, uint64_t *u, bool *is_u64)
{
	bool integer = true, overflow = false;
	uint64_t v = 0;

	if (p->i < p->n && p->s[p->i] == '-') {
		integer = false;
		p->i++;
	}
	if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
		return jerr(p, "a number needs a digit");
	if (p->s[p->i] == '0' && p->i + 1 < p->n && p->s[p->i + 1] >= '0' && p->s[p->i + 1] <= '9')
		return jerr(p, "a number cannot have a leading zero");
	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
		unsigned dgt = (unsigned)(p->s[p->i] - '0');

		if (v > (UINT64_MAX - dgt) / 10)
			overflow = true;
		else
			v = v * 10 + dgt;
		p->i++;
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		integer = false;
		p->i++;
		if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
			return jerr(p, "a fraction needs a digit");
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		integer = false;
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
			return jerr(p, "an exponent needs a digit");
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	}
	*is_u64 = integer && !overflow;
	*u = v;
	return 0;
}

static int value(struct jp *p);

/*
 * An object (@close '}') or an array (']') at p->i, its opening bracket; in
 * an object @member is called for each key with p->i at its value, and must
 * consume it (NULL: every value skipped).
 */
static int members(struct jp *p, char close, int (*member)(struct jp *, const char *, bool, void *), void *ctx)
{
	int err;

	p->i += close == ']';	/* the depth message names an object's '{' but the byte after an array's '[' */
	if (++p->depth > BB_VU_JSON_DEPTH)
		return jerr(p, "nested deeper than %u", BB_VU_JSON_DEPTH);
	p->i += close == '}';
	ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return 0;
	}
	for (;;) {
		char key[64];
		bool fits;

		ws(p);
		if (close == '}') {
			err = string(p, key, sizeof(key), &fits);
			if (err)
				return err;
			ws(p);
			if (p->i >= p->n || p->s[p->i] != ':')
				return jerr(p, "':' expected after a key");
			p->i++;
			ws(p);
		}
		err = close == '}' && member ? member(p, key, fits, ctx) : value(p);
		if (err)
			return err;
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			p->depth--;
			return 0;
		}
		return jerr(p, close == '}' ? "',' or '}' expected in an object" : "',' or ']' expected in an array");
	}
}

/* An object at p->i (members()). */
static int object(struct jp *p, int (*member)(struct jp *, const char *, bool, void *), void *ctx)
{
	if (p->i >= p->n || p->s[p->i] != '{')
		return jerr(p, "an object must start with '{'");
	return members(p, '}', member, ctx);
}

/* Any value, checked and skipped. */
static int value(struct jp *p)
{
	uint64_t u;
	bool is_u;

	if (p->i >= p->n)
		return jerr(p, "a value expected, the document ends");
	switch (p->s[p->i]) {
	case '{': return object(p, NULL, NULL);
	case '[': return members(p, ']', NULL, NULL);
	case '"': return string(p, NULL, 0, NULL);
	case 't': return lit(p, "true") ? 0 : jerr(p, "not a value");
	case 'f': return lit(p, "false") ? 0 : jerr(p, "not a value");
	case 'n': return lit(p, "null") ? 0 : jerr(p, "not a value");
	default: return number(p, &u, &is_u);
	}
}

static int want_u64(struct jp *p, const char *key, uint64_t *out, bool *has)
{
	size_t at = p->i;
	bool is_u;
	int err;

	if (*has)
		return jerr(p, "\"%s\" given twice", key);
	if (p->i >= p->n || ((p->s[p->i] < '0' || p->s[p->i] > '9') && p->s[p->i] != '-'))
		return jerr(p, "\"%s\" must be a number", key);
	err = number(p, out, &is_u);
	if (err)
		return err;
	if (!is_u) {
		p->i = at;
		return jerr(p, "\"%s\" must be a non-negative integer below 2^64", key);
	}
	*has = true;
	return 0;
}

static int want_bool(struct jp *p, const char *key, bool *out, bool *has)
{
	if (has && *has)
		return jerr(p, "\"%s\" given twice", key);
	if (lit(p, "true"))
		*out = true;
	else if (lit(p, "false"))
		*out = false;
	else
		return jerr(p, "\"%s\" must be true or false", key);
	if (has)
		*has = true;
	return 0;
}

static int twin_member(struct jp *p, const char *key, bool fits, void *ctx)
{
	struct bb_vu_caps *c = ctx;

	if (fits && !strcmp(key, "supported"))
		return want_bool(p, "twin_socket.supported", &c->twin_socket, NULL);
	if (fits && !strcmp(key, "fd_index"))
		return want_u64(p, "twin_socket.fd_index", &c->twin_fd_index, &c->has_twin_fd_index);
	return value(p);
}

static int caps_member(struct jp *p, const char *key, bool fits, void *ctx)
{
	struct bb_vu_caps *c = ctx;

	if (!fits)
		return value(p);
	if (!strcmp(key, "max_msg_fds"))
		return want_u64(p, key, &c->max_msg_fds, &c->has_max_msg_fds);
	if (!strcmp(key, "max_data_xfer_size"))
		return want_u64(p, key, &c->max_data_xfer_size, &c->has_max_data_xfer_size);
	if (!strcmp(key, "max_dma_maps"))
		return want_u64(p, key, &c->max_dma_maps, &c->has_max_dma_maps);
	if (!strcmp(key, "pgsizes"))
		return want_u64(p, key, &c->pgsizes, &c->has_pgsizes);
	if (!strcmp(key, "write_multiple"))
		return want_bool(p, key, &c->write_multiple, &c->has_write_multiple);
	if (!strcmp(key, "twin_socket")) {
		if (p->i >= p->n || p->s[p->i] != '{')
			return jerr(p, "\"twin_socket\" must be an object");
		return object(p, twin_member, c);
	}
	return value(p);	/* "migration" and names of later versions */
}

struct top_ctx {
	bool seen;
	struct bb_vu_caps *caps;
};

static int top_member(struct jp *p, const char *key, bool fits, void *ctx)
{
	struct top_ctx *t = ctx;

	if (!fits || strcmp(key, "capabilities"))
		return value(p);
	if (t->seen)
		return jerr(p, "\"capabilities\" given twice");
	t->seen = true;
	if (p->i >= p->n || p->s[p->i] != '{')
		return jerr(p, "\"capabilities\" must be an object");
	return object(p, caps_member, t->caps);
}

int bb_vu_parse_caps(const char *json, size_t len, const char *who, struct bb_vu_caps *out,
		     struct bb_diag *d)
{
	struct jp p = { .s = json, .n = len, .who = who ? who : "version", .d = d };
	struct top_ctx t = { .caps = out };
	int err;

	bb_vu_caps_default(out);
	if (len > BB_VU_MAX_VERSION_DATA)
		return bb_diag_set(d, -EINVAL, "%s: version JSON of %zu bytes, at most %u", p.who, len,
				   BB_VU_MAX_VERSION_DATA);
	ws(&p);
	if (p.i >= p.n || p.s[p.i] != '{')
		return jerr(&p, "the version data must be a JSON object");
	err = object(&p, top_member, &t);
	if (err) {
		bb_vu_caps_default(out);
		return err;
	}
	ws(&p);
	if (p.i != p.n) {
		bb_vu_caps_default(out);
		return jerr(&p, "bytes after the JSON object");
	}
	return 0;
}

size_t bb_vu_format_caps(char *buf, size_t len, const struct bb_vu_caps *c)
{
	char *p = buf;
	size_t left = len;
	int n;

#define PUT(...) do {                                                   \
		n = snprintf(p, left, __VA_ARGS__);                     \
		if (n < 0 || (size_t)n >= left)                         \
			return 0;                                       \
		p += n;                                                 \
		left -= (size_t)n;                                      \
	} while (0)
	PUT("{\"capabilities\":{\"max_msg_fds\":%" PRIu64 ",\"max_data_xfer_size\":%" PRIu64, c->max_msg_fds,
	    c->max_data_xfer_size);
	if (c->has_pgsizes)
		PUT(",\"pgsizes\":%" PRIu64, c->pgsizes);
	if (c->has_max_dma_maps)
		PUT(",\"max_dma_maps\":%" PRIu64, c->max_dma_maps);
	if (c->has_write_multiple)
		PUT(",\"write_multiple\":%s", c->write_multiple ? "true" : "false");
	PUT("}}");
#undef PUT
	return (size_t)(p - buf);
}

/* ---- replies ---- */

static int rerr_d(struct bb_diag *d, const struct bb_vu_expect *e, int err, const char *fmt, ...) BB_PRINTF(4, 5);
static int rerr_d(struct bb_diag *d, const struct bb_vu_expect *e, int err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bb_diag_set(d, err, "%s: %s reply (id %u): %s", e->who ? e->who : "vfio-user", bb_vu_cmd_name(e->cmd),
			   e->id, msg);
}

size_t bb_vu_reply_max(const struct bb_vu_expect *e)
{
	switch (e->cmd) {
	case BB_VU_VERSION:
		return HDR + sizeof(struct bb_vu_version) + BB_VU_MAX_VERSION_DATA;
	case BB_VU_DEVICE_GET_INFO:
		return HDR + sizeof(struct bb_vu_device_info);
	case BB_VU_DEVICE_GET_REGION_INFO:
		return HDR + e->argsz;
	case BB_VU_DEVICE_GET_IRQ_INFO:
		return HDR + sizeof(struct vfio_irq_info);
	case BB_VU_REGION_READ:
		return HDR + sizeof(struct bb_vu_region_access) + e->count;
	case BB_VU_REGION_WRITE:
		return HDR + sizeof(struct bb_vu_region_access);
	case BB_VU_DMA_UNMAP:
		return HDR + sizeof(struct bb_vu_dma_unmap);
	default:
		return HDR;
	}
}

int bb_vu_check_reply_hdr(const struct bb_vu_expect *e, const uint8_t *msg, size_t len, struct bb_diag *d)
{
	struct bb_vu_hdr h;
	size_t max = bb_vu_reply_max(e);

	if (len < HDR)
		return rerr_d(d, e, -EPROTO, "byte 0: %zu bytes, shorter than the 16-byte header", len);
	memcpy(&h, msg, sizeof(h));
	if (h.size < HDR)
		return rerr_d(d, e, -EPROTO, "byte 4: message size %" PRIu32 " is smaller than the 16-byte header",
			      h.size);
	if (h.size > max)
		return rerr_d(d, e, -EMSGSIZE, "byte 4: message size %" PRIu32 " is larger than the largest %s reply"
			      " (%zu bytes)", h.size, bb_vu_cmd_name(e->cmd), max);
	if ((h.flags & BB_VU_F_TYPE_MASK) != BB_VU_F_REPLY)
		return rerr_d(d, e, -EPROTO, "byte 8: flags 0x%" PRIx32 ": message type %" PRIu32 " is not a reply (1)",
			      h.flags, h.flags & BB_VU_F_TYPE_MASK);
	if (h.flags & BB_VU_F_NO_REPLY)
		return rerr_d(d, e, -EPROTO, "byte 8: flags 0x%" PRIx32 ": No_reply set on a reply", h.flags);
	if (h.flags & ~(BB_VU_F_TYPE_MASK | BB_VU_F_NO_REPLY | BB_VU_F_ERROR))
		return rerr_d(d, e, -EPROTO, "byte 8: flags 0x%" PRIx32 ": reserved bits set", h.flags);
	if (h.id != e->id)
		return rerr_d(d, e, -EPROTO, "byte 0: message id %u answers no request (expected %u)", h.id, e->id);
	if (h.cmd != e->cmd)
		return rerr_d(d, e, -EPROTO, "byte 2: command %u (%s) does not echo the request's %u", h.cmd,
			      bb_vu_cmd_name(h.cmd), e->cmd);
	return 0;
}

static int want_fds(struct bb_diag *d, const struct bb_vu_expect *e, unsigned nfds, unsigned lo, unsigned hi,
		    const char *why)
{
	if (nfds < lo)
		return rerr_d(d, e, -EPROTO, "came with %u file descriptors, %s needs %u", nfds, why, lo);
	if (nfds > hi)
		return rerr_d(d, e, -EPROTO, "came with %u file descriptors, at most %u allowed (%s)", nfds, hi, why);
	return 0;
}

int bb_vu_parse_reply(const struct bb_vu_expect *e, const uint8_t *msg, size_t len, unsigned nfds,
		      struct bb_vu_reply *out, struct bb_diag *d)
{
	const uint8_t *p;
	size_t n;
	int err;

	memset(out, 0, sizeof(*out));
	err = bb_vu_check_reply_hdr(e, msg, len, d);
	if (err)
		return err;
	memcpy(&out->hdr, msg, sizeof(out->hdr));
	if (out->hdr.size != len)
		return rerr_d(d, e, -EPROTO, "byte 4: message size %" PRIu32 " but %zu bytes arrived", out->hdr.size, len);
	p = msg + HDR;
	n = len - HDR;
	out->payload = p;
	out->len = n;
	if (out->hdr.flags & BB_VU_F_ERROR) {
		uint32_t en = out->hdr.error;
		int err2 = en > 0 && en < 4096 ? -(int)en : -EIO;

		return rerr_d(d, e, err2, "the server refused the request: %s (error field %" PRIu32 ")",
			      strerror(-err2), en);
	}
	switch (e->cmd) {
	case BB_VU_VERSION: {
		const char *json;
		size_t jlen;

		if (n < sizeof(struct bb_vu_version))
			return rerr_d(d, e, -EPROTO, "byte 16: a payload of %zu bytes, a version needs 4", n);
		memcpy(&out->version, p, sizeof(out->version));
		if (out->version.major != BB_VU_MAJOR)
			return rerr_d(d, e, -EPROTONOSUPPORT, "byte 16: major version %u, this client speaks %u",
				      out->version.major, BB_VU_MAJOR);
		if (out->version.minor > BB_VU_MINOR)
			return rerr_d(d, e, -EPROTO, "byte 18: minor version %u, more than the %u.%u proposed",
				      out->version.minor, BB_VU_MAJOR, BB_VU_MINOR);
		bb_vu_caps_default(&out->caps);
		if (n > sizeof(struct bb_vu_version)) {
			json = (const char *)p + sizeof(struct bb_vu_version);
			jlen = n - sizeof(struct bb_vu_version);
			if (json[jlen - 1] != '\0')
				return rerr_d(d, e, -EPROTO, "byte %zu: the version data is not NUL-terminated", len - 1);
			jlen--;
			if (memchr(json, '\0', jlen))
				return rerr_d(d, e, -EPROTO, "byte %zu: a NUL inside the version data",
					      HDR + 4 + (size_t)((const char *)memchr(json, '\0', jlen) - json));
			if (jlen) {
				char who[200];

				snprintf(who, sizeof(who), "%s: VERSION reply (id %u)", e->who ? e->who : "vfio-user", e->id);
				err = bb_vu_parse_caps(json, jlen, who, &out->caps, d);
				if (err)
					return err;
			}
		}
		if (out->caps.max_data_xfer_size == 0)
			return rerr_d(d, e, -EPROTO, "max_data_xfer_size 0: no access could ever be made");
		if (out->caps.twin_socket)
			return rerr_d(d, e, -EPROTO, "twin_socket offered, but this client did not propose it (a reply's"
				      " capabilities must be a subset of those proposed)");
		return want_fds(d, e, nfds, 0, 0, "a VERSION reply carries none");
	}
	case BB_VU_DEVICE_GET_INFO:
		if (n != sizeof(struct bb_vu_device_info))
			return rerr_d(d, e, -EPROTO, "byte 16: a payload of %zu bytes, struct vfio_user_device_info is 16", n);
		memcpy(&out->info, p, sizeof(out->info));
		if (out->info.argsz < sizeof(struct bb_vu_device_info))
			return rerr_d(d, e, -EPROTO, "byte 16: argsz %" PRIu32 ", less than the 16 bytes sent", out->info.argsz);
		if (out->info.num_regions > BB_VU_MAX_REGIONS)
			return rerr_d(d, e, -EPROTO, "byte 24: num_regions %" PRIu32 ", more than %u",
				      out->info.num_regions, BB_VU_MAX_REGIONS);
		if (out->info.num_irqs > BB_VU_MAX_IRQS)
			return rerr_d(d, e, -EPROTO, "byte 28: num_irqs %" PRIu32 ", more than %u", out->info.num_irqs,
				      BB_VU_MAX_IRQS);
		return want_fds(d, e, nfds, 0, 0, "a DEVICE_GET_INFO reply carries none");
	case BB_VU_DEVICE_GET_REGION_INFO: {
		uint32_t argsz, flags, index;

		if (n < sizeof(struct vfio_region_info))
			return rerr_d(d, e, -EPROTO, "byte 16: a payload of %zu bytes, shorter than struct vfio_region_info (32)",
				      n);
		if (n > e->argsz)
			return rerr_d(d, e, -EPROTO, "byte 4: a payload of %zu bytes, more than the argsz %" PRIu32 " asked",
				      n, e->argsz);
		argsz = bb_get32(p, offsetof(struct vfio_region_info, argsz));
		flags = bb_get32(p, offsetof(struct vfio_region_info, flags));
		index = bb_get32(p, offsetof(struct vfio_region_info, index));
		if (index != e->index)
			return rerr_d(d, e, -EPROTO, "byte 24: answers for region %" PRIu32 ", region %" PRIu32 " was asked",
				      index, e->index);
		if (argsz < sizeof(struct vfio_region_info))
			return rerr_d(d, e, -EPROTO, "byte 16: argsz %" PRIu32 " is smaller than struct vfio_region_info",
				      argsz);
		if (argsz <= e->argsz && n != argsz)
			return rerr_d(d, e, -EPROTO, "byte 16: argsz %" PRIu32 " fits the %" PRIu32 " asked, yet the"
				      " payload has %zu bytes", argsz, e->argsz, n);
		if ((flags & VFIO_REGION_INFO_FLAG_MMAP) && argsz <= e->argsz)
			return want_fds(d, e, nfds, 1, 1, "a region with the MMAP flag");
		return want_fds(d, e, nfds, 0, 1, "one region's descriptor");
	}
	case BB_VU_REGION_READ:
	case BB_VU_REGION_WRITE: {
		bool rd = e->cmd == BB_VU_REGION_READ;
		uint64_t off;
		uint32_t region;

		if (n < sizeof(struct bb_vu_region_access))
			return rerr_d(d, e, -EPROTO, "byte 16: a payload of %zu bytes, the access header is 16", n);
		off = bb_get64(p, offsetof(struct bb_vu_region_access, offset));
		region = bb_get32(p, offsetof(struct bb_vu_region_access, region));
		out->count = bb_get32(p, offsetof(struct bb_vu_region_access, count));
		if (off != e->offset)
			return rerr_d(d, e, -EPROTO, "byte 16: offset 0x%" PRIx64 " does not echo the 0x%" PRIx64 " asked",
				      off, e->offset);
		if (region != e->index)
			return rerr_d(d, e, -EPROTO, "byte 24: region %" PRIu32 " does not echo the %" PRIu32 " asked",
				      region, e->index);
		if (out->count > e->count)
			return rerr_d(d, e, -EPROTO, "byte 28: count %" PRIu32 ", more than the %" PRIu32 " asked",
				      out->count, e->count);
		if (n != sizeof(struct bb_vu_region_access) + (rd ? out->count : 0))
			return rerr_d(d, e, -EPROTO, "byte 4: a payload of %zu bytes, want 16%s (count %" PRIu32 ")", n,
				      rd ? " + count" : "", out->count);
		out->data = rd ? p + sizeof(struct bb_vu_region_access) : NULL;
		return want_fds(d, e, nfds, 0, 0, "an access reply carries none");
	}
	case BB_VU_DEVICE_RESET:
	case BB_VU_DMA_MAP:
	case BB_VU_DEVICE_SET_IRQS:
		if (n)
			return rerr_d(d, e, -EPROTO, "byte 16: %zu payload bytes, this reply has none", n);
		return want_fds(d, e, nfds, 0, 0, "this reply carries none");
	default:
		return want_fds(d, e, nfds, 0, 0, "this reply carries none");
	}
}
