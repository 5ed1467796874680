// SPDX-License-Identifier: MIT
/*
 * What makes a folder a barbench results folder, and what `run --force`
 * clears there.  A folder is barbench's when its manifest.json is a JSON
 * object whose "schema" is "barbench-manifest/N" (every run and study
 * writes it before its first row, so a runs.csv of barbench's always has
 * one beside it).  There, the names barbench writes are barbench's and all
 * of them go: the files at the top, the samples files, the figures a report
 * draws, the advise-* folders a study makes.  A folder without such a
 * manifest holds nothing barbench wrote: nothing in it is removed, and one
 * whose runs.csv or manifest.json is someone else's is refused.  Everything
 * is done through the descriptors of the folders, never through a symlink.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "advise.h"
#include "manifest.h"
#include "barbench/result.h"

#define MANIFEST_MAX (16u << 20)
#define NOT_OURS "not a results folder barbench wrote: barbench replaces nothing there; move it away, or choose another --out"

/* @t is the tail bb_write_atomic gives a temporary: ".tmp.<digits>". */
static bool tmp_tail(const char *t)
{
	return !strncmp(t, ".tmp.", 5) && t[5] && strspn(t + 5, "0123456789") == strlen(t + 5);
}

/* @name is @base, or a temporary bb_write_atomic left of it: "@base.tmp.<digits>". */
static bool is_or_tmp(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (!name[n] || tmp_tail(name + n));
}

static bool any_of(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_or_tmp(name, list[i]))
			return true;
	return false;
}

/* The files a run, a study or a report writes at the top of a results folder (manifest.json apart: last). */
static bool top_file(const char *name)
{
	static const char *const files[] = { "runs.csv", "study.txt", "plans.csv", "costs.txt", "advise.csv",
					     "report.md", "details.md", "summary.json" };

	return any_of(name, files, sizeof(files) / sizeof(files[0]));
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n > t && !strcmp(s + n - t, tail);
}

/* samples/: GROUP.bbs, and the ID.csv or ID.csv.gz of an older barbench, or their temporaries. */
static bool samples_file(const char *name)
{
	const char *t = strstr(name, ".tmp.");
	char base[256];

	if (t) {
		size_t n = (size_t)(t - name);

		if (n >= sizeof(base) || !tmp_tail(t))
			return false;
		memcpy(base, name, n);
		base[n] = '\0';
		name = base;
	}
	return ends_with(name, ".bbs") || ends_with(name, ".csv") || ends_with(name, ".csv.gz");
}

/*
 * figures/: what analysis/figures.c names its figures and their sources,
 * cdf-NN, bars-NN, pagemap-NN (-win, -sweep), slots-PAGE (-maps), advise,
 * overview and all, as .png, .svg, .gp or .dat; and gnuplot.log.
 */
static const char *const drawn_exts[] = { ".png", ".svg", ".gp", ".dat" };

static bool figure_file(const char *name)
{
	static const char *const numbered[] = { "cdf-", "bars-", "pagemap-", "slots-" };
	static const char *const tails[] = { "", "-win", "-sweep", "-maps" };
	static const char *const fixed[] = { "advise", "overview", "all" };
	size_t n = strlen(name), stem = 0;

	if (!strcmp(name, "gnuplot.log"))
		return true;
	for (size_t i = 0; i < sizeof(drawn_exts) / sizeof(drawn_exts[0]) && !stem; i++)
		if (ends_with(name, drawn_exts[i]))
			stem = n - strlen(drawn_exts[i]);
	if (!stem)
		return false;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strlen(fixed[i]) == stem && !strncmp(name, fixed[i], stem))
			return true;
	for (size_t i = 0; i < sizeof(numbered) / sizeof(numbered[0]); i++) {
		size_t p = strlen(numbered[i]), digits;

		if (strncmp(name, numbered[i], p))
			continue;
		digits = strspn(name + p, "0123456789");
		if (!digits || p + digits > stem)
			return false;
		for (size_t k = 0; k < sizeof(tails) / sizeof(tails[0]); k++)
			if (strlen(tails[k]) == stem - p - digits && !strncmp(name + p + digits, tails[k], stem - p - digits))
				return true;
		return false;
	}
	return false;
}

/* A drawing folder a report killed mid-way left in figures/ (bb_draw_dir): its files are drawn kinds. */
static bool drawn_file(const char *name)
{
	for (size_t i = 0; i < sizeof(drawn_exts) / sizeof(drawn_exts[0]); i++)
		if (ends_with(name, drawn_exts[i]))
			return true;
	return !strcmp(name, "gnuplot.log");
}

static bool draw_dir(const char *name)
{
	return !strncmp(name, ".draw-", 6) && strlen(name) == 18 && strspn(name + 6, "0123456789abcdef") == 12;
}

/* advise-LAYOUT/: what a study's advise writes there: advise.csv, baseline and a layout per change. */
static bool advise_file(const char *name)
{
	if (is_or_tmp(name, "advise.csv") || is_or_tmp(name, "baseline"))
		return true;
	for (int c = 0; c < BB_CHANGE_COUNT; c++)
		if (is_or_tmp(name, bb_change_name((enum bb_change)c)))
			return true;
	return false;
}

