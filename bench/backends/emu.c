// SPDX-License-Identifier: MIT
/*
 * emu:LAYOUT, the built-in emulated device.  Each region of the layout lives
 * in a memfd; a mapped window is an mmap of that memfd; the trap path is
 * pread/pwrite on it, a real system call of the same shape as vfio-pci's
 * region read/write.  Region info is the layout encoded into the kernel's
 * bytes.  Semantics from the layout: an `id` register reads its constant and
 * ignores trapped writes; trapped writes to a `doorbell` are counted.
 *
 * Fault injection, for the robustness tests (docs/robustness.md): the spec
 * emu:LAYOUT?fault=KIND:N makes the device misbehave once, N counted from 1
 * over the trap-path calls since the device was opened:
 *   short-read:N      the N-th trapped read transfers one byte less than asked
 *   short-write:N     the N-th trapped write transfers one byte less than asked
 *   eio:N             the N-th trapped access (read or write) fails with EIO
 *   truncate-after:N  after the N-th trapped access every region's memfd is
 *                     truncated to 0: the device is gone, the next mapped
 *                     access raises SIGBUS and trapped accesses transfer nothing
 * A layout path given this way cannot contain '?'.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "barbench/backend.h"
#include "parse.h"

struct emu_region {
	uint32_t index;
	int fd;
	struct bb_region r;
	struct bb_map_index ix;	/* what r allows to be mapped, sorted once */
	uint8_t *info;
	size_t info_len;
	/*
	 * layout registers of this region with trap-path semantics (id,
	 * doorbell), found at open, sorted by offset: a trapped write finds its
	 * own in O(log n) (a layout may hold thousands of doorbells in arrays)
	 */
	uint32_t nr_special;
	uint32_t *special;
	uint64_t special_max;	/* the largest of their sizes */
	bool frozen;		/* shared read-only (emu_share: F_SEAL_WRITE): its bytes never change again */
};

enum emu_fault { FAULT_NONE, FAULT_SHORT_READ, FAULT_SHORT_WRITE, FAULT_EIO, FAULT_TRUNCATE };

struct emu {
	uint32_t n;
	struct emu_region reg[BB_DEV_MAX_REGIONS];
	uint64_t *doorbell_writes;	/* per layout register */
	enum emu_fault fault;		/* ?fault=KIND:N */
	uint64_t fault_n;
	uint64_t nr_rw, nr_reads, nr_writes;	/* trap-path calls, counted only with a fault */
	bool gone;			/* truncated: trapped accesses transfer nothing */
};

static const struct {
	const char *name;
	enum emu_fault kind;
} fault_names[] = {
	{ "short-read", FAULT_SHORT_READ },
	{ "short-write", FAULT_SHORT_WRITE },
	{ "eio", FAULT_EIO },
	{ "truncate-after", FAULT_TRUNCATE },
};

/* "fault=KIND:N" */
static int parse_options(struct bb_dev *dev, struct emu *e, const char *opt, struct bb_diag *d)
{
	const char *colon;
	uint64_t n;

	if (strncmp(opt, "fault=", 6))
		return bb_diag_set(d, -EINVAL, "%s: unknown option '%s' (fault=KIND:N)", dev->spec, opt);
	opt += 6;
	colon = strchr(opt, ':');
	if (!colon || bb_parse_u64(colon + 1, &n) || n == 0)
		return bb_diag_set(d, -EINVAL, "%s: fault=%s: want KIND:N with N >= 1", dev->spec, opt);
	for (size_t i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++) {
		if (strlen(fault_names[i].name) == (size_t)(colon - opt) &&
		    !strncmp(fault_names[i].name, opt, (size_t)(colon - opt))) {
			e->fault = fault_names[i].kind;
			e->fault_n = n;
			return 0;
		}
	}
	return bb_diag_set(d, -EINVAL, "%s: fault=%s: unknown kind '%.*s' (short-read, short-write, eio, "
			   "truncate-after)", dev->spec, opt, (int)(colon - opt), opt);
}

