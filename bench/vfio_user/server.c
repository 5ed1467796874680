// SPDX-License-Identifier: MIT
/*
 * A vfio-user server (QEMU docs/interop/vfio-user.rst) for barbench's
 * emulated device: `barbench serve --device emu:LAYOUT --socket PATH`.
 *
 * What a VMM's client sees:
 *  - VERSION: 0.1 (or the client's lower minor), with max_msg_fds and
 *    max_data_xfer_size always, pgsizes / max_dma_maps / write_multiple only
 *    when the client proposed them ("The capability list must be a subset of
 *    those proposed"); no twin socket, no migration.
 *  - DEVICE_GET_INFO: a PCI device that can be reset, max(9, highest index
 *    + 1) regions, the 5 PCI IRQ indexes.
 *  - DEVICE_GET_REGION_INFO: the bytes the emulated device reports (the
 *    layout's capability chain, through the backend's argsz handshake), with
 *    the fd offset set to 0 because each region comes with its own memfd,
 *    passed with SCM_RIGHTS when the region has MMAP ("offset is the offset
 *    that should be given to the mmap() system call") and the answer is
 *    whole.  The memfds are sealed against shrinking and growing
 *    (bb_dev_share), and a region without the WRITE flag is handed out as a
 *    read-only descriptor (a reopen of the memfd through /proc/self/fd), so
 *    no client can take the device away from the others or write what it
 *    may only read.  A short argsz gets the argsz needed and neither chain
 *    nor CAPS, as libvfio-user answers.  Absent regions (BARs the layout
 *    lacks, ROM, VGA) have size 0.
 *  - REGION_READ/WRITE (and WRITE_MULTI): the emulated device's trap path
 *    (dev->ops->rw); region 7 is an emulated PCI config space
 *    (bb_vu_config_build: the layout's IDs, BARs and MSI-X capability).
 *    A count above max_data_xfer_size is refused before anything is copied.
 *  - DMA_MAP/UNMAP: ranges recorded per client (overlap is EEXIST, unmap
 *    must match, the descriptors are closed at once: this device never does
 *    DMA).
 *  - DEVICE_GET_IRQ_INFO/SET_IRQS: MSI-X with the layout's vectors
 *    (eventfds kept per client, refused unless they are eventfds, made
 *    non-blocking and signalled on a TRIGGER), INTx/MSI/ERR/REQ with none.
 *  - DEVICE_RESET: config space, constant registers and the client's
 *    interrupts back to their reset state.
 *  - Anything else: an error reply (ENOTSUP, ENOSYS).
 * A failed request always gets an error reply, No_reply or not ("Error ...
 * the reply message must only include the reply header").
 *
 * Clients are served together by one poll() loop, each with its own state
 * (partial message, descriptors, negotiated capabilities, DMA ranges, MSI-X
 * eventfds, a reply the socket did not take yet); the device (config space,
 * the emulated device) is one, shared.  Nothing blocks: sockets are
 * non-blocking, a client that stalls inside a message, stops reading its
 * replies or has not negotiated (VERSION) for the timeout is dropped (so
 * connections that say nothing cannot fill max_clients), an idle one that
 * negotiated costs nothing.  At most
 * max_clients at once (more are accepted and closed with a log line); the
 * socket is created with mode 0600 (or socket_mode) whatever the umask, and
 * a peer whose SO_PEERCRED uid is not the server's, root's or an allowed
 * one is closed.  A client that disconnects leaves the device state as it
 * was ("Client Disconnection"), but constant (kind=id) registers, which its
 * mapping could have overwritten, read their layout value again.  Garbage
 * (a header whose size is impossible, a reply or unknown type from the
 * client, a stall inside a message) drops that client only.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "server.h"
#include "sock.h"
#include "traplog.h"
#include "barbench/timing.h"

#define HDR ((size_t)sizeof(struct bb_vu_hdr))
#define ACC ((size_t)sizeof(struct bb_vu_region_access))
#define CONFIG_INDEX VFIO_PCI_CONFIG_REGION_INDEX
#define NR_IRQ_INDEXES VFIO_PCI_NUM_IRQS
#define CFG_MAX 4096u
#define JSON_MAX 512u		/* the server's version JSON */
#define RX_SMALL 4096u		/* a client's receive buffer between large messages */

struct srv_region {
	bool present;
	bool config;		/* emulated config space, not the device's memory */
	uint32_t flags;
	uint64_t size;
	uint8_t *info;		/* the whole region-info answer */
	size_t info_len;
	int fd;			/* the descriptor handed out with MMAP, or -1 */
	int own_fd;		/* ours to close (a read-only reopen), or -1 */
};

struct dma_range {
	uint64_t addr, size;
};

struct bb_vu_client {
	int fd;			/* the socket; -1 for a client without one (bb_vu_server_client_new) */
	uint64_t n;		/* connection number, from 1 */
	uint64_t messages;
	bool versioned;
	struct bb_vu_caps peer;
	struct dma_range *dma;
	size_t nr_dma, cap_dma;
	int *msix_fd;		/* per vector, -1 */
	uint8_t *msix_masked;
	/* the message being received */
	uint8_t *rx;
	size_t rxcap, got, want;
	int fds[BB_VU_MAX_FDS];
	unsigned nfds, dropped_fds;
	/* the reply the socket did not take yet */
	uint8_t *out;
	size_t out_len, out_done;
	int out_fd;		/* goes with the reply's first byte; the server's, not ours to close */
	double progress_ms;	/* when a byte last moved while a message or reply was under way */
	double connected_ms;	/* when it connected: VERSION is due within the timeout of it, however it drips */
	bool irq_blocked;	/* one of its eventfds made a write wait: it is given no interrupt again */
};

struct bb_vu_server {
	struct bb_dev *dev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd;
	int wake[2];		/* bb_vu_server_stop() writes here */
	volatile sig_atomic_t stop;
	volatile sig_atomic_t dump;	/* bb_vu_server_dump_trap_log() asked for the trap log */
	struct bb_traplog *log;		/* opts.trap_log given: every access served through messages */
	struct bb_vu_server_opts o;
	uid_t allow[BB_VU_MAX_ALLOW_UIDS + 2];
	unsigned nr_allow;
	uint32_t num_regions;
	struct srv_region reg[BB_VU_MAX_REGIONS];
	uint32_t cfg_size;
	uint8_t cfg[CFG_MAX], cfg0[CFG_MAX], wmask[CFG_MAX];
	uint32_t vectors;		/* MSI-X */
	size_t rxmax;			/* the largest message a client may send, header included */
	uint8_t *tx;			/* the reply being built */
	size_t txcap;
	struct bb_vu_client **cl;	/* max_clients slots */
	unsigned nr_cl;
	uint64_t next_n;
	double accept_pause_ms;		/* out of descriptors: accept again after this */
	struct bb_vu_server_stats st;
};

/* What a handler may write: the reply's payload, bounded by construction. */
struct out {
	uint8_t *p;	/* after the reply header */
	size_t cap;
	size_t len;
	int fd;		/* a descriptor to send along, or -1 */
	bool drop;	/* hang up after the reply */
};

