// SPDX-License-Identifier: MIT
/*
 * barbench serve: put a layout's emulated device behind a vfio-user socket
 * (bench/vfio_user/server.c), for barbench's own vfio-user: client or for a
 * VMM's (QEMU >= 10.1's vfio-user-pci, docs/system/devices/vfio-user.rst).  Runs in the
 * foreground until SIGINT or SIGTERM, as the spec's "Backend Program
 * Conventions" ask; --socket-path is accepted as their spelling of --socket.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "server.h"
#include "cli.h"
#include "options.h"
#include "progress.h"

enum { K_DEVICE = BB_OPT_KEY(0), K_SOCKET, K_XFER, K_TIMEOUT, K_CLIENTS, K_MODE, K_UID, K_VERBOSE, K_TRAP_LOG };

/* the limits of server.h as help shows them */
_Static_assert(BB_VU_DEF_MAX_CLIENTS == 16 && BB_VU_MAX_CLIENTS == 1024 && BB_VU_MAX_ALLOW_UIDS == 32,
	       "serve_opts: update the help of --max-clients and --allow-uid");

static const struct bb_opt serve_opts[] = {
	{ "device", K_DEVICE, "emu:LAYOUT", NULL, "the device to serve (its layout needs vendor= and device=)" },
	{ "socket", K_SOCKET, "PATH", NULL, "where to listen (a stale socket there is replaced)" },
	{ "socket-path", K_SOCKET, "PATH", NULL, "the same as --socket (the spelling of the vfio-user spec's\n"
					      "\"Backend Program Conventions\")" },
	{ "max-data-xfer", K_XFER, "N", "1M", "the max_data_xfer_size announced, and the largest access\n"
					     "served, 8 to 64M" },
	{ "timeout", K_TIMEOUT, "MS", "5000", "drop a client stalled inside a message, not reading\n"
					    "its replies or not negotiating (VERSION), 1 to 600000 ms" },
	{ "max-clients", K_CLIENTS, "N", "16", "clients served at once, 1 to 1024; more are closed" },
	{ "socket-mode", K_MODE, "MODE", "0600", "the socket file's mode in octal, whatever the umask" },
	{ "allow-uid", K_UID, "UID", NULL, "a peer uid allowed besides this server's and root's\n"
					   "(SO_PEERCRED; repeatable, at most 32); others are closed" },
	{ "trap-log", K_TRAP_LOG, "FILE", NULL, "every access served through messages, as CSV (region,\n"
						"offset, width, op, count, total_ns), written empty at the\n"
						"start (a FILE that cannot be written stops serve, exit 1),\n"
						"at exit and on SIGUSR1 (atomically: a temporary file renamed)" },
	{ "verbose", K_VERBOSE, NULL, NULL, "every refused request on stderr" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help serve_help = {
	.cmd = "serve",
	.synopsis = "--device emu:LAYOUT --socket PATH [options]",
	.text = "Serve the layout's emulated device over the vfio-user protocol (QEMU\n"
		"docs/interop/vfio-user.rst) on a UNIX socket until SIGINT or SIGTERM.  Region\n"
		"info carries the layout's capability chain; mappable regions come with their\n"
		"memfd (sealed against truncation; read-only for a region without the write\n"
		"flag); trapped accesses are served by the emulated device; region 7 is a PCI\n"
		"config space with the layout's IDs, BARs and MSI-X.  Several clients are served\n"
		"at once, each with its own protocol state, sharing the one device; an idle\n"
		"client blocks nobody.\n"
		"\n"
		"Clients: barbench run --device vfio-user:PATH ...;\n"
		"         QEMU >= 10.1: -device '{\"driver\":\"vfio-user-pci\",\"socket\":{\"path\":\"PATH\",\"type\":\"unix\"}}'\n",
	.opts = serve_opts,
	.quiet = "no connect/disconnect lines on stderr (the start and stop lines\n"
		 "and errors are still printed)",
	.exit = "0 stopped by SIGINT or SIGTERM, 1 the socket or the server failed,\n"
		"2 bad usage or a layout that does not load.",
};

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

/* --socket-mode MODE: octal, owner read and write; 0 or the exit status. */
static int parse_mode(const char *val, unsigned *out)
{
	char *end;
	unsigned long m;

	errno = 0;
	m = strtoul(val, &end, 8);
	if (!*val || *end || errno || m > 0777 || (m & 0600) != 0600)
		return bb_opt_bad_value(&serve_help, K_MODE, val, "an octal mode up to 0777 that lets the owner read and "
					"write (e.g. 0600, 0660)");
	*out = (unsigned)m;
	return 0;
}

/* The options into @so (@uids: the --allow-uid array); 0, or the exit status after a message. */
static int serve_options(int argc, char **argv, struct bb_vu_server_opts *so, uint32_t *uids, const char **device,
			 const char **path)
{
	struct bb_opt_state st = { 0 };
	const char *val;
	uint32_t v;
	int c, err = 0;

	while (!err && (c = bb_opt_next(&st, argc, argv, &serve_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_DEVICE: *device = val; break;
		case K_SOCKET: *path = val; break;
		case K_XFER:
			if (!(err = bb_opt_u32(&serve_help, c, val, 8, 64u * 1024 * 1024, &v)))
				so->max_data_xfer_size = v;
			break;
		case K_TIMEOUT:
			if (!(err = bb_opt_u32(&serve_help, c, val, 1, 600000, &v)))
				so->timeout_ms = v;
			break;
		case K_CLIENTS:
			if (!(err = bb_opt_u32(&serve_help, c, val, 1, BB_VU_MAX_CLIENTS, &v)))
				so->max_clients = v;
			break;
		case K_MODE: err = parse_mode(val, &so->socket_mode); break;
		case K_UID:
			if (!(err = bb_opt_u32(&serve_help, c, val, 0, UINT32_MAX - 1, &v)) &&
			    !(err = bb_opt_count(&serve_help, c, val, so->nr_allow_uids, BB_VU_MAX_ALLOW_UIDS))) {
				uids[so->nr_allow_uids++] = v;
				so->allow_uids = uids;
			}
			break;
		case K_VERBOSE: so->verbose = true; break;
		case K_TRAP_LOG:
			if (!*val)
				err = bb_opt_bad_value(&serve_help, c, val, "an empty file name");
			so->trap_log = val;
			break;
		}
	}
	so->quiet = bb_cli_quiet;
	return err ? err : bb_opt_operands(&serve_help, argc, argv, 0, 0);
}

static int cmd_serve(int argc, char **argv)
{
	struct bb_vu_server_opts so = { 0 };
	uint32_t uids[BB_VU_MAX_ALLOW_UIDS];
	const char *device = NULL, *path = NULL;
	struct bb_vu_server_stats st;
	struct bb_vu_server *s = NULL;
	struct sigaction sa;
	sigset_t held, old_mask;
	const struct bb_backend_ops *ops;
	struct bb_dev *dev = NULL;
	struct bb_diag d;
	int err, status = BB_EXIT_OK;

	status = serve_options(argc, argv, &so, uids, &device, &path);
	if (status)
		return status;
	if (!device || !path)
		return bb_cli_fail(BB_EXIT_USAGE, "serve: --device emu:LAYOUT and --socket PATH are required");
	ops = bb_backend_for(device);
	/* checked before opening: a device that cannot be served is not touched */
	if (ops && !ops->share)
		return bb_cli_fail(BB_EXIT_USAGE, "serve: --device %s: a %s device's regions cannot be handed to a client; "
				   "serve exposes an emulated device (emu:LAYOUT)", device, ops->name);
	err = bb_dev_open(device, &dev, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "serve: %s", d.msg);
	/*
	 * SIGINT, SIGTERM and SIGUSR1 held back from before the socket exists
	 * until their handlers are in: a client that signals as soon as the
	 * socket appears stops the server cleanly instead of killing it.
	 */
	sigemptyset(&held);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGUSR1);
	sigprocmask(SIG_BLOCK, &held, &old_mask);
	err = bb_vu_server_create(dev, path, &so, &s, &d);
	if (err) {
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		bb_dev_close(dev);
		/*
		 * a layout or an option the server cannot take is bad input (2); a
		 * socket that cannot be made where asked (no such folder, no
		 * permission, in use) is the socket failing (1), as --help says
		 */
		return bb_cli_fail(err == -EINVAL || err == -E2BIG || err == -ENAMETOOLONG ? BB_EXIT_USAGE : BB_EXIT_FAIL,
				   "serve: %s", d.msg);
	}
	/*
	 * The log written once, empty, before any client: a path that cannot be
	 * written stops serve now, not at its end.  The signals stay held to the
	 * exit: a SIGTERM sent as soon as the socket appeared must not turn this
	 * failure into a death by signal with no word said (exit 143, not 1).
	 */
	if (so.trap_log && bb_vu_server_write_trap_log(s, &d)) {
		bb_vu_server_destroy(s);
		bb_dev_close(dev);
		return bb_cli_fail(BB_EXIT_FAIL, "serve: --trap-log: %s", d.msg);
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
	if (!so.trap_log)
		sigaction(SIGUSR1, &sa, NULL);	/* no log to write: a SIGUSR1 killed serve and left its socket */
	sigprocmask(SIG_SETMASK, &old_mask, NULL);	/* what came meanwhile is handled now */
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
	printf("barbench serve: stopped after %" PRIu64 " client%s, %" PRIu64 " message%s, %" PRIu64 " refused, %" PRIu64
	       " client%s dropped, %" PRIu64 " connection%s refused\n", st.clients, st.clients == 1 ? "" : "s",
	       st.messages, st.messages == 1 ? "" : "s", st.errors, st.dropped, st.dropped == 1 ? "" : "s", st.refused,
	       st.refused == 1 ? "" : "s");
	return status;
}

const struct bb_cmd bb_cmd_serve = { .name = "serve", .fn = cmd_serve, .help = &serve_help,
	.summary = "serve a layout's emulated device over the vfio-user protocol on a UNIX socket" };
