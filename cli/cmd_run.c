// SPDX-License-Identifier: MIT
/*
 * barbench run: measure each (policy x page size x workload) combination on
 * one region of a device, writing runs.csv, samples/ and manifest.json.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barbench/backend.h"
#include "guest.h"
#include "json.h"
#include "kvm.h"
#include "manifest.h"
#include "measure.h"
#include "session.h"
#include "parse.h"
#include "placement.h"
#include "profile.h"
#include "barbench/policy.h"
#include "barbench/result.h"
#include "barbench/runner.h"
#include "vfio.h"
#include "cli.h"

#define MAX_LIST 16

void usage_run(void)
{
	printf("usage: barbench run --device DEVICE [--region N] --out DIR [--policy LIST|all]\n"
	       "                    [--page-size LIST] [--workload LIST] [--width W] [--samples N]\n"
	       "                    [--warmup N] [--cpu N] [--runner host|guest] [--param KEY=VALUE]...\n"
	       "                    [--policy-path F.so]... [--must-trap O:L]... [--allow-writes]\n"
	       "\n"
	       "Measure every combination of policy, page size and workload on one region.\n"
	       "\n"
	       "  --device DEVICE     emu:LAYOUT (e.g. emu:layouts/nvme-msix-bar0), or\n"
	       "                      vfio:BDF?layout=FILE, a real device bound to vfio-pci: only\n"
	       "                      what the layout marks safe is read, the MSI-X table never;\n"
	       "                      the thread runs on the device's NUMA node; or\n"
	       "                      pci:BDF?layout=FILE, a device through sysfs (no trap path)\n"
	       "  --allow-writes      a real device may be written where its layout says access=rw\n"
	       "                      (lat-write, doorbell, ...); without it writes are refused\n"
	       "  --region N          the region (required when the device has several)\n"
	       "  --out DIR           results: DIR/runs.csv, DIR/samples/, DIR/manifest.json (a DIR\n"
	       "                      holding results is refused unless --force, which clears them)\n"
	       "  --force             replace the results already in --out\n"
	       "  --policy LIST       comma list of policies, or all (default)\n"
	       "  --page-size LIST    planning page sizes, e.g. 4K,64K (default: this host's)\n"
	       "  --workload LIST     lat-read, lat-write, doorbell, stream-read, stream-write,\n"
	       "                      mix, sweep, replay:FILE (default lat-read)\n"
	       "  --width W           access width in bytes: 1, 2, 4, 8 (default 4)\n"
	       "  --samples N         timed samples per run (default 10000)\n"
	       "  --warmup N          untimed samples first (default samples/10, at most 1000)\n"
	       "  --batch N|auto      accesses a sample times: N repetitions of its access (a batched\n"
	       "                      workload: N of its batches); auto (default): as few as make a\n"
	       "                      sample span 50 steps of the measured clock, found by a pilot\n"
	       "  --cpu N             pin the measuring thread to CPU N\n"
	       "  --runner R          who performs the accesses: host (this process, default) or\n"
	       "                      guest (a KVM guest in 32-bit protected mode: map windows are\n"
	       "                      memslots, the rest MMIO exits served through the backend;\n"
	       "                      regions up to 3 GiB; needs /dev/kvm)\n"
	       "  --param KEY=VALUE   a policy parameter (span=1 for merged), or the guest runner's\n"
	       "                      ioeventfd=1: doorbell writes in trapped windows served by\n"
	       "                      KVM_IOEVENTFD without an exit (they never reach the device)\n"
	       "\n"
	       "Guest runs record guest_exec: \"emulated\" when a guest ALU loop runs more than\n"
	       "50x slower than on the host; such guest figures are not representative of bare\n"
	       "metal.  Keep --samples small there: every guest instruction is emulated.\n"
	       "\n"
	       "A combination that does not apply (a policy not applicable to the region, a\n"
	       "workload with nothing to do) is skipped with its reason in the manifest.\n");
}

/* Does any of the chosen policies take parameter @key? */
static bool policy_takes(const struct bb_registry *reg, char *const *names, unsigned n, const char *key)
{
	for (unsigned i = 0; i < n; i++) {
		const struct bb_policy_ops *ops = bb_registry_find(reg, names[i]);

		if (ops && bb_policy_takes(ops, key))
			return true;
	}
	return false;
}