static void logf_(const struct bb_vu_client *c, const char *fmt, ...) BB_PRINTF(2, 3);
static void logf_(const struct bb_vu_client *c, const char *fmt, ...)
{
	va_list ap;

	if (c)
		fprintf(stderr, "barbench serve: client %" PRIu64 ": ", c->n);
	else
		fprintf(stderr, "barbench serve: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* An error reply for @h, logged when verbose: returns @err. */
static int refuse(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, int err,
		  const char *fmt, ...) BB_PRINTF(5, 6);
static int refuse(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, int err,
		  const char *fmt, ...)
{
	if (s->o.verbose) {
		char msg[300];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		logf_(c, "%s (id %u): refused with %s: %s", bb_vu_cmd_name(h->cmd), h->id, strerror(-err), msg);
	}
	return err;
}

/* Room for @n bytes at @at of the reply's payload, or NULL: no handler writes past the buffer. */
static uint8_t *out_room(struct out *o, size_t at, size_t n)
{
	if (at > o->cap || n > o->cap - at)
		return NULL;
	return o->p + at;
}

static int out_put(struct out *o, size_t at, const void *src, size_t n)
{
	uint8_t *q = out_room(o, at, n);

	if (!q)
		return -E2BIG;
	memcpy(q, src, n);
	if (at + n > o->len)
		o->len = at + n;
	return 0;
}

static void w16(uint8_t *p, size_t at, uint16_t v)
{
	p[at] = (uint8_t)v;
	p[at + 1] = (uint8_t)(v >> 8);
}

static void w32(uint8_t *p, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

int bb_vu_config_build(const struct bb_layout *l, uint32_t size, uint8_t *cfg, uint8_t *wmask,
		       struct bb_diag *d)
{
	const char *name = l->path[0] ? l->path : l->name;

	if (size < 256 || size > CFG_MAX)
		return bb_diag_set(d, -EINVAL, "%s: config space of %" PRIu32 " bytes (256 to %u)", name, size, CFG_MAX);
	memset(cfg, 0, size);
	memset(wmask, 0, size);
	if (!l->has_ids)
		return bb_diag_set(d, -EINVAL, "%s: a served device needs its PCI IDs: give vendor= and device= on the"
				   " device line", name);
	/* PCI Local Bus Spec 3.0, 6.1: the type 0 header */
	w16(cfg, 0x00, l->vendor);
	w16(cfg, 0x02, l->device);
	wmask[0x04] = 0x47;	/* command: I/O, memory, bus master, parity, */
	wmask[0x05] = 0x05;	/* SERR, INTx disable */
	if (l->has_class) {
		cfg[0x09] = (uint8_t)l->class_code;		/* programming interface */
		cfg[0x0a] = (uint8_t)(l->class_code >> 8);	/* subclass */
		cfg[0x0b] = (uint8_t)(l->class_code >> 16);	/* base class */
	} else {
		cfg[0x0b] = 0xff;	/* "does not fit any defined class" */
	}
	wmask[0x0c] = 0xff;	/* cache line size */
	for (uint32_t bar = 0; bar < 6; bar++) {
		const struct bb_layout_region *r = bb_layout_find_region(l, bar);
		uint64_t sz, mask;
		bool is64, pref;
		size_t at = 0x10 + 4 * (size_t)bar;

		if (!r || !r->info.size)
			continue;
		sz = r->info.size;
		if (sz & (sz - 1) || sz < 16)
			return bb_diag_set(d, -EINVAL, "%s:%u: region %" PRIu32 " is BAR%" PRIu32 " of 0x%" PRIx64 " bytes:"
					   " a memory BAR is a power of two of at least 16 bytes", name, r->line, bar, bar, sz);
		is64 = (bar % 2 == 0 && bar < 5 && !bb_layout_find_region(l, bar + 1)) || sz > 0x80000000ull;
		if (is64 && (bar == 5 || bb_layout_find_region(l, bar + 1)))
			return bb_diag_set(d, -EINVAL, "%s:%u: BAR%" PRIu32 " of 0x%" PRIx64 " bytes needs a 64-bit BAR, but"
					   " BAR%" PRIu32 " is %s", name, r->line, bar, sz, bar + 1,
					   bar == 5 ? "past the last" : "another region");
		pref = sz > 0x80000000ull;
		mask = ~(sz - 1);
		w32(cfg, at, (is64 ? 0x4u : 0) | (pref ? 0x8u : 0));
		w32(wmask, at, (uint32_t)mask & ~0xfu);
		if (is64) {
			w32(wmask, at + 4, (uint32_t)(mask >> 32));
			bar++;
		}
	}
	if (l->has_subsys) {
		w16(cfg, 0x2c, l->subsys_vendor);
		w16(cfg, 0x2e, l->subsys_device);
	}
	wmask[0x3c] = 0xff;	/* interrupt line; pin 0: no INTx */
	if (l->msix.present) {
		const struct bb_layout_msix *m = &l->msix;

		if (m->table_region > 5 || m->pba_region > 5 || !bb_layout_find_region(l, m->table_region) ||
		    !bb_layout_find_region(l, m->pba_region))
			return bb_diag_set(d, -EINVAL, "%s: MSI-X table (region %" PRIu32 ") and PBA (region %" PRIu32 ")"
					   " must sit in BARs of the layout", name, m->table_region, m->pba_region);
		if (m->table_offset > UINT32_MAX - 7 || m->pba_offset > UINT32_MAX - 7 || m->vectors < 1 ||
		    m->vectors > 2048)
			return bb_diag_set(d, -EINVAL, "%s: MSI-X offsets must fit 32 bits and vectors 1..2048", name);
		cfg[0x06] |= 0x10;	/* status: capability list */
		cfg[0x34] = 0x40;
		/* 6.8.2: id 0x11, next, message control, table and PBA offset/BIR */
		cfg[0x40] = 0x11;
		cfg[0x41] = 0;
		w16(cfg, 0x42, (uint16_t)(m->vectors - 1));
		wmask[0x43] = 0xc0;	/* function mask, MSI-X enable */
		w32(cfg, 0x44, (uint32_t)m->table_offset | m->table_region);
		w32(cfg, 0x48, (uint32_t)m->pba_offset | m->pba_region);
	}
	return 0;
}

/* ---- setup ---- */

static int region_setup(struct bb_vu_server *s, uint32_t index, struct bb_diag *d)
{
	struct srv_region *g = &s->reg[index];
	struct bb_region r;
	uint64_t zero = 0;
	int err;

	err = bb_dev_region(s->dev, index, &r, &g->info, &g->info_len, d);
	if (err)
		return err;
	g->present = true;
	g->flags = r.flags;
	g->size = r.size;
	g->fd = g->own_fd = -1;
	bb_region_free(&r);
	/* one memfd per region: the region starts at offset 0 of its descriptor */
	memcpy(g->info + offsetof(struct vfio_region_info, offset), &zero, sizeof(zero));
	if (index == CONFIG_INDEX) {
		if (g->flags & VFIO_REGION_INFO_FLAG_MMAP)
			return bb_diag_set(d, -EINVAL, "%s: region 7 (config space) is emulated by the server and cannot"
					   " have the MMAP flag", s->dev->spec);
		if (g->size < 256)
			return bb_diag_set(d, -EINVAL, "%s: region 7 (config space) of 0x%" PRIx64 " bytes, at least 256",
					   s->dev->spec, g->size);
		g->config = true;
		s->cfg_size = g->size < CFG_MAX ? (uint32_t)g->size : CFG_MAX;
		return 0;
	}
	if (g->flags & VFIO_REGION_INFO_FLAG_MMAP) {
		g->fd = bb_dev_region_fd(s->dev, index);
		if (g->fd < 0)
			return bb_diag_set(d, -EINVAL, "%s: region %" PRIu32 " has MMAP but the device has no descriptor"
					   " for it to hand out", s->dev->spec, index);
		if (!(g->flags & VFIO_REGION_INFO_FLAG_WRITE)) {
			/* a region the client may only read: a descriptor that cannot be mapped writable */
			char proc[64];

			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", g->fd);
			g->own_fd = open(proc, O_RDONLY | O_CLOEXEC);
			if (g->own_fd < 0)
				return bb_diag_set(d, -errno, "%s: region %" PRIu32 ": a read-only descriptor (%s): %s",
						   s->dev->spec, index, proc, strerror(errno));
			g->fd = g->own_fd;
		}
	}
	return 0;
}

static int config_region_default(struct bb_vu_server *s, struct bb_diag *d)
{
	struct srv_region *g = &s->reg[CONFIG_INDEX];
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = CONFIG_INDEX, .size = 256,
				       .flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE };

	g->info = malloc(sizeof(ri));
	if (!g->info)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	memcpy(g->info, &ri, sizeof(ri));
	g->info_len = sizeof(ri);
	g->present = true;
	g->config = true;
	g->flags = ri.flags;
	g->size = ri.size;
	g->fd = g->own_fd = -1;
	s->cfg_size = 256;
	return 0;
}


static int listen_at(struct bb_vu_server *s, const char *path, struct bb_diag *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t mode = s->o.socket_mode ? s->o.socket_mode : 0600, old;
	struct stat st;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: a socket path has at most %zu bytes", path, sizeof(sa.sun_path) - 1);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (!lstat(path, &st)) {
		int probe;

		if (!S_ISSOCK(st.st_mode))
			return bb_diag_set(d, -EEXIST, "%s: exists and is not a socket; not replacing it", path);
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
			close(probe);
			return bb_diag_set(d, -EADDRINUSE, "%s: a server already listens there", path);
		}
		if (probe >= 0)
			close(probe);
		if (unlink(path))
			return bb_diag_set(d, -errno, "%s: removing the stale socket: %s", path, strerror(errno));
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->lfd < 0)
		return bb_diag_set(d, -errno, "socket: %s", strerror(errno));
	/*
	 * The socket file is born with its final mode: bind() creates it with
	 * 0777 & ~umask, so the umask is set to exactly the bits refused for the
	 * call (serve is single-threaded; there is no window with a wider mode).
	 */
	/*
	 * Bound under a temporary name and renamed into place once listening: a
	 * client that waits for the file to appear never finds a socket that
	 * refuses it (bind creates the file before listen).  A path too long
	 * for the temporary name is bound directly.
	 */
	char tmp[sizeof(sa.sun_path)];
	bool renamed = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) < (int)sizeof(tmp);

	if (renamed) {
		unlink(tmp);	/* a stale one of a killed server with this pid */
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", tmp);
	}
	old = umask(0777 & ~mode);
	err = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (err)
		return bb_diag_set(d, err, "%s: bind: %s", path, strerror(-err));	/* the name given, not the temporary one */
	/* no chmod(path) after this: the path could be a symlink by then, and the mode is right already */
	if (listen(s->lfd, 16)) {
		err = -errno;
		if (renamed)
			unlink(tmp);
		return bb_diag_set(d, err, "%s: listen: %s", path, strerror(-err));
	}
	if (renamed && rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
		return bb_diag_set(d, err, "%s: renaming the socket into place: %s", path, strerror(-err));
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	return 0;
}

