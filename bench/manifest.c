// SPDX-License-Identifier: MIT
/* Atomic result files, system information and manifest.json; see manifest.h. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bb_version.h"
#include "manifest.h"
#include "placement.h"
#include "barbench/timing.h"

#ifndef BB_COMPILER
#define BB_COMPILER "unknown"
#endif
#ifndef BB_CFLAGS
#define BB_CFLAGS "unknown"
#endif
#ifndef BB_BUILD_TYPE
#define BB_BUILD_TYPE "unknown"
#endif
#ifndef BB_SOURCE_DIR
#define BB_SOURCE_DIR ""
#endif

#define MANIFEST_SCHEMA "barbench-manifest/1"

/* ---- atomic write ------------------------------------------------------ */

static void fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (!slash) {
		strcpy(dir, ".");
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)fsync(fd);	/* best effort: the rename already happened */
	close(fd);
}

int bb_write_atomic(const char *path, int (*writer)(FILE *f, void *arg), void *arg,
		    struct bb_diag *d)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd, err, n;

	if (!path || !*path || !writer)
		return bb_diag_set(d, -EINVAL, "write: no path or no writer");
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: path too long for a temporary file", path);

	/* O_EXCL|O_NOFOLLOW: a name planted in the folder (a symlink) is never written through */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* Left by an earlier process with our pid (or planted): unlink removes the name, not a target. */
		unlink(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return bb_diag_set(d, -errno, "%s: creating %s: %s", path, tmp, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		err = bb_diag_set(d, -errno, "%s: fdopen: %s", path, strerror(errno));
		close(fd);
		goto out_unlink;
	}

	/*
	 * A writer reports a stdio failure as -EIO (ferror); the errno of the
	 * write(2) that failed says why (ENOSPC on a full disk, EFBIG, EDQUOT):
	 * report that, naming the file, not "Input/output error".
	 */
	errno = 0;
	err = writer(f, arg);
	if (err) {
		int why = errno;

		if (err > 0)
			err = -EIO;
		if (err == -EIO && ferror(f) && why && why != EIO)
			err = -why;
		if (err == -EIO && !why) {	/* the failure may still sit in the buffer */
			errno = 0;
			if (fflush(f) && errno)
				err = -errno;
		}
		bb_diag_set(d, err, "%s: writing %s: %s", path, tmp, strerror(-err));
		goto out_close;
	}
	errno = 0;
	if (fflush(f) || ferror(f)) {
		err = errno ? -errno : -EIO;
		bb_diag_set(d, err, "%s: writing %s: %s", path, tmp, strerror(-err));
		goto out_close;
	}
	if (fsync(fileno(f))) {
		err = bb_diag_set(d, -errno, "%s: fsync of %s: %s", path, tmp, strerror(errno));
		goto out_close;
	}
	n = fclose(f);
	f = NULL;
	if (n) {
		err = bb_diag_set(d, -errno, "%s: closing %s: %s", path, tmp, strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp, path)) {
		err = bb_diag_set(d, -errno, "%s: renaming %s into place: %s", path, tmp, strerror(errno));
		goto out_unlink;
	}
	fsync_parent(path);
	return 0;

out_close:
	fclose(f);
out_unlink:
	unlink(tmp);
	return err;
}

struct buf_arg {
	const void *buf;
	size_t len;
};

static int write_buf(FILE *f, void *arg)
{
	const struct buf_arg *a = arg;

	if (a->len && fwrite(a->buf, 1, a->len, f) != a->len)
		return -EIO;
	return ferror(f) ? -EIO : 0;
}

int bb_write_atomic_buf(const char *path, const void *buf, size_t len, struct bb_diag *d)
{
	struct buf_arg a = { buf, len };

	return bb_write_atomic(path, write_buf, &a, d);
}

/* ---- JSON ---------------------------------------------------------------- */



/*
 * Light check of a members fragment: starts with a key string, brackets
 * balance and nest, strings end, no control characters in strings, no
 * trailing comma.
 */
