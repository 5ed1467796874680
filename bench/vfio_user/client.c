// SPDX-License-Identifier: MIT
/*
 * vfio-user:SOCKET, a device served by another process over the vfio-user
 * protocol (QEMU docs/interop/vfio-user.rst).  The client does what a VMM's
 * does: VERSION first with its capabilities ("Connection Initiation"),
 * DEVICE_GET_INFO, DEVICE_GET_REGION_INFO for each region with the argsz
 * handshake ("Message sizes"), keeping the region's file descriptor that
 * comes with the reply (SCM_RIGHTS), mmap of the areas from that descriptor
 * at the offset the reply gives, and REGION_READ/REGION_WRITE messages for
 * every trapped access, split at the smaller max_data_xfer_size of the two
 * sides ("Read and Write Operations").  Config space (region 7) gives the
 * MSI-X table and PBA: the must-trap ranges.
 *
 * Options: vfio-user:SOCKET?layout=NAME&timeout=MS.  layout= names a layout
 * for register names, hotness and safe ranges (the protocol carries none);
 * it must describe the regions the server reports.  timeout= (default 5000
 * ms) bounds the wait for any reply: a server that stops answering is an
 * error, never a hang.
 *
 * The server is not trusted ("Security Considerations"): every reply is
 * checked by bb_vu_parse_reply() (header, id and command echo, payload
 * length, descriptor count), region info goes through the core parser, and
 * descriptors that were not asked for are closed at once.  A framing error
 * (bad header, bytes after a reply, a stall inside a message, end of
 * stream) leaves the stream unusable: every later call fails with the
 * first error, without touching the socket.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "parse.h"
#include "vfio.h"
#include "client.h"
#include "sock.h"
#include "barbench/timing.h"

#define HDR ((size_t)sizeof(struct bb_vu_hdr))
#define ACC ((size_t)sizeof(struct bb_vu_region_access))
#define OUR_MAX_XFER BB_VU_DEF_MAX_XFER	/* what we announce and chunk at, at most */
#define CONFIG_INDEX VFIO_PCI_CONFIG_REGION_INDEX

struct vu_region {
	int fd;			/* from the last reply that carried one, or -1 */
	bool have_r;
	struct bb_region r;	/* the last complete answer */
	struct bb_map_index ix;	/* what r allows to be mapped, sorted once */
};

struct vu {
	int sock;
	unsigned timeout_ms;
	uint16_t next_id;
	struct bb_vu_caps caps;		/* the server's */
	uint16_t minor;
	struct bb_vu_device_info info;
	uint64_t max_xfer;
	struct vu_region reg[BB_VU_MAX_REGIONS];
	bool broken;
	char broken_why[BB_DIAG_MAX];
	struct bb_diag last;		/* of the trap path */
	uint8_t *rx, *tx;
	size_t rxcap, txcap;
};

static int grow(uint8_t **buf, size_t *cap, size_t want)
{
	uint8_t *n;

	if (*cap >= want)
		return 0;
	n = realloc(*buf, want);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = want;
	return 0;
}

static int set_broken(struct vu *v, int err, struct bb_diag *d)
{
	v->broken = true;
	snprintf(v->broken_why, sizeof(v->broken_why), "%s", d ? d->msg : "an earlier error");
	return err;
}

/*
 * Send the request in v->tx (@len bytes; header filled here) and read its
 * reply: whole, checked and parsed into @out.  Descriptors that came with
 * it are in @fds (*@nfds of them), the caller's to keep or close (closed here on
 * error).  0 or a negative errno with @d naming the command and id.
 */
static int xchg(struct bb_dev *dev, struct vu *v, struct bb_vu_expect *e, size_t len, int *fds, unsigned *nfds,
		struct bb_vu_reply *out, struct bb_diag *d)
{
	struct bb_vu_hdr h = { .id = v->next_id++, .cmd = e->cmd, .size = (uint32_t)len, .flags = BB_VU_F_COMMAND };
	size_t got = 0, want = 0, max;
	unsigned dropped = 0;
	double deadline;
	int err;

