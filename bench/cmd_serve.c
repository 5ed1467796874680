// SPDX-License-Identifier: MIT
/*
 * barbench serve: put a layout's emulated device behind a vfio-user socket
 * (bench/vfio_user_server.c), for barbench's own vfio-user: client or for a
 * VMM's (QEMU >= 10.1's vfio-user-pci, docs/system/devices/vfio-user.rst).  Runs in the
 * foreground until SIGINT or SIGTERM, as the spec's "Backend Program
 * Conventions" ask; --socket-path is accepted as their spelling of --socket.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "barbench/parse.h"
#include "barbench/vfio_user.h"
#include "cli.h"

void usage_serve(void)
{
	printf("usage: barbench serve --device emu:LAYOUT --socket PATH [--max-data-xfer N] [--timeout MS]\n"
	       "                      [--quiet] [--verbose]\n"
	       "\n"
	       "Serve the layout's emulated device over the vfio-user protocol (QEMU\n"
	       "docs/interop/vfio-user.rst) on a UNIX socket, one client at a time, until\n"
	       "SIGINT or SIGTERM.  Region info carries the layout's capability chain; mappable\n"
	       "regions come with their memfd; trapped accesses are served by the emulated\n"
	       "device; region 7 is a PCI config space with the layout's IDs, BARs and MSI-X.\n"
	       "\n"
	       "  --device emu:LAYOUT   the device to serve (vendor= and device= needed)\n"
	       "  --socket PATH         where to listen (a stale socket there is replaced)\n"
	       "  --max-data-xfer N     the max_data_xfer_size announced (default 1M)\n"
	       "  --timeout MS          drop a client stalled inside a message (default 5000)\n"
	       "  --quiet               no connect/disconnect lines\n"
	       "  --verbose             every refused request on stderr\n"
	       "\n"
	       "Clients: barbench run --device vfio-user:PATH ...;\n"
	       "         QEMU >= 10.1: -device '{\"driver\":\"vfio-user-pci\",\"socket\":{\"path\":\"PATH\",\"type\":\"unix\"}}'\n");
}

static struct bb_vu_server *running;

static void on_signal(int sig)
{
	(void)sig;
	if (running)
		bb_vu_server_stop(running);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-path", required_argument, NULL, 's' },
		{ "max-data-xfer", required_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct bb_vu_server_opts so = { 0 };
	const char *device = NULL, *path = NULL;
	struct bb_vu_server_stats st;
	struct bb_vu_server *s = NULL;
	struct sigaction sa;
	struct bb_dev *dev = NULL;
	struct bb_diag d;
	uint64_t v;
	int c, err, status = BB_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'D': device = optarg; break;
		case 's': path = optarg; break;
		case 'x':
			if (bb_parse_u64(optarg, &v) || v < 8 || v > 64u * 1024 * 1024)
				return bb_cli_fail(BB_EXIT_USAGE, "serve: --max-data-xfer %s: 8 bytes to 64M", optarg);
			so.max_data_xfer_size = v;
			break;
		case 't':
			if (bb_parse_u64(optarg, &v) || !v || v > 600000)
				return bb_cli_fail(BB_EXIT_USAGE, "serve: --timeout %s: 1 to 600000 ms", optarg);
			so.timeout_ms = (unsigned)v;
			break;
		case 'q': so.quiet = true; break;
		case 'v': so.verbose = true; break;
		default:
			return bb_cli_fail(BB_EXIT_USAGE, "serve: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bb_cli_fail(BB_EXIT_USAGE, "serve: unexpected argument '%s'", argv[optind]);
	if (!device || !path)
		return bb_cli_fail(BB_EXIT_USAGE, "serve: --device emu:LAYOUT and --socket PATH are required");
	if (strncmp(device, "emu:", 4))
		return bb_cli_fail(BB_EXIT_USAGE, "serve: --device %s: serve exposes an emulated device (emu:LAYOUT)",
				   device);
	err = bb_dev_open(device, &dev, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "serve: %s", d.msg);
	err = bb_vu_server_create(dev, path, &so, &s, &d);
	if (err) {
		bb_dev_close(dev);
		return bb_cli_fail(err == -EADDRINUSE || err == -EEXIST ? BB_EXIT_FAIL : bb_cli_status(err), "serve: %s",
				   d.msg);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: accept and recv return */
	sigemptyset(&sa.sa_mask);
	running = s;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	{
		uint32_t n = dev->nr_regions + 1;	/* and config space */

		for (uint32_t i = 0; i < dev->nr_regions; i++)
			if (dev->index[i] == 7)
				n--;
		printf("barbench serve: %s on %s (vfio-user %d.%d, %" PRIu32 " regions with config space); SIGINT or"
		       " SIGTERM stops\n", device, path, BB_VU_MAJOR, BB_VU_MINOR, n);
	}
	fflush(stdout);
	err = bb_vu_server_run(s, &d);
	running = NULL;
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (err)
		status = bb_cli_fail(BB_EXIT_FAIL, "serve: %s", d.msg);
	bb_vu_server_get_stats(s, &st);
	bb_vu_server_destroy(s);
	bb_dev_close(dev);
	printf("barbench serve: stopped after %" PRIu64 " clients, %" PRIu64 " messages, %" PRIu64 " refused, %" PRIu64
	       " clients dropped\n", st.clients, st.messages, st.errors, st.dropped);
	return status;
}