int bb_vu_server_create(struct bb_dev *dev, const char *path, const struct bb_vu_server_opts *opts,
			struct bb_vu_server **out, struct bb_diag *d)
{
	struct bb_vu_server *s;
	uint32_t hi = 0;
	size_t info_max = 0;
	int err;

	*out = NULL;
	if (!dev->has_layout)
		return bb_diag_set(d, -EINVAL, "%s: serving needs a device with a layout (emu:LAYOUT)", dev->spec);
	s = calloc(1, sizeof(*s));
	if (!s)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	s->dev = dev;
	s->lfd = s->wake[0] = s->wake[1] = -1;
	if (opts)
		s->o = *opts;
	if (!s->o.max_data_xfer_size)
		s->o.max_data_xfer_size = BB_VU_DEF_MAX_XFER;
	if (!s->o.timeout_ms)
		s->o.timeout_ms = 5000;
	if (!s->o.max_clients)
		s->o.max_clients = BB_VU_DEF_MAX_CLIENTS;
	for (uint32_t i = 0; i < BB_VU_MAX_REGIONS; i++)
		s->reg[i].fd = s->reg[i].own_fd = -1;
	if (s->o.trap_log && bb_traplog_new(dev->spec, &s->log)) {
		err = bb_diag_set(d, -ENOMEM, "out of memory");
		goto fail;
	}
	if (s->o.max_data_xfer_size > 64u * 1024 * 1024) {
		err = bb_diag_set(d, -EINVAL, "max_data_xfer_size %" PRIu64 ": at most 64 MiB", s->o.max_data_xfer_size);
		goto fail;
	}
	if (s->o.max_clients > BB_VU_MAX_CLIENTS || s->o.nr_allow_uids > BB_VU_MAX_ALLOW_UIDS ||
	    s->o.socket_mode & ~0777u) {
		err = bb_diag_set(d, -EINVAL, "max_clients %u (at most %u), %u allowed uids (at most %u), socket mode 0%o",
				  s->o.max_clients, BB_VU_MAX_CLIENTS, s->o.nr_allow_uids, BB_VU_MAX_ALLOW_UIDS,
				  s->o.socket_mode);
		goto fail;
	}
	s->allow[s->nr_allow++] = geteuid();
	s->allow[s->nr_allow++] = 0;
	for (unsigned i = 0; i < s->o.nr_allow_uids; i++)
		s->allow[s->nr_allow++] = (uid_t)s->o.allow_uids[i];
	s->o.allow_uids = NULL;	/* copied: the caller's array is not kept */
	/* no client may truncate or grow the device's memory once a descriptor is out */
	err = bb_dev_share(dev, d);
	if (err)
		goto fail;
	for (uint32_t i = 0; i < dev->nr_regions; i++) {
		if (dev->index[i] >= BB_VU_MAX_REGIONS) {
			err = bb_diag_set(d, -E2BIG, "%s: region %" PRIu32 ": vfio-user clients take at most %u regions",
					  dev->spec, dev->index[i], BB_VU_MAX_REGIONS);
			goto fail;
		}
		err = region_setup(s, dev->index[i], d);
		if (err)
			goto fail;
		if (dev->index[i] + 1 > hi)
			hi = dev->index[i] + 1;
	}
	s->num_regions = hi > VFIO_PCI_NUM_REGIONS ? hi : VFIO_PCI_NUM_REGIONS;
	if (!s->reg[CONFIG_INDEX].present && (err = config_region_default(s, d)))
		goto fail;
	err = bb_vu_config_build(&dev->layout, s->cfg_size, s->cfg0, s->wmask, d);
	if (err)
		goto fail;
	memcpy(s->cfg, s->cfg0, sizeof(s->cfg));
	if (dev->layout.msix.present)
		s->vectors = dev->layout.msix.vectors;
	for (uint32_t i = 0; i < BB_VU_MAX_REGIONS; i++)
		if (s->reg[i].info_len > info_max)
			info_max = s->reg[i].info_len;
	/*
	 * Buffers from the negotiated limits: a request is at most a data access
	 * of max_data_xfer_size or a VERSION with its JSON; a reply at most a
	 * data access, a VERSION with ours, or the largest region info.
	 */
	s->rxmax = HDR + ACC + s->o.max_data_xfer_size;
	if (s->rxmax < HDR + sizeof(struct bb_vu_version) + BB_VU_MAX_VERSION_DATA)
		s->rxmax = HDR + sizeof(struct bb_vu_version) + BB_VU_MAX_VERSION_DATA;
	s->txcap = ACC + s->o.max_data_xfer_size;
	if (s->txcap < sizeof(struct bb_vu_version) + JSON_MAX)
		s->txcap = sizeof(struct bb_vu_version) + JSON_MAX;
	if (s->txcap < info_max)
		s->txcap = info_max;
	s->txcap += HDR;
	s->tx = malloc(s->txcap);
	s->cl = calloc(s->o.max_clients, sizeof(*s->cl));
	if (!s->tx || !s->cl) {
		err = bb_diag_set(d, -ENOMEM, "out of memory");
		goto fail;
	}
	if (path) {
		if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK)) {
			err = bb_diag_set(d, -errno, "pipe: %s", strerror(errno));
			goto fail;
		}
		err = listen_at(s, path, d);
		if (err)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	bb_vu_server_destroy(s);
	return err;
}

/* ---- a client's state ---- */

static void irqs_off(struct bb_vu_server *s, struct bb_vu_client *c)
{
	for (uint32_t i = 0; i < s->vectors; i++) {
		if (c->msix_fd[i] >= 0)
			close(c->msix_fd[i]);
		c->msix_fd[i] = -1;
		c->msix_masked[i] = 0;
	}
}