static int check_fragment(const char *s, struct bb_diag *d)
{
	char stack[64];
	size_t depth = 0, i, last = 0;
	bool in_str = false, esc = false, seen = false;

	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			else if (c < 0x20)
				return bb_diag_set(d, -EINVAL, "extra json @%zu: control character in a string", i);
			continue;
		}
		if (isspace(c))
			continue;
		if (!seen && c != '"')
			return bb_diag_set(d, -EINVAL, "extra json @%zu: members must start with a key string, not '%c'",
					   i, c);
		seen = true;
		last = i;
		switch (c) {
		case '"':
			in_str = true;
			break;
		case '{':
		case '[':
			if (depth == sizeof(stack))
				return bb_diag_set(d, -EINVAL, "extra json @%zu: nested too deep", i);
			stack[depth++] = c == '{' ? '}' : ']';
			break;
		case '}':
		case ']':
			if (!depth || stack[depth - 1] != c)
				return bb_diag_set(d, -EINVAL, "extra json @%zu: unbalanced '%c'", i, c);
			depth--;
			break;
		default:
			break;
		}
	}
	if (in_str)
		return bb_diag_set(d, -EINVAL, "extra json: unterminated string");
	if (depth)
		return bb_diag_set(d, -EINVAL, "extra json: %zu bracket(s) left open", depth);
	if (seen && s[last] == ',')
		return bb_diag_set(d, -EINVAL, "extra json @%zu: trailing comma", last);
	return 0;
}

/* ---- system information ---------------------------------------------- */

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src && *src ? src : "unknown");
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static void cpu_model(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];

	copy_str(buf, size, NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		trim(colon + 1);
		copy_str(buf, size, colon + 1);
		break;
	}
	fclose(f);
}

/*
 * Run "git -C <dir> <args>" and keep the first line of its output.
 * Returns 0 when git exited 0 (@out may be ""), -1 otherwise.
 */
