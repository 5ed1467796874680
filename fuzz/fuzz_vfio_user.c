// SPDX-License-Identifier: MIT
/*
 * vfio-user replies (bb_vu_parse_reply, bb_vu_check_reply_hdr,
 * bb_vu_parse_caps): the bytes a vfio-user server sends the client backend.
 * Input: byte 0 picks the request answered (VERSION, DEVICE_GET_INFO,
 * DEVICE_GET_REGION_INFO, REGION_READ, REGION_WRITE, or 5: the bytes are a
 * version JSON on their own), byte 1 the descriptors that came with it
 * (0-3), bytes 2-5 the argsz (region info: 32 + n % 2048) or count (1 + n %
 * 64) asked, bytes 6-7 the message id; the rest is the reply, header
 * included.  The request is for region 0 at offset 0.
 * Refused input is a negative errno with a message naming the peer
 * ("fuzz") and the command; accepted input points only inside the message
 * and satisfies what the client relies on (sizes, echoes, descriptor
 * count); an accepted region-info payload goes on to the core parser, as
 * the client hands it on.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <linux/vfio.h>

#include "barbench/region.h"
#include "vfio_user.h"
#include "fuzz.h"

static void caps_only(const uint8_t *data, size_t size)
{
	struct bb_vu_caps c;
	struct bb_diag d = { "" };
	char back[512];
	size_t n;
	int err = bb_vu_parse_caps((const char *)data, size, "fuzz", &c, &d);

	if (err) {
		FUZZ_ASSERT(err == -EINVAL, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz: ", 6), "message names no input: %s", d.msg);
		return;
	}
	/* what a server would answer with these parses back the same */
	n = bb_vu_format_caps(back, sizeof(back), &c);
	FUZZ_ASSERT(n > 0, "capabilities do not format");
	{
		struct bb_vu_caps c2;

		err = bb_vu_parse_caps(back, n, "fuzz-back", &c2, &d);
		FUZZ_ASSERT(!err, "formatted capabilities do not parse: %s (%s)", d.msg, back);
		FUZZ_ASSERT(c2.max_msg_fds == c.max_msg_fds && c2.max_data_xfer_size == c.max_data_xfer_size,
			    "capabilities differ after a round trip");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t cmds[] = { BB_VU_VERSION, BB_VU_DEVICE_GET_INFO, BB_VU_DEVICE_GET_REGION_INFO,
					 BB_VU_REGION_READ, BB_VU_REGION_WRITE };
	struct bb_vu_expect e = { .who = "fuzz" };
	struct bb_vu_reply r;
	struct bb_diag d = { "" };
	const uint8_t *msg;
	unsigned nfds;
	uint32_t v;
	size_t len;
	int err;

	if (size < 8)
		return 0;
	if (data[0] % 6 == 5) {
		caps_only(data + 8, size - 8);
		return 0;
	}
	e.cmd = cmds[data[0] % 6];
	nfds = data[1] % 4;
	memcpy(&v, data + 2, 4);
	memcpy(&e.id, data + 6, 2);
	if (e.cmd == BB_VU_DEVICE_GET_REGION_INFO)
		e.argsz = 32 + v % 2048;
	else
		e.count = 1 + v % 64;
	msg = data + 8;
	len = size - 8;

	err = bb_vu_parse_reply(&e, msg, len, nfds, &r, &d);
	if (err) {
		FUZZ_ASSERT(err < 0 && err > -4096, "error %d", err);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz: ", 6) && strstr(d.msg, bb_vu_cmd_name(e.cmd)),
			    "message names neither the peer nor the command: %s", d.msg);
		return 0;
	}
	FUZZ_ASSERT(!bb_vu_check_reply_hdr(&e, msg, len, &d), "parsed, yet the header fails: %s", d.msg);
	FUZZ_ASSERT(r.hdr.size == len && r.hdr.id == e.id && r.hdr.cmd == e.cmd, "header not echoed");
	FUZZ_ASSERT(len <= bb_vu_reply_max(&e), "a %zu-byte reply above the %zu allowed", len, bb_vu_reply_max(&e));
	FUZZ_ASSERT(r.payload == msg + 16 && r.len == len - 16, "payload outside the message");
	FUZZ_ASSERT(!(r.hdr.flags & BB_VU_F_ERROR), "an error reply accepted");
	switch (e.cmd) {
	case BB_VU_VERSION:
		FUZZ_ASSERT(r.version.major == BB_VU_MAJOR && r.version.minor <= BB_VU_MINOR, "version %u.%u",
			    r.version.major, r.version.minor);
		FUZZ_ASSERT(r.caps.max_data_xfer_size > 0 && !r.caps.twin_socket, "capabilities accepted");
		FUZZ_ASSERT(nfds == 0, "descriptors with VERSION");
		break;
	case BB_VU_DEVICE_GET_INFO:
		FUZZ_ASSERT(r.len == 16 && r.info.num_regions <= BB_VU_MAX_REGIONS && r.info.num_irqs <= BB_VU_MAX_IRQS,
			    "device info accepted");
		FUZZ_ASSERT(nfds == 0, "descriptors with DEVICE_GET_INFO");
		break;
	case BB_VU_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info ri;
		struct bb_region reg;
		uint8_t buf[2048 + 32];

		FUZZ_ASSERT(r.len >= 32 && r.len <= e.argsz, "region info of %zu bytes for argsz %" PRIu32, r.len, e.argsz);
		memcpy(&ri, r.payload, sizeof(ri));
		FUZZ_ASSERT(ri.index == 0, "another region's info");
		FUZZ_ASSERT(nfds <= 1, "%u descriptors", nfds);
		if (ri.argsz <= e.argsz) {
			FUZZ_ASSERT(ri.argsz == r.len, "argsz %" PRIu32 " for %zu bytes", ri.argsz, r.len);
			FUZZ_ASSERT(!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP) || nfds == 1, "MMAP without a descriptor");
		}
		/* as bb_dev_region does with the client's buffer */
		memset(buf, 0, sizeof(buf));
		memcpy(buf, r.payload, r.len);
		if (!bb_region_info_needed(buf, e.argsz, e.argsz)) {
			err = bb_region_parse(buf, e.argsz, "fuzz", &reg, &d);
			if (!err) {
				FUZZ_ASSERT(bb_region_mappable_bytes(&reg) <= reg.size, "mappable beyond the region");
				bb_region_free(&reg);
			}
		}
		break;
	}
	case BB_VU_REGION_READ:
		FUZZ_ASSERT(r.count <= e.count && r.data == msg + 32 && r.len == 16 + r.count, "read of %" PRIu32
			    " bytes", r.count);
		FUZZ_ASSERT(nfds == 0, "descriptors with REGION_READ");
		break;
	case BB_VU_REGION_WRITE:
		FUZZ_ASSERT(r.count <= e.count && r.len == 16 && !r.data, "write reply");
		FUZZ_ASSERT(nfds == 0, "descriptors with REGION_WRITE");
		break;
	}
	return 0;
}