	*nfds = 0;
	if (v->broken)
		return bb_diag_set(d, -EPIPE, "%s: %s: the connection is unusable since: %s", dev->spec,
				   bb_vu_cmd_name(e->cmd), v->broken_why);
	e->who = dev->spec;
	e->id = h.id;
	max = bb_vu_reply_max(e);
	if (grow(&v->rx, &v->rxcap, max))
		return bb_diag_set(d, -ENOMEM, "%s: out of memory for a %zu-byte reply", dev->spec, max);
	memcpy(v->tx, &h, sizeof(h));
	err = bb_vu_send(v->sock, v->tx, len, NULL, 0);
	if (err) {
		if (err == -EAGAIN)
			err = bb_diag_set(d, -ETIMEDOUT, "%s: %s (id %u): the server took no request for %u ms",
					  dev->spec, bb_vu_cmd_name(e->cmd), h.id, v->timeout_ms);
		else if (err == -EPIPE || err == -ECONNRESET)
			/*
			 * A server that hung up: the same event as end of stream
			 * where a reply should start, whichever of send and recv
			 * saw it first, so the same error.
			 */
			err = bb_diag_set(d, -ECONNRESET, "%s: %s (id %u): the server closed the connection instead"
					  " of replying%s", dev->spec, bb_vu_cmd_name(e->cmd), h.id,
					  err == -ECONNRESET ? " (reset)" : "");
		else
			err = bb_diag_set(d, err, "%s: %s (id %u): sending: %s", dev->spec, bb_vu_cmd_name(e->cmd), h.id,
					  strerror(-err));
		return set_broken(v, err, d);
	}
	deadline = bb_now_ns() / 1e6 + v->timeout_ms;
	while (!want || got < want) {
		ssize_t n;

		if (got) {
			/* a partial message: the rest must come before the deadline */
			struct pollfd pfd = { .fd = v->sock, .events = POLLIN };
			double left = deadline - bb_now_ns() / 1e6;
			int r = left > 0 ? poll(&pfd, 1, (int)left + 1) : 0;

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				err = bb_diag_set(d, -ETIMEDOUT, "%s: %s reply (id %u): stopped after %zu of %zu bytes for %u ms",
						  dev->spec, bb_vu_cmd_name(e->cmd), h.id, got, want ? want : HDR,
						  v->timeout_ms);
				goto broken;
			}
		}
		n = bb_vu_recv(v->sock, v->rx + got, (want ? want : max) - got, 0, fds, BB_VU_MAX_FDS, nfds, &dropped);
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == -EWOULDBLOCK) {
			if (!got && bb_now_ns() / 1e6 < deadline)
				continue;	/* woken early: keep waiting */
			err = bb_diag_set(d, -ETIMEDOUT, "%s: %s (id %u): no reply within %u ms", dev->spec,
					  bb_vu_cmd_name(e->cmd), h.id, v->timeout_ms);
			goto broken;
		}
		if (n < 0 && n != -ECONNRESET) {
			err = bb_diag_set(d, (int)n, "%s: %s (id %u): receiving: %s", dev->spec, bb_vu_cmd_name(e->cmd), h.id,
					  strerror((int)-n));
			goto broken;
		}
		if (n == 0 || n == -ECONNRESET) {
			if (got)
				err = bb_diag_set(d, -ECONNRESET, "%s: %s reply (id %u): the server closed the connection after"
						  " %zu of %zu bytes%s", dev->spec, bb_vu_cmd_name(e->cmd), h.id, got,
						  want ? want : HDR, n ? " (reset)" : "");
			else
				err = bb_diag_set(d, -ECONNRESET, "%s: %s (id %u): the server closed the connection instead"
						  " of replying%s", dev->spec, bb_vu_cmd_name(e->cmd), h.id,
						  n ? " (reset)" : "");
			goto broken;
		}
		got += (size_t)n;
		if (!want && got >= HDR) {
			struct bb_vu_hdr rh;

			err = bb_vu_check_reply_hdr(e, v->rx, got, d);
			if (err)
				goto broken;
			memcpy(&rh, v->rx, sizeof(rh));
			want = rh.size;
			if (got > want) {
				err = bb_diag_set(d, -EPROTO, "%s: %s reply (id %u): byte %zu: %zu bytes follow the %zu-byte"
						  " reply", dev->spec, bb_vu_cmd_name(e->cmd), h.id, want, got - want, want);
				goto broken;
			}
		}
	}
	if (dropped) {
		err = bb_diag_set(d, -EPROTO, "%s: %s reply (id %u): came with more than %u file descriptors (the extra"
				  " ones were closed)", dev->spec, bb_vu_cmd_name(e->cmd), h.id, BB_VU_MAX_FDS);
		bb_vu_close_fds(fds, *nfds);
		*nfds = 0;
		return err;
	}
	err = bb_vu_parse_reply(e, v->rx, want, *nfds, out, d);
	if (err) {
		bb_vu_close_fds(fds, *nfds);
		*nfds = 0;
	}
	return err;	/* a whole message was read: the stream stays usable */