int bb_vu_server_client_new(struct bb_vu_server *s, int fd, struct bb_vu_client **out)
{
	struct bb_vu_client *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->out_fd = -1;
	c->want = HDR;
	c->rxcap = RX_SMALL;
	c->rx = malloc(c->rxcap);
	if (s->vectors) {
		c->msix_fd = malloc(s->vectors * sizeof(int));
		c->msix_masked = calloc(s->vectors, 1);
	}
	if (!c->rx || (s->vectors && (!c->msix_fd || !c->msix_masked))) {
		free(c->rx);
		free(c->msix_fd);
		free(c->msix_masked);
		free(c);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->vectors; i++)
		c->msix_fd[i] = -1;
	c->n = ++s->next_n;
	c->progress_ms = c->connected_ms = bb_now_ns() / 1e6;	/* VERSION is due within the timeout from now */
	*out = c;
	return 0;
}

/* Forget @c and close its socket; the device's constants read their layout value again. */
void bb_vu_server_client_free(struct bb_vu_server *s, struct bb_vu_client *c)
{
	struct bb_diag d;

	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	irqs_off(s, c);
	bb_vu_close_fds(c->fds, c->nfds);
	free(c->msix_fd);
	free(c->msix_masked);
	free(c->dma);
	free(c->rx);
	free(c->out);
	free(c);
	/* its mapping may have written a constant register: a later client reads the layout's value */
	if (bb_dev_restore(s->dev, &d) && !s->o.quiet)
		logf_(NULL, "%s", d.msg);
}

/* ---- requests ---- */

static uint32_t irq_count(const struct bb_vu_server *s, uint32_t index)
{
	return index == VFIO_PCI_MSIX_IRQ_INDEX ? s->vectors : 0;
}

static int do_version(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, const uint8_t *p,
		      size_t n, struct out *o)
{
	struct bb_vu_version v;
	struct bb_vu_caps ours, peer;
	struct bb_diag d;
	char *json;
	size_t jlen;

	if (c->versioned)
		return refuse(s, c, h, -EINVAL, "the version was negotiated already");
	o->drop = true;	/* "closes the connection if it cannot support the advertised version" */
	if (n < sizeof(v))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, a version needs 4", n);
	memcpy(&v, p, sizeof(v));
	if (v.major != BB_VU_MAJOR)
		return refuse(s, c, h, -ENOTSUP, "major version %u, this server speaks %u", v.major, BB_VU_MAJOR);
	bb_vu_caps_default(&peer);
	if (n > sizeof(v)) {
		const char *pj = (const char *)p + sizeof(v);
		size_t pl = n - sizeof(v);

		if (pj[pl - 1] != '\0' || memchr(pj, '\0', pl - 1))
			return refuse(s, c, h, -EINVAL, "the version data is not one NUL-terminated string");
		if (pl > 1 && bb_vu_parse_caps(pj, pl - 1, "client", &peer, &d))
			return refuse(s, c, h, -EINVAL, "%s", d.msg);
		if (peer.max_data_xfer_size == 0)
			return refuse(s, c, h, -EINVAL, "max_data_xfer_size 0");
	}
	bb_vu_caps_default(&ours);
	ours.max_msg_fds = BB_VU_MAX_FDS;
	ours.max_data_xfer_size = s->o.max_data_xfer_size;
	ours.has_pgsizes = peer.has_pgsizes;
	ours.has_max_dma_maps = peer.has_max_dma_maps;
	ours.has_write_multiple = peer.has_write_multiple && peer.write_multiple;
	ours.write_multiple = ours.has_write_multiple;
	v.minor = v.minor < BB_VU_MINOR ? v.minor : BB_VU_MINOR;
	json = (char *)out_room(o, sizeof(v), JSON_MAX);
	if (!json || out_put(o, 0, &v, sizeof(v)))
		return refuse(s, c, h, -E2BIG, "no room for the version reply");
	jlen = bb_vu_format_caps(json, JSON_MAX, &ours);
	if (!jlen)
		return refuse(s, c, h, -ENOMEM, "capabilities do not fit");
	o->len = sizeof(v) + jlen + 1;
	o->drop = false;
	c->versioned = true;
	c->peer = peer;
	return 0;
}

static int do_dma_map(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, const uint8_t *p,
		      size_t n, unsigned nfds)
{
	struct bb_vu_dma_map m;

	if (n != sizeof(m))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, want 32", n);
	memcpy(&m, p, sizeof(m));
	if (m.argsz != sizeof(m) || m.flags & ~(BB_VU_DMA_READABLE | BB_VU_DMA_WRITEABLE) || !m.size ||
	    m.addr + m.size < m.addr || nfds > 1)
		return refuse(s, c, h, -EINVAL, "argsz %" PRIu32 ", flags 0x%" PRIx32 ", [0x%" PRIx64 ", +0x%" PRIx64
			      "), %u fds", m.argsz, m.flags, m.addr, m.size, nfds);
	for (size_t i = 0; i < c->nr_dma; i++)
		if (m.addr < c->dma[i].addr + c->dma[i].size && c->dma[i].addr < m.addr + m.size)
			return refuse(s, c, h, -EEXIST, "[0x%" PRIx64 ", +0x%" PRIx64 ") overlaps a mapping", m.addr, m.size);
	if (c->nr_dma >= BB_VU_DEF_MAX_DMA_MAPS)
		return refuse(s, c, h, -ENOSPC, "%zu mappings already", c->nr_dma);
	if (c->nr_dma == c->cap_dma) {
		size_t nc = c->cap_dma ? c->cap_dma * 2 : 16;
		struct dma_range *nd = realloc(c->dma, nc * sizeof(*nd));

		if (!nd)
			return refuse(s, c, h, -ENOMEM, "out of memory");
		c->dma = nd;
		c->cap_dma = nc;
	}
	c->dma[c->nr_dma++] = (struct dma_range){ m.addr, m.size };
	return 0;	/* the descriptor, if any, is closed by the caller: no DMA here */
}

static int do_dma_unmap(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, const uint8_t *p,
			size_t n, struct out *o)
{
	struct bb_vu_dma_unmap u;

	if (n < sizeof(u))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, want 24", n);
	memcpy(&u, p, sizeof(u));
	if (u.argsz < sizeof(u))
		return refuse(s, c, h, -EINVAL, "argsz %" PRIu32, u.argsz);
	if (u.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)
		return refuse(s, c, h, -ENOTSUP, "no dirty page tracking");
	if (u.flags == VFIO_DMA_UNMAP_FLAG_ALL) {
		if (u.addr || u.size)
			return refuse(s, c, h, -EINVAL, "unmap all with a range");
		c->nr_dma = 0;
	} else if (u.flags) {
		return refuse(s, c, h, -EINVAL, "flags 0x%" PRIx32, u.flags);
	} else {
		size_t i;

		for (i = 0; i < c->nr_dma; i++)
			if (c->dma[i].addr == u.addr && c->dma[i].size == u.size)
				break;
		if (i == c->nr_dma)
			return refuse(s, c, h, -ENOENT, "[0x%" PRIx64 ", +0x%" PRIx64 ") matches no mapping", u.addr, u.size);
		c->dma[i] = c->dma[--c->nr_dma];
	}
	return out_put(o, 0, p, sizeof(u));	/* "responds with the original DMA entry" */
}

static int do_device_info(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h,
			  const uint8_t *p, size_t n, struct out *o)
{
	struct bb_vu_device_info q, r = { .argsz = sizeof(r), .flags = VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI,
					  .num_regions = s->num_regions, .num_irqs = NR_IRQ_INDEXES };

	if (n < sizeof(q))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, want 16", n);
	memcpy(&q, p, sizeof(q));
	if (q.argsz < sizeof(r))
		return refuse(s, c, h, -EINVAL, "argsz %" PRIu32 " below 16", q.argsz);
	return out_put(o, 0, &r, sizeof(r));
}

