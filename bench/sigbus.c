// SPDX-License-Identifier: MIT
/* SIGBUS turned into an error around a runner's accesses (include/barbench/sigbus.h). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "sigbus.h"

/* Where this thread's innermost guard jumps to; NULL outside bb_sigbus_call(). */
static _Thread_local sigjmp_buf *guard_jmp;
static _Thread_local void *volatile guard_addr;
static _Thread_local volatile int guard_code;

/* The handler is installed while any thread guards; the one before is kept to chain to. */
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned guard_users;
static struct sigaction guard_prev;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = guard_jmp;

	if (jb) {
		guard_addr = si->si_addr;
		guard_code = si->si_code;
		siglongjmp(*jb, 1);
	}
	/* not a guarded thread: behave as if barbench were not there */
	if ((guard_prev.sa_flags & SA_SIGINFO) && guard_prev.sa_sigaction) {
		guard_prev.sa_sigaction(sig, si, uc);
		return;
	}
	if (guard_prev.sa_handler != SIG_DFL && guard_prev.sa_handler != SIG_IGN) {
		guard_prev.sa_handler(sig);
		return;
	}
	/* the default action: returning re-executes the access, which now kills */
	signal(SIGBUS, SIG_DFL);
}

static int guard_get(void)
{
	int err = 0;

	pthread_mutex_lock(&guard_lock);
	if (guard_users == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &guard_prev))
			err = -errno;
	}
	if (!err)
		guard_users++;
	pthread_mutex_unlock(&guard_lock);
	return err;
}

static void guard_put(void)
{
	pthread_mutex_lock(&guard_lock);
	if (guard_users && --guard_users == 0)
		sigaction(SIGBUS, &guard_prev, NULL);
	pthread_mutex_unlock(&guard_lock);
}

int bb_sigbus_call(int (*fn)(void *arg), void *arg, struct bb_sigbus_info *info)
{
	sigjmp_buf jb;
	sigjmp_buf *outer = guard_jmp;
	int err;

	if (info)
		memset(info, 0, sizeof(*info));
	err = guard_get();
	if (err)
		return err;
	/* the signal mask is saved: the jump out of the handler unblocks SIGBUS again */
	if (sigsetjmp(jb, 1)) {
		guard_jmp = outer;
		guard_put();
		if (info) {
			info->hit = true;
			info->addr = guard_addr;
			info->code = guard_code;
		}
		return -EFAULT;
	}
	guard_jmp = &jb;
	err = fn(arg);
	guard_jmp = outer;
	guard_put();
	return err;
}

const char *bb_sigbus_code_name(int code)
{
	switch (code) {
	case BUS_ADRALN: return "invalid address alignment";
	case BUS_ADRERR: return "address beyond the end of the mapped object";
	case BUS_OBJERR: return "object-specific hardware error";
#ifdef BUS_MCEERR_AR
	case BUS_MCEERR_AR: return "hardware memory error consumed";
#endif
	default: return "unknown cause";
	}
}
