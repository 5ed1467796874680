// SPDX-License-Identifier: MIT
/* The cost model and access profiles (include/barbench/model.h). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/model.h"
#include "parse.h"
#include "runs_csv.h"

void bb_cost_default(struct bb_cost *c)
{
	memset(c, 0, sizeof(*c));
	/* barbench calibrate on the Firecracker VM, 500,000 4-byte samples, medians */
	c->ns[BB_PATH_MAP][0] = 1.5;
	c->ns[BB_PATH_MAP][1] = 12.3;
	c->ns[BB_PATH_TRAP][0] = 173.8;
	c->ns[BB_PATH_TRAP][1] = 275.4;
	/* setup measured by barbench run (setup_ns of one-mapping plans) on the same machine */
	c->map_posted_write_ns = 1.7;	/* barbench run, doorbell workload, full plan */
	c->per_mapping_ns = 6000;
	c->per_memslot_ns = 0;
	snprintf(c->trap_path, sizeof(c->trap_path), "pread");
	snprintf(c->source, sizeof(c->source), "built-in defaults (barbench calibrate, Firecracker VM, 2026-11-25)");
}

static const struct {
	const char *key;
	size_t off;
} keys[] = {
	{ "map_read_ns", offsetof(struct bb_cost, ns[0][0]) },
	{ "map_write_ns", offsetof(struct bb_cost, ns[0][1]) },
	{ "trap_read_ns", offsetof(struct bb_cost, ns[1][0]) },
	{ "trap_write_ns", offsetof(struct bb_cost, ns[1][1]) },
	{ "map_posted_write_ns", offsetof(struct bb_cost, map_posted_write_ns) },
	{ "per_mapping_ns", offsetof(struct bb_cost, per_mapping_ns) },
	{ "per_memslot_ns", offsetof(struct bb_cost, per_memslot_ns) },
};

/* The keys of a cost file: keys[] by index, then trap_path and source. */
#define NR_NUM_KEYS (sizeof(keys) / sizeof(keys[0]))
enum { COST_TRAP_PATH = NR_NUM_KEYS, COST_SOURCE, COST_KEYS };

/* The bytes of line @line (@n of them at @p) are text: no NUL, no control character but a tab (and a CR at the end). */
static int cost_bytes(const char *p, size_t *n, const char *name, unsigned line, struct bb_diag *d)
{
	if (*n && p[*n - 1] == '\r')
		(*n)--;
	if (*n > 255)
		return bb_diag_set(d, -EINVAL, "%s:%u: a line longer than 255 bytes", name, line);
	for (size_t i = 0; i < *n; i++)
		if ((unsigned char)p[i] < 0x20 ? p[i] != '\t' : p[i] == 0x7f)
			return bb_diag_set(d, -EINVAL, "%s:%u: %s 0x%02x at column %zu: a cost model is text", name,
					   line, p[i] ? "control character" : "NUL byte", (unsigned char)p[i], i + 1);
	return 0;
}

/* One line (comment cut): 0 or -EINVAL naming the line; @first[k] is the line of key k seen before (0: none). */
static int cost_line(char *buf, const char *name, unsigned line, unsigned *first, struct bb_cost *out,
		     struct bb_diag *d)
{
	char key[64], val[128], extra[8];
	unsigned k;
	double v;
	int got;

