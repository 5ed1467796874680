// SPDX-License-Identifier: MIT
/* The small KVM layer of the guest runner (include/barbench/kvm.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"

#if !defined(__x86_64__)
#error "the KVM layer sets up x86 guests and needs an x86-64 host"
#endif

/* CR0 bits (Intel SDM vol. 3A, 2.5) */
#define CR0_PE 0x1u	/* protection enable */
#define CR0_ET 0x10u	/* extension type: reads as 1 on every CPU since the 486 */

#define STATS_MAX_DESC 4096u
#define STATS_MAX_NAME 4096u

static long host_page(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* Round @v up to @page (a power of two); false on overflow. */
static bool round_up(uint64_t v, uint64_t page, uint64_t *out)
{
	if (v > UINT64_MAX - (page - 1))
		return false;
	*out = (v + page - 1) & ~(page - 1);
	return true;
}

int bb_kvm_open(int *fd, struct bb_diag *d)
{
	int f, v, e;

	*fd = -1;
	f = open(BB_KVM_DEV, O_RDWR | O_CLOEXEC);
	if (f < 0) {
		e = errno;
		return bb_diag_set(d, -ENODEV, "%s: %s%s", BB_KVM_DEV, strerror(e),
				   e == ENOENT ? " (no KVM on this machine: the guest runner needs it)" :
				   e == EACCES || e == EPERM ? " (the guest runner needs read-write access to it)" : "");
	}
	v = ioctl(f, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		e = errno;
		close(f);
		if (v < 0)
			return bb_diag_set(d, -ENODEV, "%s: KVM_GET_API_VERSION: %s", BB_KVM_DEV, strerror(e));
		return bb_diag_set(d, -ENODEV, "%s: KVM API version %d, barbench speaks %d", BB_KVM_DEV, v,
				   KVM_API_VERSION);
	}
	*fd = f;
	return 0;
}

int bb_kvm_available(struct bb_diag *d)
{
	int fd, err = bb_kvm_open(&fd, d);

	if (!err)
		close(fd);
	return err;
}

int bb_kvm_cap(int kvm_fd, long cap)
{
	int r = ioctl(kvm_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

int bb_kvm_max_memslots(uint32_t *n, struct bb_diag *d)
{
	int fd, r, err = bb_kvm_open(&fd, d);

	if (err)
		return err;
	r = bb_kvm_cap(fd, KVM_CAP_NR_MEMSLOTS);
	close(fd);
	*n = r > 0 ? (uint32_t)r : 32;	/* KVM before the capability had 32 */
	return 0;
}

const char *bb_kvm_exit_name(uint32_t reason, char *buf, size_t len)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "UNKNOWN";
	case KVM_EXIT_EXCEPTION: return "EXCEPTION";
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN (triple fault)";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTR: return "INTR";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT: return "SYSTEM_EVENT";
	default:
		snprintf(buf, len, "exit %" PRIu32, reason);
		return buf;
	}
}

static void flat_segment(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffffu;
	s->selector = selector;
	s->type = type;		/* 11: code execute/read accessed, 3: data read/write accessed */
	s->present = 1;
	s->dpl = 0;
	s->db = 1;		/* 32-bit */
	s->s = 1;		/* code or data, not system */
	s->g = 1;		/* 4 KiB granularity: 4 GiB limit */
}

int bb_kvm_vcpu_reset(struct bb_kvm_vm *vm, uint64_t rip, uint64_t rsp, struct bb_diag *d)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		return bb_diag_set(d, -errno, "kvm: KVM_GET_SREGS: %s", strerror(errno));
	/* flat 32-bit protected mode without paging: no GDT is ever loaded, the hidden parts say it all */
	flat_segment(&sregs.cs, 0x08, 11);
	flat_segment(&sregs.ds, 0x10, 3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = CR0_PE | CR0_ET;	/* caches on, no paging, x87/MMX usable (EM and TS clear) */
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs))
		return bb_diag_set(d, -errno, "kvm: KVM_SET_SREGS (%s): %s", BB_KVM_MODE_PROTECTED32, strerror(errno));
	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rflags = 0x2;	/* bit 1 is always set; interrupts off */
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs))
		return bb_diag_set(d, -errno, "kvm: KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

/* The guest sees what this KVM can offer, as selftests' vm_create_with_one_vcpu does. */
static int set_cpuid(struct bb_kvm_vm *vm, struct bb_diag *d)
{
	struct kvm_cpuid2 *c = NULL;
	int err = 0;

	for (uint32_t n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *nc = realloc(c, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!nc) {
			free(c);
			return bb_diag_set(d, -ENOMEM, "kvm: out of memory for CPUID");
		}
		c = nc;
		memset(c, 0, sizeof(*c));
		c->nent = n;
		if (!ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c)) {
			err = 0;
			break;
		}
		err = -errno;
		if (err != -E2BIG)
			break;
	}
	if (err)
		err = bb_diag_set(d, err, "kvm: KVM_GET_SUPPORTED_CPUID: %s", strerror(-err));
	else if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c))
		err = bb_diag_set(d, -errno, "kvm: KVM_SET_CPUID2 (%" PRIu32 " entries): %s", c->nent, strerror(errno));
	free(c);
	return err;
}

