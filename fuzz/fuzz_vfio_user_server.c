// SPDX-License-Identifier: MIT
/*
 * The server's side of vfio-user (bb_vu_server_handle): the messages a
 * client sends `barbench serve`, without sockets.  The device is an emu:
 * device from a small layout written at start-up (a 16 KiB BAR0 with MSI-X
 * and constant registers, a read-only 4 KiB BAR2 with MMAP, the default
 * config space), served with max_data_xfer_size 4096, fresh for each input.
 *
 * Input: byte 0 bit 0: the harness starts with a valid VERSION (so the rest
 * reaches every handler).  Then records until the input ends:
 *   u8 flags   bits 0-1 descriptors sent with the message: none, eventfds,
 *              memfds, pipe write ends; bits 2-3: how many (1-4); bit 4:
 *              the harness sets the header's size to the record's length
 *   u16 len    (little-endian) bytes of the message, header included (cut
 *              to what is left)
 *   len bytes  the message, as the client sends it
 * Each message is an exact-size heap copy (ASan sees a read past it); the
 * descriptors are created here and those the server does not keep are closed
 * after the call.  A hang-up starts a new client.
 * Properties: a reply is a whole reply header echoing the request's id and
 * command, its size its length; an error reply is a header alone and sends
 * no descriptor; a descriptor sent is a region's, sealed against
 * truncation, never one the client sent; after the server and its clients are gone, no descriptor is
 * left open (MSI-X eventfds the server kept are closed with their client).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "barbench/backend.h"
#include "server.h"
#include "fuzz.h"
#include "fds.h"

#define HDR sizeof(struct bb_vu_hdr)

static const char layout_text[] =
	"device name=fuzz desc=\"fuzzed vfio-user server\" vendor=0x1234 device=0x5678\n"
	"region index=0 size=16K flags=read,write,mmap caps=msix-mappable name=bar0\n"
	"region index=2 size=4K flags=read,mmap name=bar2\n"
	"msix vectors=4 table-region=0 table-offset=0x2000 pba-region=0 pba-offset=0x3000\n"
	"reg region=0 offset=0x0 size=8 name=CAP kind=id value=0x1122334455667788\n"
	"reg region=0 offset=0x1000 size=4 name=DB kind=doorbell\n"
	"reg region=2 offset=0x0 size=4 name=ID kind=id value=0xcafe\n";

static char layout_path[64];

static void setup(void)
{
	int fd;

	if (layout_path[0])
		return;
	snprintf(layout_path, sizeof(layout_path), "/tmp/bb-fuzz-vu-server-XXXXXX");
	fd = mkstemp(layout_path);
	FUZZ_ASSERT(fd >= 0, "mkstemp: %s", strerror(errno));
	FUZZ_ASSERT(write(fd, layout_text, sizeof(layout_text) - 1) == (ssize_t)sizeof(layout_text) - 1, "write");
	close(fd);
}

static void make_fds(unsigned kind, unsigned n, int *fds)
{
	for (unsigned i = 0; i < n; i++) {
		int p[2];

		switch (kind) {
		case 1:
			fds[i] = eventfd(0, EFD_CLOEXEC);
			break;
		case 2:
			fds[i] = memfd_create("fuzz-ram", MFD_CLOEXEC);
			if (fds[i] >= 0 && ftruncate(fds[i], 0x10000))
				abort();
			break;
		default:
			if (pipe2(p, O_CLOEXEC))
				abort();
			close(p[0]);
			fds[i] = p[1];
			break;
		}
		FUZZ_ASSERT(fds[i] >= 0, "descriptor %u: %s", i, strerror(errno));
	}
}

static void one(struct bb_vu_server *s, struct bb_vu_client **c, const uint8_t *m, size_t len, unsigned kind,
		unsigned nfds)
{
	uint8_t *exact = malloc(len ? len : 1);
	int fds[4] = { -1, -1, -1, -1 }, sent[4];
	struct bb_vu_server_reply r;
	struct bb_vu_hdr q, h;

	FUZZ_ASSERT(exact != NULL, "out of memory");
	memcpy(exact, m, len);
	if (kind)
		make_fds(kind, nfds, fds);
	else
		nfds = 0;
	memcpy(sent, fds, sizeof(sent));
	bb_vu_server_handle(s, *c, exact, len, fds, nfds, 0, &r);
	if (r.len) {
		FUZZ_ASSERT(r.msg && r.len >= HDR && len >= HDR, "a reply of %zu bytes to %zu", r.len, len);
		memcpy(&h, r.msg, HDR);
		memcpy(&q, exact, HDR);
		FUZZ_ASSERT(h.size == r.len, "reply size %" PRIu32 " for %zu bytes", h.size, r.len);
		FUZZ_ASSERT(h.id == q.id && h.cmd == q.cmd, "reply %u/%u to request %u/%u", h.id, h.cmd, q.id, q.cmd);
		FUZZ_ASSERT((h.flags & ~(uint32_t)BB_VU_F_ERROR) == BB_VU_F_REPLY, "reply flags 0x%" PRIx32, h.flags);
		if (h.flags & BB_VU_F_ERROR) {
			FUZZ_ASSERT(h.size == HDR && h.error, "an error reply of %" PRIu32 " bytes, errno %" PRIu32, h.size,
				    h.error);
			FUZZ_ASSERT(r.fd < 0, "an error reply with a descriptor");
		}
		if (r.fd >= 0) {
			/* a region's memfd (or its read-only reopen): open, sealed, never the client's own */
			int seals = fcntl(r.fd, F_GET_SEALS);

			for (unsigned i = 0; i < 4; i++)
				FUZZ_ASSERT(r.fd != sent[i], "the client's descriptor %d sent back", r.fd);
			FUZZ_ASSERT(seals >= 0 && (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) == (F_SEAL_SHRINK | F_SEAL_GROW),
				    "a region descriptor without its seals (0x%x)", seals);
		}
	} else {
		FUZZ_ASSERT(r.fd < 0, "a descriptor without a reply");
	}
	for (unsigned i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(exact);
	if (r.hangup) {
		bb_vu_server_client_free(s, *c);
		FUZZ_ASSERT(!bb_vu_server_client_new(s, -1, c), "out of memory");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char caps[] = "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":4096,"
				   "\"write_multiple\":true}}";
	struct bb_vu_server_opts o = { .max_data_xfer_size = 4096, .quiet = true };
	struct bb_vu_server *s = NULL;
	struct bb_vu_client *c = NULL;
	struct bb_dev *dev = NULL;
	struct bb_diag d = { "" };
	char spec[80];
	int before;
	size_t at = 1;

	if (!size)
		return 0;
	setup();
	before = fd_count();
	snprintf(spec, sizeof(spec), "emu:%s", layout_path);
	FUZZ_ASSERT(!bb_dev_open(spec, &dev, &d), "%s", d.msg);
	FUZZ_ASSERT(!bb_vu_server_create(dev, NULL, &o, &s, &d), "%s", d.msg);
	FUZZ_ASSERT(!bb_vu_server_client_new(s, -1, &c), "out of memory");
	if (data[0] & 1) {
		uint8_t v[HDR + 4 + sizeof(caps)];
		struct bb_vu_hdr h = { .id = 0xffff, .cmd = BB_VU_VERSION, .size = sizeof(v) };

		memcpy(v, &h, HDR);
		memcpy(v + HDR, (uint16_t[]){ 0, 1 }, 4);
		memcpy(v + HDR + 4, caps, sizeof(caps));
		one(s, &c, v, sizeof(v), 0, 0);
	}
	while (at + 3 <= size) {
		unsigned fl = data[at], kind = fl & 3, nfds = ((fl >> 2) & 3) + 1;
		size_t len = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
		uint8_t *m;

		at += 3;
		if (len > size - at)
			len = size - at;
		m = malloc(len > HDR ? len : HDR);
		FUZZ_ASSERT(m != NULL, "out of memory");
		memcpy(m, data + at, len);
		if (fl & 0x10 && len >= HDR) {
			uint32_t sz = (uint32_t)len;

			memcpy(m + 4, &sz, 4);
		}
		one(s, &c, m, len, kind, nfds);
		free(m);
		at += len;
	}
	bb_vu_server_client_free(s, c);
	bb_vu_server_destroy(s);
	bb_dev_close(dev);
	FUZZ_ASSERT(fd_count() == before, "%d descriptors open after the input, %d before", fd_count(), before);
	return 0;
}
