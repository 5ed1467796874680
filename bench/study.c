// SPDX-License-Identifier: MIT
/* The study file parser (format: studies/README.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "barbench/backend.h"
#include "barbench/runner.h"
#include "study.h"

#define MAX_STUDY_BYTES (1u << 20)

struct sp {
	const char *name;
	unsigned line;
	struct bb_diag *d;
};

/* -EINVAL with "FILE:LINE: message" */
#define serr(sp, ...) bb_diag_at((sp)->d, (sp)->name, (sp)->line, __VA_ARGS__)

/* Split @s at commas into @out (each at most @w bytes). */
static int list(struct sp *sp, const char *key, char *s, char *out, size_t w, unsigned max, unsigned *n)
{
	*n = 0;
	if (!*s)
		return serr(sp, "%s: empty list", key);
	for (char *p = s;;) {
		char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!len)
			return serr(sp, "%s: empty item in '%s'", key, s);
		if (len >= w)
			return serr(sp, "%s: item longer than %zu characters", key, w - 1);
		if (*n == max)
			return serr(sp, "%s: more than %u items", key, max);
		for (unsigned i = 0; i < *n; i++)
			if (strlen(out + i * w) == len && !strncmp(out + i * w, p, len))
				return serr(sp, "%s: '%.*s' given twice", key, (int)len, p);
		memcpy(out + (*n) * w, p, len);
		out[(*n) * w + len] = '\0';
		(*n)++;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static int number(struct sp *sp, const char *key, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	int err = bb_parse_u64(v, out);

	if (err || *out < lo || *out > hi)
		return serr(sp, "%s %s: want a number from %" PRIu64 " to %" PRIu64, key, v, lo, hi);
	return 0;
}

static bool seen_key(struct sp *sp, const char *key, unsigned *seen, unsigned bit)
{
	(void)sp;
	(void)key;
	if (*seen & bit)
		return true;
	*seen |= bit;
	return false;
}

static int device(struct sp *sp, struct bb_study *st, char *args)
{
	const struct bb_backend_ops *ops;
	struct bb_study_device *dv;
	char *spec = strtok(args, " \t"), *opt;

	if (!spec)
		return serr(sp, "device: want a device spec (emu:LAYOUT or emu:DIR/*)");
	if (st->nr_devices == BB_STUDY_MAX_DEVICES)
		return serr(sp, "more than %d devices", BB_STUDY_MAX_DEVICES);
	ops = bb_backend_for(spec);
	if (!ops)
		return serr(sp, "device %s: not a device barbench knows (emu:LAYOUT, vfio:BDF, vfio-user:SOCKET)", spec);
	if (ops->flags & BB_BACKEND_NO_TRAP)
		return serr(sp, "device %s: a %s device has no trap path of its own, so a study cannot compare trapped "
			    "and mapped access on it (barbench vmm measures one from a guest)", spec, ops->name);
	dv = &st->devices[st->nr_devices];
	memset(dv, 0, sizeof(*dv));
	if (strlen(spec) >= sizeof(dv->spec))
		return serr(sp, "device: spec longer than %zu characters", sizeof(dv->spec) - 1);
	strcpy(dv->spec, spec);
	dv->auto_regions = true;
	dv->line = sp->line;
	while ((opt = strtok(NULL, " \t"))) {
		if (strncmp(opt, "regions=", 8))
			return serr(sp, "device %s: unknown option '%s' (regions=N,M|auto)", spec, opt);
		if (!strcmp(opt + 8, "auto"))
			continue;
		if (!opt[8])
			return serr(sp, "device %s: regions= needs a list (regions=0,2) or auto", spec);
		dv->auto_regions = false;
		for (char *p = opt + 8; *p;) {
			char *e = strchr(p, ','), tok[32];
			size_t len = e ? (size_t)(e - p) : strlen(p);
			uint64_t v;

			if (!len || len >= sizeof(tok))
				return serr(sp, "device %s: bad regions= list", spec);
			memcpy(tok, p, len);
			tok[len] = '\0';
			if (bb_parse_u64(tok, &v) || v > 0xffff)
				return serr(sp, "device %s: region '%s' is not a region index", spec, tok);
			if (dv->nr_regions == BB_STUDY_MAX_REGIONS)
				return serr(sp, "device %s: more than %d regions", spec, BB_STUDY_MAX_REGIONS);
			dv->regions[dv->nr_regions++] = (uint32_t)v;
			p += len;
			if (*p == ',')
				p++;
		}
	}
	st->nr_devices++;
	return 0;
}

/* "param KEY=VALUE": a policy parameter for every run. */
static int param(struct sp *sp, struct bb_study *st, const char *rest)
{
	const char *eq = strchr(rest, '=');

	if (!eq || eq == rest || !eq[1] || strchr(rest, ' '))
		return serr(sp, "param: want KEY=VALUE");
	if (st->nr_params == BB_STUDY_MAX_PARAMS)
		return serr(sp, "more than %d params", BB_STUDY_MAX_PARAMS);
	if ((size_t)(eq - rest) >= sizeof(st->param_keys[0]) || strlen(eq + 1) >= sizeof(st->param_values[0]))
		return serr(sp, "param: too long");
	memcpy(st->param_keys[st->nr_params], rest, (size_t)(eq - rest));
	st->param_keys[st->nr_params][eq - rest] = '\0';
	strcpy(st->param_values[st->nr_params], eq + 1);
	st->nr_params++;
	return 0;
}

/* The keys given at most once, with one value; their index is the case of set_key(). */
static const char *const keys[] = { "name", "samples", "warmup", "repetitions", "width", "policies", "page-sizes",
				    "runners", "workloads", "advise", "guest-samples", "guest-workloads" };
#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

static int set_width(struct sp *sp, struct bb_study *st, const char *key, const char *rest)
{
	uint64_t v;
	int err = number(sp, key, rest, 1, 8, &v);

	if (!err && v != 1 && v != 2 && v != 4 && v != 8)
		return serr(sp, "width %s: 1, 2, 4 or 8", rest);
	st->width = (unsigned)v;
	return err;
}

static int set_pages(struct sp *sp, struct bb_study *st, const char *key, char *rest)
{
	char tmp[BB_STUDY_MAX_LIST][32];
	int err = list(sp, key, rest, &tmp[0][0], sizeof(tmp[0]), BB_STUDY_MAX_LIST, &st->nr_pages);

	for (unsigned i = 0; !err && i < st->nr_pages; i++)
		if (bb_parse_page_size(tmp[i], &st->pages[i]))
			return serr(sp, "page-sizes: '%s' is not a power of two >= 4K", tmp[i]);
	return err;
}

static int set_runners(struct sp *sp, struct bb_study *st, const char *key, char *rest)
{
	int err = list(sp, key, rest, &st->runners[0][0], sizeof(st->runners[0]), BB_STUDY_MAX_LIST, &st->nr_runners);

	for (unsigned i = 0; !err && i < st->nr_runners; i++)
		if (!bb_runner_find(st->runners[i]))
			return serr(sp, "runners: '%s' is not one of %s", st->runners[i], bb_runner_names());
	return err;
}

/* keys[@k] = @rest. */
static int set_key(struct sp *sp, struct bb_study *st, unsigned k, char *rest)
{
	const char *key = keys[k];
	uint64_t v;
	int err = 0;

	switch (k) {
	case 0:
		if (strlen(rest) >= sizeof(st->name))
			return serr(sp, "name: longer than %zu characters", sizeof(st->name) - 1);
		strcpy(st->name, rest);
		return 0;
	case 1:
		return number(sp, key, rest, 10, 10000000, &st->samples);
	case 2:
		return number(sp, key, rest, 0, 10000000, &st->warmup);
	case 3:
		err = number(sp, key, rest, 1, 1000, &v);
		st->repetitions = (unsigned)v;
		return err;
	case 4:
		return set_width(sp, st, key, rest);
	case 5:
		if (!strcmp(rest, "all")) {
			st->all_policies = true;
			return 0;
		}
		return list(sp, key, rest, &st->policies[0][0], sizeof(st->policies[0]), BB_STUDY_MAX_LIST,
			    &st->nr_policies);
	case 6:
		return set_pages(sp, st, key, rest);
	case 7:
		return set_runners(sp, st, key, rest);
	case 8:
		return list(sp, key, rest, &st->workloads[0][0], sizeof(st->workloads[0]), BB_STUDY_MAX_LIST,
			    &st->nr_workloads);
	case 9:
		if (strcmp(rest, "yes") && strcmp(rest, "no"))
			return serr(sp, "advise %s: yes or no", rest);
		st->advise = !strcmp(rest, "yes");
		return 0;
	case 10:
		return number(sp, key, rest, 10, 10000000, &st->guest_samples);
	default:
		return list(sp, key, rest, &st->guest_workloads[0][0], sizeof(st->guest_workloads[0]),
			    BB_STUDY_MAX_LIST, &st->nr_guest_workloads);
	}
}

/* One statement "KEY VALUE"; @seen: the once-only keys given so far (a bit each). */
static int statement(struct sp *sp, struct bb_study *st, const char *key, char *rest, unsigned *seen)
{
	unsigned k;

	if (!strcmp(key, "device"))
		return device(sp, st, rest);
	if (!strcmp(key, "param"))
		return param(sp, st, rest);
	for (k = 0; k < NR_KEYS; k++)
		if (!strcmp(key, keys[k]))
			break;
	if (k == NR_KEYS)
		return serr(sp, "unknown key '%s' (name, samples, warmup, repetitions, width, device, "
			    "policies, page-sizes, runners, workloads, advise, guest-samples, guest-workloads, param)", key);
	if (seen_key(sp, key, seen, 1u << k))
		return serr(sp, "%s given twice", key);
	if (!*rest)
		return serr(sp, "%s: missing value", key);
	if (k != 0 && strpbrk(rest, " \t"))
		return serr(sp, "%s: one value (a comma list has no spaces)", key);
	return set_key(sp, st, k, rest);
}

/*
 * The next line of @text from *@pos into @line (@size bytes), without its
 * comment and trailing blanks: *@key its first word ("" for a blank line),
 * *@rest what follows it.
 */
static int next_line(struct sp *sp, const char *text, size_t len, size_t *pos, char *line, size_t size,
		     char **key, char **rest)
{
	size_t e = *pos, n;
	char *hash;

	while (e < len && text[e] != '\n')
		e++;
	n = e - *pos;
	sp->line++;
	if (n >= size)
		return serr(sp, "line longer than %zu bytes", size - 1);
	memcpy(line, text + *pos, n);
	line[n] = '\0';
	*pos = e + 1;
	if (memchr(line, '\0', n))
		return serr(sp, "NUL byte");
	if ((hash = strchr(line, '#')))
		*hash = '\0';
	for (char *p = line + strlen(line); p > line && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r'); p--)
		p[-1] = '\0';
	*key = line + strspn(line, " \t");
	*rest = *key + strcspn(*key, " \t");
	if (**rest) {
		*(*rest)++ = '\0';
		*rest += strspn(*rest, " \t");
	}
	return 0;
}

/* What a study leaves out: every policy, this page size, the host runner, lat-read. */
static void defaults(struct bb_study *st)
{
	if (!st->all_policies && !st->nr_policies)
		st->all_policies = true;
	if (!st->nr_pages) {
		st->pages[0] = 4096;
		st->nr_pages = 1;
	}
	if (!st->nr_runners) {
		strcpy(st->runners[0], "host");
		st->nr_runners = 1;
	}
	if (!st->nr_workloads) {
		strcpy(st->workloads[0], "lat-read");
		st->nr_workloads = 1;
	}
	if (st->warmup == UINT64_MAX)
		st->warmup = st->samples / 10 < 1000 ? st->samples / 10 : 1000;
}

int bb_study_parse(const char *text, size_t len, const char *name, struct bb_study *st, struct bb_diag *d)
{
	struct sp sp = { .name = name ? name : "study", .d = d };
	unsigned seen = 0;
	size_t pos = 0;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "study");
	st->samples = 2000;
	st->warmup = UINT64_MAX;
	st->repetitions = 6;
	st->width = 4;
	if (len > MAX_STUDY_BYTES)
		return bb_diag_set(d, -EFBIG, "%s: larger than %u bytes", sp.name, MAX_STUDY_BYTES);
	while (pos < len) {
		char line[1024], *key = NULL, *rest = NULL;
		int err = next_line(&sp, text, len, &pos, line, sizeof(line), &key, &rest);

		if (!err && *key)
			err = statement(&sp, st, key, rest, &seen);
		if (err)
			return err;
	}
	if (!st->nr_devices)
		return bb_diag_set(d, -EINVAL, "%s: no device line", sp.name);
	defaults(st);
	return 0;
}

int bb_study_load(const char *path, struct bb_study *out, struct bb_diag *d)
{
	char *buf;
	size_t n;
	int err;

	memset(out, 0, sizeof(*out));
	err = bb_read_file(path, MAX_STUDY_BYTES, &buf, &n, d);
	if (err)
		return err;
	err = bb_study_parse(buf, n, path, out, d);
	free(buf);
	return err;
}

void bb_study_hash(const void *buf, size_t len, char out[BB_STUDY_HASH_LEN])
{
	const unsigned char *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a, 64 bits */

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	snprintf(out, BB_STUDY_HASH_LEN, "fnv1a64:%016" PRIx64, h);
}
