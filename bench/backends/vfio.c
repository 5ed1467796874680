// SPDX-License-Identifier: MIT
/*
 * vfio:BDF, a real device through the kernel's VFIO driver (see
 * include/barbench/vfio.h for the spec and the safety rules).
 *
 * Opening (Documentation/driver-api/vfio.rst; ioctls and structs from
 * <linux/vfio.h> and <linux/iommufd.h>):
 *   - iommufd, where the headers define it and /dev/iommu and
 *     /dev/vfio/devices/vfioN exist (Linux 6.6+): open /dev/iommu and the
 *     device's cdev, VFIO_DEVICE_BIND_IOMMUFD, IOMMU_IOAS_ALLOC,
 *     VFIO_DEVICE_ATTACH_IOMMUFD_PT;
 *   - else the legacy API (the reason iommufd was not used is kept for
 *     `devices` and the manifest, bb_vfio_iommufd_note()): /dev/vfio/vfio, VFIO_GET_API_VERSION,
 *     VFIO_CHECK_EXTENSION, /dev/vfio/N (or noiommu-N), VFIO_GROUP_GET_STATUS
 *     (viable: every device of the group is bound to a VFIO driver or none),
 *     VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU (type1v2, type1 or noiommu),
 *     VFIO_GROUP_GET_DEVICE_FD.
 * No DMA mapping is made: barbench reaches BARs, the device never reaches
 * barbench's memory.
 *
 * Regions: VFIO_DEVICE_GET_REGION_INFO with the caller's buffer and argsz
 * (bb_dev_region grows it); a window is mmap'd at the region's fd offset +
 * its offset; the trap path is pread/pwrite on the device fd at the same
 * place, at most 8 bytes per call, split at natural alignment
 * (vfio-pci's vfio_pci_core_do_io_rw splits further into 4/2/1).
 *
 * MSI-X placement is read from the device's config space (region
 * VFIO_PCI_CONFIG_REGION_INDEX) and becomes the must-trap ranges, with or
 * without a layout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>
#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif
#endif
#if defined(VFIO_DEVICE_BIND_IOMMUFD) && defined(VFIO_DEVICE_ATTACH_IOMMUFD_PT) && defined(IOMMU_IOAS_ALLOC)
#define BB_HAVE_IOMMUFD 1
#else
#define BB_HAVE_IOMMUFD 0
#endif

#include "vfio.h"

#define SYSFS "/sys"
#define CONFIG_BYTES 256	/* the standard capability list lives in the first 256 bytes */

struct vfio {
	struct bb_vfio_spec spec;
	struct bb_vfio_sysfs sys;
	int container, group, iommufd, devfd;
	const char *mode;
	char iommufd_note[200];	/* why not iommufd, "" when opened with it */
	bool have[BB_DEV_MAX_REGIONS];
	struct bb_region reg[BB_DEV_MAX_REGIONS];	/* by VFIO index */
	struct bb_map_index ix[BB_DEV_MAX_REGIONS];	/* what each allows to be mapped, sorted once */
	struct bb_layout_msix msix;	/* from config space */
	unsigned msix_cap;
	bool layout_given;
};

static struct vfio *priv_of(const struct bb_dev *dev)
{
	return dev && dev->ops == &bb_backend_vfio ? dev->priv : NULL;
}

static void vfio_close(struct bb_dev *dev)
{
	struct vfio *v = dev->priv;

	if (!v)
		return;
	if (v->devfd >= 0)
		close(v->devfd);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	if (v->iommufd >= 0)
		close(v->iommufd);
	for (unsigned i = 0; i < BB_DEV_MAX_REGIONS; i++) {
		bb_region_free(&v->reg[i]);
		bb_map_index_free(&v->ix[i]);
	}
	free(v);
	dev->priv = NULL;
}

/* The members of IOMMU group @group and their drivers, for a "not viable" message. */
static void group_members(int group, char *buf, size_t len)
{
	char dir[128], path[512], target[PATH_MAX];
	struct dirent *e;
	size_t used = 0;
	DIR *dd;

	buf[0] = '\0';
	snprintf(dir, sizeof(dir), SYSFS "/kernel/iommu_groups/%d/devices", group);
	dd = opendir(dir);
	if (!dd)
		return;
	while ((e = readdir(dd)) && used + 1 < len) {
		ssize_t n;
		const char *drv = "no driver";
		int w;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/driver", dir, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			drv = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
		}
		w = snprintf(buf + used, len - used, "%s%s (%s)", used ? ", " : "", e->d_name, drv);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	closedir(dd);
}