broken:
	bb_vu_close_fds(fds, *nfds);
	*nfds = 0;
	return set_broken(v, err, d);
}

static ssize_t vu_rw(struct bb_dev *dev, uint32_t index, uint64_t off, void *buf, size_t len, bool write)
{
	struct vu *v = dev->priv;
	uint8_t *p = buf;
	size_t done = 0;

	if (index >= BB_VU_MAX_REGIONS || !v->reg[index].have_r) {
		bb_diag_set(&v->last, -EINVAL, "%s: no region %" PRIu32, dev->spec, index);
		return -EINVAL;
	}
	/* the last line of defence: a server may front hardware, whose MSI-X table and PBA are never touched */
	if (dev->protect_msix && dev->has_layout && bb_layout_hits_must_trap(&dev->layout, index, off, len)) {
		bb_diag_set(&v->last, -EPERM, "%s: region %" PRIu32 " [0x%" PRIx64 ", +%zu) touches the MSI-X table or"
			    " PBA: never touched", dev->spec, index, off, len);
		return -EPERM;
	}
	while (done < len) {
		size_t chunk = len - done < v->max_xfer ? len - done : (size_t)v->max_xfer;
		struct bb_vu_region_access a = { .offset = off + done, .region = index, .count = (uint32_t)chunk };
		struct bb_vu_expect e = { .cmd = write ? BB_VU_REGION_WRITE : BB_VU_REGION_READ, .index = index,
					  .offset = a.offset, .count = a.count };
		struct bb_vu_reply r;
		int fds[BB_VU_MAX_FDS];
		unsigned nfds;
		int err;

		memcpy(v->tx + HDR, &a, sizeof(a));
		if (write)
			memcpy(v->tx + HDR + ACC, p + done, chunk);
		if (write)
			dev->trap_writes++;
		else
			dev->trap_reads++;
		err = xchg(dev, v, &e, HDR + ACC + (write ? chunk : 0), fds, &nfds, &r, &v->last);
		if (err)
			return err;
		if (!write)
			memcpy(p + done, r.data, r.count);
		done += r.count;
		if (r.count < chunk)
			break;	/* short: the caller reports it */
	}
	return (ssize_t)done;
}

/* Keep @fd as region @index's descriptor, after checking it can hold the region. */
static int take_region_fd(struct bb_dev *dev, struct vu *v, uint32_t index, const uint8_t *info, int fd,
			  struct bb_diag *d)
{
	struct vfio_region_info ri;
	struct stat st;

	memcpy(&ri, info, sizeof(ri));
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		bb_vu_close_peer_fd(fd);	/* not ours to map: dropped, as the spec ties a descriptor to MMAP */
		return 0;
	}
	if (bb_vu_fd_on_fuse(fd)) {
		bb_vu_close_peer_fd(fd);
		return bb_diag_set(d, -EPROTO, "%s: region %" PRIu32 ": its descriptor is a file of a FUSE mount, whose"
				   " daemon could stall barbench on every access: refused", dev->spec, index);
	}
	if (fstat(fd, &st)) {
		int err = -errno;

		bb_vu_close_peer_fd(fd);
		return bb_diag_set(d, err, "%s: region %" PRIu32 ": fstat of its descriptor: %s", dev->spec, index,
				   strerror(-err));
	}
	if (S_ISREG(st.st_mode) && ri.size && (ri.offset + ri.size < ri.offset ||
					       (uint64_t)st.st_size < ri.offset + ri.size)) {
		bb_vu_close_peer_fd(fd);
		return bb_diag_set(d, -EPROTO, "%s: region %" PRIu32 ": its descriptor holds 0x%" PRIx64 " bytes, the"
				   " region needs [0x%" PRIx64 ", +0x%" PRIx64 ") of it (a mapping would raise SIGBUS)",
				   dev->spec, index, (uint64_t)st.st_size, (uint64_t)ri.offset, (uint64_t)ri.size);
	}
	if (v->reg[index].fd >= 0)
		bb_vu_close_peer_fd(v->reg[index].fd);
	v->reg[index].fd = fd;
	return 0;
}

