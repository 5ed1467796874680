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
 *    whole.  A short argsz gets
 *    the argsz needed and neither chain nor CAPS, as libvfio-user answers.
 *    Absent regions (BARs the layout lacks, ROM, VGA) have size 0.
 *  - REGION_READ/WRITE (and WRITE_MULTI): the emulated device's trap path
 *    (dev->ops->rw); region 7 is an emulated PCI config space
 *    (bb_vu_config_build: the layout's IDs, BARs and MSI-X capability).
 *  - DMA_MAP/UNMAP: ranges recorded (overlap is EEXIST, unmap must match,
 *    the descriptors are closed at once: this device never does DMA).
 *  - DEVICE_GET_IRQ_INFO/SET_IRQS: MSI-X with the layout's vectors (eventfds
 *    kept and signalled on a TRIGGER), INTx/MSI/ERR/REQ with none.
 *  - DEVICE_RESET: config space and interrupts back to their reset state.
 *  - Anything else: an error reply (ENOTSUP, ENOSYS).
 * A failed request always gets an error reply, No_reply or not ("Error ...
 * the reply message must only include the reply header").
 *
 * One client at a time; others wait in the listen backlog.  A client that
 * disconnects leaves the device state as it was ("Client Disconnection"),
 * its DMA ranges and interrupt descriptors dropped.  Garbage (a header whose
 * size is impossible, a reply or unknown type from the client, a stall
 * inside a message) drops that client only.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "barbench/vfio_user.h"

#define HDR ((size_t)sizeof(struct bb_vu_hdr))
#define ACC ((size_t)sizeof(struct bb_vu_region_access))
#define CONFIG_INDEX VFIO_PCI_CONFIG_REGION_INDEX
#define NR_IRQ_INDEXES VFIO_PCI_NUM_IRQS
#define CFG_MAX 4096u

struct srv_region {
	bool present;
	bool config;		/* emulated config space, not the device's memory */
	uint32_t flags;
	uint64_t size;
	uint8_t *info;		/* the whole region-info answer */
	size_t info_len;
	int fd;			/* the emulated device's memfd (not ours to close), or -1 */
};

struct dma_range {
	uint64_t addr, size;
};

struct bb_vu_server {
	struct bb_dev *dev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd, cfd;
	volatile sig_atomic_t stop;
	struct bb_vu_server_opts o;
	uint32_t num_regions;
	struct srv_region reg[BB_VU_MAX_REGIONS];
	uint32_t cfg_size;
	uint8_t cfg[CFG_MAX], cfg0[CFG_MAX], wmask[CFG_MAX];
	uint32_t vectors;		/* MSI-X */
	/* the client */
	bool versioned;
	struct bb_vu_caps peer;
	struct dma_range *dma;
	size_t nr_dma, cap_dma;
	int *msix_fd;			/* per vector, -1 */
	uint8_t *msix_masked;
	uint8_t *rx, *tx;
	size_t rxcap, txcap;
	struct bb_vu_server_stats st;
};

enum { SERVE_NEXT, SERVE_GONE, SERVE_DROP, SERVE_STOP };

static void logf_(const struct bb_vu_server *s, const char *fmt, ...) BB_PRINTF(2, 3);
static void logf_(const struct bb_vu_server *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "barbench serve: client %" PRIu64 ": ", s->st.clients);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* An error reply for @h, logged when verbose: returns @err. */
static int refuse(struct bb_vu_server *s, const struct bb_vu_hdr *h, int err, const char *fmt, ...) BB_PRINTF(4, 5);
static int refuse(struct bb_vu_server *s, const struct bb_vu_hdr *h, int err, const char *fmt, ...)
{
	if (s->o.verbose) {
		char msg[300];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		logf_(s, "%s (id %u): refused with %s: %s", bb_vu_cmd_name(h->cmd), h->id, strerror(-err), msg);
	}
	return err;
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
	g->fd = -1;
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
		g->fd = bb_emu_fd(s->dev, index);
		if (g->fd < 0)
			return bb_diag_set(d, -EINVAL, "%s: region %" PRIu32 " has MMAP but the device has no descriptor"
					   " for it (serve needs an emu: device)", s->dev->spec, index);
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
	g->fd = -1;
	s->cfg_size = 256;
	return 0;
}

static int listen_at(struct bb_vu_server *s, const char *path, struct bb_diag *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

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
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return bb_diag_set(d, -errno, "socket: %s", strerror(errno));
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)))
		return bb_diag_set(d, -errno, "%s: bind: %s", path, strerror(errno));
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (listen(s->lfd, 8))
		return bb_diag_set(d, -errno, "%s: listen: %s", path, strerror(errno));
	return 0;
}

