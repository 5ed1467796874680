// SPDX-License-Identifier: MIT
/* Backend dispatch and the VMM-side region-info handshake (argsz growth). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "barbench/backend.h"
#include "client.h"
#include "vfio.h"
#include "pci.h"

static const struct bb_backend_ops *const backends[] = {
	&bb_backend_emu,
	&bb_backend_vfio_user,
	&bb_backend_vfio,
	&bb_backend_pci,
};

const struct bb_backend_ops *bb_backend_for(const char *spec)
{
	const char *colon = strchr(spec, ':');

	if (!colon)
		return NULL;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strlen(backends[i]->name) == (size_t)(colon - spec) &&
		    !strncmp(backends[i]->name, spec, (size_t)(colon - spec)))
			return backends[i];
	return NULL;
}

int bb_dev_open(const char *spec, struct bb_dev **out, struct bb_diag *d)
{
	const char *colon = strchr(spec, ':');
	const struct bb_backend_ops *ops;
	struct bb_dev *dev;
	int err;

	*out = NULL;
	/* the spec is written to runs.csv and plans.csv: a control character (a newline) could not be read back */
	for (size_t i = 0; spec[i]; i++)
		if ((unsigned char)spec[i] < 0x20 || spec[i] == 0x7f)
			return bb_diag_set(d, -EINVAL, "device spec: control character 0x%02x at byte %zu: not accepted "
					   "(results folders keep the spec in CSV rows)", (unsigned char)spec[i], i);
	if (!colon)
		return bb_diag_set(d, -EINVAL, "%s: a device is KIND:ARG (emu:LAYOUT, vfio:BDF, vfio-user:SOCKET, pci:BDF)", spec);
	ops = bb_backend_for(spec);
	if (!ops)
		return bb_diag_set(d, -EINVAL, "%s: unknown device kind '%.*s' (emu, vfio, vfio-user, pci)", spec,
				   (int)(colon - spec), spec);
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", spec);
	dev->ops = ops;
	snprintf(dev->spec, sizeof(dev->spec), "%s", spec);
	err = ops->open(dev, colon + 1, d);
	if (err) {
		if (dev->has_layout)
			bb_layout_free(&dev->layout);
		free(dev);
		return err;
	}
	*out = dev;
	return 0;
}

void bb_dev_close(struct bb_dev *dev)
{
	if (!dev)
		return;
	dev->ops->close(dev);
	if (dev->has_layout)
		bb_layout_free(&dev->layout);
	free(dev);
}

int bb_dev_check_argsz(const struct bb_dev *dev, uint32_t index, uint32_t argsz, struct bb_diag *d)
{
	if (argsz < sizeof(struct vfio_region_info))
		return bb_diag_set(d, -EINVAL, "%s: region %" PRIu32 ": argsz %" PRIu32 " too small", dev->spec, index,
				   argsz);
	return 0;
}

int bb_dev_map_check(const struct bb_dev *dev, uint32_t index, const struct bb_map_index *ix, uint64_t off,
		     uint64_t len, const void *addr, bool whole_pages, struct bb_diag *d)
{
	long page = sysconf(_SC_PAGESIZE);

	if (whole_pages && (off % (uint64_t)page || len % (uint64_t)page || (uintptr_t)addr % (uintptr_t)page))
		return bb_diag_set(d, -EINVAL, "%s: region %" PRIu32 ": mmap [0x%" PRIx64 ", +0x%" PRIx64
				   ") is not aligned to the host page (%ld)", dev->spec, index, off, len, page);
	if (off % (uint64_t)page || (uintptr_t)addr % (uintptr_t)page)
		return bb_diag_set(d, -EINVAL, "%s: region %" PRIu32 ": mmap at 0x%" PRIx64
				   " is not aligned to the host page (%ld)", dev->spec, index, off, page);
	if (!bb_map_index_covers(ix, off, len))
		return bb_diag_set(d, -EPERM, "%s: region %" PRIu32 ": [0x%" PRIx64 ", 0x%" PRIx64
				   ") may not be mmap'd (flags and sparse areas forbid it)", dev->spec, index, off, off + len);
	return 0;
}

#define MAX_ARGSZ (1u << 20)

