// SPDX-License-Identifier: MIT
/*
 * pci:BDF, a PCI device through sysfs (see pci.h for the spec and the
 * safety rules).
 *
 * Regions: one per memory BAR of devices/BDF/resource (lines 0-5; an I/O
 * BAR, the ROM and the SR-IOV BARs are not listed: this backend reaches
 * memory by loads and stores only).  Each is reported as VFIO would report a
 * BAR without capabilities (READ, WRITE, MMAP; fd offset 0), so every
 * policy, command and runner reads it through the one region parser.  A
 * window is mmap'd from devices/BDF/resourceN at its offset in the BAR (the
 * kernel's pci_mmap_resource_range: page-aligned, inside the BAR).
 *
 * Config space (devices/BDF/config; 256 bytes or 4 KiB when root, 64
 * otherwise, so capabilities need root) gives the MSI-X placement (the
 * must-trap ranges) and the command register: with Memory Space decoding
 * off a BAR reads all ones, so mapping is refused with the command that
 * turns it on.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "parse.h"
#include "pci.h"
#include "pcicfg.h"
#include "vfio.h"

#define SYSFS "/sys"
#define SMALL_FILE 4096u	/* a sysfs attribute is at most a page */

struct pci {
	struct bb_vfio_spec spec;
	struct bb_pci_sysfs sys;
	char dir[PATH_MAX];		/* SYSFS/bus/pci/devices/BDF */
	bool have[BB_PCI_BARS];
	uint64_t size[BB_PCI_BARS];
	int fd[BB_PCI_BARS];		/* resourceN, opened at the first map */
	bool fd_writable[BB_PCI_BARS];
	/* resourceN's size: the BAR's in sysfs (drivers/pci/pci-sysfs.c, pci_create_attr: size = pci_resource_len) */
	uint64_t fd_bytes[BB_PCI_BARS];
	bool layout_given;
};

static struct pci *priv_of(const struct bb_dev *dev)
{
	return dev && dev->ops == &bb_backend_pci ? dev->priv : NULL;
}

