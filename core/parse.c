// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "barbench/parse.h"

int bb_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	unsigned base = 10, digits = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		unsigned dv;

		if (*p >= '0' && *p <= '9')
			dv = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			dv = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			dv = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - dv) / base)
			return -ERANGE;
		v = v * base + dv;
		digits++;
	}
	if (!digits)
		return -EINVAL;
	if (*p) {
		if (base == 16 || p[1] != '\0')
			return -EINVAL;
		switch (*p) {
		case 'K': case 'k': mul = 1ull << 10; break;
		case 'M': case 'm': mul = 1ull << 20; break;
		case 'G': case 'g': mul = 1ull << 30; break;
		case 'T': case 't': mul = 1ull << 40; break;
		default: return -EINVAL;
		}
		if (v > UINT64_MAX / mul)
			return -ERANGE;
		v *= mul;
	}
	*out = v;
	return 0;
}

int bb_parse_page_size(const char *s, uint64_t *out)
{
	uint64_t v;
	int err = bb_parse_u64(s, &v);

	if (err)
		return err;
	if (v < 4096 || (v & (v - 1)))
		return -EINVAL;
	*out = v;
	return 0;
}

bool bb_strcpy(char *dst, size_t n, const char *src)
{
	size_t len;

	if (!n)
		return true;
	len = strnlen(src, n);
	if (len == n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return true;
	}
	memcpy(dst, src, len + 1);
	return false;
}
