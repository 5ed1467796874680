// SPDX-License-Identifier: MIT
/*
 * Atomic result files, JSON strings and manifest.json: a complete write
 * leaves the content and no temporary file, a failed one leaves neither the
 * file nor a temporary (and an older file untouched), strings are escaped.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "parse.h"
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

/* A string as barbench writes it: bb_json_str, dumped with the documents' flags. */
static char *json_of(const char *s)
{
	json_t *j = bb_json_str(s);
	char *out = j ? json_dumps(j, JSON_ENCODE_ANY | BB_JSON_FLAGS) : NULL;

	json_decref(j);
	return out;
}

#define CHECK_JSON(in, want) do {                                               \
		char *got_ = json_of(in);                                       \
		bb_checks++;                                                    \
		if (!got_ || strcmp(got_, want)) {                              \
			bb_failures++;                                          \
			fprintf(stderr, "%s:%d: bb_json_str(%s) = %s, want %s\n", \
				__FILE__, __LINE__, #in, got_ ? got_ : "(null)", want); \
		}                                                               \
		free(got_);                                                     \
	} while (0)

static void test_json_string(void)
{
	json_t *j;
	char *t;

	CHECK_JSON("plain", "\"plain\"");
	CHECK_JSON("", "\"\"");
	CHECK_JSON(NULL, "null");
	CHECK_JSON("say \"hi\"", "\"say \\\"hi\\\"\"");
	CHECK_JSON("C:\\dir\\", "\"C:\\\\dir\\\\\"");
	CHECK_JSON("a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\"");
	CHECK_JSON("\x01\x1f\x7f", "\"\\u0001\\u001F\x7f\"");
	CHECK_JSON("/ is fine", "\"/ is fine\"");
	/* Valid UTF-8 is kept, written as ASCII escapes (jansson: upper-case hex): é, €, 😀 (a surrogate pair) */
	CHECK_JSON("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\\u00E9\\u20AC\\uD83D\\uDE00\"");
	/* Invalid bytes, which json_string() refuses: a lone continuation, a truncated sequence, overlong, a surrogate */
	CHECK_JSON("a\x80z", "\"a\\uFFFDz\"");
	CHECK_JSON("\xe2\x82", "\"\\uFFFD\\uFFFD\"");
	CHECK_JSON("\xc0\xaf", "\"\\uFFFD\\uFFFD\"");
	CHECK_JSON("\xed\xa0\x80", "\"\\uFFFD\\uFFFD\\uFFFD\"");
	CHECK_JSON("\xf4\x90\x80\x80", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"");
	CHECK_JSON("ok\xffok\xc3\xa9", "\"ok\\uFFFDok\\u00E9\"");

	/* numbers JSON can hold: u64 above INT64_MAX as a real, NaN and infinities as null */
	j = bb_json_u64(UINT64_MAX);
	CHECK(json_is_real(j));
	json_decref(j);
	j = bb_json_u64((uint64_t)INT64_MAX);
	CHECK(json_is_integer(j) && json_integer_value(j) == INT64_MAX);
	json_decref(j);
	j = bb_json_num(NAN);
	CHECK(json_is_null(j));
	json_decref(j);
	j = bb_json_num(-INFINITY);
	CHECK(json_is_null(j));
	json_decref(j);
	j = bb_json_num(8.695652173913043);
	t = json_dumps(j, JSON_ENCODE_ANY | BB_JSON_FLAGS);
	CHECK(t && !strcmp(t, "8.695652174"));	/* 10 significant digits */
	free(t);
	json_decref(j);
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

/* A member of the manifest at @path, "a.b" for nested ones; NULL when absent. */
static json_t *member(json_t *root, const char *path)
{
	char part[64];

	for (const char *p = path; root && *p;) {
		size_t n = strcspn(p, ".");

		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		root = json_object_get(root, part);
		p += n + (p[n] == '.');
	}
	return root;
}

#define CHECK_MEMBER_STR(root, path, want) do {                                 \
		const char *got_ = json_string_value(member(root, path));       \
		bb_checks++;                                                    \
		if (!got_ || strcmp(got_, want)) {                              \
			bb_failures++;                                          \
			fprintf(stderr, "%s:%d: manifest %s = %s, want %s\n", __FILE__, \
				__LINE__, path, got_ ? got_ : "(not a string)", want); \
		}                                                               \
	} while (0)

/* A device spec as results record it: every *token= value hidden, the rest verbatim, cut to the buffer. */
static void test_spec_public(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "emu:layouts/nvme-msix-bar0", "emu:layouts/nvme-msix-bar0" },
		{ "vfio:0000:3b:00.1?layout=a&vf-token=0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
		  "vfio:0000:3b:00.1?layout=a&vf-token=hidden" },
		{ "vfio:3b:00.1?vf-token=0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d&layout=a&vf-token=x",
		  "vfio:3b:00.1?vf-token=hidden&layout=a&vf-token=hidden" },
		{ "vfio:3b:00.1?layout=tok&token=", "vfio:3b:00.1?layout=tok&token=hidden" },
		{ "vfio:3b:00.1?", "vfio:3b:00.1?" },
		{ "vfio:3b:00.1?&&vf-token", "vfio:3b:00.1?&&vf-token" },
		{ "pci:a?layout=x?y&sysfs=vf-token=z", "pci:a?layout=x?y&sysfs=vf-token=z" },
		{ "--device=vfio:a?vf-token=secret", "--device=vfio:a?vf-token=hidden" },
	};
	char out[128], small[12];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bb_spec_public(t[i].in, out, sizeof(out));
		CHECK(!strcmp(out, t[i].want));
		if (strcmp(out, t[i].want))
			NOTE_FAIL("bb_spec_public(%s) = %s, want %s", t[i].in, out, t[i].want);
	}
	bb_spec_public("vfio:3b:00.1?vf-token=0a1b2c3d", small, sizeof(small));
	CHECK(!strcmp(small, "vfio:3b:00."));
	bb_spec_public("x?vf-token=0a1b2c3d", small, sizeof(small));
	CHECK(!strcmp(small, "x?vf-token="));
}