static int vu_region_info(struct bb_dev *dev, uint32_t index, void *buf, uint32_t argsz, struct bb_diag *d)
{
	struct vu *v = dev->priv;
	struct vfio_region_info q = { .argsz = argsz, .index = index };
	struct bb_vu_expect e = { .cmd = BB_VU_DEVICE_GET_REGION_INFO, .argsz = argsz, .index = index };
	struct bb_vu_reply r;
	int fds[BB_VU_MAX_FDS];
	unsigned nfds;
	uint32_t rargsz;
	int err;

	if (index >= v->info.num_regions || index >= BB_VU_MAX_REGIONS)
		return bb_diag_set(d, -EINVAL, "%s: no region %" PRIu32 " (the server reports %" PRIu32 ")", dev->spec,
				   index, v->info.num_regions);
	if ((err = bb_dev_check_argsz(dev, index, argsz, d)))
		return err;
	memcpy(v->tx + HDR, &q, sizeof(q));
	err = xchg(dev, v, &e, HDR + sizeof(q), fds, &nfds, &r, d);
	if (err)
		return err;
	memcpy(buf, r.payload, r.len);
	memset((uint8_t *)buf + r.len, 0, argsz - r.len);
	memcpy(&rargsz, r.payload, sizeof(rargsz));
	if (rargsz > argsz) {
		/*
		 * "argsz ... may be larger than the requested maximum size: the full
		 * payload is not included".  Servers say so with CAPS and cap_offset 0
		 * (the kernel, older libvfio-user) or with CAPS clear (libvfio-user
		 * now); hand the core the kernel's form, as backends do.
		 */
		struct vfio_region_info ri;

		memcpy(&ri, buf, sizeof(ri));
		ri.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		ri.cap_offset = 0;
		memcpy(buf, &ri, sizeof(ri));
	}
	if (nfds) {
		err = take_region_fd(dev, v, index, r.payload, fds[0], d);
		if (err)
			return err;
	}
	if (rargsz <= argsz) {
		/* a complete answer: what map() checks against from now on */
		struct bb_region nr;
		char name[400];

		snprintf(name, sizeof(name), "%s/region%" PRIu32, dev->spec, index);
		if (!bb_region_parse(buf, argsz, name, &nr, NULL)) {
			struct bb_map_index ix;

			if (bb_map_index_build(&nr, &ix)) {
				bb_region_free(&nr);
				return bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
			}
			bb_region_free(&v->reg[index].r);
			bb_map_index_free(&v->reg[index].ix);
			v->reg[index].r = nr;
			v->reg[index].ix = ix;
			v->reg[index].have_r = nr.size > 0;
		}
	}
	return 0;
}

static int vu_map(struct bb_dev *dev, uint32_t index, uint64_t off, uint64_t len, void *addr, void **out,
		  struct bb_diag *d)
{
	struct vu *v = dev->priv;
	const struct vu_region *g;
	void *p;
	int err;

	*out = NULL;
	if (index >= BB_VU_MAX_REGIONS || !v->reg[index].have_r)
		return bb_diag_set(d, -EINVAL, "%s: no region %" PRIu32, dev->spec, index);
	g = &v->reg[index];
	if ((err = bb_dev_map_check(dev, index, &g->ix, off, len, addr, false, d)))
		return err;
	if (g->fd < 0)
		return bb_diag_set(d, -ENODEV, "%s: region %" PRIu32 ": the server sent no file descriptor to map",
				   dev->spec, index);
	if (g->r.offset + off < g->r.offset || g->r.offset + off > (uint64_t)INT64_MAX)
		return bb_diag_set(d, -EOVERFLOW, "%s: region %" PRIu32 ": fd offset 0x%" PRIx64 " + 0x%" PRIx64
				   " overflows", dev->spec, index, g->r.offset, off);
	p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | (addr ? MAP_FIXED : 0), g->fd,
		 (off_t)(g->r.offset + off));
	if (p == MAP_FAILED)
		return bb_diag_set(d, -errno, "%s: region %" PRIu32 ": mmap [0x%" PRIx64 ", +0x%" PRIx64 ") of the"
				   " server's descriptor at fd offset 0x%" PRIx64 ": %s", dev->spec, index, off, len,
				   g->r.offset + off, strerror(errno));
	*out = p;
	return 0;
}

