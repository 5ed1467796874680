// SPDX-License-Identifier: MIT
/* A measuring session (session.h): folder, lock, clock, placement, counters, signals, runs, manifest. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "session.h"

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

int bb_session_open(struct bb_session *s, const char *out, bool create, struct bb_diag *d)
{
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	s->out = out;
	s->skipped = json_array();
	s->failed = json_array();
	if (!s->skipped || !s->failed)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	if (!out)
		return 0;
	if (create)
		err = bb_results_dir(out, d);
	if (!err) {
		/* locked for the whole session: a second run, study or report into the folder is refused */
		s->lock_fd = bb_results_lock(out, d);
		err = s->lock_fd < 0 ? s->lock_fd : 0;
	}
	return err;
}

int bb_session_measure(struct bb_session *s, int cpu, int node, struct bb_diag *d)
{
	/* pinned first: the clock is measured on the CPU that will time the accesses */
	int err = bb_place(cpu, node, &s->pl, d);

	if (err) {
		bb_diag_prefix(d, "placement");
		return err;
	}
	err = bb_tsc_init(&s->tsc, d);
	if (err) {
		bb_diag_prefix(d, "TSC");
		return err;
	}
	s->overhead = bb_tsc_overhead(20000);
	/* a counter this machine cannot count is recorded as missing (with why), never fatal */
	s->have_ctr = !bb_counters_open(&s->ctr, NULL);
	s->ctr_open = true;
	bb_sysinfo_collect(&s->si, NULL);
	s->measuring = true;
	return 0;
}

void bb_session_catch_signals(struct bb_session *s)
{
	struct sigaction sa;

	stop_sig = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESETHAND | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
	/* a signal the parent chose to ignore stays ignored */
	if (s->old_int.sa_handler == SIG_IGN)
		sigaction(SIGINT, &s->old_int, NULL);
	if (s->old_term.sa_handler == SIG_IGN)
		sigaction(SIGTERM, &s->old_term, NULL);
	s->signals = true;
}

void bb_session_release_signals(struct bb_session *s)
{
	if (!s->signals)
		return;
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
	s->signals = false;
}

int bb_session_stopped(void)
{
	return stop_sig;
}

static int add_owned(struct bb_session *s, char *line, struct bb_diag *d)
{
	if (s->nlines == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		char **nv = realloc(s->lines, nc * sizeof(*nv));

		if (!nv) {
			free(line);
			return bb_diag_set(d, -ENOMEM, "out of memory");
		}
		s->lines = nv;
		s->cap = nc;
	}
	s->lines[s->nlines++] = line;
	return 0;
}

int bb_session_add_line(struct bb_session *s, const char *line, struct bb_diag *d)
{
	size_t n = strlen(line);
	char *c = malloc(n + 2);

	if (!c)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	memcpy(c, line, n);
	c[n] = '\n';
	c[n + 1] = '\0';
	return add_owned(s, c, d);
}

int bb_session_add_row(struct bb_session *s, const struct bb_run_row *row, struct bb_diag *d)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	int err;

	if (!f)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	bb_runs_csv_row(f, row);
	if (fclose(f)) {
		free(line);
		return bb_diag_set(d, -ENOMEM, "out of memory");
	}
	err = add_owned(s, line, d);
	return err ? err : bb_session_write_runs(s, d);
}

static int write_lines(FILE *f, void *arg)
{
	const struct bb_session *s = arg;

	fprintf(f, "%s\n", bb_runs_csv_header());
	for (size_t i = 0; i < s->nlines; i++)
		fputs(s->lines[i], f);
	return ferror(f) ? -EIO : 0;
}

int bb_session_write_runs(struct bb_session *s, struct bb_diag *d)
{
	char path[4096];

	if (!s->out)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/runs.csv", s->out) >= sizeof(path))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: path too long", s->out);
	return bb_write_atomic(path, write_lines, s, d);
}

static void entry(struct bb_session *s, json_t *arr, const char *what, const char *key, const char *why)
{
	/* a lost entry is not silent: the manifest is then refused (bb_session_manifest) */
	if (json_array_append_new(arr, json_pack("{s:o,s:o}", "run", bb_json_str(what), key, bb_json_str(why))))
		s->lost = true;
}

void bb_session_skip(struct bb_session *s, const char *what, const char *why)
{
	s->nskipped++;
	entry(s, s->skipped, what, "why", why);
}

void bb_session_fail(struct bb_session *s, const char *what, const char *error)
{
	s->nfailed++;
	entry(s, s->failed, what, "error", error);
}

/* The counters this machine cannot count, each with why. */
static json_t *counters_missing(const struct bb_session *s)
{
	json_t *o = json_object();

	for (int i = 0; o && i < BB_CTR_COUNT; i++) {
		if (s->ctr.have[i])
			continue;
		if (json_object_set_new(o, bb_counter_name((enum bb_counter_id)i),
					bb_json_str(s->ctr.why[i][0] ? s->ctr.why[i] : "not opened"))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int bb_session_manifest(struct bb_session *s, int argc, char *const *argv, json_t *extra, struct bb_diag *d)
{
	json_t *all;
	int err;

	if (!s->out)
		return 0;
	if (s->lost)
		return bb_diag_set(d, -ENOMEM, "out of memory: a skipped or failed run was not recorded");
	all = extra ? json_deep_copy(extra) : json_pack("{s:s}", "tool", "barbench");
	if (!json_is_object(all)) {
		json_decref(all);
		return bb_diag_set(d, extra ? -EINVAL : -ENOMEM, "manifest: the command's members are not a JSON object");
	}
	err = s->measuring && (json_object_set_new(all, "tsc_overhead_cycles", bb_json_u64(s->overhead)) ||
			       json_object_set_new(all, "counters_missing", counters_missing(s)));
	err |= json_object_set(all, "skipped", s->skipped) || json_object_set(all, "failed", s->failed);
	if (err) {
		json_decref(all);
		return bb_diag_set(d, -ENOMEM, "out of memory");
	}
	err = bb_manifest_write(s->out, s->measuring ? &s->si : NULL, s->measuring ? &s->tsc : NULL,
				s->measuring ? &s->pl : NULL, argc, argv, all, d);
	json_decref(all);
	return err;
}

void bb_session_close(struct bb_session *s)
{
	bb_session_release_signals(s);
	if (s->ctr_open)
		bb_counters_close(&s->ctr);
	json_decref(s->skipped);
	json_decref(s->failed);
	for (size_t i = 0; i < s->nlines; i++)
		free(s->lines[i]);
	free(s->lines);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
}