	if (!strncmp(buf, "source ", 7)) {	/* free text to the end of the line */
		k = COST_SOURCE;
		if (strlen(buf + 7) >= sizeof(out->source))
			return bb_diag_set(d, -EINVAL, "%s:%u: source: longer than %zu bytes", name, line,
					   sizeof(out->source) - 1);
		snprintf(out->source, sizeof(out->source), "%s", buf + 7);
		goto seen;
	}
	got = sscanf(buf, "%63s %127s %7s", key, val, extra);
	if (got <= 0)
		return 0;
	if (got != 2)
		return bb_diag_set(d, -EINVAL, "%s:%u: want 'key value'", name, line);
	if (!strcmp(key, "trap_path")) {
		k = COST_TRAP_PATH;
		if (!bb_results_text_ok(BB_TEXT_NAME, val, sizeof(out->trap_path), NULL))
			return bb_diag_set(d, -EINVAL, "%s:%u: trap_path '%.20s': a name of at most %zu characters "
					   "A-Z a-z 0-9 . _ + -", name, line, val, sizeof(out->trap_path) - 1);
		snprintf(out->trap_path, sizeof(out->trap_path), "%s", val);
		goto seen;
	}
	for (k = 0; k < NR_NUM_KEYS; k++)
		if (!strcmp(keys[k].key, key))
			break;
	if (k == NR_NUM_KEYS)
		return bb_diag_set(d, -EINVAL, "%s:%u: unknown key '%s'", name, line, key);
	/* decimal only, as calibrate writes and runs.csv reads: strtod alone takes hex (0x51.5), inf and nan */
	if (bb_results_double(val, &v) || !(v >= 0) || v > 1e12)
		return bb_diag_set(d, -EINVAL, "%s:%u: %s %s: want a number of ns >= 0", name, line, key, val);
	*(double *)((char *)out + keys[k].off) = v;
seen:
	/* a key twice: which one a reader takes is a guess (this one took the last) */
	if (first[k])
		return bb_diag_set(d, -EINVAL, "%s:%u: %s again (first at line %u)", name, line,
				   k == COST_SOURCE ? "source" : k == COST_TRAP_PATH ? "trap_path" : keys[k].key, first[k]);
	first[k] = line;
	return 0;
}

int bb_cost_parse(const char *text, size_t len, const char *name, struct bb_cost *out, struct bb_diag *d)
{
	unsigned line = 0, first[COST_KEYS] = { 0 };
	size_t pos = 0;

	bb_cost_default(out);
	snprintf(out->source, sizeof(out->source), "%s", name);
	while (pos < len) {
		char buf[256];
		size_t e = pos, n;
		int err;

		while (e < len && text[e] != '\n')
			e++;
		n = e - pos;
		line++;
		/* checked whole before it is cut: a long line was cut at 255 bytes without a word, a NUL ended it */
		err = cost_bytes(text + pos, &n, name, line, d);
		if (err)
			return err;
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos = e + 1;
		if (strchr(buf, '#'))
			*strchr(buf, '#') = '\0';
		err = cost_line(buf, name, line, first, out, d);
		if (err)
			return err;
	}
	for (unsigned k = 0; k < 4; k++)
		if (!first[k])
			return bb_diag_set(d, -EINVAL, "%s: needs map_read_ns, map_write_ns, trap_read_ns and "
					   "trap_write_ns", name);
	return 0;
}

int bb_cost_load(const char *path, struct bb_cost *out, struct bb_diag *d)
{
	char *buf;
	size_t n;
	int err = bb_read_file(path, 1u << 16, &buf, &n, d);	/* a cost model is a few hundred bytes */

	if (err)
		return err;
	err = bb_cost_parse(buf, n, path, out, d);
	free(buf);
	return err;
}

void bb_cost_write(FILE *f, const struct bb_cost *c)
{
	fprintf(f, "# barbench cost model: ns per access by path and op, setup ns\n");
	fputs("source ", f);
	/* a device spec in it may hold any byte: written as text the reader takes back (a newline would start a line) */
	for (const char *p = c->source[0] ? c->source : "unknown"; *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f || *p == '#' ? '?' : *p, f);
	fputc('\n', f);
	fprintf(f, "trap_path %s\n", c->trap_path);
	for (size_t k = 0; k < NR_NUM_KEYS; k++)
		fprintf(f, "%s %.3f\n", keys[k].key, *(const double *)((const char *)c + keys[k].off));
}

void bb_profile_free(struct bb_profile *p)
{
	if (!p)
		return;
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

int bb_profile_add(struct bb_profile *p, uint64_t offset, unsigned width, unsigned op, double weight)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].offset == offset && p->v[i].width == width && p->v[i].op == op) {
			p->v[i].weight += weight;
			return 0;
		}
	}
	return bb_profile_push(p, offset, width, op, weight);
}