static void vu_close(struct bb_dev *dev)
{
	struct vu *v = dev->priv;

	if (!v)
		return;
	if (v->sock >= 0)
		close(v->sock);	/* "Client Disconnection": the server cleans up */
	for (unsigned i = 0; i < BB_VU_MAX_REGIONS; i++) {
		bb_vu_close_peer_fd(v->reg[i].fd);	/* the server's: it may not stall us */
		bb_region_free(&v->reg[i].r);
		bb_map_index_free(&v->reg[i].ix);
	}
	free(v->rx);
	free(v->tx);
	free(v);
	dev->priv = NULL;
}

/* "path?layout=X&timeout=MS" */
static int parse_arg(struct bb_dev *dev, const char *arg, char *path, size_t plen, char *layout, size_t llen,
		     unsigned *timeout_ms, struct bb_diag *d)
{
	const char *q = strchr(arg, '?');
	size_t n = q ? (size_t)(q - arg) : strlen(arg);

	if (!n)
		return bb_diag_set(d, -EINVAL, "%s: want vfio-user:SOCKET[?layout=NAME&timeout=MS]", dev->spec);
	if (n >= plen)
		return bb_diag_set(d, -ENAMETOOLONG, "%s: socket path longer than %zu bytes", dev->spec, plen - 1);
	memcpy(path, arg, n);
	path[n] = '\0';
	layout[0] = '\0';
	while (q && *q) {
		const char *opt = q + 1, *end = strchr(opt, '&');
		size_t olen = end ? (size_t)(end - opt) : strlen(opt);
		char val[300];
		uint64_t ms;

		q = end;
		if (olen > 7 && !strncmp(opt, "layout=", 7)) {
			if (olen - 7 >= llen)
				return bb_diag_set(d, -ENAMETOOLONG, "%s: layout name too long", dev->spec);
			memcpy(layout, opt + 7, olen - 7);
			layout[olen - 7] = '\0';
		} else if (olen > 8 && !strncmp(opt, "timeout=", 8) && olen - 8 < sizeof(val)) {
			memcpy(val, opt + 8, olen - 8);
			val[olen - 8] = '\0';
			if (bb_parse_u64(val, &ms) || ms == 0 || ms > 600000)
				return bb_diag_set(d, -EINVAL, "%s: timeout=%s: milliseconds, 1 to 600000", dev->spec, val);
			*timeout_ms = (unsigned)ms;
		} else {
			return bb_diag_set(d, -EINVAL, "%s: unknown option '%.*s' (layout=NAME, timeout=MS)", dev->spec,
					   (int)olen, opt);
		}
	}
	return 0;
}

static int version(struct bb_dev *dev, struct vu *v, struct bb_diag *d)
{
	struct bb_vu_version ver = { .major = BB_VU_MAJOR, .minor = BB_VU_MINOR };
	struct bb_vu_caps ours;
	struct bb_vu_expect e = { .cmd = BB_VU_VERSION };
	struct bb_vu_reply r;
	char json[256];
	size_t jlen;
	int fds[BB_VU_MAX_FDS];
	unsigned nfds;
	int err;

	bb_vu_caps_default(&ours);
	ours.max_msg_fds = BB_VU_MAX_FDS;
	ours.max_data_xfer_size = OUR_MAX_XFER;
	ours.has_pgsizes = ours.has_max_dma_maps = true;	/* proposed, so a server may answer with them */
	jlen = bb_vu_format_caps(json, sizeof(json), &ours);
	memcpy(v->tx + HDR, &ver, sizeof(ver));
	memcpy(v->tx + HDR + sizeof(ver), json, jlen + 1);
	err = xchg(dev, v, &e, HDR + sizeof(ver) + jlen + 1, fds, &nfds, &r, d);
	if (err)
		return err;
	v->caps = r.caps;
	v->minor = r.version.minor;
	v->max_xfer = r.caps.max_data_xfer_size < OUR_MAX_XFER ? r.caps.max_data_xfer_size : OUR_MAX_XFER;
	return 0;
}

static int device_info(struct bb_dev *dev, struct vu *v, struct bb_diag *d)
{
	struct bb_vu_device_info q = { .argsz = sizeof(q) };
	struct bb_vu_expect e = { .cmd = BB_VU_DEVICE_GET_INFO };
	struct bb_vu_reply r;
	int fds[BB_VU_MAX_FDS];
	unsigned nfds;
	int err;

	memcpy(v->tx + HDR, &q, sizeof(q));
	err = xchg(dev, v, &e, HDR + sizeof(q), fds, &nfds, &r, d);
	if (!err)
		v->info = r.info;
	return err;
}