/* Binary statistics: header, descriptors (fixed part + name_size bytes of name), u64 data. */
static void open_stats(struct bb_kvm_vm *vm)
{
	struct kvm_stats_header h;
	uint8_t *buf = NULL;
	size_t dsz;
	int fd;

	if (bb_kvm_cap(vm->kvm_fd, KVM_CAP_BINARY_STATS_FD) <= 0)
		return;
	fd = ioctl(vm->vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || !h.num_desc || h.num_desc > STATS_MAX_DESC ||
	    !h.name_size || h.name_size > STATS_MAX_NAME)
		goto fail;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	buf = malloc(dsz * h.num_desc);
	vm->stats = calloc(h.num_desc, sizeof(*vm->stats));
	if (!buf || !vm->stats || pread(fd, buf, dsz * h.num_desc, h.desc_offset) != (ssize_t)(dsz * h.num_desc))
		goto fail;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc desc;
		const char *name = (const char *)buf + i * dsz + sizeof(desc);
		size_t nl = strnlen(name, h.name_size);

		memcpy(&desc, buf + i * dsz, sizeof(desc));
		if (!desc.size || nl >= sizeof(vm->stats[0].name))
			continue;
		memcpy(vm->stats[vm->nr_stats].name, name, nl);
		vm->stats[vm->nr_stats].name[nl] = '\0';
		vm->stats[vm->nr_stats].offset = (uint64_t)h.data_offset + desc.offset;
		vm->nr_stats++;
	}
	free(buf);
	vm->stats_fd = fd;
	return;
fail:
	free(buf);
	free(vm->stats);
	vm->stats = NULL;
	vm->nr_stats = 0;
	close(fd);
}

int bb_kvm_stat(const struct bb_kvm_vm *vm, const char *name, uint64_t *val)
{
	if (vm->stats_fd < 0)
		return -ENOTSUP;
	for (uint32_t i = 0; i < vm->nr_stats; i++) {
		if (strcmp(vm->stats[i].name, name))
			continue;
		if (pread(vm->stats_fd, val, sizeof(*val), (off_t)vm->stats[i].offset) != (ssize_t)sizeof(*val))
			return -EIO;
		return 0;
	}
	return -ENOENT;
}

void bb_kvm_vm_free(struct bb_kvm_vm *vm)
{
	if (!vm)
		return;
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	free(vm->stats);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	free(vm->slots);
	free(vm);
}