static int do_region_info(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h,
			  const uint8_t *p, size_t n, struct out *o)
{
	struct vfio_region_info q, r;
	const struct srv_region *g;

	if (n < sizeof(q))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, want 32", n);
	memcpy(&q, p, sizeof(q));
	if (q.argsz < sizeof(q))
		return refuse(s, c, h, -EINVAL, "argsz %" PRIu32 " below 32", q.argsz);
	if (q.index >= s->num_regions)
		return refuse(s, c, h, -EINVAL, "region %" PRIu32 " of %" PRIu32, q.index, s->num_regions);
	g = &s->reg[q.index];
	if (!g->present) {
		memset(&r, 0, sizeof(r));
		r.argsz = sizeof(r);
		r.index = q.index;
		return out_put(o, 0, &r, sizeof(r));
	}
	if (q.argsz < g->info_len) {
		/*
		 * A short argsz: the info with the argsz needed and no chain.  As
		 * libvfio-user answers (lib/libvfio-user.c, handle_device_get_region_info:
		 * "Only actually provide the caps if they fit"), CAPS is left clear:
		 * QEMU's client refuses CAPS with a cap_offset outside the info
		 * (hw/vfio-user/device.c, vfio_user_device_io_get_region_info), so
		 * the kernel's form (CAPS, cap_offset 0) would stop it here.
		 */
		memcpy(&r, g->info, sizeof(r));
		r.flags &= ~(uint32_t)VFIO_REGION_INFO_FLAG_CAPS;
		r.cap_offset = 0;
		return out_put(o, 0, &r, sizeof(r));
	}
	if (out_put(o, 0, g->info, g->info_len))
		return refuse(s, c, h, -E2BIG, "region info of %zu bytes", g->info_len);
	if (g->flags & VFIO_REGION_INFO_FLAG_MMAP) {
		if (c->peer.max_msg_fds >= 1) {
			o->fd = g->fd;
		} else {
			/* the client takes no descriptors: nothing to map, so no MMAP */
			memcpy(&r, o->p, sizeof(r));
			r.flags &= ~(uint32_t)VFIO_REGION_INFO_FLAG_MMAP;
			memcpy(o->p, &r, sizeof(r));
		}
	}
	return 0;
}

static int do_irq_info(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, const uint8_t *p,
		       size_t n, struct out *o)
{
	struct vfio_irq_info q, r;

	if (n < sizeof(q))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, want 16", n);
	memcpy(&q, p, sizeof(q));
	if (q.argsz < sizeof(q) || q.index >= NR_IRQ_INDEXES)
		return refuse(s, c, h, -EINVAL, "argsz %" PRIu32 ", index %" PRIu32, q.argsz, q.index);
	/* as vfio-pci answers (drivers/vfio/pci/vfio_pci_core.c, VFIO_DEVICE_GET_IRQ_INFO) */
	memset(&r, 0, sizeof(r));
	r.argsz = sizeof(r);
	r.index = q.index;
	r.flags = VFIO_IRQ_INFO_EVENTFD;
	if (q.index == VFIO_PCI_INTX_IRQ_INDEX)
		r.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (q.index == VFIO_PCI_MSI_IRQ_INDEX || q.index == VFIO_PCI_MSIX_IRQ_INDEX)
		r.flags |= VFIO_IRQ_INFO_NORESIZE;
	r.count = irq_count(s, q.index);
	return out_put(o, 0, &r, sizeof(r));
}

/* Is @fd an eventfd?  Anything else (a pipe that fills, a socket) could block the server. */
static bool is_eventfd(int fd)
{
	char link[64];

	return bb_vu_fd_name(fd, link, sizeof(link)) && !strcmp(link, "anon_inode:[eventfd]");
}

static void on_alarm(int sig)
{
	(void)sig;	/* only there to cut a write short (no SA_RESTART) */
}

/*
 * One interrupt: 1 added to a client's eventfd.  The server made it
 * O_NONBLOCK, but the client shares that file description and can clear
 * the flag and fill the counter, and the write would then wait for the
 * client; a 20 ms timer (SIGALRM, no SA_RESTART) cuts such a write short.
 * 0, -EAGAIN (counter full), -EINTR (it would have waited) or -errno.
 */
static int signal_eventfd(int fd)
{
	struct sigaction sa, old;
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 20000 } }, before;
	uint64_t one = 1;
	ssize_t n;
	int err;

	memset(&sa, 0, sizeof(sa));
	memset(&before, 0, sizeof(before));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old))
		return -errno;
	setitimer(ITIMER_REAL, &it, &before);
	n = write(fd, &one, sizeof(one));
	err = n == (ssize_t)sizeof(one) ? 0 : n < 0 ? -errno : -EIO;
	/* the process's own timer back as it was (libFuzzer's, say); a signal raised meanwhile went to on_alarm */
	setitimer(ITIMER_REAL, &before, NULL);
	sigaction(SIGALRM, &old, NULL);
	return err;
}

static int do_set_irqs(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, const uint8_t *p,
		       size_t n, int *fds, unsigned nfds)
{
	struct vfio_irq_set q;
	uint32_t data, action, cnt;
	const uint8_t *bools = p + sizeof(q);

	if (n < sizeof(q))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, want at least 20", n);
	memcpy(&q, p, sizeof(q));
	data = q.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = q.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (q.index >= NR_IRQ_INDEXES || q.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK) ||
	    !data || data & (data - 1) || !action || action & (action - 1))
		return refuse(s, c, h, -EINVAL, "index %" PRIu32 ", flags 0x%" PRIx32, q.index, q.flags);
	if (data != VFIO_IRQ_SET_DATA_EVENTFD && nfds)
		return refuse(s, c, h, -EINVAL, "%u descriptors without DATA_EVENTFD", nfds);
	if (!q.count && !q.start && data == VFIO_IRQ_SET_DATA_NONE && action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (q.index == VFIO_PCI_MSIX_IRQ_INDEX)
			irqs_off(s, c);	/* "disables all interrupts of the index" */
		return 0;
	}
	cnt = irq_count(s, q.index);
	if (!q.count || q.start >= cnt || q.count > cnt - q.start)
		return refuse(s, c, h, -EINVAL, "[%" PRIu32 ", +%" PRIu32 ") of %" PRIu32 " interrupts", q.start, q.count,
			      cnt);
	if (data == VFIO_IRQ_SET_DATA_BOOL && n - sizeof(q) < q.count)
		return refuse(s, c, h, -EINVAL, "%" PRIu32 " booleans, %zu bytes of data", q.count, n - sizeof(q));
	if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
		if (nfds && c->irq_blocked)
			return refuse(s, c, h, -EPERM, "an eventfd of this client made the server wait: it is given none");
		if (nfds && nfds != q.count)
			return refuse(s, c, h, -EINVAL, "%u descriptors for %" PRIu32 " interrupts", nfds, q.count);
		for (unsigned i = 0; i < nfds; i++) {
			int fl;

			if (!is_eventfd(fds[i]))
				return refuse(s, c, h, -EINVAL, "descriptor %u is not an eventfd", i);
			/* signalling must never block the server, whatever the client does with its end */
			fl = fcntl(fds[i], F_GETFL);
			if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK))
				return refuse(s, c, h, -EINVAL, "descriptor %u: cannot make it non-blocking", i);
		}
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return 0;	/* mask/unmask notifications: accepted, never signalled */
		for (uint32_t i = 0; i < q.count; i++) {
			int *slot = &c->msix_fd[q.start + i];

			if (*slot >= 0)
				close(*slot);
			*slot = nfds ? fds[i] : -1;	/* none: de-assign */
			if (nfds)
				fds[i] = -1;
		}
		return 0;
	}
	for (uint32_t i = 0; i < q.count; i++) {
		uint32_t v = q.start + i;

		if (data == VFIO_IRQ_SET_DATA_BOOL && !bools[i])
			continue;
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			c->msix_masked[v] = 1;
		else if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			c->msix_masked[v] = 0;
		else if (c->msix_fd[v] >= 0 && !c->msix_masked[v]) {
			int fl = fcntl(c->msix_fd[v], F_GETFL), err;

			/* O_NONBLOCK again (the client may have cleared it); the timer covers a race with it */
			if (fl >= 0 && !(fl & O_NONBLOCK))
				fcntl(c->msix_fd[v], F_SETFL, fl | O_NONBLOCK);
			err = signal_eventfd(c->msix_fd[v]);
			if (err == -EINTR) {
				/* the client made an eventfd block: none of its vectors is signalled again, ever */
				irqs_off(s, c);
				c->irq_blocked = true;
				if (!s->o.quiet)
					logf_(c, "MSI-X vector %" PRIu32 ": its eventfd made the write wait (O_NONBLOCK cleared,"
					      " counter full): none of its interrupts is signalled again", v);
				break;
			} else if (err && s->o.verbose) {
				logf_(c, "signalling MSI-X vector %" PRIu32 ": %s", v, strerror(-err));
			}
		}
	}
	return 0;
}