static uint32_t cfg32(const uint8_t *c, size_t at)
{
	return (uint32_t)c[at] | (uint32_t)c[at + 1] << 8 | (uint32_t)c[at + 2] << 16 | (uint32_t)c[at + 3] << 24;
}

/*
 * Walk the standard capability list of config space @c (@n bytes) for MSI-X
 * (PCI Local Bus Spec 3.0, 6.7 and 6.8.2); fill @m when found.  A list that
 * leaves the header area, loops, or an MSI-X table/PBA outside its BAR is
 * -EPROTO naming the config byte.
 */
static int find_msix(struct bb_dev *dev, struct vu *v, const uint8_t *c, size_t n, struct bb_layout_msix *m,
		     struct bb_diag *d)
{
	unsigned ptr, hops = 0;

	memset(m, 0, sizeof(*m));
	if (n < 0x40 || !((c[0x06] | c[0x07] << 8) & 0x10))
		return 0;	/* no capability list */
	ptr = c[0x34] & 0xfc;
	while (ptr) {
		unsigned at = ptr;

		if (ptr < 0x40 || ptr + 2 > n)
			return bb_diag_set(d, -EPROTO, "%s: config space byte 0x%x: capability pointer 0x%x outside"
					   " [0x40, 0x%zx)", dev->spec, hops ? 0 : 0x34, ptr, n);
		if (++hops > 48)
			return bb_diag_set(d, -EPROTO, "%s: config space byte 0x%x: the capability list loops", dev->spec,
					   ptr + 1);
		if (c[ptr] == 0x11) {
			uint32_t tbl, pba, vectors;
			uint64_t tsz, psz;

			if (ptr + 12 > n)
				return bb_diag_set(d, -EPROTO, "%s: config space byte 0x%x: MSI-X capability runs past"
						   " 0x%zx", dev->spec, ptr, n);
			vectors = (uint32_t)((c[ptr + 2] | c[ptr + 3] << 8) & 0x7ff) + 1;
			tbl = cfg32(c, ptr + 4);
			pba = cfg32(c, ptr + 8);
			m->present = true;
			m->vectors = vectors;
			m->table_region = tbl & 7;
			m->table_offset = tbl & ~7u;
			m->pba_region = pba & 7;
			m->pba_offset = pba & ~7u;
			tsz = bb_msix_table_bytes(vectors);
			psz = bb_msix_pba_bytes(vectors);
			if (m->table_region > 5 || !v->reg[m->table_region].have_r ||
			    m->table_offset + tsz > v->reg[m->table_region].r.size)
				return bb_diag_set(d, -EPROTO, "%s: config space byte 0x%x: MSI-X table [0x%" PRIx64 ", +0x%"
						   PRIx64 ") in BAR%" PRIu32 " lies outside that region", dev->spec, ptr + 4,
						   m->table_offset, tsz, m->table_region);
			if (m->pba_region > 5 || !v->reg[m->pba_region].have_r ||
			    m->pba_offset + psz > v->reg[m->pba_region].r.size)
				return bb_diag_set(d, -EPROTO, "%s: config space byte 0x%x: MSI-X PBA [0x%" PRIx64 ", +0x%"
						   PRIx64 ") in BAR%" PRIu32 " lies outside that region", dev->spec, ptr + 8,
						   m->pba_offset, psz, m->pba_region);
			return 0;
		}
		ptr = c[at + 1] & 0xfc;
	}
	return 0;
}

/* A layout named with layout= must describe what the server reports. */
static int check_layout(struct bb_dev *dev, struct vu *v, const struct bb_layout *l, struct bb_diag *d)
{
	const uint32_t bits = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP;

	for (uint32_t i = 0; i < l->nr_regions; i++) {
		const struct bb_region *lr = &l->regions[i].info;
		const struct bb_region *sr;

		if (lr->index >= BB_VU_MAX_REGIONS || !v->reg[lr->index].have_r)
			return bb_diag_set(d, -EINVAL, "%s: layout %s describes region %" PRIu32 ", the server has none",
					   dev->spec, l->path, lr->index);
		sr = &v->reg[lr->index].r;
		if (sr->size != lr->size || (sr->flags & bits) != (lr->flags & bits))
			return bb_diag_set(d, -EINVAL, "%s: layout %s: region %" PRIu32 " is 0x%" PRIx64 " bytes with flags"
					   " 0x%" PRIx32 ", the server reports 0x%" PRIx64 " bytes with flags 0x%" PRIx32
					   ": another device", dev->spec, l->path, lr->index, lr->size, lr->flags & bits,
					   sr->size, sr->flags & bits);
	}
	return 0;
}