static int open_legacy(struct bb_dev *dev, struct vfio *v, struct bb_diag *d)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[400], name[BB_BDF_LEN + 48];
	bool noiommu;
	int type, api;

	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", v->sys.group);
	noiommu = !access(path, F_OK);
	if (!noiommu)
		snprintf(path, sizeof(path), "/dev/vfio/%d", v->sys.group);
	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		return bb_diag_set(d, -errno, "%s: /dev/vfio/vfio: %s (is the vfio module loaded?)", dev->spec,
				   strerror(errno));
	api = ioctl(v->container, VFIO_GET_API_VERSION);
	if (api != VFIO_API_VERSION)
		return bb_diag_set(d, -EPROTO, "%s: VFIO API version %d, barbench speaks %d", dev->spec, api,
				   VFIO_API_VERSION);
	if (noiommu) {
		type = VFIO_NOIOMMU_IOMMU;
		v->mode = "noiommu";
	} else if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0) {
		type = VFIO_TYPE1v2_IOMMU;
		v->mode = "type1v2";
	} else if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0) {
		type = VFIO_TYPE1_IOMMU;
		v->mode = "type1";
	} else {
		return bb_diag_set(d, -ENOTSUP, "%s: the kernel offers no type1 IOMMU backend for VFIO "
				   "(modprobe vfio_iommu_type1)", dev->spec);
	}
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, type) <= 0)
		return bb_diag_set(d, -ENOTSUP, "%s: the kernel does not offer the %s IOMMU backend", dev->spec, v->mode);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0) {
		int err = -errno;

		return bb_diag_set(d, err, "%s: %s: %s%s", dev->spec, path, strerror(-err),
				   err == -EBUSY ? " (the group is open in another process, a VMM or another barbench)" : "");
	}
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &st))
		return bb_diag_set(d, -errno, "%s: VFIO_GROUP_GET_STATUS on %s: %s", dev->spec, path, strerror(errno));
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		char members[300];

		group_members(v->sys.group, members, sizeof(members));
		return bb_diag_set(d, -EBUSY, "%s: IOMMU group %d is not viable: every device in it must be bound to "
				   "vfio-pci or to no driver (members: %s)", dev->spec, v->sys.group,
				   members[0] ? members : "unknown");
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		return bb_diag_set(d, -errno, "%s: VFIO_GROUP_SET_CONTAINER (group %d): %s", dev->spec, v->sys.group,
				   strerror(errno));
	if (ioctl(v->container, VFIO_SET_IOMMU, type)) {
		int err = -errno;

		return bb_diag_set(d, err, "%s: VFIO_SET_IOMMU %s (group %d): %s%s", dev->spec, v->mode, v->sys.group,
				   strerror(-err), err == -EPERM ? " (no interrupt remapping: the IOMMU needs it, e.g. QEMU's "
				   "intel-iommu,intremap=on, or vfio_iommu_type1 allow_unsafe_interrupts=1)" : "");
	}
	if (v->spec.vf_token[0])
		snprintf(name, sizeof(name), "%s vf_token=%s", v->spec.bdf, v->spec.vf_token);
	else
		snprintf(name, sizeof(name), "%s", v->spec.bdf);
	v->devfd = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (v->devfd < 0) {
		int err = -errno;

		return bb_diag_set(d, err, "%s: VFIO_GROUP_GET_DEVICE_FD: %s%s", dev->spec, strerror(-err),
				   bb_vfio_vf_token_hint(SYSFS, &v->spec, err, path, sizeof(path)));
	}
	return 0;
}

#if BB_HAVE_IOMMUFD
/*
 * 0; -ENODEV when this machine has no iommufd or no cdev for the device (use
 * the legacy API), v->iommufd_note then saying which; or an error.
 */
