/* SPDX-License-Identifier: MIT */
/*
 * The barbench guest program: 32-bit flat protected mode, no paging, no
 * interrupts, no stack use.  Assembled with the rest of barbench into a
 * read-only blob (bb_guest_blob .. bb_guest_blob_end) that guest.c copies to
 * guest-physical BB_GUEST_CODE_GPA.  The blob is position dependent only
 * through GPA(): every address it uses is a constant (guest_abi.h) or a label
 * difference inside this section, so the object needs no relocation (the
 * kvm test checks the copy runs).
 *
 * Timing (Intel SDM vol. 2B, RDTSC: "If software requires RDTSC to be
 * executed only after all previous instructions have executed and all
 * previous loads are globally visible, it can execute LFENCE immediately
 * before RDTSC"; LFENCE after it keeps later instructions from starting
 * early).  RDTSCP is not used: KVM may not offer it to the guest (CPUID
 * 0x80000001 EDX bit 27 is clear on the nested KVM barbench was written on).
 *
 *	T0:	lfence; rdtsc; lfence; t0 -> ebp:esi
 *	access	(a write is followed by mfence, as in the host runner), repeated
 *		as often as its entry says when one is shorter than the clock resolves
 *	T1:	lfence; rdtsc; lfence
 *
 * An 8-byte access uses MMX movq, one 8-byte bus access even in 32-bit mode
 * (KVM's instruction emulator handles it: arch/x86/kvm/emulate.c,
 * pfx_0f_6f_0f_7f, em_mov with Mmx), so a trapped one is one 8-byte MMIO exit.
 */
#include "guest_abi.h"

#define P(f)	(BB_GUEST_PARAMS_GPA + (f))
#define V(f)	(BB_GUEST_VARS_GPA + (f))
#define GPA(l)	((l) - bb_guest_blob + BB_GUEST_CODE_GPA)

.macro T0
	lfence
	rdtsc
	lfence
	movl	%eax, %esi
	movl	%edx, %ebp
.endm

.macro T1
	lfence
	rdtsc
	lfence
.endm

/* The next sample, %eax its number: to finish after the last; the host told when the warmup ends. */
.macro NEXT_SAMPLE
	movl	V(BB_GV_S), %eax
	cmpl	P(BB_GP_TOTAL), %eax
	jae	finish
	cmpl	P(BB_GP_WARMUP), %eax
	jne	1f
	UCALL	BB_UCALL_START
1:
.endm

/* Slot \kind of batch_tab (32 bytes each): the access, back to bret. */
.macro BATCH kind, access:vararg
	.org	batch_tab + 32 * \kind
	\access
	jmp	bret
.endm

/* %ebx: the access entry at the current position of the list. */
.macro ACC_AT_POS
	movl	V(BB_GV_POS), %ebx
	shll	$4, %ebx
	addl	P(BB_GP_ACC), %ebx
.endm

/* The next position of the access list, back to 0 after its end. */
.macro NEXT_POS
	movl	V(BB_GV_POS), %eax
	incl	%eax
	cmpl	P(BB_GP_NACC), %eax
	jb	1f
	xorl	%eax, %eax
1:	movl	%eax, V(BB_GV_POS)
.endm

/* edx:eax -= ebp:esi: the cycles between T0 and T1. */
.macro ELAPSED
	subl	%esi, %eax
	sbbl	%ebp, %edx
.endm

/* The sample took ELAPSED cycles: kept at its number %ecx after the warmup, or on to \warmup. */
.macro KEEP_CYCLES warmup
	ELAPSED
	movl	V(BB_GV_S), %ecx
	subl	P(BB_GP_WARMUP), %ecx
	jb	\warmup
	movl	P(BB_GP_CYCLES), %edi
	movl	%eax, (%edi,%ecx,8)
	movl	%edx, 4(%edi,%ecx,8)
.endm

