/* SPDX-License-Identifier: MIT */
/*
 * Results manifest: what machine, build and command produced a result
 * folder, written next to the results as manifest.json.  Every result file
 * is written with bb_write_atomic(): to a temporary file in the same
 * directory, flushed and fsync'd, then renamed into place, so an
 * interrupted run leaves either the old file or the new one, never half.
 */
#ifndef BARBENCH_MANIFEST_H
#define BARBENCH_MANIFEST_H

/* Every manifest barbench writes names its schema "barbench-manifest/N" (this is the prefix). */
#define BB_MANIFEST_SCHEMA_PREFIX "barbench-manifest/"

#include <stdbool.h>
#include <stdio.h>

#include "barbench/diag.h"
#include "json.h"

struct bb_tsc;
struct bb_placement;

/*
 * Write @path atomically: @writer(f, @arg) writes the content to
 * "<path>.tmp.<pid>" and returns 0 or a negative errno; then the stream is
 * flushed, fsync'd and closed, the file renamed onto @path and the
 * directory fsync'd (best effort).  On any error the temporary file is
 * removed, @path is left as it was, and the negative errno is returned with
 * @d naming the path and the step.  A temporary left by a dead process that
 * had our pid is replaced; two threads of one process must not write the
 * same @path at the same time.
 */
int bb_write_atomic(const char *path, int (*writer)(FILE *f, void *arg), void *arg,
		    struct bb_diag *d);

/* bb_write_atomic of @len bytes of @buf. */
int bb_write_atomic_buf(const char *path, const void *buf, size_t len, struct bb_diag *d);

struct bb_sysinfo {
	char kernel_release[65];	/* uname -r */
	char kernel_version[65];	/* uname -v */
	char machine[65];		/* uname -m */
	char hostname[65];
	char cpu_model[128];		/* /proc/cpuinfo "model name" */
	long cpus_online, cpus_configured;
	char date_utc[32];		/* ISO 8601, e.g. 2024-05-01T12:34:56Z */
	char compiler[64];		/* BB_COMPILER: CMake compiler id and version */
	char cflags[512];		/* BB_CFLAGS: flags of this build */
	char build_type[24];		/* BB_BUILD_TYPE */
	char git_commit[72];		/* HEAD of BB_SOURCE_DIR, "unknown" if none */
	int git_dirty;			/* 1 dirty, 0 clean, -1 unknown */
	bool hypervisor;		/* CPUID.1:ECX bit 31 */
	char hypervisor_vendor[13];	/* CPUID 0x40000000 EBX:ECX:EDX, "" if none */
	int perf_event_paranoid;	/* /proc/sys/kernel/perf_event_paranoid */
	bool have_perf_event_paranoid;
};

/*
 * Gather @si.  What cannot be found is "unknown" (strings), -1 (counts,
 * git_dirty) or false (have_ flags): never an error.  Runs git through
 * popen.  Returns 0, or -EINVAL when @si is NULL.
 */
int bb_sysinfo_collect(struct bb_sysinfo *si, struct bb_diag *d);


/*
 * Write "@dir/manifest.json" atomically (docs/schemas/manifest.schema.json):
 * schema, the system (@si; gathered here when NULL), the build, the TSC
 * (@tsc, null when NULL), the placement (@pl, null when NULL), the exact
 * command line (@argc, @argv as an array of strings), then the members of
 * the JSON object @extra (NULL: none; borrowed), the command's own: what ran
 * and how far it got.  -EINVAL when @extra is not an object or a member of
 * it would replace one of the above.  Returns 0 or a negative errno with @d
 * naming the file.
 */
int bb_manifest_write(const char *dir, const struct bb_sysinfo *si, const struct bb_tsc *tsc,
		      const struct bb_placement *pl, int argc, char *const *argv, json_t *extra, struct bb_diag *d);

/* The clock as measured: source, freq_hz, step_cycles, resolution_ns, empty_pair_ns, end_instruction. */
json_t *bb_timer_json(const struct bb_tsc *tsc);

#endif
