// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "barbench/policy.h"
#include "cli.h"
#include "json.h"
#include "parse.h"

static char *capture;
static size_t capture_len;

void bb_cli_capture(char *buf, size_t len)
{
	capture = len ? buf : NULL;
	capture_len = len;
	if (capture)
		capture[0] = '\0';
}

int bb_cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	if (capture) {
		/* the first message is the one that says why */
		if (!capture[0]) {
			va_start(ap, fmt);
			vsnprintf(capture, capture_len, fmt, ap);
			va_end(ap);
		}
		return status;
	}
	fputs("barbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int bb_cli_status(int err)
{
	switch (-err) {
	case EINVAL:
	case ERANGE:
	case E2BIG:
	case EFBIG:
	case ENOENT:
	case ENAMETOOLONG:
	case EAGAIN:
	case ENOTSUP:
	case EPERM:
		return BB_EXIT_USAGE;
	default:
		return BB_EXIT_FAIL;
	}
}

int bb_cli_out_status(int err)
{
	return err == -EEXIST || err == -EINVAL ? BB_EXIT_USAGE : BB_EXIT_FAIL;
}

static bool layout_name(const char *name)
{
	const char *dot = strchr(name, '.');

	return name[0] != '.' && (!dot || (!strcmp(dot, ".layout") && dot > name));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void bb_cli_names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int bb_cli_layout_files(const char *dir, size_t max, char ***out, size_t *n, struct bb_diag *d)
{
	int dl = (int)strlen(dir), err = 0;
	size_t cap = 0;
	struct dirent *e;
	char **v = NULL;
	DIR *dh;

	*out = NULL;
	*n = 0;
	if (dl > 0 && dir[dl - 1] == '/')
		dl--;	/* "layouts/" names its files layouts/NAME, "/" its /NAME */
	dh = opendir(dir);
	if (!dh)
		return bb_diag_set(d, -errno, "%s: %s", dir, strerror(errno));
	while (!err && (errno = 0, e = readdir(dh))) {
		char path[4096];
		struct stat st;

		if (!layout_name(e->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%.*s/%s", dl, dir, e->d_name) >= sizeof(path)) {
			err = bb_diag_set(d, -ENAMETOOLONG, "%.*s/%s: path too long", dl, dir, e->d_name);
		} else if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			continue;	/* a sub-folder, a dangling link: not a layout */
		} else if (*n == max) {
			err = bb_diag_set(d, -E2BIG, "%s: more than %zu layouts", dir, max);
		} else {
			if (*n == cap) {
				char **nv = realloc(v, (cap ? 2 * cap : 32) * sizeof(*nv));

				if (!nv) {
					err = bb_diag_set(d, -ENOMEM, "%s: out of memory", dir);
					break;
				}
				v = nv;
				cap = cap ? 2 * cap : 32;
			}
			if (!(v[*n] = strdup(path)))
				err = bb_diag_set(d, -ENOMEM, "%s: out of memory", dir);
			else
				(*n)++;
		}
	}
	if (!err && errno)
		err = bb_diag_set(d, -errno, "%s: %s", dir, strerror(errno));
	closedir(dh);
	if (err) {
		bb_cli_names_free(v, *n);
		*n = 0;
		return err;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_names);
	*out = v;
	return 0;
}

int bb_cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, struct bb_diag *d)
{
	char *p;
	int err = bb_read_file(path, max, &p, len, d);

	*buf = err ? NULL : (uint8_t *)p;
	return err;
}

int bb_cli_bad_option(const char *cmd, int c, const char *arg)
{
	if (c == ':')
		return bb_cli_fail(BB_EXIT_USAGE, "%s: option '%s' needs a value (see barbench %s --help)", cmd, arg, cmd);
	return bb_cli_fail(BB_EXIT_USAGE, "%s: unknown option '%s' (see barbench %s --help)", cmd, arg, cmd);
}

size_t bb_cli_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], i, j;

	if (lb >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0], tmp;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev + (a[i - 1] != b[j - 1]);

			tmp = row[j];
			row[j] = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			if (sub < row[j])
				row[j] = sub;
			prev = tmp;
		}
	}
	return row[lb];
}

const struct bb_cmd *bb_cmd_find(const struct bb_cmd *const *cmds, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cmds[i]->name, name))
			return cmds[i];
	return NULL;
}

const struct bb_cmd *bb_cmd_nearest(const struct bb_cmd *const *cmds, size_t n, const char *name)
{
	const struct bb_cmd *best = NULL;
	size_t bd = 3, np = 0;

	/* a prefix of one command's name is that command ('lay' is layout, not plan) */
	for (size_t i = 0; i < n; i++) {
		if (*name && !strncmp(cmds[i]->name, name, strlen(name))) {
			best = cmds[i];
			np++;
		}
	}
	if (np == 1)
		return best;
	best = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t dd = bb_cli_distance(name, cmds[i]->name);

		if (dd < bd) {
			bd = dd;
			best = cmds[i];
		}
	}
	return best;
}

int bb_cli_finish(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "barbench: writing standard output failed: %s\n", strerror(errno));
		return status ? status : BB_EXIT_FAIL;
	}
	return status;
}

int bb_cli_param_add(const char *cmd, const char *arg, struct bb_param *params, char (*keys)[64], unsigned *n)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= 64)
		return bb_cli_fail(BB_EXIT_USAGE, "%s: --param %s: want KEY=VALUE", cmd, arg);
	if (*n >= BB_POLICY_MAX_PARAMS)
		return bb_cli_fail(BB_EXIT_USAGE, "%s: at most %d --param", cmd, BB_POLICY_MAX_PARAMS);
	for (unsigned i = 0; i < *n; i++)
		if (strlen(keys[i]) == (size_t)(eq - arg) && !memcmp(keys[i], arg, (size_t)(eq - arg)))
			return bb_cli_fail(BB_EXIT_USAGE, "%s: --param %s: %s is already %s=%s; give each key once", cmd,
					   arg, keys[i], keys[i], params[i].value);
	memcpy(keys[*n], arg, (size_t)(eq - arg));
	keys[*n][eq - arg] = '\0';
	params[*n].key = keys[*n];
	params[*n].value = eq + 1;
	(*n)++;
	return 0;
}

int bb_cli_json(json_t *doc)
{
	int err = bb_json_write(stdout, doc, 0);

	if (err == -ENOMEM)
		return bb_cli_fail(BB_EXIT_FAIL, "out of memory building the JSON document");
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "writing standard output failed: %s", strerror(errno));
	return BB_EXIT_OK;
}