static struct emu_region *find(struct bb_dev *dev, uint32_t index)
{
	struct emu *e = dev->priv;

	for (uint32_t i = 0; i < e->n; i++)
		if (e->reg[i].index == index)
			return &e->reg[i];
	return NULL;
}

static void emu_close(struct bb_dev *dev)
{
	struct emu *e = dev->priv;

	if (!e)
		return;
	for (uint32_t i = 0; i < e->n; i++) {
		if (e->reg[i].fd >= 0)
			close(e->reg[i].fd);
		free(e->reg[i].info);
		free(e->reg[i].special);
		bb_region_free(&e->reg[i].r);
		bb_map_index_free(&e->reg[i].ix);
	}
	free(e->doorbell_writes);
	free(e);
	dev->priv = NULL;
}

/*
 * Constant registers hold their value from the start, little-endian as PCI is
 * unless the layout says byte-order=be.
 * Also how they get it back (emu_restore, the backend's restore hook): the trap path drops writes to
 * them, but a writable mapping cannot stop a store.
 */
static int init_ids(struct bb_dev *dev, struct bb_diag *d)
{
	for (uint32_t i = 0; i < dev->layout.nr_regs; i++) {
		const struct bb_layout_reg *g = &dev->layout.regs[i];
		struct emu_region *er = find(dev, g->region);
		uint8_t bytes[8];
		size_t n = bb_layout_reg_bytes(g, bytes);

		if (!n || !er || er->frozen)
			continue;
		if (pwrite(er->fd, bytes, n, (off_t)g->offset) != (ssize_t)n)
			return bb_diag_set(d, -EIO, "%s: initialising %s: %s", dev->spec, g->name, strerror(errno));
	}
	return 0;
}

static int emu_setup(struct bb_dev *dev, struct emu *e, struct bb_diag *d);

struct special_at {
	uint64_t offset;
	uint32_t reg;
};

static int cmp_special(const void *a, const void *b)
{
	const struct special_at *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->reg < y->reg ? -1 : (x->reg > y->reg);
}

