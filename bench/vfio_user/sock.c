// SPDX-License-Identifier: MIT
/*
 * vfio-user socket I/O with SCM_RIGHTS descriptors, for the client backend
 * and the server: the framing of reads and writes around the pure parsers
 * of core/vfio_user.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
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

bool bb_vu_fd_name(int fd, char *link, size_t len)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, link, len - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return true;
}

void bb_vu_close_peer_fd(int fd)
{
	static const struct linger now = { .l_onoff = 1, .l_linger = 0 };
	char link[256];
	bool named;

	if (fd < 0)
		return;
	/* classified by name only: fstat, fstatfs, even a flush can wait on a FUSE daemon (the peer's) */
	named = bb_vu_fd_name(fd, link, sizeof(link));
	if (named && !strncmp(link, "socket:[", 8)) {
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now));	/* reset, never linger */
		close(fd);
		return;
	}
	/* an eventfd or another anonymous inode, a pipe, a memfd: nothing to wait for */
	if (named && (!strncmp(link, "anon_inode:", 11) || !strncmp(link, "pipe:[", 6) || !strncmp(link, "/memfd:", 7))) {
		close(fd);
		return;
	}
	if (!close_later(fd))
		close(fd);
}

bool bb_vu_fd_on_fuse(int fd)
{
	char path[64], line[512];
	long mnt = -1;
	bool fuse = false;
	FILE *f;

	/* the descriptor's mount from fdinfo, its type from mountinfo: neither asks the file system */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "mnt_id: %ld", &mnt) == 1)
			break;
	fclose(f);
	f = mnt >= 0 ? fopen("/proc/self/mountinfo", "re") : NULL;
	if (!f)
		return false;
	while (!fuse && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		long id;

		if (sscanf(line, "%ld", &id) == 1 && id == mnt && sep)
			fuse = !strncmp(sep + 3, "fuse", 4);	/* fuse, fuse.NAME, fuseblk */
	}
	fclose(f);
	return fuse;
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
