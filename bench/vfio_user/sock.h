/* SPDX-License-Identifier: MIT */
/* vfio-user socket I/O: whole messages with SCM_RIGHTS descriptors, for the client and the server. */
#ifndef BARBENCH_VU_SOCK_H
#define BARBENCH_VU_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vfio_user.h"

/*
 * Socket I/O with descriptors.  bb_vu_recv is recvmsg(2) that appends
 * SCM_RIGHTS descriptors to @fds (at most @max kept; the rest are closed and
 * counted in *@dropped, as are descriptors the kernel had to drop for lack
 * of control space).  Returns bytes read (0 at end of stream) or -errno.
 * bb_vu_send writes all @len bytes, @nfds descriptors with the first byte,
 * never raising SIGPIPE; 0 or -errno (-EAGAIN when the send timeout passed).
 */
ssize_t bb_vu_recv(int sock, void *buf, size_t len, int flags, int *fds, unsigned max, unsigned *nfds,
		   unsigned *dropped);
int bb_vu_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds);
/*
 * One send(2), or sendmsg(2) with @nfds descriptors, of what the socket
 * takes of @len bytes now, with @flags (MSG_DONTWAIT) and never SIGPIPE,
 * EINTR retried: bytes sent or -errno (-EAGAIN: nothing, the socket is full).
 */
ssize_t bb_vu_send_some(int sock, const void *buf, size_t len, const int *fds, unsigned nfds, int flags);

/*
 * What /proc/self/fd/N names @fd ("socket:[...]", "anon_inode:[eventfd]",
 * "/memfd:x (deleted)", a path) into @link: the kernel builds it from its
 * own dentry, never asking a file system, so a FUSE daemon cannot stall it
 * as it stalls fstat(2).  false when it cannot be read.
 */
bool bb_vu_fd_name(int fd, char *link, size_t len);

/*
 * Close a descriptor a peer handed over (SCM_RIGHTS) without letting the
 * peer stall this process.  close(2) can wait on what the peer controls: a
 * TCP socket's SO_LINGER with unsent data (a socket's linger is set to 0
 * first: closed at once), a FUSE file's flush (the peer may serve the
 * mount), a tty's drain.  Descriptors that cannot wait (eventfds and other
 * anonymous inodes, pipes, memfds) are closed here; any other is
 * handed to a closer thread, so a close that waits only holds that thread
 * (closed here after all when the thread cannot be had).
 */
void bb_vu_close_peer_fd(int fd);
/*
 * Whether @fd is a file of a FUSE mount (its daemon may be the peer, and
 * stall fstat or a fault on a mapping of it), found without asking it.
 */
bool bb_vu_fd_on_fuse(int fd);
/* bb_vu_close_peer_fd on @n descriptors of @fds, each then -1. */
void bb_vu_close_fds(int *fds, unsigned n);

#endif