/* "0x" and 1 to 16 hex digits at @s; the count of characters used, 0 when not that. */
static size_t hex64(const char *s, size_t left, uint64_t *v)
{
	size_t n = 2;

	*v = 0;
	if (left < 3 || s[0] != '0' || s[1] != 'x')
		return 0;
	while (n < left && n < 18) {
		char c = s[n];
		unsigned h;

		if (c >= '0' && c <= '9')
			h = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			h = (unsigned)(c - 'a' + 10);
		else
			break;
		*v = *v << 4 | h;
		n++;
	}
	if (n == 2 || (n < left && ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'))))
		return 0;
	return n;
}

int bb_pci_resource_parse(const char *text, size_t len, const char *name, struct bb_pci_resource *out,
			  unsigned *n, struct bb_diag *d)
{
	size_t i = 0;
	unsigned line = 0;

	*n = 0;
	while (i < len) {
		struct bb_pci_resource r;
		uint64_t *f[3] = { &r.start, &r.end, &r.flags };
		size_t k;

		line++;
		if (line > BB_PCI_MAX_RESOURCES)
			return bb_diag_set(d, -EINVAL, "%s:%u: more than %d lines", name, line, BB_PCI_MAX_RESOURCES);
		for (int j = 0; j < 3; j++) {
			k = hex64(text + i, len - i, f[j]);
			if (!k)
				return bb_diag_set(d, -EINVAL, "%s:%u: field %d is not 0x and 1 to 16 lower-case hex digits",
						   name, line, j + 1);
			i += k;
			if (i >= len || text[i] != (j < 2 ? ' ' : '\n'))
				return bb_diag_set(d, -EINVAL, "%s:%u: field %d is not followed by %s", name, line, j + 1,
						   j < 2 ? "one space" : "the end of the line");
			i++;
		}
		if (r.end < r.start)
			return bb_diag_set(d, -EINVAL, "%s:%u: end 0x%" PRIx64 " before start 0x%" PRIx64, name, line,
					   r.end, r.start);
		if (r.end - r.start == UINT64_MAX)
			return bb_diag_set(d, -EINVAL, "%s:%u: a range of 2^64 bytes", name, line);
		out[(*n)++] = r;
	}
	if (!line)
		return bb_diag_set(d, -EINVAL, "%s: empty", name);
	return 0;
}

static int read_small(const char *dir, const char *file, char **buf, size_t *len, struct bb_diag *d)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return bb_read_file(path, SMALL_FILE, buf, len, d);
}

/* A sysfs number file ("0x8086\n", "-1\n"): the whole line, base 16 or 10. */
static int read_num(const char *dir, const char *file, int base, long long lo, long long hi, long long *v,
		    struct bb_diag *d)
{
	char *buf, *end;
	size_t len;
	int err = read_small(dir, file, &buf, &len, d);

	if (err)
		return err;
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	errno = 0;
	*v = strtoll(buf, &end, base);
	if (!len || end != buf + len || errno || *v < lo || *v > hi || strlen(buf) != len) {
		err = bb_diag_set(d, -EINVAL, "%s/%s: '%.40s' is not a number from %lld to %lld", dir, file, buf, lo, hi);
		free(buf);
		return err;
	}
	free(buf);
	return 0;
}

/*
 * A VF's memory decoding: its PF's SR-IOV Control bit 3, VF MSE (PCIe 4.0,
 * 9.3.3.3.4; a VF's own Memory Space bit reads 0), read from the PF's config
 * space through the physfn link.  Where that cannot be read (not root: 64
 * bytes; no SR-IOV capability in what is read) it is taken as on, since
 * Linux sets it when it enables VFs (drivers/pci/iov.c); out->vf_mse_read
 * says which.
 */
static void vf_memory(const char *dir, struct bb_pci_sysfs *out)
{
	struct bb_pcicfg_src src = { .name = "physfn/config" };
	static struct bb_pcicfg pc;
	struct bb_diag d;
	char *buf;
	size_t len;

	out->mem_enabled = true;
	out->vf_mse_read = false;
	if (read_small(dir, "physfn/config", &buf, &len, &d))
		return;
	if (!bb_pcicfg_parse((const uint8_t *)buf, len, &src, &pc, &d) && pc.sriov.present) {
		out->vf_mse_read = true;
		out->mem_enabled = pc.sriov.ctrl & PCI_SRIOV_CTRL_MSE;
	}
	free(buf);
}

static int probe_config(const char *dir, struct bb_pci_sysfs *out, struct bb_diag *d)
{
	char *buf, name[PATH_MAX + 16];
	uint16_t cfg_vendor, cfg_device;
	size_t len;
	int err = read_small(dir, "config", &buf, &len, d);

	if (err)
		return err;
	out->cfg_len = len < sizeof(out->cfg) ? len : sizeof(out->cfg);
	memcpy(out->cfg, buf, out->cfg_len);
	free(buf);
	snprintf(name, sizeof(name), "%s/config", dir);
	if (out->cfg_len < PCI_STD_HEADER_SIZEOF)
		return bb_diag_set(d, -EINVAL, "%s: byte 0: %zu bytes, shorter than the %d-byte header", name,
				   out->cfg_len, PCI_STD_HEADER_SIZEOF);
	cfg_vendor = (uint16_t)(out->cfg[PCI_VENDOR_ID] | out->cfg[PCI_VENDOR_ID + 1] << 8);
	cfg_device = (uint16_t)(out->cfg[PCI_DEVICE_ID] | out->cfg[PCI_DEVICE_ID + 1] << 8);
	out->vf_ids = out->is_vf && cfg_vendor == 0xffff && cfg_device == 0xffff;
	if (out->vf_ids) {
		vf_memory(dir, out);	/* a VF: its command register's bit 1 reads 0 */
	} else if (cfg_vendor != out->vendor || cfg_device != out->device) {
		return bb_diag_set(d, -EINVAL, "%s: byte 0: ids %02x%02x:%02x%02x, the vendor and device files say"
				   " %04x:%04x", name, out->cfg[1], out->cfg[0], out->cfg[3], out->cfg[2], out->vendor,
				   out->device);
	} else {
		out->mem_enabled = out->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY;
	}
	err = bb_msix_parse_config(out->cfg, out->cfg_len, name, &out->msix, &out->msix_cap, d);
	if (err) {
		if (out->cfg_len < 256)
			bb_diag_prefix(d, "only %zu bytes of config space are readable (capabilities need root)",
				       out->cfg_len);
		return err;
	}
	if (out->msix.present) {
		uint64_t tsz = bb_msix_table_bytes(out->msix.vectors), psz = bb_msix_pba_bytes(out->msix.vectors);
		const struct bb_pci_resource *t = &out->res[out->msix.table_region];
		const struct bb_pci_resource *p = &out->res[out->msix.pba_region];

		if (out->msix.table_region >= out->nr_res || !(t->flags & BB_IORESOURCE_MEM) ||
		    out->msix.table_offset + tsz > t->end - t->start + 1)
			return bb_diag_set(d, -EPROTO, "%s: byte 0x%x: MSI-X table [0x%" PRIx64 ", +0x%" PRIx64
					   ") does not fit in memory BAR%" PRIu32, name, out->msix_cap,
					   out->msix.table_offset, tsz, out->msix.table_region);
		if (out->msix.pba_region >= out->nr_res || !(p->flags & BB_IORESOURCE_MEM) ||
		    out->msix.pba_offset + psz > p->end - p->start + 1)
			return bb_diag_set(d, -EPROTO, "%s: byte 0x%x: MSI-X PBA [0x%" PRIx64 ", +0x%" PRIx64
					   ") does not fit in memory BAR%" PRIu32, name, out->msix_cap,
					   out->msix.pba_offset, psz, out->msix.pba_region);
	}
	return 0;
}

/* The bytes of resource @r when it is an assigned one of @kind (BB_IORESOURCE_MEM or _IO), else 0. */
static uint64_t res_size(const struct bb_pci_resource *r, uint64_t kind)
{
	if (!(r->flags & kind) || (r->flags & (BB_IORESOURCE_DISABLED | BB_IORESOURCE_UNSET)) || (!r->start && !r->end))
		return 0;
	return r->end - r->start + 1;
}

uint64_t bb_pci_vf_bar_size(const struct bb_pci_sysfs *s, unsigned i, unsigned total_vfs)
{
	uint64_t size;

	if (i >= BB_PCI_BARS || 7 + i >= s->nr_res || !total_vfs)	/* lines 1-7: BARs 0-5, the ROM */
		return 0;
	size = res_size(&s->res[7 + i], BB_IORESOURCE_MEM);
	if (!size)
		return 0;
	/* sriov_init refuses a VF BAR that is not a whole number of pages (PAGE_SIZE, 4 KiB at least) */
	if (size % total_vfs || size / total_vfs < 4096 || (size / total_vfs & (size / total_vfs - 1)))
		return 0;
	return size / total_vfs;
}

/* The resource file of the device folder @dir, and its physfn link. */
static int resources(const char *dir, struct bb_pci_sysfs *out, struct bb_diag *d)
{
	char *buf, name[PATH_MAX + 16];
	size_t len;
	int err;

	/* a VF's physfn link ("../0000:3b:00.0"): its PF's address when the name is one; anything else is no VF */
	out->is_vf = !bb_pci_physfn(dir, out->physfn, sizeof(out->physfn));
	if ((err = read_small(dir, "resource", &buf, &len, d)))
		return err;
	snprintf(name, sizeof(name), "%s/resource", dir);
	err = bb_pci_resource_parse(buf, len, name, out->res, &out->nr_res, d);
	free(buf);
	return err;
}

int bb_pci_probe(const char *sysfs, const char *bdf, struct bb_pci_sysfs *out, struct bb_diag *d)
{
	char dir[PATH_MAX];
	long long v;
	int err;

	memset(out, 0, sizeof(*out));
	out->numa_node = -1;
	snprintf(out->bdf, sizeof(out->bdf), "%s", bdf);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", sysfs, bdf);
	if (access(dir, F_OK))
		return bb_diag_set(d, -ENODEV, "%s: no such PCI device (%s: %s); lspci -D lists them", bdf, dir,
				   strerror(errno));
	if ((err = read_num(dir, "vendor", 16, 0, 0xffff, &v, d)))
		return err;
	out->vendor = (uint16_t)v;
	if ((err = read_num(dir, "device", 16, 0, 0xffff, &v, d)))
		return err;
	out->device = (uint16_t)v;
	if (!read_num(dir, "class", 16, 0, 0xffffff, &v, d))
		out->class_code = (uint32_t)v;
	if (!read_num(dir, "numa_node", 10, -1, 65535, &v, d))
		out->numa_node = (int)v;
	if ((err = resources(dir, out, d)))
		return err;
	return probe_config(dir, out, d);
}

const struct bb_pci_sysfs *bb_pci_sysfs_any(const struct bb_dev *dev, struct bb_pci_sysfs *buf)
{
	const struct bb_vfio_sysfs *v = bb_vfio_sysfs_of(dev);
	char dir[PATH_MAX];
	struct bb_diag d;

	if (priv_of(dev))
		return &priv_of(dev)->sys;
	if (!v)
		return NULL;
	memset(buf, 0, sizeof(*buf));
	buf->numa_node = v->numa_node;
	buf->vendor = v->vendor;
	buf->device = v->device;
	buf->class_code = v->class_code;
	snprintf(buf->bdf, sizeof(buf->bdf), "%s", v->bdf);
	snprintf(dir, sizeof(dir), SYSFS "/bus/pci/devices/%s", v->bdf);
	return resources(dir, buf, &d) ? NULL : buf;
}

static void pci_close(struct bb_dev *dev)
{
	struct pci *p = dev->priv;

	if (!p)
		return;
	for (unsigned i = 0; i < BB_PCI_BARS; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	free(p);
	dev->priv = NULL;
}

/* sysfs lists BAR @x as an I/O BAR of @size bytes (resource line @x, PCI 3.0 6.2.5.1: bit 0 of the BAR). */
static bool io_bar_of_size(const struct pci *p, uint32_t x, uint64_t size)
{
	return x < p->sys.nr_res && res_size(&p->sys.res[x], BB_IORESOURCE_IO) == size;
}

/*
 * Each BAR the layout describes must be the device's, of the same size: a
 * layout of another device is refused.  An I/O BAR the layout describes is
 * checked against sysfs's I/O resource and then left out: pci: maps memory
 * BARs only.
 */
static int check_bars(struct bb_dev *dev, const struct pci *p, struct bb_diag *d)
{
	const struct bb_layout *l = &dev->layout;

	for (uint32_t i = 0; i < l->nr_regions; i++) {
		const struct bb_layout_region *r = &l->regions[i];
		uint32_t x = r->info.index;

		if (x >= BB_PCI_BARS)
			continue;
		/* an I/O BAR of the layout's size: the device's, though pci: exposes memory BARs only */
		if (!p->have[x] && io_bar_of_size(p, x, r->info.size))
			continue;
		if (!p->have[x] || p->size[x] != r->info.size)
			return bb_diag_set(d, -EINVAL, "%s: layout %s describes BAR%" PRIu32 " of 0x%" PRIx64 " bytes (line %u);"
					   " the device's BAR%" PRIu32 " is %s0x%" PRIx64 " bytes", dev->spec, l->path, x,
					   r->info.size, r->line, x, p->have[x] ? "" : "not a memory BAR: ",
					   p->have[x] ? p->size[x] : 0);
	}
	return 0;
}

static int pci_open(struct bb_dev *dev, const char *arg, struct bb_diag *d)
{
	const char *sysfs;
	struct pci *p;
	char name[64];
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
	for (unsigned i = 0; i < BB_PCI_BARS; i++)
		p->fd[i] = -1;
	dev->priv = p;
	dev->real_hw = true;
	dev->protect_msix = true;
	err = bb_bdf_parse_spec("pci", arg, BB_BDF_SYSFS, &p->spec, d);
	if (err)
		goto fail;
	sysfs = p->spec.sysfs[0] ? p->spec.sysfs : SYSFS;
	snprintf(p->dir, sizeof(p->dir), "%s/bus/pci/devices/%s", sysfs, p->spec.bdf);
	err = bb_pci_probe(sysfs, p->spec.bdf, &p->sys, d);
	if (err) {
		bb_diag_prefix(d, "%s", dev->spec);
		goto fail;
	}
	for (unsigned i = 0; i < BB_PCI_BARS && i < p->sys.nr_res; i++) {
		p->size[i] = res_size(&p->sys.res[i], BB_IORESOURCE_MEM);
		p->have[i] = p->size[i] != 0;
		if (p->have[i])
			dev->index[dev->nr_regions++] = i;
	}
	snprintf(name, sizeof(name), "pci-%s", p->spec.bdf);
	err = bb_real_layout(dev, p->spec.layout, name, p->sys.vendor, p->sys.device, &p->sys.msix, &p->layout_given, d);
	if (!err)
		err = check_bars(dev, p, d);
	if (err)
		goto fail;
	return 0;
fail:
	pci_close(dev);
	return err;
}

static int pci_region_info(struct bb_dev *dev, uint32_t index, void *buf, uint32_t argsz, struct bb_diag *d)
{
	struct pci *p = dev->priv;
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };
	int err;

	if ((err = bb_dev_check_argsz(dev, index, argsz, d)))
		return err;
	if (index >= BB_PCI_BARS || !p->have[index])
		return bb_diag_set(d, -EINVAL, "%s: no memory BAR %" PRIu32, dev->spec, index);
	info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP;
	info.size = p->size[index];
	info.offset = 0;
	info.argsz = argsz;
	memcpy(buf, &info, sizeof(info));
	return 0;
}

static int pci_map(struct bb_dev *dev, uint32_t index, uint64_t off, uint64_t len, void *addr, void **out,
		   struct bb_diag *d)
{
	struct pci *p = dev->priv;
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	*out = NULL;
	if (index >= BB_PCI_BARS || !p->have[index])
		return bb_diag_set(d, -EINVAL, "%s: no memory BAR %" PRIu32, dev->spec, index);
	if (off % (uint64_t)page || len % (uint64_t)page || (uintptr_t)addr % (uintptr_t)page || !len)
		return bb_diag_set(d, -EINVAL, "%s: BAR%" PRIu32 ": mmap [0x%" PRIx64 ", +0x%" PRIx64
				   ") is not aligned to the host page (%ld)", dev->spec, index, off, len, page);
	if (off > p->size[index] || len > p->size[index] - off || off > (uint64_t)INT64_MAX)
		return bb_diag_set(d, -EINVAL, "%s: BAR%" PRIu32 ": [0x%" PRIx64 ", +0x%" PRIx64 ") is outside its 0x%"
				   PRIx64 " bytes", dev->spec, index, off, len, p->size[index]);
	if (!p->sys.mem_enabled && p->sys.is_vf)
		return bb_diag_set(d, -EIO, "%s: memory decoding is off (its PF %s's SR-IOV Control has VF MSE clear): its"
				   " BARs read all ones", dev->spec, p->sys.physfn);
	if (!p->sys.mem_enabled)
		return bb_diag_set(d, -EIO, "%s: memory decoding is off (command register bit 1): its BARs read all ones;"
				   " as root: echo 1 > %s/enable", dev->spec, p->dir);
	if (p->fd[index] < 0 || (dev->writes_allowed && !p->fd_writable[index])) {
		char path[PATH_MAX + 16];
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "%s/resource%" PRIu32, p->dir, index);
		/*
		 * sysfs makes resourceN a regular file; in a tree given with sysfs=
		 * a symlink (to /dev/mem), a FIFO (open would wait for a writer) or
		 * a device is not a BAR: never opened through, never mapped.
		 */
		fd = open(path, (dev->writes_allowed ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0 && errno == ELOOP)
			return bb_diag_set(d, -EINVAL, "%s: %s: a symbolic link, not the resource file sysfs makes: not"
					   " followed", dev->spec, path);
		if (fd < 0)
			return bb_diag_set(d, -errno, "%s: %s: %s%s", dev->spec, path, strerror(errno),
					   errno == ENOENT ? " (this kernel offers no resource files for the device)" : "");
		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			close(fd);
			return bb_diag_set(d, -EINVAL, "%s: %s: not a regular file (sysfs resource files are): not mapped",
					   dev->spec, path);
		}
		if (p->fd[index] >= 0)
			close(p->fd[index]);
		p->fd[index] = fd;
		p->fd_writable[index] = dev->writes_allowed;
		p->fd_bytes[index] = (uint64_t)st.st_size;
	}
	/* a file shorter than the window (a tree given with sysfs=) would raise SIGBUS at its first access past the end */
	if (p->fd_bytes[index] < off + len)
		return bb_diag_set(d, -EINVAL, "%s: resource%" PRIu32 " holds 0x%" PRIx64 " bytes, less than its BAR's 0x%"
				   PRIx64 " that sysfs gives it: not mapped", dev->spec, index, p->fd_bytes[index],
				   p->size[index]);
	m = mmap(addr, len, PROT_READ | (dev->writes_allowed ? PROT_WRITE : 0), MAP_SHARED | (addr ? MAP_FIXED : 0),
		 p->fd[index], (off_t)off);
	if (m == MAP_FAILED)
		return bb_diag_set(d, -errno, "%s: BAR%" PRIu32 ": mmap [0x%" PRIx64 ", +0x%" PRIx64 ") of resource%"
				   PRIu32 ": %s", dev->spec, index, off, len, index, strerror(errno));
	*out = m;
	return 0;
}

