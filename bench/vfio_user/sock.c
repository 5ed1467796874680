// SPDX-License-Identifier: MIT
/*
 * vfio-user socket I/O with SCM_RIGHTS descriptors, for the client backend
 * and the server: the framing of reads and writes around the pure parsers
 * of core/vfio_user.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

void bb_vu_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

ssize_t bb_vu_recv(int sock, void *buf, size_t len, int flags, int *fds, unsigned max, unsigned *nfds,
		   unsigned *dropped)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * BB_VU_MAX_FDS)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	memset(&ctl, 0, sizeof(ctl));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
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

int bb_vu_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	const uint8_t *p = buf;
	size_t done = 0;

	if (nfds > BB_VU_MAX_FDS)
		return -EINVAL;
	if (nfds) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int) * BB_VU_MAX_FDS)];
		} ctl;
		struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
		struct msghdr m;
		struct cmsghdr *c;
		ssize_t n;

		memset(&m, 0, sizeof(m));
		memset(&ctl, 0, sizeof(ctl));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.b;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		do
			n = sendmsg(sock, &m, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		done = (size_t)n;
	}
	while (done < len) {
		ssize_t n = send(sock, p + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		done += (size_t)n;
	}
	return 0;
}