/* Sort @er's specials by offset (0, or -ENOMEM) and note the largest size. */
static int sort_special(const struct bb_layout *l, struct emu_region *er)
{
	struct special_at *v = malloc((er->nr_special ? er->nr_special : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < er->nr_special; k++)
		v[k] = (struct special_at){ l->regs[er->special[k]].offset, er->special[k] };
	qsort(v, er->nr_special, sizeof(*v), cmp_special);
	er->special_max = 0;
	for (uint32_t k = 0; k < er->nr_special; k++) {
		er->special[k] = v[k].reg;
		if (l->regs[v[k].reg].size > er->special_max)
			er->special_max = l->regs[v[k].reg].size;
	}
	free(v);
	return 0;
}

/*
 * The id and doorbell registers a trapped write of [off, off+len) touches:
 * any id drops the write (returns true); each doorbell counts it.
 */
static bool special_write(struct emu *e, const struct bb_layout *l, const struct emu_region *er, uint64_t off,
			  size_t len)
{
	uint64_t end = off + len < off ? UINT64_MAX : off + len;
	uint32_t lo = 0, hi = er->nr_special;
	bool id = false;

	/* the first special at or past the end; every candidate lies before it */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (l->regs[er->special[mid]].offset < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0) {
		const struct bb_layout_reg *g = &l->regs[er->special[lo]];

		if (g->offset < off && off - g->offset >= er->special_max)
			break;	/* this one and all before it end before off */
		if (!bb_reg_overlaps(g, er->index, off, len))
			continue;
		if (g->kind == BB_REG_ID)
			id = true;
		else if (g->kind == BB_REG_DOORBELL)
			e->doorbell_writes[er->special[lo]]++;
	}
	return id;
}

static int emu_open(struct bb_dev *dev, const char *arg, struct bb_diag *d)
{
	char path[512], layout[512];
	const char *q = strchr(arg, '?');
	struct emu *e;
	int err;

	if (snprintf(layout, sizeof(layout), "%.*s", q ? (int)(q - arg) : (int)strlen(arg), arg) >=
	    (int)sizeof(layout))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: layout path too long", dev->spec);
	e = calloc(1, sizeof(*e));
	if (!e)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
	if (q && (err = parse_options(dev, e, q + 1, d))) {
		free(e);
		return err;
	}
	err = bb_layout_resolve(layout, path, sizeof(path), d);
	if (err) {
		free(e);
		bb_diag_prefix(d, "%s", dev->spec);
		return err;
	}
	err = bb_layout_load(path, &dev->layout, d);
	if (err) {
		free(e);
		return err;
	}
	return emu_setup(dev, e, d);
}

/* The device of a layout already in dev->layout: its regions in memfds. */
static int emu_setup(struct bb_dev *dev, struct emu *e, struct bb_diag *d)
{
	int err;

	dev->has_layout = true;
	dev->real_hw = false;
	dev->priv = e;
	e->doorbell_writes = calloc(dev->layout.nr_regs ? dev->layout.nr_regs : 1, sizeof(uint64_t));
	if (!e->doorbell_writes) {
		err = bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
		goto fail;
	}
	if (dev->layout.nr_regions > BB_DEV_MAX_REGIONS) {
		err = bb_diag_set(d, -E2BIG, "%s: %" PRIu32 " regions, at most %d", dev->spec,
				  dev->layout.nr_regions, BB_DEV_MAX_REGIONS);
		goto fail;
	}
	for (uint32_t i = 0; i < dev->layout.nr_regions; i++) {
		struct emu_region *er = &e->reg[e->n];
		char name[64];

		er->fd = -1;
		er->index = dev->layout.regions[i].info.index;
		e->n++;
		/* the trap path looks only at these: a scan of every register would sit in the timed write */
		for (uint32_t k = 0; k < dev->layout.nr_regs; k++) {
			const struct bb_layout_reg *g = &dev->layout.regs[k];
			uint32_t *ns;

			if (g->region != er->index || (g->kind != BB_REG_ID && g->kind != BB_REG_DOORBELL))
				continue;
			ns = realloc(er->special, (er->nr_special + 1) * sizeof(*ns));
			if (!ns) {
				err = bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
				goto fail;
			}
			er->special = ns;
			ns[er->nr_special++] = k;
		}
		err = sort_special(&dev->layout, er);
		if (!err)
			err = bb_region_copy(&er->r, &dev->layout.regions[i].info);
		if (!err)
			err = bb_map_index_build(&er->r, &er->ix);
		if (err) {
			err = bb_diag_set(d, err, "%s: out of memory", dev->spec);
			goto fail;
		}
		err = bb_region_encode(&er->r, &er->info, &er->info_len, d);
		if (err)
			goto fail;
		snprintf(name, sizeof(name), "barbench-emu-region%" PRIu32, er->index);
		/* sealable: a server seals the size before handing the descriptor out (emu_share) */
		er->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (er->fd < 0 || ftruncate(er->fd, (off_t)er->r.size)) {
			err = bb_diag_set(d, -errno, "%s: region %" PRIu32 ": memfd of 0x%" PRIx64 " bytes: %s",
					  dev->spec, er->index, er->r.size, strerror(errno));
			goto fail;
		}
		dev->index[dev->nr_regions++] = er->index;
	}
	err = init_ids(dev, d);
	if (err)
		goto fail;
	return 0;
fail:
	emu_close(dev);
	bb_layout_free(&dev->layout);
	dev->has_layout = false;
	return err;
}

static int emu_region_info(struct bb_dev *dev, uint32_t index, void *buf, uint32_t argsz,
			   struct bb_diag *d)
{
	struct emu_region *er = find(dev, index);
	struct vfio_region_info *info = buf;
	int err;

	if (!er)
		return bb_diag_set(d, -EINVAL, "%s: no region %" PRIu32, dev->spec, index);
	if ((err = bb_dev_check_argsz(dev, index, argsz, d)))
		return err;
	if (argsz >= er->info_len) {
		memcpy(buf, er->info, er->info_len);
		info->argsz = argsz;	/* the kernel leaves the caller's argsz */
		return 0;
	}
	/* the kernel's answer to a short buffer: the size needed, no chain */
	memcpy(buf, er->info, sizeof(*info));
	info->argsz = (uint32_t)er->info_len;
	info->cap_offset = 0;
	return 0;
}

static int emu_map(struct bb_dev *dev, uint32_t index, uint64_t off, uint64_t len, void *addr,
		   void **out, struct bb_diag *d)
{
	struct emu_region *er = find(dev, index);
	void *p;
	int err;

	*out = NULL;
	if (!er)
		return bb_diag_set(d, -EINVAL, "%s: no region %" PRIu32, dev->spec, index);
	if ((err = bb_dev_map_check(dev, index, &er->ix, off, len, addr, false, d)))
		return err;
	p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | (addr ? MAP_FIXED : 0), er->fd, (off_t)off);
	if (p == MAP_FAILED)
		return bb_diag_set(d, -errno, "%s: region %" PRIu32 ": mmap [0x%" PRIx64 ", +0x%" PRIx64 "): %s",
				   dev->spec, index, off, len, strerror(errno));
	*out = p;
	return 0;
}