static bool advise_dir(const char *name)
{
	size_t n = strlen(name);

	return n > 7 && !strncmp(name, "advise-", 7) &&
	       strspn(name + 7, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") == n - 7;
}

static int clear_sub(int dfd, const char *dir, const char *name, bool (*ours)(const char *),
		     bool (*sub)(const char *), bool (*in_sub)(const char *), bool rm_after, struct bb_diag *d);

/*
 * In the folder @fd (@path in messages; the descriptor is taken), each
 * regular file or symlink (the link itself) whose name @ours accepts is
 * unlinked; with @sub, each real folder @sub accepts is cleared by @in_sub
 * and removed when that left it empty.  Nothing else is touched.
 */
static int clear_fd(int fd, const char *path, bool (*ours)(const char *), bool (*sub)(const char *),
		    bool (*in_sub)(const char *), struct bb_diag *d)
{
	DIR *dh = fdopendir(fd);
	struct dirent *e;
	int err = 0;

	if (!dh) {
		err = bb_diag_set(d, -errno, "%s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	while (!err && (errno = 0, e = readdir(dh))) {
		struct stat sb;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(dirfd(dh), e->d_name, &sb, AT_SYMLINK_NOFOLLOW))
			continue;
		if ((S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) && ours(e->d_name)) {
			if (unlinkat(dirfd(dh), e->d_name, 0) && errno != ENOENT)
				err = bb_diag_set(d, -errno, "%s/%s: %s", path, e->d_name, strerror(errno));
		} else if (S_ISDIR(sb.st_mode) && sub && sub(e->d_name)) {
			err = clear_sub(dirfd(dh), path, e->d_name, in_sub, NULL, NULL, true, d);
		}
	}
	if (!err && errno)
		err = bb_diag_set(d, -errno, "%s: %s", path, strerror(errno));
	closedir(dh);
	return err;
}

/* The subfolder @name of @dfd cleared as clear_fd says; a symlink or a file there is not barbench's: left. */
static int clear_sub(int dfd, const char *dir, const char *name, bool (*ours)(const char *),
		     bool (*sub)(const char *), bool (*in_sub)(const char *), bool rm_after, struct bb_diag *d)
{
	char p[4096];
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err;

	if (fd < 0)
		return 0;	/* none, a symlink (never followed) or not a folder */
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	err = clear_fd(fd, p, ours, sub, in_sub, d);
	if (!err && rm_after && unlinkat(dfd, name, AT_REMOVEDIR) && errno != ENOTEMPTY && errno != EEXIST)
		err = bb_diag_set(d, -errno, "%s: %s", p, strerror(errno));
	return err;
}

/*
 * 1 when DIR's manifest.json (in @dfd) is barbench's, 0 when there is none,
 * -EINVAL naming why it is not.
 */
static int manifest_ours(int dfd, const char *dir, struct bb_diag *d)
{
	int fd = openat(dfd, "manifest.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	const char *schema;
	json_error_t je;
	struct stat sb;
	json_t *root;
	bool ours;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno == ELOOP)
		return bb_diag_set(d, -EINVAL, "%s/manifest.json: a symbolic link: " NOT_OURS, dir);
	if (fd < 0)
		return bb_diag_set(d, -errno, "%s/manifest.json: %s", dir, strerror(errno));
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size > MANIFEST_MAX) {
		close(fd);
		return bb_diag_set(d, -EINVAL, "%s/manifest.json: not a regular file of at most %u bytes: " NOT_OURS, dir,
				   MANIFEST_MAX);
	}
	root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	close(fd);
	schema = json_string_value(json_object_get(root, "schema"));
	ours = schema && !strncmp(schema, BB_MANIFEST_SCHEMA_PREFIX, strlen(BB_MANIFEST_SCHEMA_PREFIX));
	json_decref(root);
	if (!ours)
		return bb_diag_set(d, -EINVAL, "%s/manifest.json: %s: " NOT_OURS, dir,
				   !root ? "not JSON" : "no \"schema\": \"" BB_MANIFEST_SCHEMA_PREFIX "N\"");
	return 1;
}

/* bb_results_held of the folder @dfd. */
static int held_at(int dfd, const char *dir, struct bb_diag *d)
{
	struct stat sb;
	int m = manifest_ours(dfd, dir, d);

	if (m)
		return m;
	if (!fstatat(dfd, "runs.csv", &sb, AT_SYMLINK_NOFOLLOW))
		return bb_diag_set(d, -EINVAL, "%s/runs.csv: no barbench manifest.json beside it: " NOT_OURS, dir);
	return 0;
}

int bb_results_held(const char *dir, struct bb_diag *d)
{
	/* --out is the user's own path (it may be a symlink they made); nothing inside it is followed */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), held;

	if (dfd < 0)
		return errno == ENOENT ? 0 : bb_diag_set(d, -errno, "%s: %s", dir, strerror(errno));
	held = held_at(dfd, dir, d);
	close(dfd);
	return held;
}

int bb_results_clear(const char *dir, struct bb_diag *d)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), top, err;

	if (dfd < 0)
		return errno == ENOENT ? 0 : bb_diag_set(d, -errno, "%s: %s", dir, strerror(errno));
	err = held_at(dfd, dir, d);
	if (err <= 0) {
		close(dfd);
		return err;	/* 0: nothing of barbench's here, nothing removed */
	}
	/* the top files and the advise-* folders, then samples/ and figures/ (its drawing folders too) */
	top = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = top < 0 ? bb_diag_set(d, -errno, "%s: %s", dir, strerror(errno)) :
	      clear_fd(top, dir, top_file, advise_dir, advise_file, d);
	if (!err)
		err = clear_sub(dfd, dir, "samples", samples_file, NULL, NULL, false, d);
	if (!err)
		err = clear_sub(dfd, dir, "figures", figure_file, draw_dir, drawn_file, true, d);
	/* the manifest last: a clear cut short leaves a folder still known as barbench's */
	if (!err && unlinkat(dfd, "manifest.json", 0) && errno != ENOENT)
		err = bb_diag_set(d, -errno, "%s/manifest.json: %s", dir, strerror(errno));
	close(dfd);
	return err;
}