static void test_manifest(const struct bb_sysinfo *si)
{
	char path[256], names[1024], *s;
	char a0[] = "barbench", a1[] = "run", a2[] = "--name=\"quoted\" \\ back", a3[] = "tab\there\xff";
	char a4[] = "vfio:0000:3b:00.1?vf-token=0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d&layout=x";
	char *argv[] = { a0, a1, a2, a3, a4, NULL };
	struct bb_tsc tsc = { .hz = 2600000000.0, .source = "calibrated", .invariant = true,
			      .note = "perf-mmap: cap_user_time=0" };
	struct bb_placement pl = { .cpu = 1, .node = 0, .topology = "1 package, 2 cores, 2 PUs, 1 NUMA node",
				   .how = "last allowed cpu" };
	struct bb_diag d = { "" };
	json_error_t je;
	json_t *root, *extra;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	extra = json_pack("{s:s,s:[i,{s:i}]}", "study", "x", "n", 1, "a", 2);
	CHECK_EQ(bb_manifest_write(dir, si, &tsc, &pl, 5, argv, extra, &d), 0);
	if (d.msg[0])
		NOTE_FAIL("%s", d.msg);
	s = slurp(path);
	CHECK(s != NULL);
	if (s) {
		/* written by jansson, indented: one member a line, the schema first */
		static const char head[] = "{\n  \"schema\": \"barbench-manifest/2\",\n";

		CHECK(!strncmp(s, head, sizeof(head) - 1));
		CHECK_EQ(s[strlen(s) - 2], '}');	/* complete */
		free(s);
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	CHECK(json_is_object(root));
	if (!root)
		NOTE_FAIL("%s:%d: %s", path, je.line, je.text);
	CHECK_MEMBER_STR(root, "schema", "barbench-manifest/2");
	CHECK_EQ(json_array_size(member(root, "command_line")), 5);
	CHECK(!strcmp(json_string_value(json_array_get(member(root, "command_line"), 2)), a2));
	/* an argument that is not UTF-8 keeps its valid bytes, the others become U+FFFD */
	CHECK(!strcmp(json_string_value(json_array_get(member(root, "command_line"), 3)), "tab\there\xef\xbf\xbd"));
	/* verbatim but for the secret a results folder must not carry: an SR-IOV VF token */
	CHECK(!strcmp(json_string_value(json_array_get(member(root, "command_line"), 4)),
		      "vfio:0000:3b:00.1?vf-token=hidden&layout=x"));
	CHECK_EQ(json_integer_value(member(root, "tsc.freq_hz")), 2600000000);
	CHECK_EQ(json_integer_value(member(root, "timer.freq_hz")), 2600000000);
	CHECK_MEMBER_STR(root, "tsc.source", "calibrated");
	CHECK_EQ(json_integer_value(member(root, "placement.cpu")), 1);
	CHECK_MEMBER_STR(root, "placement.topology", "1 package, 2 cores, 2 PUs, 1 NUMA node");
	CHECK_MEMBER_STR(root, "system.kernel_release", si->kernel_release);
	CHECK(json_is_string(member(root, "build.git_commit")));
	CHECK(member(root, "system.perf_event_paranoid") != NULL);
	CHECK_MEMBER_STR(root, "study", "x");
	CHECK(json_equal(member(root, "n"), json_object_get(extra, "n")));
	json_decref(root);
	CHECK_EQ(entries(names, sizeof(names)), 2);	/* out.txt, manifest.json */

	/* No TSC, no placement, sysinfo gathered inside, no extra. */
	CHECK_EQ(bb_manifest_write(dir, NULL, NULL, NULL, 0, NULL, NULL, &d), 0);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	CHECK(json_is_object(root));
	CHECK(json_is_null(member(root, "tsc")));
	CHECK(json_is_null(member(root, "timer")));
	CHECK(json_is_null(member(root, "placement")));
	CHECK_EQ(json_array_size(member(root, "command_line")), 0);
	CHECK(json_is_array(member(root, "command_line")));
	json_decref(root);

	/* What is not an object of the command's own members is refused before anything is written. */
	{
		json_t *bad[] = { json_array(), json_string("\"a\": 1"), json_pack("{s:i}", "schema", 3),
				  json_pack("{s:n}", "system") };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int err = bb_manifest_write(dir, si, NULL, NULL, 0, NULL, bad[i], &d);

			if (err != -EINVAL)
				NOTE_FAIL("extra %zu", i);
			CHECK_EQ(err, -EINVAL);
			CHECK_STR_HAS(d.msg, "manifest.json");
			json_decref(bad[i]);
		}
		CHECK_STR_HAS(d.msg, "\"system\"");
		CHECK_EQ(bb_manifest_write(dir, si, NULL, NULL, 0, NULL, json_object_get(extra, "nothing"), &d), 0);
	}
	json_decref(extra);
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
	test_spec_public();
	test_atomic();
	test_sysinfo(&si);
	test_manifest(&si);
	cleanup();
	return bb_test_done("test_manifest");
}
