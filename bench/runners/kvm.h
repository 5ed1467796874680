/* SPDX-License-Identifier: MIT */
/*
 * A small KVM layer, in the spirit of the KVM selftests library
 * (tools/testing/selftests/kvm/lib/kvm_util.c): one call gives a VM with
 * guest RAM in memslot 0, a guest program copied into it and one vCPU ready
 * to run in 32-bit flat protected mode; one more call adds a memslot; run;
 * free (NULL-safe).  Calls that can fail come in pairs: the `_raw` one
 * returns what the ioctl returned as 0 or a negative errno, so a test can
 * expect -EINVAL; the checked one also fills a bb_diag naming the input.
 *
 * ABI facts used here (Documentation/virt/kvm/api.rst): KVM_GET_API_VERSION
 * is 12; KVM_SET_USER_MEMORY_REGION needs guest_phys_addr, memory_size and
 * userspace_addr page aligned and slots that do not overlap (EEXIST);
 * KVM_CAP_NR_MEMSLOTS is the number of user slots; KVM_RUN returns EINTR
 * with exit_reason KVM_EXIT_INTR when a signal is pending;
 * KVM_GET_STATS_FD gives a vCPU's binary statistics (header, descriptors,
 * u64 data).  Only x86-64 hosts.
 */
#ifndef BARBENCH_KVM_H
#define BARBENCH_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "barbench/diag.h"

#define BB_KVM_DEV "/dev/kvm"
#define BB_KVM_MODE_PROTECTED32 "protected32"

struct bb_kvm_vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;		/* memslot 0, guest-physical 0 */
	uint64_t ram_size;
	uint32_t nr_slots;	/* user memslots in use, RAM included */
	uint32_t max_slots;	/* KVM_CAP_NR_MEMSLOTS */
	struct bb_kvm_slot {
		uint64_t gpa, size;
	} *slots;
	int stats_fd;		/* vCPU binary stats, -1 when not offered */
	struct bb_kvm_stat_desc {
		char name[48];
		uint64_t offset;	/* of the first u64 in the stats fd */
	} *stats;
	uint32_t nr_stats;
};

struct bb_kvm_vm_cfg {
	uint64_t ram_size;	/* rounded up to the host page */
	const void *blob;	/* guest program, copied to blob_gpa */
	size_t blob_len;
	uint64_t blob_gpa;
	uint64_t entry;		/* first rip */
	uint64_t stack;		/* first rsp */
	/*
	 * 5 free pages of guest-physical space for what Intel VMX may need
	 * without unrestricted guest (identity-map page table, real-mode TSS),
	 * outside every slot; 0: leave KVM's defaults (near 4 GiB).
	 */
	uint64_t sys_gpa;
};

/*
 * Open /dev/kvm read-write and check its API version.  -ENODEV when it is
 * missing or unusable (no permission, wrong version); @d says which.
 */
int bb_kvm_open(int *fd, struct bb_diag *d);
/* 0 when KVM can be used here, else -ENODEV with the reason. */
int bb_kvm_available(struct bb_diag *d);
/* KVM_CHECK_EXTENSION: the value (0: absent) or a negative errno. */
int bb_kvm_cap(int kvm_fd, long cap);
/* User memslots a VM may have here (KVM_CAP_NR_MEMSLOTS; 32 without it), asked before any VM exists. */
int bb_kvm_max_memslots(uint32_t *n, struct bb_diag *d);

/* Create the VM, RAM slot 0 with the program in it, and the vCPU (see the top). */
int bb_kvm_vm_create(const struct bb_kvm_vm_cfg *cfg, struct bb_kvm_vm **out, struct bb_diag *d);
void bb_kvm_vm_free(struct bb_kvm_vm *vm);

/* Registers for a fresh start at @rip (protected32 segments, rflags 0x2). */
int bb_kvm_vcpu_reset(struct bb_kvm_vm *vm, uint64_t rip, uint64_t rsp, struct bb_diag *d);

/*
 * Memslot @slot at @gpa backed by @host.  The checked call picks the next
 * slot number, refuses an unaligned range, an overlap with a slot already
 * added (naming both) or a slot over KVM_CAP_NR_MEMSLOTS before asking KVM.
 */
int bb_kvm_slot_add_raw(struct bb_kvm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *host);
int bb_kvm_slot_add(struct bb_kvm_vm *vm, uint64_t gpa, uint64_t size, void *host, struct bb_diag *d);

/* KVM_RUN.  Checked: EINTR is not an error (exit_reason is KVM_EXIT_INTR). */
int bb_kvm_run_raw(struct bb_kvm_vm *vm);
int bb_kvm_run(struct bb_kvm_vm *vm, struct bb_diag *d);

/* KVM_IOEVENTFD on MMIO, no datamatch: a guest write of @len bytes (0: any) at @gpa signals @fd. */
int bb_kvm_ioeventfd_raw(struct bb_kvm_vm *vm, uint64_t gpa, uint32_t len, int fd, bool deassign);
int bb_kvm_ioeventfd(struct bb_kvm_vm *vm, uint64_t gpa, uint32_t len, int fd, struct bb_diag *d);

/* A vCPU statistic by name ("mmio_exits"): 0, -ENOTSUP (no stats fd) or -ENOENT. */
int bb_kvm_stat(const struct bb_kvm_vm *vm, const char *name, uint64_t *val);

/* "MMIO", "IO", "HLT", ... or "exit N". */
const char *bb_kvm_exit_name(uint32_t reason, char *buf, size_t len);

#endif