/*
 * Split the comma list @arg into a copy (@buf, @size bytes): argv stays as
 * given, for the manifest's command line.  Empty and repeated items are
 * refused: "sparse,,trap," was once taken as "sparse,trap".
 */
static int split(const char *opt, const char *arg, char *buf, size_t size, char **out, unsigned max, unsigned *n)
{
	char *p = buf;

	*n = 0;
	if (strlen(arg) >= size)
		return bb_cli_fail(BB_EXIT_USAGE, "run: %s: a list of at most %zu characters", opt, size - 1);
	strcpy(buf, arg);
	for (;;) {
		char *e = strchr(p, ',');

		if (e)
			*e = '\0';
		if (!*p)
			return bb_cli_fail(BB_EXIT_USAGE, "run: %s %s: an empty item", opt, arg);
		for (unsigned i = 0; i < *n; i++)
			if (!strcmp(out[i], p))
				return bb_cli_fail(BB_EXIT_USAGE, "run: %s %s: '%s' is given twice", opt, arg, p);
		if (*n == max)
			return bb_cli_fail(BB_EXIT_USAGE, "run: %s %s: at most %u items", opt, arg, max);
		out[(*n)++] = p;
		if (!e)
			return 0;
		p = e + 1;
	}
}

struct skipped {
	char what[200];
	char why[BB_DIAG_MAX];
};

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "region", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "policy", required_argument, NULL, 'p' },
		{ "page-size", required_argument, NULL, 's' },
		{ "workload", required_argument, NULL, 'w' },
		{ "width", required_argument, NULL, 'W' },
		{ "samples", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'u' },
		{ "batch", required_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "runner", required_argument, NULL, 'R' },
		{ "param", required_argument, NULL, 'P' },
		{ "policy-path", required_argument, NULL, 'L' },
		{ "must-trap", required_argument, NULL, 'm' },
		{ "cost", required_argument, NULL, 'C' },
		{ "profile", required_argument, NULL, 'F' },
		{ "allow-writes", no_argument, NULL, 'A' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL, *out = NULL, *runner_name = "host", *cost_file = NULL, *profile_file = NULL;
	struct bb_cost cost;
	struct bb_profile profile = { 0 };
	char *policy_arg = NULL, *page_arg = NULL, *wl_arg = NULL;
	char *pol_names[BB_REGISTRY_MAX], *wl_names[MAX_LIST];
	static char pol_list[2048], wl_list[8192];
	const char *must[BB_MAX_MUST_TRAP], *paths[8];
	unsigned nr_pol = 0, nr_wl = 0, nr_pages = 1, nr_must = 0, nr_paths = 0, nr_params = 0;
	uint64_t pages[MAX_LIST] = { (uint64_t)sysconf(_SC_PAGESIZE) };
	uint64_t region = 0, width = 4, samples = 10000, warmup = UINT64_MAX, cpu_arg = 0, batch = 0;
	bool has_region = false, has_cpu = false, ioeventfd = false, has_ioeventfd = false;
	bool allow_writes = false;	/* real devices: --allow-writes */
	bool force = false;		/* --out may hold results: replace them */
	struct bb_runner_probe probe;
	struct bb_param params[BB_POLICY_MAX_PARAMS];
	char pkeys[BB_POLICY_MAX_PARAMS][64];
	struct bb_workload_spec specs[MAX_LIST];
	struct bb_workload wls[MAX_LIST];
	char wl_why[MAX_LIST][BB_DIAG_MAX];
	const struct bb_runner_ops *runner;
	struct bb_registry reg;
	struct bb_dev *dev = NULL;
	struct bb_region rgn;
	struct bb_range mt[BB_MAX_MUST_TRAP];
	unsigned nmt = 0;
	struct bb_session ses = { .lock_fd = -1 };
	struct bb_run_row *rows = NULL;
	struct skipped *skipped = NULL;
	size_t nrows = 0, nskipped = 0, total, done = 0;
	char *extra = NULL;
	size_t extra_len = 0;
	FILE *ex;
	struct bb_diag d;
	bool tty = isatty(2), complete = false;
	double t0_ns = 0;
	char stop_why[BB_DIAG_MAX] = "";
	int c, err, status = BB_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'D': device = optarg; break;
		case 'C': cost_file = optarg; break;
		case 'F': profile_file = optarg; break;
		case 'o': out = optarg; break;
		case 'p': policy_arg = optarg; break;
		case 's': page_arg = optarg; break;
		case 'w': wl_arg = optarg; break;
		case 'R': runner_name = optarg; break;
		case 'A': allow_writes = true; break;
		case 'f': force = true; break;
		case 'r':
			if (bb_parse_u64(optarg, &region) || region > UINT32_MAX)
				return bb_cli_fail(BB_EXIT_USAGE, "run: --region %s: not a region index", optarg);
			has_region = true;
			break;
		case 'W':
			if (bb_parse_u64(optarg, &width) || (width != 1 && width != 2 && width != 4 && width != 8))
				return bb_cli_fail(BB_EXIT_USAGE, "run: --width %s: must be 1, 2, 4 or 8", optarg);
			break;
		case 'n':
			if (bb_parse_u64(optarg, &samples) || !samples || samples > 100000000)
				return bb_cli_fail(BB_EXIT_USAGE, "run: --samples %s: 1 to 100000000", optarg);
			break;
		case 'b':
			if (!strcmp(optarg, "auto"))
				batch = 0;
			else if (bb_parse_u64(optarg, &batch) || !batch || batch > 4096)
				return bb_cli_fail(BB_EXIT_USAGE, "run: --batch %s: 1 to 4096, or auto", optarg);
			break;
		case 'u':
			if (bb_parse_u64(optarg, &warmup) || warmup > 100000000)
				return bb_cli_fail(BB_EXIT_USAGE, "run: --warmup %s: 0 to 100000000", optarg);
			break;
		case 'c':
			if (bb_parse_u64(optarg, &cpu_arg) || cpu_arg > 65535)
				return bb_cli_fail(BB_EXIT_USAGE, "run: --cpu %s: not a CPU number", optarg);
			has_cpu = true;
			break;
		case 'm':
			if (nr_must >= BB_MAX_MUST_TRAP)
				return bb_cli_fail(BB_EXIT_USAGE, "run: at most %d --must-trap", BB_MAX_MUST_TRAP);
			must[nr_must++] = optarg;
			break;
		case 'L':
			if (nr_paths >= 8)
				return bb_cli_fail(BB_EXIT_USAGE, "run: at most 8 --policy-path");
			paths[nr_paths++] = optarg;
			break;
		case 'P': {
			const char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || !eq[1] || (size_t)(eq - optarg) >= sizeof(pkeys[0]))
				return bb_cli_fail(BB_EXIT_USAGE, "run: --param %s: want KEY=VALUE", optarg);
			if ((size_t)(eq - optarg) == strlen("ioeventfd") && !strncmp(optarg, "ioeventfd", 9)) {
				/* a runner parameter, not a policy's */
				if (strcmp(eq + 1, "0") && strcmp(eq + 1, "1"))
					return bb_cli_fail(BB_EXIT_USAGE, "run: --param %s: ioeventfd is 0 or 1", optarg);
				ioeventfd = eq[1] == '1';
				has_ioeventfd = true;
				break;
			}
			if ((err = bb_cli_param_add("run", optarg, params, pkeys, &nr_params)))
				return err;
			break;
		}
		default:
			return bb_cli_bad_option("run", c, argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bb_cli_fail(BB_EXIT_USAGE, "run: unexpected argument '%s'", argv[optind]);
	if (!device || !out)
		return bb_cli_fail(BB_EXIT_USAGE, "run: --device and --out are required (see barbench run --help)");
	runner = bb_runner_find(runner_name);
	if (!runner)
		return bb_cli_fail(BB_EXIT_USAGE, "run: --runner %s: one of %s", runner_name, bb_runner_names());
	if (has_ioeventfd && !(runner->flags & BB_RUNNER_IOEVENTFD))
		return bb_cli_fail(BB_EXIT_USAGE, "run: --param ioeventfd: a parameter of the guest runner "
				   "(--runner guest), not of %s", runner->name);
	if (warmup == UINT64_MAX)
		warmup = samples / 10 < 1000 ? samples / 10 : 1000;
	if (page_arg && bb_cli_page_sizes(page_arg, pages, MAX_LIST, &nr_pages, &d))
		return bb_cli_fail(BB_EXIT_USAGE, "run: %s", d.msg);
	if (wl_arg) {
		if ((err = split("--workload", wl_arg, wl_list, sizeof(wl_list), wl_names, MAX_LIST, &nr_wl)))
			return err;
	} else {
		wl_names[0] = "lat-read";
		nr_wl = 1;
	}
	for (unsigned i = 0; i < nr_wl; i++)
		if (bb_workload_parse(wl_names[i], (unsigned)width, &specs[i], &d))
			return bb_cli_fail(BB_EXIT_USAGE, "run: %s", d.msg);

	bb_registry_init(&reg);
	for (unsigned i = 0; i < nr_paths; i++) {
		if (bb_registry_load(&reg, paths[i], &d)) {
			bb_registry_free(&reg);
			return bb_cli_fail(BB_EXIT_USAGE, "run: --policy-path %s", d.msg);
		}
	}
	if (!policy_arg || !strcmp(policy_arg, "all")) {
		for (unsigned i = 0; i < reg.n; i++)
			pol_names[nr_pol++] = (char *)reg.ops[i]->name;
	} else if ((err = split("--policy", policy_arg, pol_list, sizeof(pol_list), pol_names, BB_REGISTRY_MAX,
				&nr_pol))) {
		bb_registry_free(&reg);
		return err;
	}
	for (unsigned i = 0; i < nr_pol; i++) {
		if (!bb_registry_find(&reg, pol_names[i])) {
			bb_registry_free(&reg);
			return bb_cli_fail(BB_EXIT_USAGE, "run: no policy '%s' (barbench plan --help lists them)",
					   pol_names[i]);
		}
	}
	for (unsigned i = 0; i < nr_params; i++) {
		if (!policy_takes(&reg, pol_names, nr_pol, params[i].key)) {
			bb_registry_free(&reg);
			return bb_cli_fail(BB_EXIT_USAGE, "run: --param %s: no chosen policy takes it, nor the %s runner "
					   "(barbench plan --help lists the policies' parameters)", params[i].key,
					   runner->name);
		}
	}
	if (bb_runner_probe(runner, &probe, &d)) {
		bb_registry_free(&reg);
		return bb_cli_fail(BB_EXIT_FAIL, "run: --runner %s: %s", runner->name, d.msg);
	}

	err = bb_dev_open(device, &dev, &d);
	if (err) {
		bb_registry_free(&reg);
		return bb_cli_fail(bb_cli_status(err), "run: %s", d.msg);
	}
	if (allow_writes)
		bb_dev_allow_writes(dev);	/* a backend without the hook never needs leave */
	if (!has_region) {
		if (dev->nr_regions != 1) {
			status = bb_cli_fail(BB_EXIT_USAGE, "run: %s has %" PRIu32 " regions: choose one with --region",
					     device, dev->nr_regions);
			goto out_dev;
		}
		region = dev->index[0];
	}
	err = bb_dev_region(dev, (uint32_t)region, &rgn, NULL, NULL, &d);
	if (err) {
		status = bb_cli_fail(bb_cli_status(err), "run: %s", d.msg);
		goto out_dev;
	}
	if (bb_runner_fits(runner, &rgn, &d)) {
		status = bb_cli_fail(BB_EXIT_USAGE, "run: --runner %s: %s: %s", runner->name, device, d.msg);
		goto out_region;
	}
	nmt = bb_dev_must_trap(dev, rgn.index, mt);
	/* the cost model predicts each run (with --cost); the profile steers budget */
	if (cost_file && bb_cost_load(cost_file, &cost, &d)) {
		status = bb_cli_fail(BB_EXIT_USAGE, "run: --cost %s", d.msg);
		goto out_region;
	}
	if (profile_file ? bb_profile_from_trace(profile_file, &rgn, &profile, &d)
			 : bb_profile_from_layout(dev->has_layout ? &dev->layout : NULL, rgn.index, (unsigned)width,
						  &profile)) {
		status = bb_cli_fail(BB_EXIT_USAGE, "run: --profile %s", d.msg);
		goto out_region;
	}
	{
		struct bb_target t = { .region = rgn, .nr_must_trap = nmt };

		memcpy(t.must_trap, mt, sizeof(mt));
		for (unsigned i = 0; i < nr_must; i++) {
			if (bb_target_add_must_trap(&t, must[i], &d)) {
				status = bb_cli_fail(BB_EXIT_USAGE, "run: %s", d.msg);
				goto out_region;
			}
		}
		memcpy(mt, t.must_trap, sizeof(mt));
		nmt = t.nr_must_trap;
	}
	for (unsigned i = 0; i < nr_wl; i++) {
		err = bb_workload_build(&specs[i], dev->has_layout ? &dev->layout : NULL, &rgn, bb_dev_guard(dev), &wls[i], &d);
		if (err && err != -ENOENT) {
			for (unsigned k = 0; k < i; k++)
				bb_workload_free(&wls[k]);
			status = bb_cli_fail(bb_cli_status(err), "run: %s", d.msg);
			goto out_region;
		}
		if (err == -ENOENT) {
			wls[i].n = 0;
			memcpy(wl_why[i], d.msg, sizeof(wl_why[i]));
		}
	}
	/* a real device is written only when asked to, and then only where its layout allows */
	for (unsigned i = 0; i < nr_wl && !bb_vfio_writes_allowed(dev); i++) {
		for (size_t k = 0; k < wls[i].n; k++) {
			if (wls[i].acc[k].op != BB_OP_WRITE)
				continue;
			status = bb_cli_fail(BB_EXIT_USAGE, "run: %s writes to %s (offset 0x%" PRIx64 "): a real device is "
					     "written only with --allow-writes, and only where its layout says access=rw",
					     wls[i].name, device, wls[i].acc[k].offset);
			goto out_wl;
		}
	}

	{
		/* a folder holding results is not overwritten by accident: its stale samples would stay */
		char rp[4096];
		struct stat sb;

		snprintf(rp, sizeof(rp), "%s/runs.csv", out);
		if (!force && !lstat(rp, &sb)) {
			status = bb_cli_fail(BB_EXIT_USAGE, "run: %s already holds results (runs.csv): give --force to "
					     "replace them, or another --out", out);
			goto out_ses;
		}
	}
	err = bb_session_open(&ses, out, true, &d);
	if (!err && force)
		err = bb_results_clear(out, &d);	/* under the lock: nothing else writes there now */
	if (err) {
		status = bb_cli_fail(bb_cli_status(err), "run: %s", d.msg);
		goto out_ses;
	}
	err = bb_session_measure(&ses, has_cpu ? (int)cpu_arg : -1, bb_dev_numa_node(dev), &d);
	if (err) {
		status = bb_cli_fail(err == -EINVAL ? BB_EXIT_USAGE : BB_EXIT_FAIL, "run: %s", d.msg);
		goto out_ses;
	}

	total = (size_t)nr_pol * nr_pages * nr_wl;
	rows = calloc(total, sizeof(*rows));
	skipped = calloc(total, sizeof(*skipped));
	if (!rows || !skipped) {
		status = bb_cli_fail(BB_EXIT_FAIL, "run: out of memory");
		goto out_ses;
	}
	/* until the last run is in, the folder says it is incomplete, even after SIGKILL */
	if (bb_session_manifest(&ses, argc, argv, "\"tool\":\"barbench run\",\"complete\":false,\"runs\":0", &d)) {
		status = bb_cli_fail(BB_EXIT_FAIL, "run: manifest: %s", d.msg);
		goto out_ses;
	}
	bb_session_catch_signals(&ses);
	t0_ns = bb_now_ns();
	{
		struct bb_measure m = {
			.device = device, .dev = dev, .region = &rgn, .must_trap = mt, .nr_must_trap = nmt,
			.tsc = &ses.tsc, .overhead = ses.overhead, .counters = &ses.ctr, .samples = samples,
			.warmup = warmup, .out = out, .cost = cost_file ? &cost : NULL, .batch = (unsigned)batch,
			.profile = profile.n ? &profile : NULL,
		};

		for (unsigned pi = 0; pi < nr_pol && status == BB_EXIT_OK; pi++) {
			const struct bb_policy_ops *ops = bb_registry_find(&reg, pol_names[pi]);

			for (unsigned gi = 0; gi < nr_pages && status == BB_EXIT_OK; gi++) {
				for (unsigned wi = 0; wi < nr_wl && status == BB_EXIT_OK; wi++) {
					char id[160], pg[32], why[BB_DIAG_MAX];
					struct bb_combo cb = {
						.ops = ops, .params = params, .nr_params = nr_params,
						.page_size = pages[gi], .wl = &wls[wi], .wl_why = wl_why[wi],
						.width = (unsigned)width, .runner = runner, .id = id,
						.ioeventfd = ioeventfd,
					};

					if (bb_session_stopped()) {
						snprintf(stop_why, sizeof(stop_why), "%s",
							 bb_session_stopped() == SIGINT ? "SIGINT" : "SIGTERM");
						status = 128 + bb_session_stopped();
						break;
					}
					bb_format_size(pg, sizeof(pg), pages[gi]);
					snprintf(id, sizeof(id), "%04zu-%s-%" PRIu64 "-%s", nrows, ops->name, pages[gi],
						 bb_workload_kind_name(specs[wi].kind));
					if (tty) {
						/* on a terminal: where it is and how long the rest should take */
						double el = (bb_now_ns() - t0_ns) / 1e9;
						double eta = done ? el / (double)done * (double)(total - done) : 0;

						fprintf(stderr, "\r[%zu/%zu] ETA %4.0fs %s %s %s                    ", done + 1,
							total, eta, ops->name, pg, bb_workload_kind_name(specs[wi].kind));
					}
					done++;
					err = bb_measure_one(&m, &cb, &rows[nrows], why, sizeof(why), &d);
					if (err == 1) {
						struct skipped *sk = &skipped[nskipped++];

						snprintf(sk->what, sizeof(sk->what), "%s %s %s", ops->name, pg,
							 bb_workload_kind_name(specs[wi].kind));
						memcpy(sk->why, why, sizeof(sk->why));
						bb_session_skip(&ses, sk->what, sk->why);
						continue;
					}
					if (!err)
						err = bb_session_add_row(&ses, &rows[nrows++], &d);
					if (err) {
						snprintf(stop_why, sizeof(stop_why), "run %s: %s", id, d.msg);
						status = bb_cli_fail(err == -EPROTO ? BB_EXIT_FAIL :
								     err == -EINVAL ? BB_EXIT_USAGE : BB_EXIT_FAIL,
								     "run %s: %s", id, d.msg);
					}
				}
			}
		}
	}
	complete = status == BB_EXIT_OK;
	if (bb_session_stopped() && status == BB_EXIT_OK) {
		/* arrived after the last run: everything is in, but say it was asked to stop */
		snprintf(stop_why, sizeof(stop_why), "%s", bb_session_stopped() == SIGINT ? "SIGINT" : "SIGTERM");
		status = 128 + bb_session_stopped();
	}
	bb_session_release_signals(&ses);
	if (tty)
		fprintf(stderr, "\r%60s\r", "");
	/* what finished, also when nothing did or the loop stopped early */
	if (bb_session_write_runs(&ses, &d) && status == BB_EXIT_OK)
		status = bb_cli_fail(BB_EXIT_FAIL, "run: %s", d.msg);

	/* the manifest: what ran, where, how it was timed (the session adds what was skipped and why) */
	ex = open_memstream(&extra, &extra_len);
	if (!ex) {
		status = bb_cli_fail(BB_EXIT_FAIL, "run: out of memory");
		goto out_ses;
	}
	fprintf(ex, "\"tool\":\"barbench run\",\"device\":");
	bb_json_string(ex, device);
	fprintf(ex, ",\"region\":%" PRIu32 ",\"host_page_size\":%ld,\"runner\":\"%s\","
		"\"samples_per_run\":%" PRIu64 ",\"warmup_per_run\":%" PRIu64 ",\"runs\":%zu,\"complete\":%s",
		rgn.index, sysconf(_SC_PAGESIZE), runner->name, samples, warmup, nrows, complete ? "true" : "false");
	if (runner->flags & BB_RUNNER_IN_GUEST) {
		fprintf(ex, ",\"guest_exec\":\"%s\",\"guest_exec_ratio\":%.1f,\"guest_mode\":\"%s\",\"ioeventfd\":%s,"
			"\"guest_note\":", probe.exec, probe.exec_ratio, probe.mode, ioeventfd ? "true" : "false");
		bb_json_string(ex, !strcmp(probe.exec, "emulated") ?
			       "guest instructions are emulated on this host (a guest ALU loop runs guest_exec_ratio "
			       "times slower than natively): guest figures are not representative of bare metal" :
			       "guest instructions run natively");
	}
	if (stop_why[0]) {
		fprintf(ex, ",\"stopped\":");
		bb_json_string(ex, stop_why);
	}
	if (fclose(ex)) {
		status = bb_cli_fail(BB_EXIT_FAIL, "run: out of memory");
		goto out_ses;
	}
	if (bb_session_manifest(&ses, argc, argv, extra, &d) && status == BB_EXIT_OK)
		status = bb_cli_fail(BB_EXIT_FAIL, "run: manifest: %s", d.msg);
	if (status > 128 && complete)
		bb_cli_fail(status, "run: stopped by %s after the last run: all %zu runs are in %s/runs.csv",
			    stop_why, nrows, out);
	else if (status > 128)
		bb_cli_fail(status, "run: stopped by %s: the %zu run%s that finished are in %s/runs.csv; "
			    "manifest.json says complete:false", stop_why, nrows, nrows == 1 ? "" : "s", out);

	if (status == BB_EXIT_OK) {
		printf("%-8s %-8s %-12s %10s %10s %10s %8s\n", "policy", "page", "workload", "p50_ns", "p99_ns",
		       "ops_s", "trapped");
		for (size_t i = 0; i < nrows; i++) {
			char pg[32];

			bb_format_size(pg, sizeof(pg), rows[i].page_size);
			printf("%-8s %-8s %-12.12s %10.1f %10.1f %10.3g %7.1f%%\n", rows[i].policy, pg, rows[i].workload,
			       rows[i].s.p50, rows[i].s.p99, rows[i].ops_s, 100 * rows[i].trapped_share);
		}
		for (size_t i = 0; i < nskipped; i++)
			printf("skipped: %s: %s\n", skipped[i].what, skipped[i].why);
		if (runner->flags & BB_RUNNER_IN_GUEST)
			printf("guest: %s, guest_exec=%s (ALU loop %.0fx the host's)%s\n", probe.mode,
			       probe.exec, probe.exec_ratio, !strcmp(probe.exec, "emulated") ?
			       ": guest figures are not representative of bare metal" : "");
		printf("results: %s/runs.csv (%zu runs), %s/manifest.json\n", out, nrows, out);
	}
out_ses:
	bb_session_close(&ses);
	free(rows);
	free(skipped);
	free(extra);
out_wl:
	for (unsigned i = 0; i < nr_wl; i++)
		bb_workload_free(&wls[i]);
out_region:
	bb_profile_free(&profile);
	bb_region_free(&rgn);
out_dev:
	bb_dev_close(dev);
	bb_registry_free(&reg);
	return status;
}