/*
 * dev->layout: what config space says (IDs, where MSI-X sits, hence what
 * must trap) and, with layout=, the named layout checked against it (as
 * vfio: does, bb_real_layout: a layout whose MSI-X placement or IDs differ
 * from the server's would let a workload touch the real table) and against
 * the regions' sizes and flags.  A server without a readable config region
 * leaves the layout alone to say.
 */
static int vu_layout(struct bb_dev *dev, struct vu *v, const char *layout, struct bb_diag *d)
{
	uint8_t cfg[256];
	struct bb_layout_msix m;
	ssize_t got = -1;
	bool given;
	int err;

	if ((v->info.flags & VFIO_DEVICE_FLAGS_PCI) && CONFIG_INDEX < BB_VU_MAX_REGIONS &&
	    v->reg[CONFIG_INDEX].have_r && (v->reg[CONFIG_INDEX].r.flags & VFIO_REGION_INFO_FLAG_READ)) {
		size_t n = v->reg[CONFIG_INDEX].r.size < sizeof(cfg) ? (size_t)v->reg[CONFIG_INDEX].r.size : sizeof(cfg);

		memset(cfg, 0, sizeof(cfg));
		got = vu_rw(dev, CONFIG_INDEX, 0, cfg, n, false);
		dev->trap_reads = 0;
		if (got < 0)
			return bb_diag_set(d, (int)got, "reading config space: %s", v->last.msg);
		err = find_msix(dev, v, cfg, (size_t)got, &m, d);
		if (err)
			return err;
	}
	if (layout[0] && got < 4) {
		char path[512];

		err = bb_layout_resolve(layout, path, sizeof(path), d);
		if (err) {
			bb_diag_prefix(d, "%s: layout=%s", dev->spec, layout);
			return err;
		}
		err = bb_layout_load(path, &dev->layout, d);
		if (err)
			return err;
		dev->has_layout = true;
		return check_layout(dev, v, &dev->layout, d);
	}
	if (layout[0]) {
		err = bb_real_layout(dev, layout, "vfio-user", (uint16_t)(cfg[0] | cfg[1] << 8),
				     (uint16_t)(cfg[2] | cfg[3] << 8), &m, &given, d);
		return err ? err : check_layout(dev, v, &dev->layout, d);
	}
	if (got < 0)
		return 0;
	memset(&dev->layout, 0, sizeof(dev->layout));
	snprintf(dev->layout.name, sizeof(dev->layout.name), "vfio-user");
	snprintf(dev->layout.path, sizeof(dev->layout.path), "%s", dev->spec);
	dev->layout.has_ids = got >= 4;
	dev->layout.vendor = (uint16_t)(cfg[0] | cfg[1] << 8);
	dev->layout.device = (uint16_t)(cfg[2] | cfg[3] << 8);
	dev->layout.msix = m;
	dev->has_layout = true;
	return 0;
}