int bb_dev_region(struct bb_dev *dev, uint32_t index, struct bb_region *out, uint8_t **raw,
		  size_t *raw_len, struct bb_diag *d)
{
	uint32_t argsz = sizeof(struct vfio_region_info);
	char name[400];
	uint8_t *buf = NULL;
	int err;

	snprintf(name, sizeof(name), "%s/region%" PRIu32, dev->spec, index);
	for (int tries = 0; tries < 8; tries++) {
		uint8_t *n = realloc(buf, argsz);
		uint32_t need;

		if (!n) {
			free(buf);
			return bb_diag_set(d, -ENOMEM, "%s: out of memory", name);
		}
		buf = n;
		memset(buf, 0, argsz);
		memcpy(buf, &argsz, sizeof(argsz));	/* argsz is the first field */
		err = dev->ops->region_info(dev, index, buf, argsz, d);
		if (err) {
			free(buf);
			return err;
		}
		need = bb_region_info_needed(buf, argsz, argsz);
		if (!need) {
			err = bb_region_parse(buf, argsz, name, out, d);
			if (!err && out->index != index)
				err = bb_diag_set(d, -EINVAL, "%s: the device answered for region %" PRIu32,
						  name, out->index);
			if (err)
				bb_region_free(out);
			if (!err && raw) {
				*raw = buf;
				*raw_len = argsz;
			} else {
				free(buf);
			}
			return err;
		}
		if (need > MAX_ARGSZ) {
			free(buf);
			return bb_diag_set(d, -EINVAL, "%s: byte 0: the device asks for argsz %" PRIu32
					   ", more than %u", name, need, MAX_ARGSZ);
		}
		argsz = need;
	}
	free(buf);
	return bb_diag_set(d, -EINVAL, "%s: the device keeps asking for a larger argsz", name);
}

int bb_dev_numa_node(const struct bb_dev *dev)
{
	return dev->ops->numa_node ? dev->ops->numa_node(dev) : -1;
}

int bb_dev_allow_writes(struct bb_dev *dev)
{
	dev->writes_allowed = true;	/* backends read it through bb_dev_writes_allowed: one flag, no copies */
	return 0;
}

bool bb_dev_writes_allowed(const struct bb_dev *dev)
{
	return !dev->real_hw || dev->writes_allowed;
}

const char *bb_dev_rw_why(const struct bb_dev *dev)
{
	const char *why = dev->ops->rw_why ? dev->ops->rw_why(dev) : NULL;

	return why ? why : "";
}

const char *bb_dev_trap_path(const struct bb_dev *dev)
{
	return dev->ops->trap_path ? dev->ops->trap_path : "pread";
}

int bb_dev_share(struct bb_dev *dev, struct bb_diag *d)
{
	if (!dev->ops->share || !dev->ops->region_fd || !dev->ops->restore)
		return bb_diag_set(d, -EOPNOTSUPP, "%s: a %s device's regions cannot be handed to another process", dev->spec,
				   dev->ops->name);
	return dev->ops->share(dev, d);
}

int bb_dev_region_fd(const struct bb_dev *dev, uint32_t index)
{
	return dev->ops->region_fd ? dev->ops->region_fd(dev, index) : -1;
}

int bb_dev_restore(struct bb_dev *dev, struct bb_diag *d)
{
	return dev->ops->restore ? dev->ops->restore(dev, d) : 0;
}

ssize_t bb_dev_config_read(struct bb_dev *dev, void *buf, size_t len, struct bb_diag *d)
{
	if (!dev->ops->config_read)
		return bb_diag_set(d, -EOPNOTSUPP, "%s: the %s backend has no PCI config space", dev->spec,
				   dev->ops->name);
	return dev->ops->config_read(dev, buf, len, d);
}

enum bb_guard bb_dev_guard(const struct bb_dev *dev)
{
	if (dev->real_hw)
		return dev->writes_allowed ? BB_GUARD_SAFE_ONLY : BB_GUARD_SAFE_READS;
	return dev->protect_msix ? BB_GUARD_MSIX : BB_GUARD_NONE;
}

unsigned bb_dev_must_trap(const struct bb_dev *dev, uint32_t index, struct bb_range out[2])
{
	return dev->has_layout ? bb_layout_must_trap(&dev->layout, index, out) : 0;
}
