/* SPDX-License-Identifier: MIT */
/*
 * SIGBUS as an error, for runners.  A mapped window whose backing goes away
 * raises SIGBUS on the next access: vfio-pci revokes its BAR mappings when
 * the device is reset or unplugged, and the emulated device's memfd can be
 * truncated (emu:LAYOUT?fault=truncate-after:N).  bb_sigbus_call() runs a
 * function with a handler installed that turns such a fault into -EFAULT and
 * the faulting address, then puts the previous handler back, so one failed
 * run leaves the process healthy for the next.
 *
 * The function must be one that can be abandoned at any mapped access: no
 * locks held, nothing allocated that only it knows about (the runner keeps
 * its state in the caller's structures).  Calls nest; several threads may
 * guard at once (the jump target is per thread, the handler is installed
 * while any guard is active).
 */
#ifndef BARBENCH_SIGBUS_H
#define BARBENCH_SIGBUS_H

#include <stdbool.h>

struct bb_sigbus_info {
	bool hit;	/* the function was cut short by SIGBUS */
	void *addr;	/* the faulting address (si_addr) */
	int code;	/* si_code: BUS_ADRERR past the end of the mapped object */
};

/*
 * Call @fn(@arg) and return its result; when a SIGBUS is raised on this
 * thread meanwhile, abandon @fn and return -EFAULT with @info filled (@info
 * may be NULL).  A SIGBUS on a thread that is not inside bb_sigbus_call()
 * goes to the handler that was there before (by default: the process dies,
 * as it would without barbench).  Returns a negative errno when the handler
 * cannot be installed.
 */
int bb_sigbus_call(int (*fn)(void *arg), void *arg, struct bb_sigbus_info *info);

/* "address beyond the end of the mapped object" and the like, for messages. */
const char *bb_sigbus_code_name(int code);

#endif