int bb_kvm_slot_add_raw(struct bb_kvm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = 0, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

int bb_kvm_slot_add(struct bb_kvm_vm *vm, uint64_t gpa, uint64_t size, void *host, struct bb_diag *d)
{
	uint64_t page = (uint64_t)host_page();
	struct bb_kvm_slot *ns;
	int err;

	if (!size || gpa % page || size % page || (uintptr_t)host % page || gpa + size < gpa)
		return bb_diag_set(d, -EINVAL, "kvm: memslot [0x%" PRIx64 ", +0x%" PRIx64 ") at host %p: "
				   "KVM needs a non-empty range aligned to the host page (%" PRIu64 ")",
				   gpa, size, host, page);
	for (uint32_t i = 0; i < vm->nr_slots; i++) {
		const struct bb_kvm_slot *s = &vm->slots[i];

		if (gpa < s->gpa + s->size && s->gpa < gpa + size)
			return bb_diag_set(d, -EEXIST, "kvm: memslot [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps slot %"
					   PRIu32 " [0x%" PRIx64 ", 0x%" PRIx64 ")", gpa, gpa + size, i, s->gpa,
					   s->gpa + s->size);
	}
	if (vm->nr_slots >= vm->max_slots)
		return bb_diag_set(d, -ENOSPC, "kvm: memslot %" PRIu32 " at 0x%" PRIx64 ": KVM offers %" PRIu32
				   " (KVM_CAP_NR_MEMSLOTS)", vm->nr_slots, gpa, vm->max_slots);
	ns = realloc(vm->slots, (vm->nr_slots + 1) * sizeof(*ns));
	if (!ns)
		return bb_diag_set(d, -ENOMEM, "kvm: out of memory");
	vm->slots = ns;
	err = bb_kvm_slot_add_raw(vm, vm->nr_slots, gpa, size, host);
	if (err)
		return bb_diag_set(d, err, "kvm: KVM_SET_USER_MEMORY_REGION slot %" PRIu32 " [0x%" PRIx64 ", 0x%"
				   PRIx64 ") at host %p: %s", vm->nr_slots, gpa, gpa + size, host, strerror(-err));
	vm->slots[vm->nr_slots].gpa = gpa;
	vm->slots[vm->nr_slots].size = size;
	vm->nr_slots++;
	return 0;
}

int bb_kvm_run_raw(struct bb_kvm_vm *vm)
{
	return ioctl(vm->vcpu_fd, KVM_RUN, NULL) ? -errno : 0;
}

int bb_kvm_run(struct bb_kvm_vm *vm, struct bb_diag *d)
{
	int err = bb_kvm_run_raw(vm);

	if (err == -EINTR) {
		vm->run->exit_reason = KVM_EXIT_INTR;
		return 0;
	}
	if (err)
		return bb_diag_set(d, err, "kvm: KVM_RUN: %s", strerror(-err));
	return 0;
}

int bb_kvm_ioeventfd_raw(struct bb_kvm_vm *vm, uint64_t gpa, uint32_t len, int fd, bool deassign)
{
	struct kvm_ioeventfd io = {
		.datamatch = 0, .addr = gpa, .len = len, .fd = fd,
		.flags = deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0,
	};

	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) ? -errno : 0;
}

int bb_kvm_ioeventfd(struct bb_kvm_vm *vm, uint64_t gpa, uint32_t len, int fd, struct bb_diag *d)
{
	int err;

	if (len != 0 && len != 1 && len != 2 && len != 4 && len != 8)
		return bb_diag_set(d, -EINVAL, "kvm: ioeventfd at 0x%" PRIx64 ": length %" PRIu32
				   " (KVM takes 1, 2, 4, 8, or 0 for any)", gpa, len);
	if (!len && bb_kvm_cap(vm->kvm_fd, KVM_CAP_IOEVENTFD_ANY_LENGTH) <= 0)
		return bb_diag_set(d, -ENOTSUP, "kvm: ioeventfd at 0x%" PRIx64 ": any-length ioeventfds need "
				   "KVM_CAP_IOEVENTFD_ANY_LENGTH", gpa);
	err = bb_kvm_ioeventfd_raw(vm, gpa, len, fd, false);
	if (err)
		return bb_diag_set(d, err, "kvm: KVM_IOEVENTFD at 0x%" PRIx64 " length %" PRIu32 ": %s", gpa, len,
				   strerror(-err));
	return 0;
}

