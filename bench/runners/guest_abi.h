/* SPDX-License-Identifier: MIT */
/*
 * The contract between barbench (host side, guest.c) and its guest program
 * (guest.S): where things sit in guest-physical memory, the parameter block
 * the host fills, the access entries, and the port-I/O "ucall" the guest
 * reports through.  Only #defines, so the assembler can include it too.
 *
 * Guest-physical memory (one memslot of RAM from 0, 32-bit flat protected
 * mode without paging, so guest-physical = linear = effective address):
 *
 *	0x1000	parameter block (BB_GP_*), written by the host before each run
 *	0x1800	the guest's variables (BB_GV_*)
 *	0x2000	the guest program (at most BB_GUEST_CODE_MAX bytes)
 *	0x8000	top of the stack (unused by the program; set for exceptions' sake)
 *	0x10000	empty-pair overheads, u64 each (BB_GUEST_OVH_MAX)
 *	0x11000	ALU loop results, u64 each (BB_GUEST_ALU_MAX)
 *	0x20000	access entries, then cycles (u64 per timed sample), then values
 *
 * The device region sits above the RAM, at a guest-physical address below
 * 4 GiB chosen by guest.c.
 */
#ifndef BARBENCH_GUEST_ABI_H
#define BARBENCH_GUEST_ABI_H

#define BB_GUEST_PARAMS_GPA	0x1000
#define BB_GUEST_VARS_GPA	0x1800
#define BB_GUEST_CODE_GPA	0x2000
#define BB_GUEST_CODE_MAX	0x4000
#define BB_GUEST_STACK_TOP	0x8000
#define BB_GUEST_OVH_GPA	0x10000
#define BB_GUEST_OVH_MAX	256
#define BB_GUEST_ALU_GPA	0x11000
#define BB_GUEST_ALU_MAX	16
#define BB_GUEST_DATA_GPA	0x20000

#define BB_GUEST_MAGIC		0x50474242	/* "BBGP" little-endian */

/* parameter block: u32 fields at these offsets from BB_GUEST_PARAMS_GPA */
#define BB_GP_MAGIC		0x00
#define BB_GP_CMD		0x04	/* BB_GUEST_CMD_* */
#define BB_GP_ACC		0x08	/* GPA of the access entries */
#define BB_GP_NACC		0x0c	/* entries in the cycle, >= 1 */
#define BB_GP_PER		0x10	/* accesses per sample, >= 1 */
#define BB_GP_SERIAL		0x14	/* 1: each access timed alone (per must be 1) */
#define BB_GP_WARMUP		0x18	/* untimed samples first */
#define BB_GP_SAMPLES		0x1c	/* timed samples, >= 1 */
#define BB_GP_CYCLES		0x20	/* GPA of u64[samples] */
#define BB_GP_VALUES		0x24	/* GPA of u64[samples] or 0 (serialised only) */
#define BB_GP_OVH		0x28	/* GPA of u64[novh] */
#define BB_GP_NOVH		0x2c
#define BB_GP_ALU_ITERS		0x30	/* ALU loop: iterations per repetition */
#define BB_GP_ALU_REPS		0x34
#define BB_GP_ALU_OUT		0x38	/* GPA of u64[reps] */
#define BB_GP_TOTAL		0x3c	/* warmup + samples, filled by the host */

#define BB_GUEST_CMD_RUN	1	/* overheads, warmup, ucall START, timed samples, ucall DONE */
#define BB_GUEST_CMD_ALU	2	/* the ALU loop, ucall ALU_DONE */

/* the guest's variables: u32 each at these offsets from BB_GUEST_VARS_GPA */
#define BB_GV_S			0x00	/* sample number, warmup included */
#define BB_GV_POS		0x04	/* next entry of the cycle */
#define BB_GV_K			0x08	/* accesses left in a batched sample */
#define BB_GV_SK		0x0c	/* s + k: the value offset of a batched write */
#define BB_GV_VAL		0x10	/* u64: the value written, or read, by the last access */
#define BB_GV_REP		0x18	/* ALU repetitions left */

/*
 * An access entry: 16 bytes.  kind = op * 4 + log2(width): 0..3 read of
 * 1, 2, 4, 8 bytes, 4..7 write.  A write stores val + s (+ k in a batched
 * sample), the sample number counting warmup samples, as the host runner does.
 */
#define BB_GA_GPA		0x0
#define BB_GA_KIND		0x4	/* op * 4 + log2(width), | repeat << BB_GA_REPEAT_SHIFT */
#define BB_GA_KIND_MASK		7
#define BB_GA_REPEAT_SHIFT	8	/* serialised: times a sample repeats this access, >= 1 */
#define BB_GA_VAL_LO		0x8
#define BB_GA_VAL_HI		0xc
#define BB_GA_SIZE		16

/* The ucall: `outl %eax, %dx` with dx = BB_UCALL_PORT and eax = the code. */
#define BB_UCALL_PORT		0x1bb0
#define BB_UCALL_START		1	/* warmup done: the timed phase begins */
#define BB_UCALL_DONE		2	/* the timed phase ended */
#define BB_UCALL_ALU_DONE	3
#define BB_UCALL_BAD		4	/* bad magic or command */

#endif
