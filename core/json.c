// SPDX-License-Identifier: MIT
/* JSON through jansson: the helpers every document uses (json.h). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Length of the valid UTF-8 sequence starting at @s (non-ASCII), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (c == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;		/* overlong */
	else if (c == 0xf4)
		hi = 0x8f;		/* beyond U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)	/* a NUL stops here: it is no continuation byte */
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

json_t *bb_json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 0, bad = 0, len;
	unsigned char *out, *o;
	json_t *j;

	if (!s)
		return json_null();
	while (s[n]) {
		if (s[n] < 0x80) {
			n++;
		} else if ((len = utf8_seq(s + n)) != 0) {
			n += len;
		} else {
			n++;
			bad++;
		}
	}
	if (!bad)
		return json_stringn(str, n);
	/* U+FFFD is 3 bytes for the 1 it replaces */
	out = malloc(n + 2 * bad + 1);
	if (!out)
		return NULL;
	for (o = out; *s;) {
		if (*s < 0x80) {
			*o++ = *s++;
		} else if ((len = utf8_seq(s)) != 0) {
			memcpy(o, s, len);
			o += len;
			s += len;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			s++;
		}
	}
	j = json_stringn((const char *)out, (size_t)(o - out));
	free(out);
	return j;
}

json_t *bb_json_u64(uint64_t v)
{
	return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

json_t *bb_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

int bb_json_dump(FILE *f, const json_t *doc, int indent)
{
	if (!doc)
		return -ENOMEM;
	if (json_dumpf(doc, f, BB_JSON_FLAGS | (indent ? JSON_INDENT(2) : JSON_COMPACT)) || fputc('\n', f) == EOF ||
	    ferror(f))
		return -EIO;
	return 0;
}

int bb_json_write(FILE *f, json_t *doc, int indent)
{
	int err = bb_json_dump(f, doc, indent);

	json_decref(doc);
	return err;
}