int bb_kvm_vm_create(const struct bb_kvm_vm_cfg *cfg, struct bb_kvm_vm **out, struct bb_diag *d)
{
	uint64_t page = (uint64_t)host_page(), ram_size;
	struct bb_kvm_vm *vm;
	int err, r;

	*out = NULL;
	if (!round_up(cfg->ram_size, page, &ram_size) || !ram_size || cfg->blob_gpa > ram_size ||
	    cfg->blob_len > ram_size - cfg->blob_gpa || cfg->entry >= ram_size)
		return bb_diag_set(d, -EINVAL, "kvm: guest program [0x%" PRIx64 ", +0x%zx) or entry 0x%" PRIx64
				   " outside the 0x%" PRIx64 " bytes of RAM", cfg->blob_gpa, cfg->blob_len, cfg->entry,
				   cfg->ram_size);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return bb_diag_set(d, -ENOMEM, "kvm: out of memory");
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = vm->stats_fd = -1;
	err = bb_kvm_open(&vm->kvm_fd, d);
	if (err)
		goto fail;
	r = bb_kvm_cap(vm->kvm_fd, KVM_CAP_NR_MEMSLOTS);
	vm->max_slots = r > 0 ? (uint32_t)r : 32;	/* KVM before the capability had 32 */
	do
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		err = bb_diag_set(d, -ENODEV, "kvm: KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	if (cfg->sys_gpa) {
		/* Intel without unrestricted guest: keep KVM's private pages out of the device's way */
		uint64_t idmap = cfg->sys_gpa;

		if (bb_kvm_cap(vm->kvm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
		    ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap)) {
			err = bb_diag_set(d, -errno, "kvm: KVM_SET_IDENTITY_MAP_ADDR 0x%" PRIx64 ": %s", idmap,
					  strerror(errno));
			goto fail;
		}
		if (bb_kvm_cap(vm->kvm_fd, KVM_CAP_SET_TSS_ADDR) > 0 &&
		    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)(cfg->sys_gpa + 0x1000))) {
			err = bb_diag_set(d, -errno, "kvm: KVM_SET_TSS_ADDR 0x%" PRIx64 ": %s", cfg->sys_gpa + 0x1000,
					  strerror(errno));
			goto fail;
		}
	}
	vm->ram_size = ram_size;
	vm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		err = bb_diag_set(d, -errno, "kvm: guest RAM of 0x%" PRIx64 " bytes: %s", ram_size, strerror(errno));
		goto fail;
	}
	if (cfg->blob_len)
		memcpy(vm->ram + cfg->blob_gpa, cfg->blob, cfg->blob_len);
	err = bb_kvm_slot_add(vm, 0, ram_size, vm->ram, d);
	if (err)
		goto fail;
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0) {
		err = bb_diag_set(d, -errno, "kvm: KVM_CREATE_VCPU: %s", strerror(errno));
		goto fail;
	}
	r = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < (int)sizeof(struct kvm_run)) {
		err = bb_diag_set(d, r < 0 ? -errno : -EPROTO, "kvm: KVM_GET_VCPU_MMAP_SIZE: %d", r);
		goto fail;
	}
	vm->run_size = (size_t)r;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		err = bb_diag_set(d, -errno, "kvm: mmap of the vCPU's kvm_run: %s", strerror(errno));
		goto fail;
	}
	err = set_cpuid(vm, d);
	if (!err)
		err = bb_kvm_vcpu_reset(vm, cfg->entry, cfg->stack, d);
	if (err)
		goto fail;
	open_stats(vm);
	*out = vm;
	return 0;
fail:
	bb_kvm_vm_free(vm);
	return err;
}
