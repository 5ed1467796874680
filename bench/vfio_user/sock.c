// SPDX-License-Identifier: MIT
/*
 * vfio-user socket I/O with SCM_RIGHTS descriptors, for the client backend
 * and the server: the framing of reads and writes around the pure parsers
 * of core/vfio_user.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "sock.h"

/* The closer thread's end of its queue (a pipe of descriptor numbers): -1 before it runs, -2 when it cannot. */
static int closer_wr = -1;
static pthread_mutex_t closer_lock = PTHREAD_MUTEX_INITIALIZER;

static void *closer(void *arg)
{
	int rd = (int)(intptr_t)arg, fd;

	/* a close that waits (a linger, a FUSE flush) holds only this thread; the queue waits behind it */
	while (read(rd, &fd, sizeof(fd)) == (ssize_t)sizeof(fd))
		close(fd);
	return NULL;
}

/* Queue @fd for the closer thread: true when it took it. */
static bool close_later(int fd)
{
	bool queued = false;

	pthread_mutex_lock(&closer_lock);
	if (closer_wr == -1) {
		int p[2];
		pthread_attr_t at;
		pthread_t t;
		sigset_t all, old;

		closer_wr = -2;
		if (!pipe2(p, O_CLOEXEC)) {
			/* the thread takes no signal: the server's handlers run on the thread that polls */
			sigfillset(&all);
			pthread_sigmask(SIG_SETMASK, &all, &old);
			pthread_attr_init(&at);
			pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
			pthread_attr_setstacksize(&at, 64 * 1024);
			if (!pthread_create(&t, &at, closer, (void *)(intptr_t)p[0])) {
				closer_wr = p[1];
				/* a full queue (a close that never ends) makes this end refuse, not wait */
				fcntl(closer_wr, F_SETFL, O_NONBLOCK);
			} else {
				close(p[0]);
				close(p[1]);
			}
			pthread_attr_destroy(&at);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
		}
	}
	if (closer_wr >= 0)
		queued = write(closer_wr, &fd, sizeof(fd)) == (ssize_t)sizeof(fd);
	pthread_mutex_unlock(&closer_lock);
	return queued;
}

void bb_vu_close_peer_fd(int fd)
{
	static const struct linger now = { .l_onoff = 1, .l_linger = 0 };
	struct stat st;
	struct statfs sf;

	if (fd < 0)
		return;
	if (fstat(fd, &st)) {
		close(fd);
		return;
	}
	if (S_ISSOCK(st.st_mode)) {
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now));	/* reset, never linger */
		close(fd);
		return;
	}
	/* an eventfd or another anonymous inode (no file type, or a regular file of anon_inodefs on newer
	 * kernels), a pipe, memory: nothing to wait for */
	if ((st.st_mode & S_IFMT) == 0 || S_ISFIFO(st.st_mode) ||
	    (S_ISREG(st.st_mode) && !fstatfs(fd, &sf) &&
	     (sf.f_type == TMPFS_MAGIC || sf.f_type == HUGETLBFS_MAGIC || sf.f_type == RAMFS_MAGIC ||
	      sf.f_type == ANON_INODE_FS_MAGIC))) {
		close(fd);
		return;
	}
	if (!close_later(fd))
		close(fd);
}

void bb_vu_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		bb_vu_close_peer_fd(fds[i]);
		fds[i] = -1;
	}
}

/* Room for BB_VU_MAX_FDS descriptors in a control message, aligned for its header. */
union ctl {
	struct cmsghdr h;
	char b[CMSG_SPACE(sizeof(int) * BB_VU_MAX_FDS)];
};

/* @m for one buffer @iov and @clen bytes of @ctl, every other field zero. */
static void msg_init(struct msghdr *m, struct iovec *iov, union ctl *ctl, size_t clen)
{
	memset(m, 0, sizeof(*m));
	memset(ctl, 0, sizeof(*ctl));
	m->msg_iov = iov;
	m->msg_iovlen = 1;
	m->msg_control = ctl->b;
	m->msg_controllen = clen;
}

ssize_t bb_vu_recv(int sock, void *buf, size_t len, int flags, int *fds, unsigned max, unsigned *nfds,
		   unsigned *dropped)
{
	union ctl ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;

	msg_init(&m, &iov, &ctl, sizeof(ctl.b));
	n = recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0))
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t j = 0; j < k; j++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + j * sizeof(int), sizeof(fd));
			if (*nfds < max) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				(*dropped)++;
			}
		}
	}
	if (m.msg_flags & MSG_CTRUNC)
		(*dropped)++;	/* the kernel closed what did not fit */
	return n;
}

ssize_t bb_vu_send_some(int sock, const void *buf, size_t len, const int *fds, unsigned nfds, int flags)
{
	ssize_t n;

	if (nfds > BB_VU_MAX_FDS)
		return -EINVAL;
	if (nfds) {
		union ctl ctl;
		struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
		struct msghdr m;
		struct cmsghdr *c;

		msg_init(&m, &iov, &ctl, CMSG_SPACE(sizeof(int) * nfds));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		do
			n = sendmsg(sock, &m, flags | MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
	} else {
		do
			n = send(sock, buf, len, flags | MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

int bb_vu_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	const uint8_t *p = buf;
	size_t done = 0;
	ssize_t n;

	if (nfds) {
		n = bb_vu_send_some(sock, p, len, fds, nfds, 0);
		if (n < 0)
			return (int)n;
		done = (size_t)n;
	}
	while (done < len) {
		n = bb_vu_send_some(sock, p + done, len - done, NULL, 0, 0);
		if (n < 0)
			return (int)n;
		done += (size_t)n;
	}
	return 0;
}