static void config_rw(struct bb_vu_server *s, uint64_t off, uint8_t *buf, size_t count, bool write)
{
	for (size_t i = 0; i < count; i++) {
		size_t o = (size_t)off + i;

		if (o >= s->cfg_size) {
			if (!write)
				buf[i] = 0;
			continue;
		}
		if (write)
			s->cfg[o] = (uint8_t)((s->cfg[o] & ~s->wmask[o]) | (buf[i] & s->wmask[o]));
		else
			buf[i] = s->cfg[o];
	}
}

/* Is [off, +count) of region @index one the client may access this way?  0 or an error reply's errno. */
static int access_check(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, uint32_t index,
			uint64_t off, uint32_t count, bool write)
{
	const struct srv_region *g;

	if (count > s->o.max_data_xfer_size)
		return refuse(s, c, h, -EINVAL, "count %" PRIu32 " above max_data_xfer_size %" PRIu64, count,
			      s->o.max_data_xfer_size);
	if (index >= s->num_regions || !s->reg[index].present)
		return refuse(s, c, h, -EINVAL, "no region %" PRIu32, index);
	g = &s->reg[index];
	if (!(g->flags & (write ? VFIO_REGION_INFO_FLAG_WRITE : VFIO_REGION_INFO_FLAG_READ)))
		return refuse(s, c, h, -EINVAL, "region %" PRIu32 " is not %s", index, write ? "writable" : "readable");
	if (off > g->size || count > g->size - off)
		return refuse(s, c, h, -EINVAL, "[0x%" PRIx64 ", +%" PRIu32 ") outside region %" PRIu32 " (0x%" PRIx64
			      " bytes)", off, count, index, g->size);
	return 0;
}

/* One checked access of the trap path on @buf: bytes transferred or an error reply's errno. */
static ssize_t region_access(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h,
			     uint32_t index, uint64_t off, uint8_t *buf, uint32_t count, bool write)
{
	ssize_t r;

	if (s->reg[index].config) {
		config_rw(s, off, buf, count, write);
		return count;
	}
	r = s->dev->ops->rw(s->dev, index, off, buf, count, write);
	if (r < 0)
		return refuse(s, c, h, (int)r, "the device's trap path at region %" PRIu32 " offset 0x%" PRIx64, index, off);
	return r;
}

static int do_region_rw(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, const uint8_t *p,
			size_t n, struct out *o, bool write)
{
	struct bb_vu_region_access a;
	double t0 = s->log ? bb_now_ns() : 0;
	uint8_t *data;
	ssize_t r;
	int err;

	if (n < sizeof(a))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, want 16", n);
	memcpy(&a, p, sizeof(a));
	if (n != sizeof(a) + (write ? a.count : 0))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes for count %" PRIu32, n, a.count);
	/* every check before a byte is copied: count, region, range */
	err = access_check(s, c, h, a.region, a.offset, a.count, write);
	if (err)
		return err;
	data = out_room(o, ACC, a.count);
	if (!data)
		return refuse(s, c, h, -E2BIG, "count %" PRIu32 " does not fit the reply", a.count);
	if (write)
		memcpy(data, p + sizeof(a), a.count);
	r = region_access(s, c, h, a.region, a.offset, data, a.count, write);
	if (r < 0)
		return (int)r;
	a.count = (uint32_t)r;
	if (out_put(o, 0, &a, sizeof(a)))
		return refuse(s, c, h, -E2BIG, "no room for the reply");
	o->len = sizeof(a) + (write ? 0 : a.count);
	if (s->log)
		bb_traplog_add(s->log, a.region, a.offset, a.count, write, (uint64_t)(bb_now_ns() - t0));
	return 0;
}

static int do_write_multi(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h,
			  const uint8_t *p, size_t n, struct out *o)
{
	uint64_t cnt;

	if (n < sizeof(cnt))
		return refuse(s, c, h, -EINVAL, "%zu payload bytes, want at least 8", n);
	memcpy(&cnt, p, sizeof(cnt));
	if (cnt > (n - sizeof(cnt)) / sizeof(struct bb_vu_write_one) ||
	    n != sizeof(cnt) + cnt * sizeof(struct bb_vu_write_one))
		return refuse(s, c, h, -EINVAL, "wr_cnt %" PRIu64 " in %zu payload bytes", cnt, n);
	for (uint64_t i = 0; i < cnt; i++) {
		struct bb_vu_write_one w;
		double t0 = s->log ? bb_now_ns() : 0;
		ssize_t r;
		int err;

		memcpy(&w, p + sizeof(cnt) + i * sizeof(w), sizeof(w));
		if (!w.count || w.count > sizeof(w.data))
			return refuse(s, c, h, -EINVAL, "write %" PRIu64 ": count %" PRIu32 " (1 to 8)", i, w.count);
		err = access_check(s, c, h, w.region, w.offset, w.count, true);
		if (err)
			return err;
		r = region_access(s, c, h, w.region, w.offset, w.data, w.count, true);
		if (r < 0)
			return (int)r;
		if (s->log)
			bb_traplog_add(s->log, w.region, w.offset, w.count, true, (uint64_t)(bb_now_ns() - t0));
	}
	return out_put(o, 0, &cnt, sizeof(cnt));
}

static int dispatch(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, const uint8_t *p,
		    size_t n, int *fds, unsigned nfds, struct out *o)
{
	struct bb_diag d;

	if (h->cmd != BB_VU_VERSION && !c->versioned)
		return refuse(s, c, h, -EINVAL, "VERSION must come first");
	if (nfds && h->cmd != BB_VU_DMA_MAP && h->cmd != BB_VU_DEVICE_SET_IRQS)
		return refuse(s, c, h, -EINVAL, "%u unexpected file descriptors", nfds);
	switch (h->cmd) {
	case BB_VU_VERSION: return do_version(s, c, h, p, n, o);
	case BB_VU_DMA_MAP: return do_dma_map(s, c, h, p, n, nfds);
	case BB_VU_DMA_UNMAP: return do_dma_unmap(s, c, h, p, n, o);
	case BB_VU_DEVICE_GET_INFO: return do_device_info(s, c, h, p, n, o);
	case BB_VU_DEVICE_GET_REGION_INFO: return do_region_info(s, c, h, p, n, o);
	case BB_VU_DEVICE_GET_IRQ_INFO: return do_irq_info(s, c, h, p, n, o);
	case BB_VU_DEVICE_SET_IRQS: return do_set_irqs(s, c, h, p, n, fds, nfds);
	case BB_VU_REGION_READ: return do_region_rw(s, c, h, p, n, o, false);
	case BB_VU_REGION_WRITE: return do_region_rw(s, c, h, p, n, o, true);
	case BB_VU_REGION_WRITE_MULTI: return do_write_multi(s, c, h, p, n, o);
	case BB_VU_DEVICE_RESET:
		memcpy(s->cfg, s->cfg0, sizeof(s->cfg));
		irqs_off(s, c);
		if (bb_dev_restore(s->dev, &d))
			return refuse(s, c, h, -EIO, "%s", d.msg);
		return 0;
	case BB_VU_DEVICE_GET_REGION_IO_FDS:
	case BB_VU_DEVICE_FEATURE:
	case 14:	/* DIRTY_PAGES of older drafts */
	case BB_VU_MIG_DATA_READ:
	case BB_VU_MIG_DATA_WRITE:
		return refuse(s, c, h, -ENOTSUP, "not offered by this server");
	case BB_VU_DMA_READ:
	case BB_VU_DMA_WRITE:
		return refuse(s, c, h, -EINVAL, "a server-to-client command");
	default:
		return refuse(s, c, h, -ENOSYS, "unknown command");
	}
}

