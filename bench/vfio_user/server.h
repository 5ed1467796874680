/* SPDX-License-Identifier: MIT */
/*
 * The vfio-user server, `barbench serve` (bench/vfio_user/server.c): a
 * layout's emulated device behind a UNIX socket, for barbench's own client
 * or a VMM's (QEMU >= 10.1's vfio-user-pci).
 */
#ifndef BARBENCH_VU_SERVER_H
#define BARBENCH_VU_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/backend.h"
#include "barbench/layout.h"
#include "vfio_user.h"

struct bb_vu_server;

#define BB_VU_DEF_MAX_CLIENTS 16u	/* clients served at once, by default */
#define BB_VU_MAX_CLIENTS 1024u
#define BB_VU_MAX_ALLOW_UIDS 32u

struct bb_vu_server_opts {
	uint64_t max_data_xfer_size;	/* announced, and the largest access served; 0: 1 MiB */
	unsigned timeout_ms;		/* a client stalled inside a message or not reading its replies is
					   dropped after this; 0: 5000 */
	unsigned max_clients;		/* at once; more are accepted and closed; 0: BB_VU_DEF_MAX_CLIENTS */
	unsigned socket_mode;		/* of the socket file, whatever the umask; 0: 0600 */
	const uint32_t *allow_uids;	/* peers (SO_PEERCRED) allowed besides the server's euid and root */
	unsigned nr_allow_uids;
	bool quiet;			/* no connect/disconnect lines on stderr */
	bool verbose;			/* every refused request on stderr */
	const char *trap_log;		/* where the trap log goes (traplog.h), or NULL for none; kept, not copied */
};

/*
 * Serve @dev (an emu: device with a layout: it gives the PCI IDs, BARs and
 * MSI-X capability of the config space; its memfds get sealed) on a new
 * UNIX socket at @path, created with opts->socket_mode.  A stale socket
 * file at @path is replaced; a live one (a server answers) is -EADDRINUSE.
 * @path NULL: no socket, for bb_vu_server_handle() alone (the fuzz target).
 * @dev stays the caller's.
 */
int bb_vu_server_create(struct bb_dev *dev, const char *path, const struct bb_vu_server_opts *opts,
			struct bb_vu_server **out, struct bb_diag *d);
/*
 * Serve clients, up to opts->max_clients at once, each with its own protocol
 * state, until bb_vu_server_stop(); 0 or a negative errno.
 */
int bb_vu_server_run(struct bb_vu_server *s, struct bb_diag *d);
/* Ask run() to return.  Async-signal-safe: a SIGINT/SIGTERM handler may call it. */
void bb_vu_server_stop(struct bb_vu_server *s);
/*
 * Ask run() to write the trap log (opts.trap_log) between two events, and
 * go on serving.  Async-signal-safe (a flag and one write to a pipe): a
 * SIGUSR1 handler may call it; the file is written by run(), never by the
 * handler.
 */
void bb_vu_server_dump_trap_log(struct bb_vu_server *s);
/* Write the trap log now (0 when none was asked for); at exit, after run(). */
int bb_vu_server_write_trap_log(struct bb_vu_server *s, struct bb_diag *d);
/* Close everything and remove the socket file; NULL is fine. */
void bb_vu_server_destroy(struct bb_vu_server *s);

struct bb_vu_server_stats {
	uint64_t clients;
	uint64_t messages;
	uint64_t errors;		/* error replies sent */
	uint64_t dropped;		/* clients dropped for framing garbage or stalls */
	uint64_t refused;		/* connections closed at once: a uid not allowed, too many clients */
};
void bb_vu_server_get_stats(const struct bb_vu_server *s, struct bb_vu_server_stats *out);

/*
 * The server's side of the protocol without the event loop: one client's
 * state (@fd its socket, closed with it, or -1), and one whole message of
 * it handled.  bb_vu_server_handle() takes @len bytes at @msg (a header
 * whose size is not @len, or not a command, is framing lost), the @nfds
 * descriptors that came with it (those it keeps are set to -1, the caller
 * closes the rest) and @dropped_fds more it could not take; the reply, if
 * any, is r->len bytes at r->msg (inside the server, valid until the next
 * call) with r->fd (the server's) to send along; r->hangup: drop the client
 * after sending it.  No handler writes outside the server's buffers,
 * whatever the input.
 */
struct bb_vu_client;
struct bb_vu_server_reply {
	const uint8_t *msg;
	size_t len;
	int fd;
	bool hangup;
};
int bb_vu_server_client_new(struct bb_vu_server *s, int fd, struct bb_vu_client **out);
void bb_vu_server_client_free(struct bb_vu_server *s, struct bb_vu_client *c);
void bb_vu_server_handle(struct bb_vu_server *s, struct bb_vu_client *c, const uint8_t *msg, size_t len, int *fds,
			 unsigned nfds, unsigned dropped_fds, struct bb_vu_server_reply *r);

/*
 * The config space the server emulates for @l, as a pure function for tests:
 * @size bytes (256 or the layout's region 7 size, at most 4096) of values and
 * of write masks (1 bits are guest-writable).  Vendor/device/class/subsystem
 * from the layout, one memory BAR per BAR region (64-bit when the next index
 * is free or the size needs it), an MSI-X capability at 0x40 pointing at the
 * layout's table and PBA.  -EINVAL naming the layout when a BAR is not a
 * power of two or the IDs are missing.
 */
int bb_vu_config_build(const struct bb_layout *l, uint32_t size, uint8_t *cfg, uint8_t *wmask,
		       struct bb_diag *d);

#endif
