// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "barbench/diag.h"

#include "parse.h"

int bb_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int bb_size_suffix_shift(char c)
{
	switch (c) {
	case 'K': case 'k': return 10;
	case 'M': case 'm': return 20;
	case 'G': case 'g': return 30;
	case 'T': case 't': return 40;
	default: return -1;
	}
}

int bb_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, digits = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		int h = bb_hex_digit(*p);
		unsigned dv = (unsigned)h;

		if (h < 0 || dv >= base)
			break;
		if (v > (UINT64_MAX - dv) / base)
			return -ERANGE;
		v = v * base + dv;
		digits++;
	}
	if (!digits)
		return -EINVAL;
	if (*p) {
		int shift = bb_size_suffix_shift(*p);

		if (base == 16 || p[1] != '\0' || shift < 0)
			return -EINVAL;
		if (v > UINT64_MAX >> shift)
			return -ERANGE;
		v <<= shift;
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

int bb_results_open(const char *path, struct stat *st, struct bb_diag *d)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		int e = errno;

		if (e == ELOOP)
			return bb_diag_set(d, -EINVAL, "%s: a symbolic link: not followed in a results folder", path);
		return bb_diag_set(d, -e, "%s: %s", path, strerror(e));
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return bb_diag_set(d, -EINVAL, "%s: not a regular file", path);
	}
	if (st)
		*st = sb;
	return fd;
}

/* bb_read_stream; with @regular_only anything but a regular file is refused (-EINVAL) first. */
static int read_all(int fd, const char *name, size_t max, char **buf, size_t *len, bool regular_only,
		    struct bb_diag *d)
{
	struct stat st;
	bool regular;
	size_t got = 0, cap = 4096;
	char *p;

	*buf = NULL;
	*len = 0;
	regular = !fstat(fd, &st) && S_ISREG(st.st_mode);
	if (regular_only && !regular)
		return bb_diag_set(d, -EINVAL, "%s: not a regular file", name);
	/* st_size is a hint (a file may grow while read, a pipe says 0): read to the end, at most max + 1 */
	if (regular && st.st_size > 0)
		cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
	if (cap > max + 1)
		cap = max + 1;
	p = malloc(cap + 1);
	if (!p)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", name);
	for (;;) {
		ssize_t n;

		if (got == cap) {
			char *np;

			if (cap > max)
				break;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			np = realloc(p, cap + 1);
			if (!np) {
				free(p);
				return bb_diag_set(d, -ENOMEM, "%s: out of memory", name);
			}
			p = np;
		}
		n = read(fd, p + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* a non-blocking pipe (the shell's, say) with nothing yet: wait for its writer */
			struct pollfd pf = { .fd = fd, .events = POLLIN };

			if (poll(&pf, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		if (n < 0) {
			int err = bb_diag_set(d, -errno, "%s: %s", name, strerror(errno));

			free(p);
			return err;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		free(p);
		return bb_diag_set(d, -EFBIG, "%s: larger than %zu bytes", name, max);
	}
	p[got] = '\0';
	*buf = p;
	*len = got;
	return 0;
}

int bb_read_stream(int fd, const char *name, size_t max, char **buf, size_t *len, struct bb_diag *d)
{
	return read_all(fd, name, max, buf, len, false, d);
}

/* bb_read_stream of a regular file @fd, then closed (its fstat is the stream's own, done once). */
static int read_fd(int fd, const char *path, size_t max, char **buf, size_t *len, struct bb_diag *d)
{
	int err = read_all(fd, path, max, buf, len, true, d);

	close(fd);
	return err;
}

int bb_read_file(const char *path, size_t max, char **buf, size_t *len, struct bb_diag *d)
{
	int fd;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return bb_diag_set(d, -errno, "%s: %s", path, strerror(errno));
	return read_fd(fd, path, max, buf, len, d);
}

int bb_results_read(const char *path, size_t max, char **buf, size_t *len, struct bb_diag *d)
{
	int fd;

	*buf = NULL;
	*len = 0;
	fd = bb_results_open(path, NULL, d);
	if (fd < 0)
		return fd;
	return read_fd(fd, path, max, buf, len, d);
}

size_t bb_spec_public(const char *spec, char *out, size_t len)
{
	const char *q = strchr(spec, '?');
	size_t need = 0;

	/* each part after the last, as far as @out holds it; @need counts on past the end, as snprintf does */
#define PUT(...)                                                                                          \
	do {                                                                                              \
		int w_ = snprintf(need < len ? out + need : NULL, need < len ? len - need : 0, __VA_ARGS__); \
		need += w_ > 0 ? (size_t)w_ : 0;                                                          \
	} while (0)
	PUT("%.*s", q ? (int)(q - spec + 1) : (int)strlen(spec), spec);
	for (const char *o = q ? q + 1 : NULL; o; ) {
		const char *amp = strchr(o, '&'), *eq = strchr(o, '=');
		size_t n = amp ? (size_t)(amp - o) : strlen(o);
		bool secret = eq && (size_t)(eq - o) < n && eq - o >= 5 && !strncmp(eq - 5, "token", 5);

		if (secret)
			PUT("%.*shidden%s", (int)(eq - o + 1), o, amp ? "&" : "");
		else
			PUT("%.*s%s", (int)n, o, amp ? "&" : "");
		o = amp ? amp + 1 : NULL;
	}
#undef PUT
	return need;
}