/* A slot of ser_tab: T0, the access repeated %edi times, each followed by its fence, T1. */
.macro SER fence, access:vararg
	T0
1:	\access
	\fence
	decl	%edi
	jnz	1b
	T1
.endm

/* A read slot of 1, 2 or 4 bytes into %ecx: the value read, zero-extended, is the sample's value. */
.macro SER_READ access:vararg
	SER	lfence, \access
	movl	%ecx, V(BB_GV_VAL)
	movl	$0, V(BB_GV_VAL + 4)
	jmp	ser_after
.endm

.macro UCALL code
	movl	$\code, %eax
	movw	$BB_UCALL_PORT, %dx
	outl	%eax, %dx
.endm

	.section .rodata.bb_guest, "a"
	.globl	bb_guest_blob
	.globl	bb_guest_blob_end
	.balign	64
	.code32
bb_guest_blob:
	cmpl	$BB_GUEST_MAGIC, P(BB_GP_MAGIC)
	jne	bad
	cmpl	$BB_GUEST_CMD_ALU, P(BB_GP_CMD)
	je	alu
	cmpl	$BB_GUEST_CMD_RUN, P(BB_GP_CMD)
	jne	bad

	/* empty pairs, shaped exactly like a timed window without its access */
	movl	P(BB_GP_OVH), %edi
	movl	P(BB_GP_NOVH), %ecx
	testl	%ecx, %ecx
	jz	2f
1:	T0
	T1
	ELAPSED
	movl	%eax, (%edi)
	movl	%edx, 4(%edi)
	addl	$8, %edi
	decl	%ecx
	jnz	1b
2:	movl	$0, V(BB_GV_S)
	movl	$0, V(BB_GV_POS)
	cmpl	$0, P(BB_GP_SERIAL)
	je	batch_loop

/*
 * Serialised samples: one access each, every decision (address, width,
 * read or write, value) taken before the clock starts.
 */
ser_loop:
	NEXT_SAMPLE
	ACC_AT_POS
	movl	BB_GA_VAL_LO(%ebx), %ecx
	movl	BB_GA_VAL_HI(%ebx), %edi
	addl	V(BB_GV_S), %ecx
	adcl	$0, %edi
	movl	%ecx, V(BB_GV_VAL)
	movl	%edi, V(BB_GV_VAL + 4)
	movl	BB_GA_KIND(%ebx), %eax
	movl	BB_GA_GPA(%ebx), %ebx
	movl	%eax, %edi
	shrl	$BB_GA_REPEAT_SHIFT, %edi	/* the repetitions: at least one */
	jz	bad
	andl	$BB_GA_KIND_MASK, %eax
	shll	$7, %eax
	addl	$GPA(ser_tab), %eax
	jmp	*%eax

	/*
	 * One 128-byte slot per kind; .org fails the build if a slot overflows.
	 * A sample repeats its access %edi times (the entry's repeat), each serialised
	 * (a read is followed by lfence, a write by mfence), so a sample spans
	 * enough timer steps; the host divides by the count.
	 */
	.balign	128
ser_tab:
	SER_READ	movzbl (%ebx), %ecx	/* 0: read 1 */
	.org	ser_tab + 128
	SER_READ	movzwl (%ebx), %ecx	/* 1: read 2 */
	.org	ser_tab + 256
	SER_READ	movl (%ebx), %ecx	/* 2: read 4 */
	.org	ser_tab + 384
	SER	lfence, movq (%ebx), %mm0	/* 3: read 8 */
	movq	%mm0, V(BB_GV_VAL)
	jmp	ser_after
	.org	ser_tab + 512
	SER	mfence, movb %cl, (%ebx)	/* 4: write 1 */
	jmp	ser_after
	.org	ser_tab + 640
	SER	mfence, movw %cx, (%ebx)	/* 5: write 2 */
	jmp	ser_after
	.org	ser_tab + 768
	SER	mfence, movl %ecx, (%ebx)	/* 6: write 4 */
	jmp	ser_after
	.org	ser_tab + 896
	movq	V(BB_GV_VAL), %mm0	/* 7: write 8 */
	SER	mfence, movq %mm0, (%ebx)
	jmp	ser_after
	.org	ser_tab + 1024

