// SPDX-License-Identifier: MIT
/*
 * barbench serve: put a layout's emulated device behind a vfio-user socket
 * (bench/vfio_user/server.c), for barbench's own vfio-user: client or for a
 * VMM's (QEMU >= 10.1's vfio-user-pci, docs/system/devices/vfio-user.rst).  Runs in the
 * foreground until SIGINT or SIGTERM, as the spec's "Backend Program
 * Conventions" ask; --socket-path is accepted as their spelling of --socket.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "server.h"
#include "cli.h"

void usage_serve(void)
{
	printf("usage: barbench serve --device emu:LAYOUT --socket PATH [--max-data-xfer N] [--timeout MS]\n"
	       "                      [--max-clients N] [--socket-mode MODE] [--allow-uid UID]...\n"
	       "                      [--trap-log FILE] [--quiet] [--verbose]\n"
	       "\n"
	       "Serve the layout's emulated device over the vfio-user protocol (QEMU\n"
	       "docs/interop/vfio-user.rst) on a UNIX socket until SIGINT or SIGTERM.  Region\n"
	       "info carries the layout's capability chain; mappable regions come with their\n"
	       "memfd (sealed against truncation; read-only for a region without the write\n"
	       "flag); trapped accesses are served by the emulated device; region 7 is a PCI\n"
	       "config space with the layout's IDs, BARs and MSI-X.  Several clients are served\n"
	       "at once, each with its own protocol state, sharing the one device; an idle\n"
	       "client blocks nobody.\n"
	       "\n"
	       "  --device emu:LAYOUT   the device to serve (vendor= and device= needed)\n"
	       "  --socket PATH         where to listen (a stale socket there is replaced)\n"
	       "  --max-data-xfer N     the max_data_xfer_size announced, and the largest access\n"
	       "                        served (default 1M, 8 to 64M)\n"
	       "  --timeout MS          drop a client stalled inside a message or not reading\n"
	       "                        its replies (default 5000)\n"
	       "  --max-clients N       clients served at once; more are closed (default %u, at\n"
	       "                        most %u)\n"
	       "  --socket-mode MODE    the socket file's mode in octal, whatever the umask\n"
	       "                        (default 0600)\n"
	       "  --allow-uid UID       a peer uid allowed besides this server's and root's\n"
	       "                        (SO_PEERCRED; repeatable, at most %u); others are closed\n"
	       "  --trap-log FILE       every access served through messages, as CSV (region,\n"
	       "                        offset, width, op, count, total_ns), written at exit and\n"
	       "                        on SIGUSR1 (atomically: a temporary file renamed)\n"
	       "  --quiet               no connect/disconnect lines\n"
	       "  --verbose             every refused request on stderr\n"
	       "\n"
	       "Clients: barbench run --device vfio-user:PATH ...;\n"
	       "         QEMU >= 10.1: -device '{\"driver\":\"vfio-user-pci\",\"socket\":{\"path\":\"PATH\",\"type\":\"unix\"}}'\n",
	       BB_VU_DEF_MAX_CLIENTS, BB_VU_MAX_CLIENTS, BB_VU_MAX_ALLOW_UIDS);
}

static struct bb_vu_server *running;

/* Only flags and a pipe write here: the trap log is written by the server's loop, never by a handler. */
static void on_signal(int sig)
{
	if (!running)
		return;
	if (sig == SIGUSR1)
		bb_vu_server_dump_trap_log(running);
	else
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
		{ "max-clients", required_argument, NULL, 'c' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "allow-uid", required_argument, NULL, 'u' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trap-log", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct bb_vu_server_opts so = { 0 };
	uint32_t uids[BB_VU_MAX_ALLOW_UIDS];
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
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
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
		case 'c':
			if (bb_parse_u64(optarg, &v) || !v || v > BB_VU_MAX_CLIENTS)
				return bb_cli_fail(BB_EXIT_USAGE, "serve: --max-clients %s: 1 to %u", optarg, BB_VU_MAX_CLIENTS);
			so.max_clients = (unsigned)v;
			break;
		case 'm': {
			char *end;
			unsigned long m;

			errno = 0;
			m = strtoul(optarg, &end, 8);
			if (!*optarg || *end || errno || m > 0777 || (m & 0600) != 0600)
				return bb_cli_fail(BB_EXIT_USAGE, "serve: --socket-mode %s: an octal mode up to 0777 that"
						   " lets the owner read and write (e.g. 0600, 0660)", optarg);
			so.socket_mode = (unsigned)m;
			break;
		}
		case 'u':
			if (bb_parse_u64(optarg, &v) || v >= UINT32_MAX)
				return bb_cli_fail(BB_EXIT_USAGE, "serve: --allow-uid %s: a numeric uid", optarg);
			if (so.nr_allow_uids >= BB_VU_MAX_ALLOW_UIDS)
				return bb_cli_fail(BB_EXIT_USAGE, "serve: --allow-uid: at most %u", BB_VU_MAX_ALLOW_UIDS);
			uids[so.nr_allow_uids++] = (uint32_t)v;
			so.allow_uids = uids;
			break;
		case 'q': so.quiet = true; break;
		case 'v': so.verbose = true; break;
		case 'T':
			if (!*optarg)
				return bb_cli_fail(BB_EXIT_USAGE, "serve: --trap-log needs a file name");
			so.trap_log = optarg;
			break;
		default:
			return bb_cli_bad_option("serve", c, argv[optind - 1]);
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
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	running = s;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (so.trap_log)
		sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	{
		uint32_t n = dev->nr_regions + 1;	/* and config space */

		for (uint32_t i = 0; i < dev->nr_regions; i++)
			if (dev->index[i] == 7)
				n--;
		printf("barbench serve: %s on %s (vfio-user %d.%d, %" PRIu32 " regions with config space); SIGINT or"
		       " SIGTERM stops%s\n", device, path, BB_VU_MAJOR, BB_VU_MINOR, n,
		       so.trap_log ? "; SIGUSR1 writes the trap log" : "");
	}
	fflush(stdout);
	err = bb_vu_server_run(s, &d);
	running = NULL;
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (so.trap_log) {
		/* a late SIGUSR1 has nothing left to ask: ignore it rather than die of it */
		sa.sa_handler = SIG_IGN;
		sigaction(SIGUSR1, &sa, NULL);
	}
	if (err)
		status = bb_cli_fail(BB_EXIT_FAIL, "serve: %s", d.msg);
	if (so.trap_log) {
		struct bb_diag dl;

		if (bb_vu_server_write_trap_log(s, &dl))
			status = bb_cli_fail(BB_EXIT_FAIL, "serve: %s", dl.msg);
		else
			printf("barbench serve: trap log: %s\n", so.trap_log);
	}
	bb_vu_server_get_stats(s, &st);
	bb_vu_server_destroy(s);
	bb_dev_close(dev);
	printf("barbench serve: stopped after %" PRIu64 " clients, %" PRIu64 " messages, %" PRIu64 " refused, %" PRIu64
	       " clients dropped, %" PRIu64 " connections refused\n", st.clients, st.messages, st.errors, st.dropped,
	       st.refused);
	return status;
}