int bb_vu_server_create(struct bb_dev *dev, const char *path, const struct bb_vu_server_opts *opts,
			struct bb_vu_server **out, struct bb_diag *d)
{
	struct bb_vu_server *s;
	uint32_t hi = 0;
	int err;

	*out = NULL;
	if (!dev->has_layout)
		return bb_diag_set(d, -EINVAL, "%s: serving needs a device with a layout (emu:LAYOUT)", dev->spec);
	s = calloc(1, sizeof(*s));
	if (!s)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	s->dev = dev;
	s->lfd = s->cfd = -1;
	if (opts)
		s->o = *opts;
	if (!s->o.max_data_xfer_size)
		s->o.max_data_xfer_size = BB_VU_DEF_MAX_XFER;
	if (!s->o.timeout_ms)
		s->o.timeout_ms = 5000;
	for (uint32_t i = 0; i < BB_VU_MAX_REGIONS; i++)
		s->reg[i].fd = -1;
	if (s->o.max_data_xfer_size > 64u * 1024 * 1024) {
		err = bb_diag_set(d, -EINVAL, "max_data_xfer_size %" PRIu64 ": at most 64 MiB", s->o.max_data_xfer_size);
		goto fail;
	}
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
	if (dev->layout.msix.present) {
		uint32_t nv = dev->layout.msix.vectors;

		s->msix_fd = malloc(nv * sizeof(int));
		s->msix_masked = calloc(nv, 1);
		if (!s->msix_fd || !s->msix_masked) {
			err = bb_diag_set(d, -ENOMEM, "out of memory");
			goto fail;
		}
		for (uint32_t i = 0; i < nv; i++)
			s->msix_fd[i] = -1;
		s->vectors = nv;
	}
	s->rxcap = HDR + ACC + s->o.max_data_xfer_size + sizeof(struct bb_vu_version) + BB_VU_MAX_VERSION_DATA;
	s->txcap = HDR + ACC + s->o.max_data_xfer_size + sizeof(struct bb_vu_version) + 512;
	s->rx = malloc(s->rxcap);
	s->tx = malloc(s->txcap);
	if (!s->rx || !s->tx) {
		err = bb_diag_set(d, -ENOMEM, "out of memory");
		goto fail;
	}
	err = listen_at(s, path, d);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	bb_vu_server_destroy(s);
	return err;
}

/* ---- the client's state ---- */

static void irqs_off(struct bb_vu_server *s)
{
	for (uint32_t i = 0; i < s->vectors; i++) {
		if (s->msix_fd[i] >= 0)
			close(s->msix_fd[i]);
		s->msix_fd[i] = -1;
		s->msix_masked[i] = 0;
	}
}

static void client_gone(struct bb_vu_server *s)
{
	if (s->cfd >= 0)
		close(s->cfd);
	s->cfd = -1;
	irqs_off(s);
	free(s->dma);
	s->dma = NULL;
	s->nr_dma = s->cap_dma = 0;
	s->versioned = false;
}

/* ---- requests ---- */

static uint32_t irq_count(const struct bb_vu_server *s, uint32_t index)
{
	return index == VFIO_PCI_MSIX_IRQ_INDEX ? s->vectors : 0;
}