ser_after:
	KEEP_CYCLES 3f			/* a warmup sample: not kept */
	movl	P(BB_GP_VALUES), %edi
	testl	%edi, %edi
	jz	3f
	movl	V(BB_GV_VAL), %eax
	movl	%eax, (%edi,%ecx,8)
	movl	V(BB_GV_VAL + 4), %eax
	movl	%eax, 4(%edi,%ecx,8)
3:	incl	V(BB_GV_S)
	NEXT_POS
	jmp	ser_loop

/*
 * Batched samples (doorbell, stream): `per` accesses back to back between
 * one T0 and one mfence + T1, as the host runner's batched loop.
 */
batch_loop:
	NEXT_SAMPLE
	movl	V(BB_GV_S), %eax
	movl	%eax, V(BB_GV_SK)
	movl	P(BB_GP_PER), %eax
	movl	%eax, V(BB_GV_K)
	T0
bnext:
	ACC_AT_POS
	movl	BB_GA_VAL_LO(%ebx), %eax
	movl	BB_GA_VAL_HI(%ebx), %edx
	addl	V(BB_GV_SK), %eax
	adcl	$0, %edx
	movl	BB_GA_KIND(%ebx), %ecx
	movl	BB_GA_GPA(%ebx), %ebx
	andl	$BB_GA_KIND_MASK, %ecx
	shll	$5, %ecx
	addl	$GPA(batch_tab), %ecx
	jmp	*%ecx

	.balign	32
batch_tab:
	BATCH	0, movzbl (%ebx), %ecx	/* read 1 */
	BATCH	1, movzwl (%ebx), %ecx	/* read 2 */
	BATCH	2, movl (%ebx), %ecx	/* read 4 */
	BATCH	3, movq (%ebx), %mm0	/* read 8 */
	BATCH	4, movb %al, (%ebx)	/* write 1 */
	BATCH	5, movw %ax, (%ebx)	/* write 2 */
	BATCH	6, movl %eax, (%ebx)	/* write 4 */
	.org	batch_tab + 224
	movl	%eax, V(BB_GV_VAL)	/* 7: write 8 */
	movl	%edx, V(BB_GV_VAL + 4)
	movq	V(BB_GV_VAL), %mm0
	movq	%mm0, (%ebx)
	jmp	bret
	.org	batch_tab + 256

bret:
	incl	V(BB_GV_SK)
	NEXT_POS
	decl	V(BB_GV_K)
	jnz	bnext
	mfence
	T1
	KEEP_CYCLES 6f
6:	incl	V(BB_GV_S)
	jmp	batch_loop

/* The emulation probe: `reps` timings of `iters` add/dec/jnz iterations. */
alu:
	movl	P(BB_GP_ALU_OUT), %edi
	movl	P(BB_GP_ALU_REPS), %eax
	movl	%eax, V(BB_GV_REP)
	testl	%eax, %eax
	jz	9f
7:	movl	P(BB_GP_ALU_ITERS), %ecx
	T0
8:	addl	$1, %ebx
	decl	%ecx
	jnz	8b
	T1
	ELAPSED
	movl	%eax, (%edi)
	movl	%edx, 4(%edi)
	addl	$8, %edi
	decl	V(BB_GV_REP)
	jnz	7b
9:	UCALL	BB_UCALL_ALU_DONE
	jmp	halt

finish:
	UCALL	BB_UCALL_DONE
halt:
	hlt
	jmp	halt

bad:
	UCALL	BB_UCALL_BAD
	jmp	halt
bb_guest_blob_end:
	.code64

	.section .note.GNU-stack, "", @progbits
