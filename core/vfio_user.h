/* SPDX-License-Identifier: MIT */
/*
 * The vfio-user protocol: a VFIO device served by another process over a
 * UNIX socket.  Everything here follows QEMU's docs/interop/vfio-user.rst
 * ("vfio-user Protocol Specification"); section names are quoted next to
 * what they define.  Message layouts are written from the spec's tables
 * (libvfio-user's include/vfio-user.h was read to check them); the region
 * info, IRQ info and IRQ set payloads are the kernel's <linux/vfio.h>
 * structures, as the spec says, and are not restated.
 *
 * All data is in host byte order ("Protocol Specification": "all data is in
 * the endianness of the host system").  Every structure below has only
 * naturally aligned fields and no padding (checked by static assertions);
 * buffers are read and written with memcpy, never cast.
 *
 * This file and core/vfio_user.c are the pure part: message layouts and the
 * parsers of a peer's bytes (the version JSON, a reply checked against its
 * request), beside the other parsers of hostile input.  They touch no
 * socket: bench/vfio_user/sock.h frames reads and writes with descriptors,
 * bench/vfio_user/client.h is the backend (vfio-user:SOCKET),
 * bench/vfio_user/server.h is `barbench serve`.  fuzz/fuzz_vfio_user.c
 * feeds the parsers.  They treat the peer as hostile: every length is
 * checked before it is used and every error names the command, the message
 * id and the byte offset.
 */
#ifndef BARBENCH_VFIO_USER_H
#define BARBENCH_VFIO_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/diag.h"

/* "VFIO_USER_VERSION": QEMU's client speaks 0.0, libvfio-user 0.1. */
#define BB_VU_MAJOR 0
#define BB_VU_MINOR 1

/* "Commands" */
enum bb_vu_cmd {
	BB_VU_VERSION = 1,
	BB_VU_DMA_MAP = 2,
	BB_VU_DMA_UNMAP = 3,
	BB_VU_DEVICE_GET_INFO = 4,
	BB_VU_DEVICE_GET_REGION_INFO = 5,
	BB_VU_DEVICE_GET_REGION_IO_FDS = 6,
	BB_VU_DEVICE_GET_IRQ_INFO = 7,
	BB_VU_DEVICE_SET_IRQS = 8,
	BB_VU_REGION_READ = 9,
	BB_VU_REGION_WRITE = 10,
	BB_VU_DMA_READ = 11,
	BB_VU_DMA_WRITE = 12,
	BB_VU_DEVICE_RESET = 13,
	BB_VU_REGION_WRITE_MULTI = 15,
	BB_VU_DEVICE_FEATURE = 16,
	BB_VU_MIG_DATA_READ = 17,
	BB_VU_MIG_DATA_WRITE = 18,
};

/* "Header": flags bits 0-3 type, 4 No_reply, 5 Error */
#define BB_VU_F_TYPE_MASK 0xfu
#define BB_VU_F_COMMAND 0x0u
#define BB_VU_F_REPLY 0x1u
#define BB_VU_F_NO_REPLY 0x10u
#define BB_VU_F_ERROR 0x20u

/* "Header": 16 bytes before every message; size counts the header too. */
struct bb_vu_hdr {
	uint16_t id;
	uint16_t cmd;
	uint32_t size;
	uint32_t flags;
	uint32_t error;		/* errno of an error reply (may be 0) */
};

/* "VFIO_USER_VERSION": then optional JSON, NUL-terminated. */
struct bb_vu_version {
	uint16_t major;
	uint16_t minor;
};

/* "VFIO_USER_DEVICE_GET_INFO" (the kernel's has a cap_offset; this one has not). */
struct bb_vu_device_info {
	uint32_t argsz;
	uint32_t flags;		/* VFIO_DEVICE_FLAGS_RESET, VFIO_DEVICE_FLAGS_PCI */
	uint32_t num_regions;
	uint32_t num_irqs;
};

/* "VFIO_USER_REGION_READ" / "VFIO_USER_REGION_WRITE": then count data bytes. */
struct bb_vu_region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
};

/* "VFIO_USER_DMA_MAP": flags bit 0 readable, bit 1 writeable. */
struct bb_vu_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t offset;
	uint64_t addr;
	uint64_t size;
};

/* "VFIO_USER_DMA_UNMAP" */
struct bb_vu_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t addr;
	uint64_t size;
};

/* "VFIO_USER_REGION_WRITE_MULTI": a u64 wr_cnt, then wr_cnt of these. */
struct bb_vu_write_one {
	uint64_t offset;
	uint32_t region;
	uint32_t count;		/* 1..8 */
	uint8_t data[8];
};

#define BB_VU_DMA_READABLE 0x1u
#define BB_VU_DMA_WRITEABLE 0x2u