/*
 * The injected fault, before the access: -EIO, or how many bytes to transfer
 * (@len, one less, or none once the device is gone).  Without a fault the
 * trap path pays one predictable branch.
 */
static ssize_t fault_before(struct emu *e, size_t len, bool write)
{
	if (e->gone)
		return 0;
	e->nr_rw++;
	if (write)
		e->nr_writes++;
	else
		e->nr_reads++;
	switch (e->fault) {
	case FAULT_EIO:
		return e->nr_rw == e->fault_n ? -EIO : (ssize_t)len;
	case FAULT_SHORT_READ:
		return !write && e->nr_reads == e->fault_n && len ? (ssize_t)len - 1 : (ssize_t)len;
	case FAULT_SHORT_WRITE:
		return write && e->nr_writes == e->fault_n && len ? (ssize_t)len - 1 : (ssize_t)len;
	default:
		return (ssize_t)len;
	}
}

/* truncate-after:N, after the access: the device goes away.  0 or a negative errno. */
static int fault_after(struct emu *e)
{
	if (e->fault != FAULT_TRUNCATE || e->gone || e->nr_rw != e->fault_n)
		return 0;
	e->gone = true;
	for (uint32_t i = 0; i < e->n; i++)
		if (e->reg[i].fd >= 0 && ftruncate(e->reg[i].fd, 0))
			return -errno;	/* never pretend a fault happened */
	return 0;
}

static ssize_t emu_rw(struct bb_dev *dev, uint32_t index, uint64_t off, void *buf, size_t len, bool write)
{
	struct emu_region *er = find(dev, index);
	struct emu *e = dev->priv;
	ssize_t n;

	if (!er)
		return -EINVAL;
	if (e->fault != FAULT_NONE) {
		n = fault_before(e, len, write);
		if (n < 0)
			return n;
		len = (size_t)n;
	}
	if (!write) {
		dev->trap_reads++;
		n = pread(er->fd, buf, len, (off_t)off);
	} else if (special_write(e, &dev->layout, er, off, len)) {
		n = (ssize_t)len;	/* an id register is read-only: the write is dropped */
	} else {
		dev->trap_writes++;
		n = pwrite(er->fd, buf, len, (off_t)off);
	}
	if (n < 0)
		return -errno;
	if (e->fault != FAULT_NONE) {
		int err = fault_after(e);

		if (err)
			return err;
	}
	return n;
}

