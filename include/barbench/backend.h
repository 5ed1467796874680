/* SPDX-License-Identifier: MIT */
/*
 * Backends: where a region really lives.  One ops table for every kind
 * (emu:LAYOUT, vfio:BDF, vfio-user:SOCKET, pci:BDF).  A backend answers region-info requests with the kernel's bytes, so
 * the one core parser reads every backend; maps ranges the capabilities allow
 * (refusing the rest, as the kernel does); and reads/writes through the trap
 * path (pread/pwrite on the device fd, or its equivalent).
 */
#ifndef BARBENCH_BACKEND_H
#define BARBENCH_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "barbench/diag.h"
#include "barbench/layout.h"
#include "barbench/region.h"

#define BB_DEV_MAX_REGIONS 16

struct bb_dev;

/* The trap path is a message round trip to another process (vfio-user), not a system call on an fd. */
#define BB_BACKEND_TRAP_MESSAGE 1u
/*
 * The device is its layout (emulated): the layout's name, registers and
 * values describe the device itself, nothing real sits behind it.  Without
 * the flag a layout only describes what the device fronts (vfio:BDF?layout=).
 */
#define BB_BACKEND_FROM_LAYOUT 2u
/*
 * No trap path at all: every access is a load or store on a mapping (pci:,
 * a device as its own OS sees it); rw() fails with -EOPNOTSUPP and trap_path
 * is "none".  What a trap costs there is what the VMM underneath does.
 */
#define BB_BACKEND_NO_TRAP 4u
/*
 * The region info is made up from what the OS says (pci: from sysfs
 * resource files: memory BARs only, read/write/mmap, no VFIO capability),
 * not reported by a VFIO driver: what vfio-pci would report (MSIX_MAPPABLE,
 * I/O BARs, the ROM) is not in it.
 */
#define BB_BACKEND_SYNTH_INFO 8u

struct bb_backend_ops {
	const char *name;	/* the spec prefix: "emu" for "emu:..." */
	const char *summary;
	uint32_t flags;		/* BB_BACKEND_* */
	/* how a trapped access reaches the device, for the cost model and the manifest ("pread", "vfio-user") */
	const char *trap_path;
	/*
	 * Open @arg (the spec after "name:"); fill dev->nr_regions, dev->index,
	 * dev->priv.  On failure it closes what it opened; a layout it loaded
	 * (dev->has_layout) bb_dev_open frees.
	 */
	int (*open)(struct bb_dev *dev, const char *arg, struct bb_diag *d);
	/*
	 * VFIO_DEVICE_GET_REGION_INFO semantics: @buf holds @argsz bytes; write
	 * the info and, when it fits, the capability chain.  When it does not
	 * fit, write the info with argsz = the size needed, CAPS set and
	 * cap_offset 0, as the kernel does.
	 */
	int (*region_info)(struct bb_dev *dev, uint32_t index, void *buf, uint32_t argsz,
			   struct bb_diag *d);
	/*
	 * mmap [off, off + len) of region @index at @addr (MAP_FIXED, inside a
	 * range the caller reserved) or anywhere when @addr is NULL.  Refuses
	 * what the capabilities do not allow.
	 */
	int (*map)(struct bb_dev *dev, uint32_t index, uint64_t off, uint64_t len, void *addr,
		   void **out, struct bb_diag *d);
	/*
	 * The trap path: one read or write of @len bytes at @off.  Returns the
	 * number of bytes transferred (short counts are the caller's to report)
	 * or a negative errno.
	 */
	ssize_t (*rw)(struct bb_dev *dev, uint32_t index, uint64_t off, void *buf, size_t len, bool write);
	/*
	 * Optional.  Why the last rw() that failed failed, in words an errno
	 * has not (a vfio-user server's stall: the command, message id and
	 * timeout); NULL or "": strerror of its result says it all.
	 */
	const char *(*rw_why)(const struct bb_dev *dev);
	void (*close)(struct bb_dev *dev);
	/* Optional.  The NUMA node the device hangs off, or -1 when unknown (NULL: unknown). */
	int (*numa_node)(const struct bb_dev *dev);
	/*
	 * Optional.  Read up to @len bytes of the device's PCI config space from
	 * offset 0 into @buf as a VMM reads it (vfio-pci's config region, a
	 * vfio-user server's region 7): the count read, or a negative errno with
	 * @d saying why.  NULL: the backend has no config space.
	 */
	ssize_t (*config_read)(struct bb_dev *dev, void *buf, size_t len, struct bb_diag *d);
	/*
	 * Optional, all three or none: the device's regions live in memory this
	 * process can hand to another (barbench serve passes them over a
	 * vfio-user socket).  share() makes that safe (seals every region's
	 * memory against shrinking and growing, so no holder can truncate the
	 * device away), region_fd() is the descriptor behind region @index
	 * (-1: none), restore() writes every constant register's value again
	 * after a client wrote through a mapping.  NULL: the backend cannot be
	 * served.
	 */
	int (*share)(struct bb_dev *dev, struct bb_diag *d);
	int (*region_fd)(const struct bb_dev *dev, uint32_t index);
	int (*restore)(struct bb_dev *dev, struct bb_diag *d);
};