/* "VFIO_USER_VERSION", capabilities: the defaults when one is not given */
#define BB_VU_DEF_MAX_MSG_FDS 1u
#define BB_VU_DEF_MAX_XFER (1024u * 1024u)
#define BB_VU_DEF_MAX_DMA_MAPS 65535u
#define BB_VU_DEF_PGSIZES 4096u

/* Limits of this implementation, against a peer that asks for too much. */
#define BB_VU_MAX_FDS 16u		/* descriptors taken from one message (QEMU's maximum too) */
#define BB_VU_MAX_REGIONS 64u		/* num_regions a server may report */
#define BB_VU_MAX_IRQS 64u
#define BB_VU_MAX_VERSION_DATA 65536u	/* bytes of version JSON */
#define BB_VU_JSON_DEPTH 32u

/* The common capabilities of a VERSION message ("Version", Capabilities). */
struct bb_vu_caps {
	uint64_t max_msg_fds;
	uint64_t max_data_xfer_size;
	uint64_t max_dma_maps;
	uint64_t pgsizes;
	bool write_multiple;
	bool twin_socket;	/* twin_socket.supported */
	bool has_twin_fd_index;
	uint64_t twin_fd_index;
	/* which ones the JSON named */
	bool has_max_msg_fds, has_max_data_xfer_size, has_max_dma_maps, has_pgsizes, has_write_multiple;
};

/* The defaults the spec gives for capabilities not named. */
void bb_vu_caps_default(struct bb_vu_caps *c);

/*
 * Parse the version data (the JSON object, without its terminating NUL) of
 * a VERSION message from @who.  Unknown names are skipped; a known name with
 * the wrong type, a malformed document, nesting deeper than
 * BB_VU_JSON_DEPTH or trailing bytes are -EINVAL naming the byte offset in
 * the JSON.  *@out starts from the defaults.
 */
int bb_vu_parse_caps(const char *json, size_t len, const char *who, struct bb_vu_caps *out,
		     struct bb_diag *d);

/*
 * Write {"capabilities":{...}} for @c into @buf (NUL-terminated); returns
 * the length without the NUL, or 0 when it does not fit.  Optional members
 * are written only when their has_ flag is set.
 */
size_t bb_vu_format_caps(char *buf, size_t len, const struct bb_vu_caps *c);

/* "VERSION", "REGION_READ"...; "an unknown command" for the rest. */
const char *bb_vu_cmd_name(uint16_t cmd);

/* What a reply must echo and may carry: the request it answers. */
struct bb_vu_expect {
	const char *who;	/* the peer, for messages ("vfio-user:/run/s") */
	uint16_t cmd;
	uint16_t id;
	uint32_t argsz;		/* REGION_INFO: the argsz sent */
	uint32_t index;		/* REGION_INFO, REGION_READ/WRITE: the region */
	uint64_t offset;	/* REGION_READ/WRITE */
	uint32_t count;		/* REGION_READ/WRITE: bytes asked */
	unsigned max_fds;	/* descriptors the reply may carry */
};

/* A reply, checked. */
struct bb_vu_reply {
	struct bb_vu_hdr hdr;
	const uint8_t *payload;	/* inside the message given */
	size_t len;		/* payload bytes */
	struct bb_vu_version version;	/* VERSION */
	struct bb_vu_caps caps;		/* VERSION */
	struct bb_vu_device_info info;	/* DEVICE_GET_INFO */
	uint32_t count;			/* REGION_READ/WRITE: bytes transferred */
	const uint8_t *data;		/* REGION_READ: the count bytes */
};

/*
 * The largest reply to @e a client accepts, header included: the size it
 * allocates and the bound it checks a header's size against before reading
 * the payload.
 */
size_t bb_vu_reply_max(const struct bb_vu_expect *e);

/*
 * Check the 16-byte header at @msg (@len >= 16) as the reply to @e: size
 * within [16, bb_vu_reply_max(e)], type reply, No_reply clear, no reserved
 * flag bits, id and command echoed.  This is what framing needs before the
 * payload is read; the Error flag is bb_vu_parse_reply's.  0 or a negative
 * errno.
 */
int bb_vu_check_reply_hdr(const struct bb_vu_expect *e, const uint8_t *msg, size_t len, struct bb_diag *d);

/*
 * Check a whole reply (@len bytes, exactly the header's size) to @e that
 * arrived with @nfds descriptors and parse its payload into @out: the header
 * as above; an error reply is its errno (EIO when it carries none) with a
 * message naming it; then the payload length and contents each command defines, the
 * echoed fields, and the descriptor count (REGION_INFO: one when the reply
 * sets MMAP and fits, none otherwise; every other reply: none).  Never
 * reads outside [msg, msg + len).  The caller closes descriptors on error.
 */
int bb_vu_parse_reply(const struct bb_vu_expect *e, const uint8_t *msg, size_t len, unsigned nfds,
		      struct bb_vu_reply *out, struct bb_diag *d);

#endif
