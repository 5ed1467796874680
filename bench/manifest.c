// SPDX-License-Identifier: MIT
/* Atomic result files, system information and manifest.json; see manifest.h. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
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
#include "parse.h"
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

#define MANIFEST_SCHEMA BB_MANIFEST_SCHEMA_PREFIX "2"

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

json_t *bb_timer_json(const struct bb_tsc *t)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "source", bb_json_str(t->source),
			 "freq_hz", isfinite(t->hz) ? json_integer((json_int_t)llround(t->hz)) : json_null(),
			 "step_cycles", bb_json_u64(t->step_cycles), "resolution_ns", bb_json_num(bb_tsc_resolution_ns(t)),
			 "empty_pair_ns", bb_json_num(bb_tsc_ns(t, t->empty_pair_cycles)),
			 "end_instruction", bb_json_str(t->end[0] ? t->end : bb_tsc_end_name()));
}

static json_t *system_json(const struct bb_sysinfo *si)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:b,s:o,s:o}",
			 "hostname", bb_json_str(si->hostname), "kernel_release", bb_json_str(si->kernel_release),
			 "kernel_version", bb_json_str(si->kernel_version), "machine", bb_json_str(si->machine),
			 "cpu_model", bb_json_str(si->cpu_model), "cpus_online", (json_int_t)si->cpus_online,
			 "cpus_configured", (json_int_t)si->cpus_configured, "hypervisor", (int)si->hypervisor,
			 "hypervisor_vendor", bb_json_str(si->hypervisor_vendor),
			 "perf_event_paranoid", si->have_perf_event_paranoid ?
			 json_integer(si->perf_event_paranoid) : json_null());
}

static json_t *build_json(const struct bb_sysinfo *si)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o}", "compiler", bb_json_str(si->compiler),
			 "cflags", bb_json_str(si->cflags), "build_type", bb_json_str(si->build_type),
			 "git_commit", bb_json_str(si->git_commit),
			 "git_dirty", si->git_dirty < 0 ? json_null() : json_boolean(si->git_dirty));
}

static json_t *tsc_json(const struct bb_tsc *t)
{
	if (!t)
		return json_null();
	return json_pack("{s:o,s:o,s:b,s:o,s:o}",
			 "freq_hz", isfinite(t->hz) ? json_integer((json_int_t)llround(t->hz)) : json_null(),
			 "source", bb_json_str(t->source), "invariant", (int)t->invariant,
			 "end_instruction", bb_json_str(t->end[0] ? t->end : bb_tsc_end_name()),
			 "note", bb_json_str(t->note));
}

static json_t *placement_json(const struct bb_placement *pl)
{
	if (!pl)
		return json_null();
	return json_pack("{s:i,s:o,s:o,s:o}", "cpu", pl->cpu, "node", pl->node >= 0 ? json_integer(pl->node) : json_null(),
			 "topology", bb_json_str(pl->topology), "how", bb_json_str(pl->how));
}

static int write_manifest(FILE *f, void *arg)
{
	return bb_json_dump(f, arg, 1);
}

int bb_manifest_write(const char *dir, const struct bb_sysinfo *si, const struct bb_tsc *tsc,
		      const struct bb_placement *pl, int argc, char *const *argv, json_t *extra, struct bb_diag *d)
{
	struct bb_sysinfo own;
	char path[PATH_MAX];
	json_t *root, *cmd, *v;
	const char *key;
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
	if (extra && !json_is_object(extra))
		return bb_diag_set(d, -EINVAL, "%s: the command's members are not a JSON object", path);
	if (!si) {
		bb_sysinfo_collect(&own, NULL);
		si = &own;
	}
	cmd = json_array();
	for (i = 0; cmd && i < argc; i++) {
		/* verbatim but for a secret (a VF token) in a device spec */
		size_t room = bb_spec_public(argv[i], NULL, 0) + 1;
		char *arg;
		int bad;

		arg = malloc(room);
		if (arg)
			bb_spec_public(argv[i], arg, room);
		bad = !arg || json_array_append_new(cmd, bb_json_str(arg));
		free(arg);
		if (bad) {
			json_decref(cmd);
			cmd = NULL;
		}
	}
	root = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "schema", MANIFEST_SCHEMA,
			 "barbench_version", BB_VERSION_STRING, "date_utc", bb_json_str(si->date_utc),
			 "command_line", cmd, "system", system_json(si), "build", build_json(si),
			 "tsc", tsc_json(tsc), "timer", tsc ? bb_timer_json(tsc) : json_null(),
			 "placement", placement_json(pl));
	if (!root)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
	/* then the command's own members: what ran, how far it got; never one of the above */
	json_object_foreach(extra, key, v) {
		if (json_object_get(root, key)) {
			json_decref(root);
			return bb_diag_set(d, -EINVAL, "%s: the command's member \"%s\" would replace the manifest's own",
					   path, key);
		}
		if (json_object_set(root, key, v)) {
			json_decref(root);
			return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
		}
	}
	err = bb_write_atomic(path, write_manifest, root, d);
	json_decref(root);
	return err;
}