static int do_version(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, size_t *rlen,
		      bool *drop)
{
	struct bb_vu_version v;
	struct bb_vu_caps ours;
	struct bb_diag d;
	char *json = (char *)s->tx + HDR + sizeof(v);
	size_t jlen;

	if (s->versioned)
		return refuse(s, h, -EINVAL, "the version was negotiated already");
	*drop = true;	/* "closes the connection if it cannot support the advertised version" */
	if (n < sizeof(v))
		return refuse(s, h, -EINVAL, "%zu payload bytes, a version needs 4", n);
	memcpy(&v, p, sizeof(v));
	if (v.major != BB_VU_MAJOR)
		return refuse(s, h, -ENOTSUP, "major version %u, this server speaks %u", v.major, BB_VU_MAJOR);
	bb_vu_caps_default(&s->peer);
	if (n > sizeof(v)) {
		const char *pj = (const char *)p + sizeof(v);
		size_t pl = n - sizeof(v);

		if (pj[pl - 1] != '\0' || memchr(pj, '\0', pl - 1))
			return refuse(s, h, -EINVAL, "the version data is not one NUL-terminated string");
		if (pl > 1 && bb_vu_parse_caps(pj, pl - 1, "client", &s->peer, &d))
			return refuse(s, h, -EINVAL, "%s", d.msg);
		if (s->peer.max_data_xfer_size == 0)
			return refuse(s, h, -EINVAL, "max_data_xfer_size 0");
	}
	bb_vu_caps_default(&ours);
	ours.max_msg_fds = BB_VU_MAX_FDS;
	ours.max_data_xfer_size = s->o.max_data_xfer_size;
	ours.has_pgsizes = s->peer.has_pgsizes;
	ours.has_max_dma_maps = s->peer.has_max_dma_maps;
	ours.has_write_multiple = s->peer.has_write_multiple && s->peer.write_multiple;
	ours.write_multiple = ours.has_write_multiple;
	v.minor = v.minor < BB_VU_MINOR ? v.minor : BB_VU_MINOR;
	memcpy(s->tx + HDR, &v, sizeof(v));
	jlen = bb_vu_format_caps(json, 480, &ours);
	if (!jlen)
		return refuse(s, h, -ENOMEM, "capabilities do not fit");
	*drop = false;
	s->versioned = true;
	*rlen = sizeof(v) + jlen + 1;
	return 0;
}

static int do_dma_map(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, unsigned nfds)
{
	struct bb_vu_dma_map m;

	if (n != sizeof(m))
		return refuse(s, h, -EINVAL, "%zu payload bytes, want 32", n);
	memcpy(&m, p, sizeof(m));
	if (m.argsz != sizeof(m) || m.flags & ~(BB_VU_DMA_READABLE | BB_VU_DMA_WRITEABLE) || !m.size ||
	    m.addr + m.size < m.addr || nfds > 1)
		return refuse(s, h, -EINVAL, "argsz %" PRIu32 ", flags 0x%" PRIx32 ", [0x%" PRIx64 ", +0x%" PRIx64 "), %u fds",
			      m.argsz, m.flags, m.addr, m.size, nfds);
	for (size_t i = 0; i < s->nr_dma; i++)
		if (m.addr < s->dma[i].addr + s->dma[i].size && s->dma[i].addr < m.addr + m.size)
			return refuse(s, h, -EEXIST, "[0x%" PRIx64 ", +0x%" PRIx64 ") overlaps a mapping", m.addr, m.size);
	if (s->nr_dma >= BB_VU_DEF_MAX_DMA_MAPS)
		return refuse(s, h, -ENOSPC, "%zu mappings already", s->nr_dma);
	if (s->nr_dma == s->cap_dma) {
		size_t nc = s->cap_dma ? s->cap_dma * 2 : 16;
		struct dma_range *nd = realloc(s->dma, nc * sizeof(*nd));

		if (!nd)
			return refuse(s, h, -ENOMEM, "out of memory");
		s->dma = nd;
		s->cap_dma = nc;
	}
	s->dma[s->nr_dma++] = (struct dma_range){ m.addr, m.size };
	return 0;	/* the descriptor, if any, is closed by the caller: no DMA here */
}