/* ---- one message ---- */

/*
 * Can a message with header @h be received at all?  0, or the errno of the
 * error reply (none when @h is not even a command) before hanging up.
 */
static int frame_check(const struct bb_vu_server *s, const struct bb_vu_hdr *h)
{
	if ((h->flags & BB_VU_F_TYPE_MASK) != BB_VU_F_COMMAND)
		return -EPROTO;
	if (h->size < HDR)
		return -EINVAL;
	if (h->size > s->rxmax)
		return -E2BIG;
	return 0;
}

static void frame_refused(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_hdr *h, int err,
			  struct bb_vu_server_reply *r)
{
	if (!s->o.quiet)
		logf_(c, "dropped: a header with size %" PRIu32 " and flags 0x%" PRIx32 " (command %u, id %u):"
		      " not a command this server can frame (at most %zu bytes)", h->size, h->flags, h->cmd, h->id,
		      s->rxmax);
	r->hangup = true;
	if (err != -EPROTO) {
		/* say why before hanging up */
		struct bb_vu_hdr rh = { .id = h->id, .cmd = h->cmd, .size = HDR, .flags = BB_VU_F_REPLY | BB_VU_F_ERROR,
					.error = (uint32_t)-err };

		memcpy(s->tx, &rh, sizeof(rh));
		r->msg = s->tx;
		r->len = HDR;
	}
}

void bb_vu_server_handle(struct bb_vu_server *s, struct bb_vu_client *c, const uint8_t *msg, size_t len, int *fds,
			 unsigned nfds, unsigned dropped_fds, struct bb_vu_server_reply *r)
{
	struct out o = { .p = s->tx + HDR, .cap = s->txcap - HDR, .fd = -1 };
	struct bb_vu_hdr h, rh;
	int err, ferr;

	*r = (struct bb_vu_server_reply){ .msg = NULL, .len = 0, .fd = -1, .hangup = false };
	if (len < HDR) {
		if (!s->o.quiet)
			logf_(c, "dropped: a message of %zu bytes, shorter than a header", len);
		r->hangup = true;
		return;
	}
	memcpy(&h, msg, sizeof(h));
	ferr = frame_check(s, &h);
	if (!ferr && h.size != len)
		ferr = -EINVAL;	/* not one whole message: framing is lost */
	if (ferr) {
		frame_refused(s, c, &h, ferr, r);
		return;
	}
	c->messages++;
	s->st.messages++;
	if (dropped_fds)
		err = refuse(s, c, &h, -EINVAL, "more than %u descriptors", BB_VU_MAX_FDS);
	else
		err = dispatch(s, c, &h, msg + HDR, len - HDR, fds, nfds, &o);
	if (err || !(h.flags & BB_VU_F_NO_REPLY)) {
		rh = (struct bb_vu_hdr){ .id = h.id, .cmd = h.cmd, .size = (uint32_t)(HDR + (err ? 0 : o.len)),
					  .flags = BB_VU_F_REPLY | (err ? BB_VU_F_ERROR : 0), .error = err ? (uint32_t)-err : 0 };
		memcpy(s->tx, &rh, sizeof(rh));
		if (err)
			s->st.errors++;
		r->msg = s->tx;
		r->len = rh.size;
		r->fd = err ? -1 : o.fd;
	}
	if (o.drop) {
		if (!s->o.quiet)
			logf_(c, "dropped after a refused VERSION");
		r->hangup = true;
	}
}

/* ---- the event loop ---- */

/* Send what the socket takes now, @fd with the first byte: bytes sent or -errno (-EAGAIN: nothing). */
static ssize_t send_some(int sock, const uint8_t *buf, size_t len, int fd)
{
	return bb_vu_send_some(sock, buf, len, &fd, fd >= 0, MSG_DONTWAIT);
}

enum { KEEP, GONE, DROP };

/* Queue a reply: what the socket does not take now waits for POLLOUT.  KEEP or DROP. */
static int reply(struct bb_vu_server *s, struct bb_vu_client *c, const struct bb_vu_server_reply *r)
{
	ssize_t n = send_some(c->fd, r->msg, r->len, r->fd);

	(void)s;
	if (n == -EAGAIN)
		n = 0;
	if (n < 0) {
		if (!s->o.quiet)
			logf_(c, "dropped: sending a reply: %s", strerror((int)-n));
		return DROP;
	}
	if ((size_t)n == r->len)
		return KEEP;
	c->out = malloc(r->len - (size_t)n);
	if (!c->out) {
		if (!s->o.quiet)
			logf_(c, "dropped: out of memory for a reply");
		return DROP;
	}
	memcpy(c->out, r->msg + n, r->len - (size_t)n);
	c->out_len = r->len - (size_t)n;
	c->out_done = 0;
	c->out_fd = n ? -1 : r->fd;
	c->progress_ms = bb_now_ns() / 1e6;
	return KEEP;
}

static int flush(struct bb_vu_server *s, struct bb_vu_client *c)
{
	ssize_t n = send_some(c->fd, c->out + c->out_done, c->out_len - c->out_done, c->out_fd);

	if (n == -EAGAIN)
		return KEEP;
	if (n < 0) {
		if (!s->o.quiet)
			logf_(c, "dropped: sending a reply: %s", strerror((int)-n));
		return DROP;
	}
	c->out_fd = -1;
	c->out_done += (size_t)n;
	c->progress_ms = bb_now_ns() / 1e6;
	if (c->out_done == c->out_len) {
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_done = 0;
	}
	return KEEP;
}

/* Read what @c sent, serving each whole message; stops at a pending reply.  KEEP, GONE or DROP. */
static int client_read(struct bb_vu_server *s, struct bb_vu_client *c)
{
	/* a bounded batch, so one busy client cannot starve the others */
	for (int k = 0; k < 64 && !c->out_len && !s->stop; k++) {
		ssize_t n = bb_vu_recv(c->fd, c->rx + c->got, c->want - c->got, MSG_DONTWAIT, c->fds, BB_VU_MAX_FDS,
				       &c->nfds, &c->dropped_fds);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return KEEP;
		if (n == 0 || n == -ECONNRESET) {
			if (!c->got && !c->nfds)
				return GONE;
			if (!s->o.quiet)
				logf_(c, "dropped: the stream ended after %zu bytes of a %zu-byte %s", c->got, c->want,
				      c->want == HDR ? "header" : "message");
			return DROP;
		}
		if (n < 0) {
			if (!s->o.quiet)
				logf_(c, "dropped: receiving: %s", strerror((int)-n));
			return DROP;
		}
		c->got += (size_t)n;
		c->progress_ms = bb_now_ns() / 1e6;
		if (c->got == HDR && c->want == HDR) {
			struct bb_vu_hdr h;
			int err;

			memcpy(&h, c->rx, sizeof(h));
			err = frame_check(s, &h);
			if (err) {
				struct bb_vu_server_reply r = { .fd = -1 };

				frame_refused(s, c, &h, err, &r);
				if (r.len)
					(void)send_some(c->fd, r.msg, r.len, -1);	/* best effort: it goes anyway */
				return DROP;
			}
			c->want = h.size;
			if (c->want > c->rxcap) {
				uint8_t *nr = realloc(c->rx, c->want);

				if (!nr) {
					if (!s->o.quiet)
						logf_(c, "dropped: out of memory for a %zu-byte message", c->want);
					return DROP;
				}
				c->rx = nr;
				c->rxcap = c->want;
			}
		}
		if (c->got == c->want) {
			struct bb_vu_server_reply r;
			int how = KEEP;

			bb_vu_server_handle(s, c, c->rx, c->got, c->fds, c->nfds, c->dropped_fds, &r);
			bb_vu_close_fds(c->fds, c->nfds);	/* whatever the handler did not keep */
			c->nfds = c->dropped_fds = 0;
			c->got = 0;
			c->want = HDR;
			if (c->rxcap > 16 * RX_SMALL) {
				/* a large write is over: give its buffer back */
				uint8_t *nr = realloc(c->rx, RX_SMALL);

				if (nr) {
					c->rx = nr;
					c->rxcap = RX_SMALL;
				}
			}
			if (r.len)
				how = reply(s, c, &r);
			if (how == KEEP && r.hangup)
				how = DROP;
			if (how != KEEP)
				return how;
		}
	}
	return KEEP;
}