static int vu_open(struct bb_dev *dev, const char *arg, struct bb_diag *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char layout[300];
	struct timeval tv;
	struct vu *v;
	int err;

	v = calloc(1, sizeof(*v));
	if (!v)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
	v->sock = -1;
	v->timeout_ms = 5000;
	for (unsigned i = 0; i < BB_VU_MAX_REGIONS; i++)
		v->reg[i].fd = -1;
	dev->priv = v;
	err = parse_arg(dev, arg, sa.sun_path, sizeof(sa.sun_path), layout, sizeof(layout), &v->timeout_ms, d);
	if (err)
		goto fail;
	v->txcap = HDR + ACC + OUR_MAX_XFER;
	v->tx = malloc(v->txcap);
	if (!v->tx) {
		err = bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
		goto fail;
	}
	v->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (v->sock < 0) {
		err = bb_diag_set(d, -errno, "%s: socket: %s", dev->spec, strerror(errno));
		goto fail;
	}
	tv.tv_sec = v->timeout_ms / 1000;
	tv.tv_usec = (v->timeout_ms % 1000) * 1000;
	if (setsockopt(v->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(v->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		err = bb_diag_set(d, -errno, "%s: socket timeouts: %s", dev->spec, strerror(errno));
		goto fail;
	}
	if (connect(v->sock, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		if (err == -EAGAIN || err == -EINPROGRESS) {
			/* SO_SNDTIMEO ran out while the server's listen backlog stayed full: a failure, not bad input */
			err = bb_diag_set(d, -ETIMEDOUT, "%s: connect: no room in the server's queue within %u ms (it is"
					  " stuck or busy with other clients)", dev->spec, v->timeout_ms);
			goto fail;
		}
		err = bb_diag_set(d, err, "%s: connect: %s%s", dev->spec, strerror(-err),
				  err == -ECONNREFUSED ? " (no server listens there: start one with barbench serve)" :
				  err == -ENOENT ? " (no socket at that path)" : "");
		goto fail;
	}
	err = version(dev, v, d);
	if (!err)
		err = device_info(dev, v, d);
	if (err)
		goto fail;
	for (uint32_t i = 0; i < v->info.num_regions; i++) {
		struct bb_region r;

		err = bb_dev_region(dev, i, &r, NULL, NULL, d);
		if (err)
			goto fail;
		if (r.size) {
			if (dev->nr_regions == BB_DEV_MAX_REGIONS) {
				bb_region_free(&r);
				err = bb_diag_set(d, -E2BIG, "%s: more than %d regions", dev->spec, BB_DEV_MAX_REGIONS);
				goto fail;
			}
			dev->index[dev->nr_regions++] = i;
		}
		bb_region_free(&r);
	}
	dev->real_hw = false;
	dev->protect_msix = true;	/* a vfio-user server may front real hardware */
	err = vu_layout(dev, v, layout, d);
	if (err)
		goto fail;
	return 0;
fail:
	dev->nr_regions = 0;
	vu_close(dev);
	return err;
}

/* Config space as the server reports it in region 7 (read through messages, like any trapped access). */
static ssize_t vu_config_read(struct bb_dev *dev, void *buf, size_t len, struct bb_diag *d)
{
	struct vu *v = dev->priv;
	uint64_t reads = dev->trap_reads;
	ssize_t got;

	if (CONFIG_INDEX >= BB_VU_MAX_REGIONS || !v->reg[CONFIG_INDEX].have_r ||
	    !(v->reg[CONFIG_INDEX].r.flags & VFIO_REGION_INFO_FLAG_READ))
		return bb_diag_set(d, -ENODEV, "%s: the server reports no readable config region (7)", dev->spec);
	if (len > v->reg[CONFIG_INDEX].r.size)
		len = (size_t)v->reg[CONFIG_INDEX].r.size;
	got = vu_rw(dev, CONFIG_INDEX, 0, buf, len, false);
	dev->trap_reads = reads;	/* not an access of a workload */
	if (got < 0)
		return bb_diag_set(d, (int)got, "reading config space: %s", v->last.msg);
	return got;
}

/* ops->rw_why: the message of the trap path's last failure (which request, which id, what the server did) */
static const char *vu_rw_why(const struct bb_dev *dev)
{
	const struct vu *v = dev->priv;

	return v ? v->last.msg : "";
}

const struct bb_backend_ops bb_backend_vfio_user = {
	.name = "vfio-user",
	.summary = "a device served over the vfio-user protocol: mmap of the server's descriptors, trap path messages",
	.flags = BB_BACKEND_TRAP_MESSAGE,
	.trap_path = "vfio-user",
	.open = vu_open,
	.region_info = vu_region_info,
	.map = vu_map,
	.rw = vu_rw,
	.rw_why = vu_rw_why,
	.close = vu_close,
	.config_read = vu_config_read,
};

const char *bb_vfio_user_last_error(const struct bb_dev *dev)
{
	const struct vu *v = dev->priv;

	return dev->ops == &bb_backend_vfio_user && v ? v->last.msg : "";
}

const struct bb_vu_caps *bb_vfio_user_server_caps(const struct bb_dev *dev)
{
	const struct vu *v = dev->priv;

	return dev->ops == &bb_backend_vfio_user && v ? &v->caps : NULL;
}

uint64_t bb_vfio_user_max_xfer(const struct bb_dev *dev)
{
	const struct vu *v = dev->priv;

	return dev->ops == &bb_backend_vfio_user && v ? v->max_xfer : 0;
}