/* No trap path: every access of this backend is a load or a store on a mapping. */
static ssize_t pci_rw(struct bb_dev *dev, uint32_t index, uint64_t off, void *buf, size_t len, bool write)
{
	(void)dev, (void)index, (void)off, (void)buf, (void)len, (void)write;
	return -EOPNOTSUPP;
}

static int pci_numa_node(const struct bb_dev *dev)
{
	const struct pci *p = priv_of(dev);

	return p ? p->sys.numa_node : -1;
}

/*
 * Config space as this OS reads it: devices/BDF/config read again, whole (a
 * PCIe function's 4 KiB as root, else 64 bytes; at most 4 KiB, a regular
 * file), not the 256 bytes kept when opened.
 */
static ssize_t pci_config_read(struct bb_dev *dev, void *buf, size_t len, struct bb_diag *d)
{
	const struct pci *p = priv_of(dev);
	char *cfg;
	size_t n;
	int err;

	if (!p)
		return bb_diag_set(d, -ENODEV, "%s: no config space", dev->spec);
	/* the whole file (4 KiB of a PCIe function, as root): the extended capabilities too */
	err = read_small(p->dir, "config", &cfg, &n, d);
	if (err)
		return err;
	if (len > n)
		len = n;
	memcpy(buf, cfg, len);
	free(cfg);
	return (ssize_t)len;
}

const struct bb_backend_ops bb_backend_pci = {
	.name = "pci",
	.summary = "a PCI device as its own OS sees it, through sysfs (inside a VMM's guest: the VMM's device): "
		   "pci:BDF[?layout=PATH]",
	.flags = BB_BACKEND_NO_TRAP | BB_BACKEND_SYNTH_INFO,
	.trap_path = "none",
	.open = pci_open,
	.region_info = pci_region_info,
	.map = pci_map,
	.rw = pci_rw,
	.close = pci_close,
	.numa_node = pci_numa_node,
	.config_read = pci_config_read,
};

const struct bb_pci_sysfs *bb_pci_sysfs_of(const struct bb_dev *dev)
{
	const struct pci *p = priv_of(dev);

	return p ? &p->sys : NULL;
}

const char *bb_pci_layout_path(const struct bb_dev *dev)
{
	const struct pci *p = priv_of(dev);

	return p && p->layout_given ? dev->layout.path : NULL;
}