static int git_line(const char *dir, const char *args, char *out, size_t size)
{
	char cmd[PATH_MAX * 4 + 128], line[PATH_MAX];
	size_t n = 0;
	const char *p;
	FILE *f;
	int status;

	n += (size_t)snprintf(cmd, sizeof(cmd), "git -C '");
	for (p = dir; *p; p++) {	/* single-quote for the shell */
		if (n + 8 >= sizeof(cmd))
			return -1;
		if (*p == '\'') {
			memcpy(cmd + n, "'\\''", 4);
			n += 4;
		} else {
			cmd[n++] = *p;
		}
	}
	if (snprintf(cmd + n, sizeof(cmd) - n, "' %s 2>/dev/null", args) >= (int)(sizeof(cmd) - n))
		return -1;
	fflush(NULL);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	out[0] = '\0';
	if (fgets(line, sizeof(line), f)) {
		trim(line);
		snprintf(out, size, "%s", line);
		while (fgets(line, sizeof(line), f))
			;
	}
	status = pclose(f);
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void git_info(struct bb_sysinfo *si)
{
	const char *dir = BB_SOURCE_DIR;
	char top[PATH_MAX], real_top[PATH_MAX], real_dir[PATH_MAX], head[72], status[8];
	size_t i;

	copy_str(si->git_commit, sizeof(si->git_commit), NULL);
	si->git_dirty = -1;
	if (!*dir || !realpath(dir, real_dir))
		return;
	/* The source tree itself, not some repository around it. */
	if (git_line(dir, "rev-parse --show-toplevel", top, sizeof(top)) ||
	    !realpath(top, real_top) || strcmp(real_top, real_dir))
		return;
	if (!git_line(dir, "rev-parse --verify -q HEAD", head, sizeof(head)) && strlen(head) >= 40) {
		for (i = 0; head[i] && isxdigit((unsigned char)head[i]); i++)
			;
		if (!head[i])
			copy_str(si->git_commit, sizeof(si->git_commit), head);
	}
	if (!git_line(dir, "status --porcelain", status, sizeof(status)))
		si->git_dirty = status[0] != '\0';
}

static void hypervisor_info(struct bb_sysinfo *si)
{
	uint32_t r[4];
	size_t i;

	bb_cpuid(1, 0, r);
	si->hypervisor = (r[2] >> 31) & 1;
	si->hypervisor_vendor[0] = '\0';
	if (!si->hypervisor)
		return;
	bb_cpuid(0x40000000u, 0, r);
	memcpy(si->hypervisor_vendor, &r[1], 4);
	memcpy(si->hypervisor_vendor + 4, &r[2], 4);
	memcpy(si->hypervisor_vendor + 8, &r[3], 4);
	si->hypervisor_vendor[12] = '\0';
	for (i = 0; si->hypervisor_vendor[i]; i++)
		if (!isprint((unsigned char)si->hypervisor_vendor[i]))
			si->hypervisor_vendor[i] = '?';
}

int bb_sysinfo_collect(struct bb_sysinfo *si, struct bb_diag *d)
{
	struct utsname u;
	struct tm tm;
	time_t now;
	FILE *f;

	if (!si)
		return bb_diag_set(d, -EINVAL, "sysinfo: no output");
	memset(si, 0, sizeof(*si));
	if (uname(&u) == 0) {
		copy_str(si->kernel_release, sizeof(si->kernel_release), u.release);
		copy_str(si->kernel_version, sizeof(si->kernel_version), u.version);
		copy_str(si->machine, sizeof(si->machine), u.machine);
	} else {
		copy_str(si->kernel_release, sizeof(si->kernel_release), NULL);
		copy_str(si->kernel_version, sizeof(si->kernel_version), NULL);
		copy_str(si->machine, sizeof(si->machine), NULL);
	}
	if (gethostname(si->hostname, sizeof(si->hostname) - 1) || !si->hostname[0])
		copy_str(si->hostname, sizeof(si->hostname), NULL);
	cpu_model(si->cpu_model, sizeof(si->cpu_model));
	si->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	si->cpus_configured = sysconf(_SC_NPROCESSORS_CONF);

	now = time(NULL);
	if (now == (time_t)-1 || !gmtime_r(&now, &tm) ||
	    !strftime(si->date_utc, sizeof(si->date_utc), "%Y-%m-%dT%H:%M:%SZ", &tm))
		copy_str(si->date_utc, sizeof(si->date_utc), NULL);

	copy_str(si->compiler, sizeof(si->compiler), BB_COMPILER);
	copy_str(si->cflags, sizeof(si->cflags), BB_CFLAGS);
	trim(si->cflags);
	copy_str(si->build_type, sizeof(si->build_type), BB_BUILD_TYPE);
	git_info(si);
	hypervisor_info(si);

	f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	if (f) {
		si->have_perf_event_paranoid = fscanf(f, "%d", &si->perf_event_paranoid) == 1;
		fclose(f);
	}
	bb_diag_clear(d);
	return 0;
}

/* ---- manifest.json --------------------------------------------------- */

struct manifest {
	const struct bb_sysinfo *si;
	const struct bb_tsc *tsc;
	const struct bb_placement *pl;
	int argc;
	char **argv;
	const char *extra;
};

static void member(FILE *f, const char *indent, const char *key, const char *val, bool last)
{
	fprintf(f, "%s\"%s\": ", indent, key);
	bb_json_string(f, val);
	fputs(last ? "\n" : ",\n", f);
}

static int write_manifest(FILE *f, void *arg)
{
	const struct manifest *m = arg;
	const struct bb_sysinfo *si = m->si;
	const char *in = "    ";
	int i;

	fputs("{\n", f);
	member(f, "  ", "schema", MANIFEST_SCHEMA, false);
	member(f, "  ", "barbench_version", BB_VERSION_STRING, false);
	member(f, "  ", "date_utc", si->date_utc, false);
	fputs("  \"command_line\": [", f);
	for (i = 0; i < m->argc; i++) {
		if (i)
			fputs(", ", f);
		bb_json_string(f, m->argv[i]);
	}
	fputs("],\n", f);

	fputs("  \"system\": {\n", f);
	member(f, in, "hostname", si->hostname, false);
	member(f, in, "kernel_release", si->kernel_release, false);
	member(f, in, "kernel_version", si->kernel_version, false);
	member(f, in, "machine", si->machine, false);
	member(f, in, "cpu_model", si->cpu_model, false);
	fprintf(f, "%s\"cpus_online\": %ld,\n", in, si->cpus_online);
	fprintf(f, "%s\"cpus_configured\": %ld,\n", in, si->cpus_configured);
	fprintf(f, "%s\"hypervisor\": %s,\n", in, si->hypervisor ? "true" : "false");
	member(f, in, "hypervisor_vendor", si->hypervisor_vendor, false);
	if (si->have_perf_event_paranoid)
		fprintf(f, "%s\"perf_event_paranoid\": %d\n", in, si->perf_event_paranoid);
	else
		fprintf(f, "%s\"perf_event_paranoid\": null\n", in);
	fputs("  },\n", f);

	fputs("  \"build\": {\n", f);
	member(f, in, "compiler", si->compiler, false);
	member(f, in, "cflags", si->cflags, false);
	member(f, in, "build_type", si->build_type, false);
	member(f, in, "git_commit", si->git_commit, false);
	fprintf(f, "%s\"git_dirty\": %s\n", in,
		si->git_dirty < 0 ? "null" : si->git_dirty ? "true" : "false");
	fputs("  },\n", f);

	if (m->tsc) {
		fputs("  \"tsc\": {\n", f);
		fprintf(f, "%s\"freq_hz\": %.0f,\n", in, m->tsc->hz);
		member(f, in, "source", m->tsc->source, false);
		fprintf(f, "%s\"invariant\": %s,\n", in, m->tsc->invariant ? "true" : "false");
		member(f, in, "end_instruction", m->tsc->end[0] ? m->tsc->end : bb_tsc_end_name(), false);
		member(f, in, "note", m->tsc->note, true);
		fputs("  },\n", f);
		/* the clock as measured at the start of this command (issue: never assumed) */
		fputs("  \"timer\": {\n", f);
		member(f, in, "source", m->tsc->source, false);
		fprintf(f, "%s\"freq_hz\": %.0f,\n", in, m->tsc->hz);
		fprintf(f, "%s\"step_cycles\": %" PRIu64 ",\n", in, m->tsc->step_cycles);
		fprintf(f, "%s\"resolution_ns\": %.3f,\n", in, bb_tsc_resolution_ns(m->tsc));
		fprintf(f, "%s\"empty_pair_ns\": %.3f,\n", in, bb_tsc_ns(m->tsc, m->tsc->empty_pair_cycles));
		member(f, in, "end_instruction", m->tsc->end[0] ? m->tsc->end : bb_tsc_end_name(), true);
		fputs("  },\n", f);
	} else {
		fputs("  \"tsc\": null,\n", f);
		fputs("  \"timer\": null,\n", f);
	}

	if (m->pl) {
		fputs("  \"placement\": {\n", f);
		fprintf(f, "%s\"cpu\": %d,\n", in, m->pl->cpu);
		if (m->pl->node >= 0)
			fprintf(f, "%s\"node\": %d,\n", in, m->pl->node);
		else
			fprintf(f, "%s\"node\": null,\n", in);
		member(f, in, "topology", m->pl->topology, false);
		member(f, in, "how", m->pl->how, true);
		fputs("  }", f);
	} else {
		fputs("  \"placement\": null", f);
	}
	if (m->extra && *m->extra)
		fprintf(f, ",\n  %s", m->extra);
	fputs("\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

int bb_manifest_write(const char *dir, const struct bb_sysinfo *si, const struct bb_tsc *tsc,
		      const struct bb_placement *pl, int argc, char **argv, const char *extra_json,
		      struct bb_diag *d)
{
	struct bb_sysinfo own;
	struct manifest m;
	char path[PATH_MAX];
	const char *extra = extra_json;
	int err, i;

	if (!dir || !*dir)
		return bb_diag_set(d, -EINVAL, "manifest: no directory");
	if (argc < 0 || (argc > 0 && !argv))
		return bb_diag_set(d, -EINVAL, "manifest: argc %d without argv", argc);
	for (i = 0; i < argc; i++)
		if (!argv[i])
			return bb_diag_set(d, -EINVAL, "manifest: argv[%d] is NULL", i);
	if (snprintf(path, sizeof(path), "%s/manifest.json", dir) >= (int)sizeof(path))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: directory name too long", dir);
	if (extra) {
		while (isspace((unsigned char)*extra))
			extra++;
		err = check_fragment(extra, d);
		if (err) {
			bb_diag_prefix(d, "%s", path);
			return err;
		}
	}
	if (!si) {
		bb_sysinfo_collect(&own, NULL);
		si = &own;
	}
	m.si = si;
	m.tsc = tsc;
	m.pl = pl;
	m.argc = argc;
	m.argv = argv;
	m.extra = extra;
	return bb_write_atomic(path, write_manifest, &m, d);
}
