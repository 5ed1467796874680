// SPDX-License-Identifier: MIT
/*
 * Atomic result files, JSON strings and manifest.json: a complete write
 * leaves the content and no temporary file, a failed one leaves neither the
 * file nor a temporary (and an older file untouched), strings are escaped.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "placement.h"
#include "barbench/timing.h"
#include "check.h"

static char dir[] = "/tmp/bb-test-manifest-XXXXXX";

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Entries of the test directory other than . and .. */
static int entries(char *names, size_t size)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	names[0] = '\0';
	if (!dp)
		return -1;
	while ((e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		strncat(names, e->d_name, size - strlen(names) - 2);
		strcat(names, " ");
	}
	closedir(dp);
	return n;
}

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	bb_json_string(f, s);
	fclose(f);
	return buf;
}

#define CHECK_JSON(in, want) do {                                               \
		char *got_ = json_of(in);                                       \
		bb_checks++;                                                    \
		if (!got_ || strcmp(got_, want)) {                              \
			bb_failures++;                                          \
			fprintf(stderr, "%s:%d: bb_json_string(%s) = %s, want %s\n", \
				__FILE__, __LINE__, #in, got_ ? got_ : "(null)", want); \
		}                                                               \
		free(got_);                                                     \
	} while (0)

static void test_json_string(void)
{
	CHECK_JSON("plain", "\"plain\"");
	CHECK_JSON("", "\"\"");
	CHECK_JSON(NULL, "null");
	CHECK_JSON("say \"hi\"", "\"say \\\"hi\\\"\"");
	CHECK_JSON("C:\\dir\\", "\"C:\\\\dir\\\\\"");
	CHECK_JSON("a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\"");
	CHECK_JSON("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
	CHECK_JSON("/ is fine", "\"/ is fine\"");
	/* Valid UTF-8 is copied: é, €, 😀 */
	CHECK_JSON("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* Invalid bytes: a lone continuation, a truncated sequence, overlong, a surrogate */
	CHECK_JSON("a\x80z", "\"a\\ufffdz\"");
	CHECK_JSON("\xe2\x82", "\"\\ufffd\\ufffd\"");
	CHECK_JSON("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	CHECK_JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_JSON("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static int write_hello(FILE *f, void *arg)
{
	fprintf(f, "hello %s\n", (const char *)arg);
	return 0;
}

static int write_then_fail(FILE *f, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 10000; i++)	/* more than a stdio buffer reaches the file */
		fputs("partial content that must never be seen\n", f);
	return -ENOSPC;
}

static int write_positive(FILE *f, void *arg)
{
	(void)f;
	(void)arg;
	return 1;
}

static void test_atomic(void)
{
	char path[256], names[1024], *s;
	struct bb_diag d = { "" };

	snprintf(path, sizeof(path), "%s/out.txt", dir);

	CHECK_EQ(bb_write_atomic(path, write_hello, "one", &d), 0);
	s = slurp(path);
	CHECK(s && !strcmp(s, "hello one\n"));
	free(s);
	CHECK_EQ(entries(names, sizeof(names)), 1);
	CHECK_STR_HAS(names, "out.txt ");

	/* Replacing an existing file. */
	CHECK_EQ(bb_write_atomic(path, write_hello, "two", &d), 0);
	s = slurp(path);
	CHECK(s && !strcmp(s, "hello two\n"));
	free(s);
	CHECK_EQ(entries(names, sizeof(names)), 1);

	/* A failing writer: the old file stays as it was, no temporary left. */
	CHECK_EQ(bb_write_atomic(path, write_then_fail, NULL, &d), -ENOSPC);
	CHECK_STR_HAS(d.msg, path);
	s = slurp(path);
	CHECK(s && !strcmp(s, "hello two\n"));
	free(s);
	CHECK_EQ(entries(names, sizeof(names)), 1);
	if (entries(names, sizeof(names)) != 1)
		NOTE_FAIL("left: %s", names);

	/* A failing writer and no old file: nothing at all. */
	snprintf(path, sizeof(path), "%s/new.txt", dir);
	CHECK_EQ(bb_write_atomic(path, write_then_fail, NULL, &d), -ENOSPC);
	CHECK(access(path, F_OK) != 0);
	CHECK_EQ(bb_write_atomic(path, write_positive, NULL, &d), -EIO);
	CHECK(access(path, F_OK) != 0);
	CHECK_EQ(entries(names, sizeof(names)), 1);

	/* A directory that does not exist: the message names the path. */
	snprintf(path, sizeof(path), "%s/missing/x.txt", dir);
	CHECK_EQ(bb_write_atomic(path, write_hello, "x", &d), -ENOENT);
	CHECK_STR_HAS(d.msg, "missing/x.txt");

	/* The target is a directory: rename fails, the temporary goes. */
	snprintf(path, sizeof(path), "%s/adir", dir);
	CHECK_EQ(mkdir(path, 0755), 0);
	CHECK(bb_write_atomic(path, write_hello, "x", &d) < 0);
	CHECK_STR_HAS(d.msg, "renaming");
	CHECK_EQ(entries(names, sizeof(names)), 2);
	rmdir(path);

	CHECK_EQ(bb_write_atomic(NULL, write_hello, "x", &d), -EINVAL);
	CHECK_EQ(bb_write_atomic(path, NULL, NULL, &d), -EINVAL);
}

static void test_sysinfo(struct bb_sysinfo *si)
{
	struct bb_diag d = { "" };
	uint32_t r[4];
	FILE *f;
	int par;

	CHECK_EQ(bb_sysinfo_collect(si, &d), 0);
	printf("  kernel %s, cpu \"%s\", %ld cpus, host %s, %s\n", si->kernel_release, si->cpu_model,
	       si->cpus_online, si->hostname, si->date_utc);
	printf("  %s, %s [%s]\n  git %s dirty %d, hypervisor %d \"%s\", perf_event_paranoid %d\n",
	       si->compiler, si->build_type, si->cflags, si->git_commit, si->git_dirty, si->hypervisor,
	       si->hypervisor_vendor, si->perf_event_paranoid);
	CHECK(si->kernel_release[0] && strcmp(si->kernel_release, "unknown"));
	CHECK(si->hostname[0] != '\0');
	CHECK(si->cpu_model[0] != '\0');
	CHECK(si->cpus_online >= 1);
	CHECK(si->cpus_configured >= si->cpus_online);
	CHECK_EQ(strlen(si->date_utc), 20);
	CHECK_EQ(si->date_utc[10], 'T');
	CHECK_EQ(si->date_utc[19], 'Z');
	CHECK(strcmp(si->compiler, "unknown"));	/* set by CMake */
	CHECK_STR_HAS(si->cflags, "-Wall");
	CHECK(si->git_dirty >= -1 && si->git_dirty <= 1);
	CHECK(!strcmp(si->git_commit, "unknown") || strlen(si->git_commit) >= 40);
	bb_cpuid(1, 0, r);
	CHECK_EQ(si->hypervisor, (r[2] >> 31) & 1);
	if (si->hypervisor)
		CHECK(si->hypervisor_vendor[0] != '\0');
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	if (f) {
		CHECK(fscanf(f, "%d", &par) == 1);
		fclose(f);
		CHECK(si->have_perf_event_paranoid);
		CHECK_EQ(si->perf_event_paranoid, par);
	}
	CHECK_EQ(bb_sysinfo_collect(NULL, &d), -EINVAL);
}

static int python_json_ok(const char *path)
{
	char cmd[512];

	if (system("command -v python3 >/dev/null 2>&1"))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding=\"utf-8\"))' %s", path);
	return system(cmd) == 0;
}

static void test_manifest(const struct bb_sysinfo *si)
{
	char path[256], names[1024], *s;
	char a0[] = "barbench", a1[] = "run", a2[] = "--name=\"quoted\" \\ back", a3[] = "tab\there";
	char *argv[] = { a0, a1, a2, a3, NULL };
	struct bb_tsc tsc = { .hz = 2600000000.0, .source = "calibrated", .invariant = true,
			      .note = "perf-mmap: cap_user_time=0" };
	struct bb_placement pl = { .cpu = 1, .node = 0, .topology = "1 package, 2 cores, 2 PUs, 1 NUMA node",
				   .how = "last allowed cpu" };
	struct bb_diag d = { "" };
	int ok;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	CHECK_EQ(bb_manifest_write(dir, si, &tsc, &pl, 4, argv, "\"study\": \"x\", \"n\": [1, {\"a\": 2}]", &d), 0);
	if (d.msg[0])
		NOTE_FAIL("%s", d.msg);
	s = slurp(path);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR_HAS(s, "\"schema\": \"barbench-manifest/1\"");
		CHECK_STR_HAS(s, "\"command_line\": [\"barbench\", \"run\", \"--name=\\\"quoted\\\" \\\\ back\", \"tab\\there\"]");
		CHECK_STR_HAS(s, "\"freq_hz\": 2600000000,");
		CHECK_STR_HAS(s, "\"source\": \"calibrated\"");
		CHECK_STR_HAS(s, "\"cpu\": 1,");
		CHECK_STR_HAS(s, "\"topology\": \"1 package, 2 cores, 2 PUs, 1 NUMA node\"");
		CHECK_STR_HAS(s, "\"kernel_release\": ");
		CHECK_STR_HAS(s, si->kernel_release);
		CHECK_STR_HAS(s, "\"git_commit\": ");
		CHECK_STR_HAS(s, "\"perf_event_paranoid\": ");
		CHECK_STR_HAS(s, "\"study\": \"x\"");
		CHECK_EQ(s[strlen(s) - 2], '}');	/* complete */
		free(s);
	}
	ok = python_json_ok(path);
	if (ok < 0)
		printf("  python3 not found: manifest not parsed\n");
	else
		CHECK_EQ(ok, 1);
	CHECK_EQ(entries(names, sizeof(names)), 2);	/* out.txt, manifest.json */

	/* No TSC, no placement, sysinfo gathered inside, no extra. */
	CHECK_EQ(bb_manifest_write(dir, NULL, NULL, NULL, 0, NULL, NULL, &d), 0);
	s = slurp(path);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR_HAS(s, "\"tsc\": null");
		CHECK_STR_HAS(s, "\"placement\": null");
		CHECK_STR_HAS(s, "\"command_line\": []");
		free(s);
	}
	if (ok >= 0)
		CHECK_EQ(python_json_ok(path), 1);

	/* Broken extra members are refused before anything is written. */
	{
		static const char *const bad[] = {
			"\"a\": 1,", ", \"a\": 1", "{\"a\": 1}", "\"a\": [1", "\"a\": 1}", "\"a\": \"open",
			"\"a\": [1}", "\"a\": \"x\ny\"",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int err = bb_manifest_write(dir, si, NULL, NULL, 0, NULL, bad[i], &d);

			if (err != -EINVAL)
				NOTE_FAIL("extra %s", bad[i]);
			CHECK_EQ(err, -EINVAL);
			CHECK_STR_HAS(d.msg, "manifest.json");
		}
		CHECK_EQ(bb_manifest_write(dir, si, NULL, NULL, 0, NULL, "  ", &d), 0);
	}
	CHECK_EQ(entries(names, sizeof(names)), 2);

	CHECK_EQ(bb_manifest_write("/nonexistent-bb-dir", si, NULL, NULL, 0, NULL, NULL, &d), -ENOENT);
	CHECK_STR_HAS(d.msg, "/nonexistent-bb-dir/manifest.json");
	CHECK_EQ(bb_manifest_write(dir, si, NULL, NULL, 2, NULL, NULL, &d), -EINVAL);
}

static void cleanup(void)
{
	char path[256], names[1024], *p, *save = NULL;

	entries(names, sizeof(names));
	for (p = strtok_r(names, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, p);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	struct bb_sysinfo si;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_json_string();
	test_atomic();
	test_sysinfo(&si);
	test_manifest(&si);
	cleanup();
	return bb_test_done("test_manifest");
}