uint64_t bb_emu_doorbell_writes(const struct bb_dev *dev, uint32_t reg)
{
	const struct emu *e = dev->priv;

	if (dev->ops != &bb_backend_emu || !e || reg >= dev->layout.nr_regs)
		return 0;
	return e->doorbell_writes[reg];
}

static int emu_region_fd(const struct bb_dev *dev, uint32_t index)
{
	struct emu_region *er;

	er = find((struct bb_dev *)dev, index);
	return er ? er->fd : -1;
}

static int emu_share(struct bb_dev *dev, struct bb_diag *d)
{
	struct emu *e = dev->priv;

	if (e->fault == FAULT_TRUNCATE)
		return bb_diag_set(d, -EINVAL, "%s: fault=truncate-after truncates the memfds; a sealed device cannot"
				   " lose its size", dev->spec);
	for (uint32_t i = 0; i < e->n; i++) {
		/*
		 * A region without WRITE is sealed against writes too: a client handed
		 * its descriptor read-only could reopen it read-write through
		 * /proc/self/fd (a memfd's inode is mode 0777) and write a read-only
		 * region for every later client.
		 */
		int want = F_SEAL_SHRINK | F_SEAL_GROW |
			   (e->reg[i].r.flags & VFIO_REGION_INFO_FLAG_WRITE ? 0 : F_SEAL_WRITE);

		if (e->reg[i].fd < 0)
			continue;
		if (fcntl(e->reg[i].fd, F_ADD_SEALS, want | F_SEAL_SEAL) && errno != EPERM)
			return bb_diag_set(d, -errno, "%s: region %" PRIu32 ": sealing its memfd: %s", dev->spec,
					   e->reg[i].index, strerror(errno));
		/* EPERM: sealed already (F_SEAL_SEAL); check it holds what we want */
		if ((fcntl(e->reg[i].fd, F_GET_SEALS) & want) != want)
			return bb_diag_set(d, -EPERM, "%s: region %" PRIu32 ": its memfd cannot be sealed", dev->spec,
					   e->reg[i].index);
		e->reg[i].frozen = want & F_SEAL_WRITE;
	}
	return 0;
}

static int emu_restore(struct bb_dev *dev, struct bb_diag *d)
{
	return init_ids(dev, d);
}

const struct bb_backend_ops bb_backend_emu = {
	.name = "emu",
	.summary = "built-in emulated device: a layout's regions in memfds, trap path pread/pwrite",
	.flags = BB_BACKEND_FROM_LAYOUT,
	.trap_path = "pread",
	.open = emu_open,
	.region_info = emu_region_info,
	.map = emu_map,
	.rw = emu_rw,
	.close = emu_close,
	.share = emu_share,
	.region_fd = emu_region_fd,
	.restore = emu_restore,
};

int bb_emu_open_layout(const struct bb_layout *l, const char *name, struct bb_dev **out, struct bb_diag *d)
{
	struct bb_dev *dev;
	struct emu *e;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	*out = NULL;
	dev = calloc(1, sizeof(*dev));
	e = calloc(1, sizeof(*e));
	if (!dev || !e) {
		free(dev);
		free(e);
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", name);
	}
	dev->ops = &bb_backend_emu;
	snprintf(dev->spec, sizeof(dev->spec), "emu:%s", name);
	/* a deep copy through the layout's own text: what a file of it would hold, nothing on disk */
	f = open_memstream(&text, &len);
	if (!f || bb_layout_write(f, l) || fclose(f)) {
		free(text);
		free(dev);
		free(e);
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", name);
	}
	err = bb_layout_parse(text, len, name, &dev->layout, d);
	free(text);
	if (!err)
		err = emu_setup(dev, e, d);
	else
		free(e);
	if (err) {
		free(dev);
		return err;
	}
	*out = dev;
	return 0;
}