static int do_dma_unmap(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, size_t *rlen)
{
	struct bb_vu_dma_unmap u;

	if (n < sizeof(u))
		return refuse(s, h, -EINVAL, "%zu payload bytes, want 24", n);
	memcpy(&u, p, sizeof(u));
	if (u.argsz < sizeof(u))
		return refuse(s, h, -EINVAL, "argsz %" PRIu32, u.argsz);
	if (u.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)
		return refuse(s, h, -ENOTSUP, "no dirty page tracking");
	if (u.flags == VFIO_DMA_UNMAP_FLAG_ALL) {
		if (u.addr || u.size)
			return refuse(s, h, -EINVAL, "unmap all with a range");
		s->nr_dma = 0;
	} else if (u.flags) {
		return refuse(s, h, -EINVAL, "flags 0x%" PRIx32, u.flags);
	} else {
		size_t i;

		for (i = 0; i < s->nr_dma; i++)
			if (s->dma[i].addr == u.addr && s->dma[i].size == u.size)
				break;
		if (i == s->nr_dma)
			return refuse(s, h, -ENOENT, "[0x%" PRIx64 ", +0x%" PRIx64 ") matches no mapping", u.addr, u.size);
		s->dma[i] = s->dma[--s->nr_dma];
	}
	memcpy(s->tx + HDR, p, sizeof(u));	/* "responds with the original DMA entry" */
	*rlen = sizeof(u);
	return 0;
}

static int do_device_info(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, size_t *rlen)
{
	struct bb_vu_device_info q, r = { .argsz = sizeof(r), .flags = VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI,
					  .num_regions = s->num_regions, .num_irqs = NR_IRQ_INDEXES };

	if (n < sizeof(q))
		return refuse(s, h, -EINVAL, "%zu payload bytes, want 16", n);
	memcpy(&q, p, sizeof(q));
	if (q.argsz < sizeof(r))
		return refuse(s, h, -EINVAL, "argsz %" PRIu32 " below 16", q.argsz);
	memcpy(s->tx + HDR, &r, sizeof(r));
	*rlen = sizeof(r);
	return 0;
}

static int do_region_info(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, size_t *rlen,
			  int *sfd)
{
	struct vfio_region_info q, r;
	const struct srv_region *g;
	uint8_t *out = s->tx + HDR;

	if (n < sizeof(q))
		return refuse(s, h, -EINVAL, "%zu payload bytes, want 32", n);
	memcpy(&q, p, sizeof(q));
	if (q.argsz < sizeof(q))
		return refuse(s, h, -EINVAL, "argsz %" PRIu32 " below 32", q.argsz);
	if (q.index >= s->num_regions)
		return refuse(s, h, -EINVAL, "region %" PRIu32 " of %" PRIu32, q.index, s->num_regions);
	g = &s->reg[q.index];
	if (!g->present) {
		memset(&r, 0, sizeof(r));
		r.argsz = sizeof(r);
		r.index = q.index;
		memcpy(out, &r, sizeof(r));
		*rlen = sizeof(r);
		return 0;
	}
	if (g->info_len + HDR > s->txcap)
		return refuse(s, h, -E2BIG, "region info of %zu bytes", g->info_len);
	if (q.argsz >= g->info_len) {
		memcpy(out, g->info, g->info_len);
		*rlen = g->info_len;
	} else {
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
		memcpy(out, &r, sizeof(r));
		*rlen = sizeof(r);
		return 0;
	}
	if (g->flags & VFIO_REGION_INFO_FLAG_MMAP) {
		if (s->peer.max_msg_fds >= 1) {
			*sfd = g->fd;
		} else {
			/* the client takes no descriptors: nothing to map, so no MMAP */
			memcpy(&r, out, sizeof(r));
			r.flags &= ~(uint32_t)VFIO_REGION_INFO_FLAG_MMAP;
			memcpy(out, &r, sizeof(r));
		}
	}
	return 0;
}