static int open_iommufd(struct bb_dev *dev, struct vfio *v, struct bb_diag *d)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	char path[64];

	if (access("/dev/iommu", F_OK)) {
		snprintf(v->iommufd_note, sizeof(v->iommufd_note), "no /dev/iommu (a kernel without CONFIG_IOMMUFD)");
		return -ENODEV;
	}
	if (v->spec.vf_token[0]) {
		/* VFIO_DEVICE_BIND_IOMMUFD of these headers carries no VF token; the group's name does */
		snprintf(v->iommufd_note, sizeof(v->iommufd_note), "a VF token is given: the legacy API passes it");
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", v->sys.cdev);
	if (v->sys.cdev < 0 || access(path, F_OK)) {
		snprintf(v->iommufd_note, sizeof(v->iommufd_note), "no /dev/vfio/devices/vfioN for the device "
			 "(a kernel without CONFIG_VFIO_DEVICE_CDEV)");
		return -ENODEV;
	}
	v->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (v->iommufd < 0)
		return bb_diag_set(d, -errno, "%s: /dev/iommu: %s", dev->spec, strerror(errno));
	v->devfd = open(path, O_RDWR | O_CLOEXEC);
	if (v->devfd < 0)
		return bb_diag_set(d, -errno, "%s: %s: %s", dev->spec, path, strerror(errno));
	bind.iommufd = v->iommufd;
	if (ioctl(v->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return bb_diag_set(d, -errno, "%s: VFIO_DEVICE_BIND_IOMMUFD: %s", dev->spec, strerror(errno));
	if (ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return bb_diag_set(d, -errno, "%s: IOMMU_IOAS_ALLOC: %s", dev->spec, strerror(errno));
	attach.pt_id = alloc.out_ioas_id;
	if (ioctl(v->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return bb_diag_set(d, -errno, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT (IOAS %" PRIu32 "): %s", dev->spec,
				   alloc.out_ioas_id, strerror(errno));
	v->mode = "iommufd";
	return 0;
}

/* iommufd where this machine has it, else the legacy API, saying why iommufd was left. */
static int open_device(struct bb_dev *dev, struct vfio *v, struct bb_diag *d)
{
	int err = open_iommufd(dev, v, d);

	if (err == -ENODEV) {
		err = open_legacy(dev, v, d);
		if (err && v->spec.vf_token[0] && !access("/dev/iommu", F_OK))
			bb_diag_prefix(d, "iommufd not tried (%s)", v->iommufd_note);	/* a kernel with iommufd alone */
		return err;
	}
	if (!err)
		return 0;
	/* iommufd is there but failed: the legacy API may still work */
	snprintf(v->iommufd_note, sizeof(v->iommufd_note), "%s", d ? d->msg : "failed");
	if (v->devfd >= 0)
		close(v->devfd);
	if (v->iommufd >= 0)
		close(v->iommufd);
	v->devfd = v->iommufd = -1;
	err = open_legacy(dev, v, d);
	if (err)
		bb_diag_prefix(d, "iommufd: %s; then the legacy API", v->iommufd_note);
	return err;
}
#else
static int open_device(struct bb_dev *dev, struct vfio *v, struct bb_diag *d)
{
	snprintf(v->iommufd_note, sizeof(v->iommufd_note), "not in this build (its <linux/vfio.h> and "
		 "<linux/iommufd.h> predate Linux 6.6)");
	return open_legacy(dev, v, d);
}
#endif

/* Read config space through the config region and find MSI-X; check it lies inside its BARs. */
static int read_msix(struct bb_dev *dev, struct vfio *v, struct bb_diag *d)
{
	const struct bb_region *c = v->have[VFIO_PCI_CONFIG_REGION_INDEX] ? &v->reg[VFIO_PCI_CONFIG_REGION_INDEX] : NULL;
	uint8_t cfg[CONFIG_BYTES];
	size_t want;
	ssize_t n;
	char name[400];
	int err;

	if (!c)
		return bb_diag_set(d, -EPROTO, "%s: no config region: cannot find the MSI-X table", dev->spec);
	want = c->size < sizeof(cfg) ? (size_t)c->size : sizeof(cfg);
	n = pread(v->devfd, cfg, want, (off_t)c->offset);
	if (n < 0)
		return bb_diag_set(d, -errno, "%s: reading config space: %s", dev->spec, strerror(errno));
	snprintf(name, sizeof(name), "%s/config", dev->spec);
	err = bb_msix_parse_config(cfg, (size_t)n, name, &v->msix, &v->msix_cap, d);
	if (err || !v->msix.present)
		return err;
	{
		uint64_t tsz = bb_msix_table_bytes(v->msix.vectors), psz = bb_msix_pba_bytes(v->msix.vectors);
		const struct bb_region *t = v->have[v->msix.table_region] ? &v->reg[v->msix.table_region] : NULL;
		const struct bb_region *p = v->have[v->msix.pba_region] ? &v->reg[v->msix.pba_region] : NULL;

		if (!t || v->msix.table_offset + tsz > t->size)
			return bb_diag_set(d, -EPROTO, "%s/config: byte 0x%x: MSI-X table [0x%" PRIx64 ", +0x%" PRIx64
					   ") does not fit in BAR%" PRIu32, dev->spec, v->msix_cap, v->msix.table_offset,
					   tsz, v->msix.table_region);
		if (!p || v->msix.pba_offset + psz > p->size)
			return bb_diag_set(d, -EPROTO, "%s/config: byte 0x%x: MSI-X PBA [0x%" PRIx64 ", +0x%" PRIx64
					   ") does not fit in BAR%" PRIu32, dev->spec, v->msix_cap, v->msix.pba_offset,
					   psz, v->msix.pba_region);
	}
	return 0;
}

/* The layout given with ?layout=, checked against the device; or an empty one. */
static int setup_layout(struct bb_dev *dev, struct vfio *v, struct bb_diag *d)
{
	char name[64];

	snprintf(name, sizeof(name), "vfio-%s", v->spec.bdf);
	return bb_real_layout(dev, v->spec.layout, name, v->sys.vendor, v->sys.device, &v->msix, &v->layout_given, d);
}

static int vfio_open(struct bb_dev *dev, const char *arg, struct bb_diag *d)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio *v;
	int err;

	v = calloc(1, sizeof(*v));
	if (!v)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
	v->container = v->group = v->iommufd = v->devfd = -1;
	dev->priv = v;
	dev->real_hw = true;
	dev->protect_msix = true;
	err = bb_vfio_parse_spec(arg, &v->spec, d);
	if (err)
		goto fail;
	err = bb_vfio_sysfs_probe(SYSFS, v->spec.bdf, &v->sys, d);
	if (err)
		goto fail;
	err = open_device(dev, v, d);
	if (err)
		goto fail;
	if (ioctl(v->devfd, VFIO_DEVICE_GET_INFO, &info)) {
		err = bb_diag_set(d, -errno, "%s: VFIO_DEVICE_GET_INFO: %s", dev->spec, strerror(errno));
		goto fail;
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		err = bb_diag_set(d, -ENOTSUP, "%s: not a vfio-pci device (flags 0x%" PRIx32 ")", dev->spec, info.flags);
		goto fail;
	}
	for (uint32_t i = 0; i < info.num_regions && i < BB_DEV_MAX_REGIONS; i++) {
		struct vfio_region_info probe = { .argsz = sizeof(probe), .index = i };

		/* vfio-pci answers EINVAL for an index the device lacks (VGA on a non-VGA device) */
		if (ioctl(v->devfd, VFIO_DEVICE_GET_REGION_INFO, &probe) && errno == EINVAL)
			continue;
		err = bb_dev_region(dev, i, &v->reg[i], NULL, NULL, d);
		if (err)
			goto fail;
		if (!v->reg[i].size) {
			bb_region_free(&v->reg[i]);
			continue;
		}
		if (bb_map_index_build(&v->reg[i], &v->ix[i])) {
			err = bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
			goto fail;
		}
		v->have[i] = true;
		dev->index[dev->nr_regions++] = i;
	}
	err = read_msix(dev, v, d);
	if (err)
		goto fail;
	err = setup_layout(dev, v, d);
	if (err)
		goto fail;
	return 0;
fail:
	vfio_close(dev);
	return err;
}

static int vfio_region_info(struct bb_dev *dev, uint32_t index, void *buf, uint32_t argsz, struct bb_diag *d)
{
	struct vfio *v = dev->priv;
	struct vfio_region_info *info = buf;
	int err;

	if ((err = bb_dev_check_argsz(dev, index, argsz, d)))
		return err;
	info->argsz = argsz;
	info->index = index;
	if (ioctl(v->devfd, VFIO_DEVICE_GET_REGION_INFO, info))
		return bb_diag_set(d, -errno, "%s: VFIO_DEVICE_GET_REGION_INFO region %" PRIu32 " (argsz %" PRIu32 "): %s",
				   dev->spec, index, argsz, strerror(errno));
	return 0;
}

static const struct bb_region *region(struct vfio *v, uint32_t index)
{
	return index < BB_DEV_MAX_REGIONS && v->have[index] ? &v->reg[index] : NULL;
}

static int vfio_map(struct bb_dev *dev, uint32_t index, uint64_t off, uint64_t len, void *addr, void **out,
		    struct bb_diag *d)
{
	struct vfio *v = dev->priv;
	const struct bb_region *r = region(v, index);
	void *p;
	int err;

	*out = NULL;
	if (!r)
		return bb_diag_set(d, -EINVAL, "%s: no region %" PRIu32, dev->spec, index);
	if ((err = bb_dev_map_check(dev, index, &v->ix[index], off, len, addr, true, d)))
		return err;
	if (r->offset > (uint64_t)INT64_MAX - off)
		return bb_diag_set(d, -EOVERFLOW, "%s: region %" PRIu32 ": fd offset 0x%" PRIx64 " + 0x%" PRIx64
				   " overflows", dev->spec, index, r->offset, off);
	p = mmap(addr, len, PROT_READ | (dev->writes_allowed ? PROT_WRITE : 0), MAP_SHARED | (addr ? MAP_FIXED : 0),
		 v->devfd, (off_t)(r->offset + off));
	if (p == MAP_FAILED)
		return bb_diag_set(d, -errno, "%s: region %" PRIu32 ": mmap [0x%" PRIx64 ", +0x%" PRIx64 "): %s",
				   dev->spec, index, off, len, strerror(errno));
	*out = p;
	return 0;
}

static ssize_t vfio_rw(struct bb_dev *dev, uint32_t index, uint64_t off, void *buf, size_t len, bool write)
{
	struct vfio *v = dev->priv;
	const struct bb_region *r = region(v, index);
	enum bb_safety a;
	size_t done = 0;

	if (!r || off > r->size || len > r->size - off)
		return -EINVAL;
	if (!len)
		return 0;
	/* the last line of defence: the MSI-X table, PBA and unlisted ranges are never touched */
	a = bb_layout_access(&dev->layout, index, off, len, true);
	if (write ? !(dev->writes_allowed && a == BB_ACCESS_RW) : a < BB_ACCESS_READ)
		return -EPERM;
	while (done < len) {
		uint64_t at = off + done;
		size_t n = len - done > 8 ? 8 : len - done;
		ssize_t got;

		while (n > 1 && (at % n || (n & (n - 1))))
			n--;
		if (write) {
			dev->trap_writes++;
			got = pwrite(v->devfd, (const uint8_t *)buf + done, n, (off_t)(r->offset + at));
		} else {
			dev->trap_reads++;
			got = pread(v->devfd, (uint8_t *)buf + done, n, (off_t)(r->offset + at));
		}
		if (got < 0)
			return done ? (ssize_t)done : -errno;
		done += (size_t)got;
		if ((size_t)got < n)
			break;
	}
	return (ssize_t)done;
}

/* Config space as a VMM reads it: vfio-pci's config region (virtualized by vfio_pci_config.c). */
static ssize_t vfio_config_read(struct bb_dev *dev, void *buf, size_t len, struct bb_diag *d)
{
	struct vfio *v = dev->priv;
	const struct bb_region *c = region(v, VFIO_PCI_CONFIG_REGION_INDEX);
	ssize_t n;

	if (!c)
		return bb_diag_set(d, -ENODEV, "%s: no config region", dev->spec);
	if (len > c->size)
		len = (size_t)c->size;
	n = pread(v->devfd, buf, len, (off_t)c->offset);
	if (n < 0)
		return bb_diag_set(d, -errno, "%s: reading config space: %s", dev->spec, strerror(errno));
	return n;
}

const struct bb_backend_ops bb_backend_vfio = {
	.name = "vfio",
	.summary = "a real PCI device bound to vfio-pci: vfio:BDF[?layout=PATH][&vf-token=UUID]",
	.trap_path = "pread",
	.open = vfio_open,
	.region_info = vfio_region_info,
	.map = vfio_map,
	.rw = vfio_rw,
	.close = vfio_close,
	.numa_node = bb_vfio_numa_node,
	.config_read = vfio_config_read,
};

int bb_vfio_numa_node(const struct bb_dev *dev)
{
	const struct vfio *v = priv_of(dev);

	return v ? v->sys.numa_node : -1;
}

const struct bb_vfio_sysfs *bb_vfio_sysfs_of(const struct bb_dev *dev)
{
	const struct vfio *v = priv_of(dev);

	return v ? &v->sys : NULL;
}

const char *bb_vfio_iommu_mode(const struct bb_dev *dev)
{
	const struct vfio *v = priv_of(dev);

	return v ? v->mode : NULL;
}

const char *bb_vfio_iommufd_note(const struct bb_dev *dev)
{
	const struct vfio *v = priv_of(dev);

	return v ? v->iommufd_note : NULL;
}

bool bb_vfio_iommufd_built(void)
{
	return BB_HAVE_IOMMUFD;
}

const char *bb_vfio_layout_path(const struct bb_dev *dev)
{
	const struct vfio *v = priv_of(dev);

	return v && v->layout_given ? dev->layout.path : NULL;
}

unsigned bb_vfio_msix_cap(const struct bb_dev *dev)
{
	const struct vfio *v = priv_of(dev);

	return v ? v->msix_cap : 0;
}