int bb_profile_push(struct bb_profile *p, uint64_t offset, unsigned width, unsigned op, double weight)
{
	/* room for a power of two of entries: grown when n reaches one (amortised O(1), no capacity field) */
	if (!p->n || !(p->n & (p->n - 1))) {
		struct bb_profile_entry *n = realloc(p->v, (p->n ? p->n * 2 : 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->v = n;
	}
	p->v[p->n++] = (struct bb_profile_entry){ offset, (uint8_t)width, (uint8_t)(op ? 1 : 0), weight };
	return 0;
}

unsigned long long bb_profile_comparisons;

/* An entry and where it stood: sorted by key, equal keys in the order they came. */
struct placed {
	struct bb_profile_entry e;
	size_t at;
};

static int cmp_placed(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;

	bb_profile_comparisons++;
	if (x->e.offset != y->e.offset)
		return x->e.offset < y->e.offset ? -1 : 1;
	if (x->e.width != y->e.width)
		return x->e.width < y->e.width ? -1 : 1;
	if (x->e.op != y->e.op)
		return x->e.op < y->e.op ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

int bb_profile_merge(struct bb_profile *p)
{
	struct placed *s;
	size_t k = 0;
	bool *gone;

	if (p->n < 2)
		return 0;
	s = malloc(p->n * sizeof(*s));
	gone = calloc(p->n, sizeof(*gone));
	if (!s || !gone) {
		free(s);
		free(gone);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++)
		s[i] = (struct placed){ p->v[i], i };
	qsort(s, p->n, sizeof(*s), cmp_placed);
	for (size_t i = 1, first = 0; i < p->n; i++) {
		const struct bb_profile_entry *f = &s[first].e, *e = &s[i].e;

		if (e->offset == f->offset && e->width == f->width && e->op == f->op) {
			p->v[s[first].at].weight += e->weight;	/* in the order they came, as bb_profile_add sums them */
			gone[s[i].at] = true;
		} else {
			first = i;
		}
	}
	for (size_t i = 0; i < p->n; i++)
		if (!gone[i])
			p->v[k++] = p->v[i];
	p->n = k;
	free(s);
	free(gone);
	return 0;
}

double bb_profile_weight(const struct bb_profile *p)
{
	double w = 0;

	for (size_t i = 0; i < p->n; i++)
		w += p->v[i].weight;
	return w;
}

double bb_predict_access_ns(const struct bb_cost *c, const struct bb_plan *plan, const struct bb_profile *pr)
{
	double t = 0, w = 0;

	for (size_t i = 0; i < pr->n; i++) {
		const struct bb_profile_entry *e = &pr->v[i];
		enum bb_path path = plan->applicable && bb_plan_mode_at(plan, e->offset) == BB_WIN_MAP &&
				    bb_plan_mode_at(plan, e->offset + e->width - 1) == BB_WIN_MAP ? BB_PATH_MAP : BB_PATH_TRAP;

		t += e->weight * c->ns[path][e->op];
		w += e->weight;
	}
	return w > 0 ? t / w : 0;
}

double bb_predict_setup_ns(const struct bb_cost *c, const struct bb_plan *plan)
{
	return plan->applicable ? plan->nr_mappings * c->per_mapping_ns + plan->memslots * c->per_memslot_ns : 0;
}

double bb_predict_cycle_ns(const struct bb_cost *c, const struct bb_plan *plan, const struct bb_access *acc,
			   size_t n, bool batched)
{
	double t = 0;

	for (size_t i = 0; i < n; i++) {
		bool mapped = plan->applicable && bb_plan_mode_at(plan, acc[i].offset) == BB_WIN_MAP &&
			      bb_plan_mode_at(plan, acc[i].offset + acc[i].width - 1) == BB_WIN_MAP;

		if (mapped && batched && acc[i].op == BB_OP_WRITE)
			t += c->map_posted_write_ns;
		else
			t += c->ns[mapped ? BB_PATH_MAP : BB_PATH_TRAP][acc[i].op ? 1 : 0];
	}
	return n ? t / (double)n : 0;
}