static int do_irq_info(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, size_t *rlen)
{
	struct vfio_irq_info q, r;

	if (n < sizeof(q))
		return refuse(s, h, -EINVAL, "%zu payload bytes, want 16", n);
	memcpy(&q, p, sizeof(q));
	if (q.argsz < sizeof(q) || q.index >= NR_IRQ_INDEXES)
		return refuse(s, h, -EINVAL, "argsz %" PRIu32 ", index %" PRIu32, q.argsz, q.index);
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
	memcpy(s->tx + HDR, &r, sizeof(r));
	*rlen = sizeof(r);
	return 0;
}

static int do_set_irqs(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, int *fds,
		       unsigned nfds)
{
	struct vfio_irq_set q;
	uint32_t data, action, cnt;
	const uint8_t *bools = p + sizeof(q);

	if (n < sizeof(q))
		return refuse(s, h, -EINVAL, "%zu payload bytes, want at least 20", n);
	memcpy(&q, p, sizeof(q));
	data = q.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = q.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (q.index >= NR_IRQ_INDEXES || q.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK) ||
	    !data || data & (data - 1) || !action || action & (action - 1))
		return refuse(s, h, -EINVAL, "index %" PRIu32 ", flags 0x%" PRIx32, q.index, q.flags);
	if (data != VFIO_IRQ_SET_DATA_EVENTFD && nfds)
		return refuse(s, h, -EINVAL, "%u descriptors without DATA_EVENTFD", nfds);
	if (!q.count && !q.start && data == VFIO_IRQ_SET_DATA_NONE && action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (q.index == VFIO_PCI_MSIX_IRQ_INDEX)
			irqs_off(s);	/* "disables all interrupts of the index" */
		return 0;
	}
	cnt = irq_count(s, q.index);
	if (!q.count || q.start >= cnt || q.count > cnt - q.start)
		return refuse(s, h, -EINVAL, "[%" PRIu32 ", +%" PRIu32 ") of %" PRIu32 " interrupts", q.start, q.count, cnt);
	if (data == VFIO_IRQ_SET_DATA_BOOL && n - sizeof(q) < q.count)
		return refuse(s, h, -EINVAL, "%" PRIu32 " booleans, %zu bytes of data", q.count, n - sizeof(q));
	if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
		if (nfds && nfds != q.count)
			return refuse(s, h, -EINVAL, "%u descriptors for %" PRIu32 " interrupts", nfds, q.count);
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return 0;	/* mask/unmask notifications: accepted, never signalled */
		for (uint32_t i = 0; i < q.count; i++) {
			int *slot = &s->msix_fd[q.start + i];

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
			s->msix_masked[v] = 1;
		else if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			s->msix_masked[v] = 0;
		else if (s->msix_fd[v] >= 0 && !s->msix_masked[v]) {
			uint64_t one = 1;

			if (write(s->msix_fd[v], &one, sizeof(one)) != sizeof(one) && s->o.verbose)
				logf_(s, "signalling MSI-X vector %" PRIu32 ": %s", v, strerror(errno));
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

/* One access of the trap path: bytes transferred or a negative errno. */
static ssize_t region_access(struct bb_vu_server *s, const struct bb_vu_hdr *h, uint32_t index, uint64_t off,
			     uint8_t *buf, uint32_t count, bool write)
{
	const struct srv_region *g;
	ssize_t r;

	if (index >= s->num_regions || !s->reg[index].present)
		return refuse(s, h, -EINVAL, "no region %" PRIu32, index);
	g = &s->reg[index];
	if (!(g->flags & (write ? VFIO_REGION_INFO_FLAG_WRITE : VFIO_REGION_INFO_FLAG_READ)))
		return refuse(s, h, -EINVAL, "region %" PRIu32 " is not %s", index, write ? "writable" : "readable");
	if (count > s->o.max_data_xfer_size)
		return refuse(s, h, -EINVAL, "count %" PRIu32 " above max_data_xfer_size %" PRIu64, count,
			      s->o.max_data_xfer_size);
	if (off > g->size || count > g->size - off)
		return refuse(s, h, -EINVAL, "[0x%" PRIx64 ", +%" PRIu32 ") outside region %" PRIu32 " (0x%" PRIx64 " bytes)",
			      off, count, index, g->size);
	if (g->config) {
		config_rw(s, off, buf, count, write);
		return count;
	}
	r = s->dev->ops->rw(s->dev, index, off, buf, count, write);
	if (r < 0)
		return refuse(s, h, (int)r, "the device's trap path at region %" PRIu32 " offset 0x%" PRIx64, index, off);
	return r;
}

static int do_region_rw(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, size_t *rlen,
			bool write)
{
	struct bb_vu_region_access a;
	uint8_t *data = s->tx + HDR + ACC;
	ssize_t r;

	if (n < sizeof(a))
		return refuse(s, h, -EINVAL, "%zu payload bytes, want 16", n);
	memcpy(&a, p, sizeof(a));
	if (n != sizeof(a) + (write ? a.count : 0))
		return refuse(s, h, -EINVAL, "%zu payload bytes for count %" PRIu32, n, a.count);
	if (write)
		memcpy(data, p + sizeof(a), a.count);
	r = region_access(s, h, a.region, a.offset, data, a.count, write);
	if (r < 0)
		return (int)r;
	a.count = (uint32_t)r;
	memcpy(s->tx + HDR, &a, sizeof(a));
	*rlen = sizeof(a) + (write ? 0 : a.count);
	return 0;
}

static int do_write_multi(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, size_t *rlen)
{
	uint64_t cnt;

	if (n < sizeof(cnt))
		return refuse(s, h, -EINVAL, "%zu payload bytes, want at least 8", n);
	memcpy(&cnt, p, sizeof(cnt));
	if (cnt > (n - sizeof(cnt)) / sizeof(struct bb_vu_write_one) ||
	    n != sizeof(cnt) + cnt * sizeof(struct bb_vu_write_one))
		return refuse(s, h, -EINVAL, "wr_cnt %" PRIu64 " in %zu payload bytes", cnt, n);
	for (uint64_t i = 0; i < cnt; i++) {
		struct bb_vu_write_one w;
		ssize_t r;

		memcpy(&w, p + sizeof(cnt) + i * sizeof(w), sizeof(w));
		if (!w.count || w.count > sizeof(w.data))
			return refuse(s, h, -EINVAL, "write %" PRIu64 ": count %" PRIu32 " (1 to 8)", i, w.count);
		r = region_access(s, h, w.region, w.offset, w.data, w.count, true);
		if (r < 0)
			return (int)r;
	}
	memcpy(s->tx + HDR, &cnt, sizeof(cnt));
	*rlen = sizeof(cnt);
	return 0;
}

static int dispatch(struct bb_vu_server *s, const struct bb_vu_hdr *h, const uint8_t *p, size_t n, int *fds,
		    unsigned nfds, size_t *rlen, int *sfd, bool *drop)
{
	if (h->cmd != BB_VU_VERSION && !s->versioned)
		return refuse(s, h, -EINVAL, "VERSION must come first");
	if (nfds && h->cmd != BB_VU_DMA_MAP && h->cmd != BB_VU_DEVICE_SET_IRQS)
		return refuse(s, h, -EINVAL, "%u unexpected file descriptors", nfds);
	switch (h->cmd) {
	case BB_VU_VERSION: return do_version(s, h, p, n, rlen, drop);
	case BB_VU_DMA_MAP: return do_dma_map(s, h, p, n, nfds);
	case BB_VU_DMA_UNMAP: return do_dma_unmap(s, h, p, n, rlen);
	case BB_VU_DEVICE_GET_INFO: return do_device_info(s, h, p, n, rlen);
	case BB_VU_DEVICE_GET_REGION_INFO: return do_region_info(s, h, p, n, rlen, sfd);
	case BB_VU_DEVICE_GET_IRQ_INFO: return do_irq_info(s, h, p, n, rlen);
	case BB_VU_DEVICE_SET_IRQS: return do_set_irqs(s, h, p, n, fds, nfds);
	case BB_VU_REGION_READ: return do_region_rw(s, h, p, n, rlen, false);
	case BB_VU_REGION_WRITE: return do_region_rw(s, h, p, n, rlen, true);
	case BB_VU_REGION_WRITE_MULTI: return do_write_multi(s, h, p, n, rlen);
	case BB_VU_DEVICE_RESET:
		memcpy(s->cfg, s->cfg0, sizeof(s->cfg));
		irqs_off(s);
		return 0;
	case BB_VU_DEVICE_GET_REGION_IO_FDS:
	case BB_VU_DEVICE_FEATURE:
	case 14:	/* DIRTY_PAGES of older drafts */
	case BB_VU_MIG_DATA_READ:
	case BB_VU_MIG_DATA_WRITE:
		return refuse(s, h, -ENOTSUP, "not offered by this server");
	case BB_VU_DMA_READ:
	case BB_VU_DMA_WRITE:
		return refuse(s, h, -EINVAL, "a server-to-client command");
	default:
		return refuse(s, h, -ENOSYS, "unknown command");
	}
}

/* Read exactly @len bytes into s->rx + @at; a stall or end of stream is SERVE_DROP. */
static int read_rest(struct bb_vu_server *s, size_t at, size_t len, int *fds, unsigned *nfds, unsigned *dropped)
{
	while (len) {
		ssize_t n = bb_vu_recv(s->cfd, s->rx + at, len, 0, fds, BB_VU_MAX_FDS, nfds, dropped);

		if (n == -EINTR) {
			if (s->stop)
				return SERVE_STOP;
			continue;
		}
		if (n <= 0) {
			if (s->stop)
				return SERVE_STOP;
			if (!s->o.quiet)
				logf_(s, "dropped: %s inside a message", n == 0 ? "the stream ended" :
				      n == -EAGAIN ? "stalled" : strerror((int)-n));
			return SERVE_DROP;
		}
		at += (size_t)n;
		len -= (size_t)n;
	}
	return SERVE_NEXT;
}

static int serve_one(struct bb_vu_server *s)
{
	struct bb_vu_hdr h, rh;
	int fds[BB_VU_MAX_FDS], sfd = -1;
	unsigned nfds = 0, dropped = 0;
	size_t got = 0, rlen = 0;
	bool drop = false;
	int err, r;

	/* the header: idle clients may take any time before its first byte */
	while (got < HDR) {
		ssize_t n = bb_vu_recv(s->cfd, s->rx + got, HDR - got, 0, fds, BB_VU_MAX_FDS, &nfds, &dropped);

		if (s->stop) {
			bb_vu_close_fds(fds, nfds);
			return SERVE_STOP;
		}
		if (n == -EINTR || (n == -EAGAIN && !got))
			continue;
		if (n == 0 && !got)
			return SERVE_GONE;
		if (n <= 0) {
			bb_vu_close_fds(fds, nfds);
			if (!s->o.quiet)
				logf_(s, "dropped: %s after %zu bytes of a header", n == 0 ? "the stream ended" :
				      n == -EAGAIN ? "stalled" : strerror((int)-n), got);
			return SERVE_DROP;
		}
		got += (size_t)n;
	}
	memcpy(&h, s->rx, sizeof(h));
	if (h.size < HDR || h.size > s->rxcap || (h.flags & BB_VU_F_TYPE_MASK) != BB_VU_F_COMMAND) {
		bb_vu_close_fds(fds, nfds);
		if (!s->o.quiet)
			logf_(s, "dropped: a header with size %" PRIu32 " and flags 0x%" PRIx32 " (command %u, id %u):"
			      " not a command this server can frame", h.size, h.flags, h.cmd, h.id);
		if ((h.flags & BB_VU_F_TYPE_MASK) == BB_VU_F_COMMAND) {
			/* say why before hanging up */
			rh = (struct bb_vu_hdr){ .id = h.id, .cmd = h.cmd, .size = HDR, .flags = BB_VU_F_REPLY | BB_VU_F_ERROR,
						  .error = h.size < HDR ? EINVAL : E2BIG };
			bb_vu_send(s->cfd, &rh, sizeof(rh), NULL, 0);
		}
		return SERVE_DROP;
	}
	r = read_rest(s, HDR, h.size - HDR, fds, &nfds, &dropped);
	if (r != SERVE_NEXT) {
		bb_vu_close_fds(fds, nfds);
		return r;
	}
	s->st.messages++;
	if (dropped)
		err = refuse(s, &h, -EINVAL, "more than %u descriptors", BB_VU_MAX_FDS);
	else
		err = dispatch(s, &h, s->rx + HDR, h.size - HDR, fds, nfds, &rlen, &sfd, &drop);
	bb_vu_close_fds(fds, nfds);	/* whatever the handler did not keep */
	if (err || !(h.flags & BB_VU_F_NO_REPLY)) {
		rh = (struct bb_vu_hdr){ .id = h.id, .cmd = h.cmd, .size = (uint32_t)(HDR + (err ? 0 : rlen)),
					  .flags = BB_VU_F_REPLY | (err ? BB_VU_F_ERROR : 0), .error = err ? (uint32_t)-err : 0 };
		memcpy(s->tx, &rh, sizeof(rh));
		if (err)
			s->st.errors++;
		r = bb_vu_send(s->cfd, s->tx, rh.size, &sfd, !err && sfd >= 0 ? 1 : 0);
		if (r) {
			if (!s->o.quiet)
				logf_(s, "dropped: sending the %s reply: %s", bb_vu_cmd_name(h.cmd),
				      r == -EAGAIN ? "the client stopped reading" : strerror(-r));
			return SERVE_DROP;
		}
	}
	if (drop) {
		if (!s->o.quiet)
			logf_(s, "dropped after a refused VERSION");
		return SERVE_DROP;
	}
	return SERVE_NEXT;
}

int bb_vu_server_run(struct bb_vu_server *s, struct bb_diag *d)
{
	while (!s->stop) {
		int r;

		if (s->cfd < 0) {
			struct timeval tv = { .tv_sec = s->o.timeout_ms / 1000, .tv_usec = (s->o.timeout_ms % 1000) * 1000 };
			int c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0) {
				if (s->stop)
					break;
				if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
					continue;
				return bb_diag_set(d, -errno, "%s: accept: %s", s->path, strerror(errno));
			}
			if (s->stop) {
				close(c);
				break;
			}
			if (setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
			    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
				close(c);
				continue;
			}
			s->cfd = c;
			s->st.clients++;
			if (!s->o.quiet)
				logf_(s, "connected");
		}
		r = serve_one(s);
		if (r == SERVE_GONE || r == SERVE_DROP) {
			if (r == SERVE_DROP)
				s->st.dropped++;
			else if (!s->o.quiet)
				logf_(s, "disconnected after %" PRIu64 " messages", s->st.messages);
			client_gone(s);
		}
	}
	client_gone(s);
	return 0;
}

void bb_vu_server_stop(struct bb_vu_server *s)
{
	int c = s->cfd, l = s->lfd;

	s->stop = 1;
	/* wake a blocked accept or recv; both calls are async-signal-safe */
	if (l >= 0)
		shutdown(l, SHUT_RDWR);
	if (c >= 0)
		shutdown(c, SHUT_RDWR);
}

void bb_vu_server_destroy(struct bb_vu_server *s)
{
	if (!s)
		return;
	client_gone(s);
	if (s->lfd >= 0) {
		close(s->lfd);
		if (s->path[0])
			unlink(s->path);
	}
	for (uint32_t i = 0; i < BB_VU_MAX_REGIONS; i++)
		free(s->reg[i].info);
	free(s->msix_fd);
	free(s->msix_masked);
	free(s->rx);
	free(s->tx);
	free(s);
}

void bb_vu_server_get_stats(const struct bb_vu_server *s, struct bb_vu_server_stats *out)
{
	*out = s->st;
}