struct bb_dev {
	const struct bb_backend_ops *ops;
	char spec[300];
	uint32_t nr_regions;
	uint32_t index[BB_DEV_MAX_REGIONS];
	/* names, hotness, safety, must-trap: from the layout (emu) or a given one */
	bool has_layout;
	struct bb_layout layout;
	bool real_hw;		/* touching the wrong register can hurt */
	/* bb_dev_allow_writes() was called: rw ranges of real hardware may be written, mappings writable */
	bool writes_allowed;
	bool protect_msix;	/* never touch the MSI-X table and PBA (the backend may front hardware) */
	/* system calls the trap path made, for tests and the runs table */
	uint64_t trap_reads;
	uint64_t trap_writes;
	void *priv;
};

extern const struct bb_backend_ops bb_backend_emu;

/* The backend a "kind:arg" spec names, or NULL (the registry; nothing is opened). */
const struct bb_backend_ops *bb_backend_for(const char *spec);
/* Open "kind:arg" with the matching backend. */
int bb_dev_open(const char *spec, struct bb_dev **out, struct bb_diag *d);
/* For a backend's region_info: -EINVAL, with the message, when @argsz cannot hold struct vfio_region_info. */
int bb_dev_check_argsz(const struct bb_dev *dev, uint32_t index, uint32_t argsz, struct bb_diag *d);
/*
 * For a backend's map(), before its mmap of [@off, +@len) of region @index at
 * @addr: the host page alignment of @off and @addr (and of @len when
 * @whole_pages), and what the region's map index @ix lets be mmap'd (-EPERM
 * beyond).  0, or -EINVAL or -EPERM with @d naming the device, region and range.
 */
int bb_dev_map_check(const struct bb_dev *dev, uint32_t index, const struct bb_map_index *ix, uint64_t off,
		     uint64_t len, const void *addr, bool whole_pages, struct bb_diag *d);
void bb_dev_close(struct bb_dev *dev);

/*
 * Ask the backend for region @index the way a VMM does: start with argsz =
 * sizeof(struct vfio_region_info), grow it while the answer says so, parse
 * the bytes with the core parser.  *@raw (optional) receives the bytes.
 */
int bb_dev_region(struct bb_dev *dev, uint32_t index, struct bb_region *out, uint8_t **raw,
		  size_t *raw_len, struct bb_diag *d);

/* The optional hooks, with their defaults: -1, ops->trap_path or "pread"; leave to write (always 0: granted). */
int bb_dev_numa_node(const struct bb_dev *dev);
int bb_dev_allow_writes(struct bb_dev *dev);
/* Whether @dev may be written at all: not real hardware, or allowed (bb_dev_allow_writes). */
bool bb_dev_writes_allowed(const struct bb_dev *dev);
const char *bb_dev_trap_path(const struct bb_dev *dev);

/* ops->rw_why: why the last failed rw() failed, or "" when the backend says no more than its errno. */
const char *bb_dev_rw_why(const struct bb_dev *dev);
/* ops->config_read, or -EOPNOTSUPP when the backend has none. */
ssize_t bb_dev_config_read(struct bb_dev *dev, void *buf, size_t len, struct bb_diag *d);

/* What a workload may touch on @dev (enum bb_guard). */
enum bb_guard bb_dev_guard(const struct bb_dev *dev);

/* Must-trap ranges of region @index (from the layout). */
unsigned bb_dev_must_trap(const struct bb_dev *dev, uint32_t index, struct bb_range out[2]);

/*
 * The emulated device of layout @l, held in memory (advise's changed
 * layouts): no file is written or read.  @name labels it ("emu:@name").
 */
int bb_emu_open_layout(const struct bb_layout *l, const char *name, struct bb_dev **out, struct bb_diag *d);

/* emu only: trapped writes counted on layout register @reg (a doorbell). */
uint64_t bb_emu_doorbell_writes(const struct bb_dev *dev, uint32_t reg);
/* ops->share(), or -EOPNOTSUPP (with @d) when the backend cannot be served. */
int bb_dev_share(struct bb_dev *dev, struct bb_diag *d);
/* ops->region_fd(), or -1. */
int bb_dev_region_fd(const struct bb_dev *dev, uint32_t index);
/* ops->restore(), or 0 when the backend has nothing to restore. */
int bb_dev_restore(struct bb_dev *dev, struct bb_diag *d);

#endif