static void client_end(struct bb_vu_server *s, unsigned i, int how)
{
	struct bb_vu_client *c = s->cl[i];

	if (how == DROP)
		s->st.dropped++;
	else if (!s->o.quiet)
		logf_(c, "disconnected after %" PRIu64 " messages", c->messages);
	bb_vu_server_client_free(s, c);
	s->cl[i] = s->cl[--s->nr_cl];
	s->cl[s->nr_cl] = NULL;
}

static bool uid_allowed(const struct bb_vu_server *s, uid_t uid)
{
	for (unsigned i = 0; i < s->nr_allow; i++)
		if (s->allow[i] == uid)
			return true;
	return false;
}

/* Whether @c's timeout runs: a message or a reply under way, or VERSION not yet through. */
static bool timed(const struct bb_vu_client *c)
{
	return c->got || c->out_len || !c->versioned;
}

/* Since when: the last byte moved, or before VERSION the connection (a VERSION that drips gains nothing). */
static double timed_from(const struct bb_vu_client *c)
{
	return c->versioned ? c->progress_ms : c->connected_ms;
}

/* Take every pending connection; 0 or a negative errno when accepting is broken for good. */
static int accept_all(struct bb_vu_server *s, struct bb_diag *d)
{
	for (;;) {
		struct bb_vu_client *c;
		struct ucred cr;
		socklen_t cl = sizeof(cr);
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			if (errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				if (!s->o.quiet)
					logf_(NULL, "accept: %s; accepting again in 100 ms", strerror(errno));
				s->accept_pause_ms = bb_now_ns() / 1e6 + 100;
				return 0;
			}
			return bb_diag_set(d, -errno, "%s: accept: %s", s->path, strerror(errno));
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) || !uid_allowed(s, cr.uid)) {
			s->st.refused++;
			if (!s->o.quiet)
				logf_(NULL, "refused a connection from uid %ld (pid %ld): not this server's user, root or"
				      " an --allow-uid", cl == sizeof(cr) ? (long)cr.uid : -1L, cl == sizeof(cr) ? (long)cr.pid : -1L);
			close(fd);
			continue;
		}
		if (s->nr_cl >= s->o.max_clients) {
			s->st.refused++;
			if (!s->o.quiet)
				logf_(NULL, "refused a connection from pid %ld: %u clients already (--max-clients)",
				      (long)cr.pid, s->nr_cl);
			close(fd);
			continue;
		}
		if (bb_vu_server_client_new(s, fd, &c)) {
			if (!s->o.quiet)
				logf_(NULL, "refused a connection: out of memory");
			close(fd);
			continue;
		}
		s->cl[s->nr_cl++] = c;
		s->st.clients++;
		if (!s->o.quiet)
			logf_(c, "connected (pid %ld, uid %ld)", (long)cr.pid, (long)cr.uid);
	}
}

int bb_vu_server_run(struct bb_vu_server *s, struct bb_diag *d)
{
	struct pollfd *pf;
	int err = 0;

	if (s->lfd < 0)
		return bb_diag_set(d, -EINVAL, "a server without a socket has nothing to run");
	pf = calloc(s->o.max_clients + 2, sizeof(*pf));
	if (!pf)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	while (!s->stop) {
		double now = bb_now_ns() / 1e6, wait = -1;
		unsigned np = 0, nc = s->nr_cl;
		int r;

		pf[np++] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		if (now >= s->accept_pause_ms)
			pf[np++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		else
			wait = s->accept_pause_ms - now;
		for (unsigned i = 0; i < nc; i++) {
			struct bb_vu_client *c = s->cl[i];

			pf[np + i] = (struct pollfd){ .fd = c->fd, .events = c->out_len ? POLLOUT : POLLIN };
			if (timed(c)) {
				double left = timed_from(c) + s->o.timeout_ms - now;

				if (left < 0)
					left = 0;
				if (wait < 0 || left < wait)
					wait = left;
			}
		}
		r = poll(pf, np + nc, wait < 0 ? -1 : (int)wait + 1);
		if (r < 0 && errno != EINTR) {
			err = bb_diag_set(d, -errno, "poll: %s", strerror(errno));
			break;
		}
		if (s->stop)
			break;
		if (s->dump) {
			struct bb_diag dd;

			s->dump = 0;
			if (bb_vu_server_write_trap_log(s, &dd))
				logf_(NULL, "%s", dd.msg);
			else if (!s->o.quiet)
				logf_(NULL, "trap log written: %s (%" PRIu64 " accesses)", s->o.trap_log,
				      bb_traplog_accesses(s->log));
		}
		if (r <= 0 && wait < 0)
			continue;
		if (pf[0].revents) {
			char b[64];

			while (read(s->wake[0], b, sizeof(b)) > 0)
				;
		}
		/* clients first, from the last so that ending one moves only those already seen */
		now = bb_now_ns() / 1e6;
		for (unsigned i = nc; i-- > 0;) {
			struct bb_vu_client *c = s->cl[i];
			short ev = r > 0 ? pf[np + i].revents : 0;
			int how = KEEP;

			if (ev & POLLNVAL)
				how = DROP;
			else if (c->out_len && ev & (POLLOUT | POLLERR | POLLHUP))
				how = flush(s, c);
			else if (!c->out_len && ev & (POLLIN | POLLERR | POLLHUP))
				how = client_read(s, c);
			if (how == KEEP && timed(c) && bb_now_ns() / 1e6 - timed_from(c) >= s->o.timeout_ms) {
				if (!s->o.quiet)
					logf_(c, "dropped: %s for %u ms", c->out_len ? "stopped reading its replies" :
					      c->got ? "stalled inside a message" : "connected without negotiating (VERSION)",
					      s->o.timeout_ms);
				how = DROP;
			}
			if (how != KEEP)
				client_end(s, i, how);
		}
		if (r > 0 && np > 1 && pf[1].revents) {
			err = accept_all(s, d);
			if (err)
				break;
		}
	}
	free(pf);
	while (s->nr_cl)
		client_end(s, s->nr_cl - 1, GONE);
	return err;
}

void bb_vu_server_stop(struct bb_vu_server *s)
{
	s->stop = 1;
	/* wake the poll; write() is async-signal-safe, the pipe never blocks */
	if (s->wake[1] >= 0) {
		ssize_t r = write(s->wake[1], "", 1);

		(void)r;
	}
}

void bb_vu_server_dump_trap_log(struct bb_vu_server *s)
{
	s->dump = 1;
	if (s->wake[1] >= 0) {
		ssize_t r = write(s->wake[1], "", 1);

		(void)r;
	}
}

int bb_vu_server_write_trap_log(struct bb_vu_server *s, struct bb_diag *d)
{
	if (!s->log)
		return 0;
	return bb_traplog_write(s->log, s->o.trap_log, d);
}

void bb_vu_server_destroy(struct bb_vu_server *s)
{
	if (!s)
		return;
	bb_traplog_free(s->log);
	if (s->cl)
		for (unsigned i = 0; i < s->nr_cl; i++)
			bb_vu_server_client_free(s, s->cl[i]);
	free(s->cl);
	if (s->lfd >= 0) {
		close(s->lfd);
		if (s->path[0])
			unlink(s->path);
	}
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	for (uint32_t i = 0; i < BB_VU_MAX_REGIONS; i++) {
		free(s->reg[i].info);
		if (s->reg[i].own_fd >= 0)
			close(s->reg[i].own_fd);
	}
	free(s->tx);
	free(s);
}

void bb_vu_server_get_stats(const struct bb_vu_server *s, struct bb_vu_server_stats *out)
{
	*out = s->st;
}
