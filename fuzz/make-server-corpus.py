#!/usr/bin/env python3
# Write the seeds of fuzz_vfio_user_server (fuzz/corpus/vfio_user_server/):
# one input per request type a client sends `barbench serve`, valid and
# broken, in the format of fuzz/fuzz_vfio_user_server.c (byte 0: bit 0 = the
# harness sends a valid VERSION first; then records of u8 flags, u16 length,
# the message).
# usage: fuzz/make-server-corpus.py
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "vfio_user_server")

VERSION, DMA_MAP, DMA_UNMAP, GET_INFO, REGION_INFO, REGION_IO_FDS, IRQ_INFO, SET_IRQS, READ, WRITE = range(1, 11)
RESET, WRITE_MULTI, FEATURE = 13, 15, 16
NO_REPLY = 0x10
EVENTFD, MEMFD, PIPE = 1, 2, 3
FIX_SIZE = 0x10


def msg(cmd, payload=b"", mid=1, flags=0, size=None):
    return struct.pack("<HHII I", mid, cmd, 16 + len(payload) if size is None else size, flags, 0) + payload


def rec(m, fds=0, nfds=1, fix=False):
    fl = fds | ((nfds - 1) << 2) | (FIX_SIZE if fix else 0)
    return struct.pack("<BH", fl, len(m)) + m


def version(json=b'{"capabilities":{"max_msg_fds":16}}'):
    return msg(VERSION, struct.pack("<HH", 0, 1) + json + b"\0", mid=0)


def access(region, off, count, data=b""):
    return struct.pack("<QII", off, region, count) + data


def irq_set(flags, index, start, count, data=b""):
    return struct.pack("<IIIII", 20 + len(data), flags, index, start, count) + data


DATA_NONE, DATA_BOOL, DATA_EVENTFD = 1, 2, 4
TRIGGER, MASK, UNMASK = 0x20, 0x8, 0x10
MSIX = 2

seeds = {
    # a client's life: VERSION by hand, then QEMU's start-up sequence
    "qemu-like": b"\0" + rec(version(b'{"capabilities":{"max_msg_fds":16,"max_data_xfer_size":1048576,'
                                     b'"pgsizes":4096,"max_dma_maps":65535,"write_multiple":true}}'))
    + rec(msg(DMA_MAP, struct.pack("<IIQQQ", 32, 3, 0, 0x100000, 0x10000)), MEMFD)
    + rec(msg(GET_INFO, struct.pack("<IIII", 16, 0, 0, 0)))
    + rec(msg(REGION_INFO, struct.pack("<IIIIQQ", 64, 0, 0, 0, 0, 0)))
    + rec(msg(REGION_INFO, struct.pack("<IIIIQQ", 64, 0, 2, 0, 0, 0)))
    + rec(msg(REGION_INFO, struct.pack("<IIIIQQ", 32, 0, 7, 0, 0, 0)))
    + rec(msg(IRQ_INFO, struct.pack("<IIII", 16, 0, MSIX, 0)))
    + rec(msg(SET_IRQS, irq_set(DATA_EVENTFD | TRIGGER, MSIX, 0, 2)), EVENTFD, 2)
    + rec(msg(SET_IRQS, irq_set(DATA_NONE | TRIGGER, MSIX, 1, 1)))
    + rec(msg(SET_IRQS, irq_set(DATA_BOOL | MASK, MSIX, 0, 2, b"\1\0")))
    + rec(msg(WRITE, access(0, 0x1000, 4, b"\1\2\3\4"), flags=NO_REPLY))
    + rec(msg(WRITE_MULTI, struct.pack("<Q", 2) + struct.pack("<QII", 0x1008, 0, 4) + b"abcd\0\0\0\0"
              + struct.pack("<QII", 0x10, 0, 8) + b"ABCDEFGH"))
    + rec(msg(READ, access(0, 0x1000, 16)))
    + rec(msg(READ, access(7, 0, 64)))
    + rec(msg(WRITE, access(7, 0x10, 4, b"\xff\xff\xff\xff")))
    + rec(msg(DMA_UNMAP, struct.pack("<IIQQ", 24, 0, 0x100000, 0x10000)))
    + rec(msg(RESET))
    + rec(msg(SET_IRQS, irq_set(DATA_NONE | TRIGGER, MSIX, 0, 0))),
    "before-version": b"\0" + rec(msg(GET_INFO, struct.pack("<IIII", 16, 0, 0, 0))) + rec(version()),
    "version-twice": b"\1" + rec(version()),
    "version-bad-json": b"\0" + rec(msg(VERSION, struct.pack("<HH", 0, 1) + b'{"capabilities":[1,2\0')),
    "version-major": b"\0" + rec(msg(VERSION, struct.pack("<HH", 7, 0))),
    "version-no-fds": b"\0" + rec(version(b'{"capabilities":{"max_msg_fds":0}}'))
    + rec(msg(REGION_INFO, struct.pack("<IIIIQQ", 64, 0, 0, 0, 0, 0))),
    "oversized-write": b"\1" + rec(msg(WRITE, access(0, 0, 8192, b"\xa5" * 8192))),
    "write-above-limit-framed": b"\1" + rec(msg(WRITE, access(0, 0, 4097, b"\xa5" * 4097))),
    "read-above-limit": b"\1" + rec(msg(READ, access(0, 0, 4097))),
    "read-outside": b"\1" + rec(msg(READ, access(0, 0x3ffc, 8))) + rec(msg(READ, access(0, 2**64 - 4, 8))),
    "write-read-only": b"\1" + rec(msg(WRITE, access(2, 0, 4, b"\0\0\0\0"))),
    "write-id": b"\1" + rec(msg(WRITE, access(0, 0, 8, b"\0" * 8))) + rec(msg(READ, access(0, 0, 8))),
    "size-lies": b"\1" + rec(msg(READ, access(0, 0, 4), size=0x7fffffff)) + rec(msg(READ, access(0, 0, 4), size=8)),
    "size-fixed": b"\1" + rec(msg(READ, access(0, 0, 4), size=3), fix=True),
    "reply-type": b"\1" + rec(msg(GET_INFO, struct.pack("<IIII", 16, 0, 0, 0), flags=1)),
    "short-header": b"\1" + rec(b"\1\0\4\0"),
    "pipe-as-eventfd": b"\1" + rec(msg(SET_IRQS, irq_set(DATA_EVENTFD | TRIGGER, MSIX, 0, 1)), PIPE)
    + rec(msg(SET_IRQS, irq_set(DATA_NONE | TRIGGER, MSIX, 0, 1))),
    "memfd-as-eventfd": b"\1" + rec(msg(SET_IRQS, irq_set(DATA_EVENTFD | TRIGGER, MSIX, 2, 2)), MEMFD, 2),
    "eventfds-mismatch": b"\1" + rec(msg(SET_IRQS, irq_set(DATA_EVENTFD | TRIGGER, MSIX, 0, 3)), EVENTFD, 2),
    "irq-past-end": b"\1" + rec(msg(SET_IRQS, irq_set(DATA_NONE | TRIGGER, MSIX, 3, 2))),
    "fds-on-info": b"\1" + rec(msg(GET_INFO, struct.pack("<IIII", 16, 0, 0, 0)), EVENTFD, 4),
    "dma-overlap": b"\1" + rec(msg(DMA_MAP, struct.pack("<IIQQQ", 32, 3, 0, 0x1000, 0x2000)), MEMFD)
    + rec(msg(DMA_MAP, struct.pack("<IIQQQ", 32, 3, 0, 0x2000, 0x2000)), MEMFD)
    + rec(msg(DMA_MAP, struct.pack("<IIQQQ", 32, 3, 0, 2**64 - 0x1000, 0x2000)))
    + rec(msg(DMA_UNMAP, struct.pack("<IIQQ", 24, 2, 0, 0)))
    + rec(msg(DMA_UNMAP, struct.pack("<IIQQ", 24, 1, 0, 0))),
    "write-multi-bad": b"\1" + rec(msg(WRITE_MULTI, struct.pack("<Q", 2**40)))
    + rec(msg(WRITE_MULTI, struct.pack("<Q", 1) + struct.pack("<QII", 0, 0, 9) + b"\0" * 8)),
    "region-info-short-argsz": b"\1" + rec(msg(REGION_INFO, struct.pack("<IIIIQQ", 32, 0, 0, 0, 0, 0)))
    + rec(msg(REGION_INFO, struct.pack("<IIIIQQ", 64, 0, 99, 0, 0, 0))),
    "unsupported": b"\1" + rec(msg(REGION_IO_FDS)) + rec(msg(FEATURE, b"\0" * 8)) + rec(msg(99))
    + rec(msg(11, b"\0" * 16)),
}

os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    os.unlink(os.path.join(OUT, f))
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"fuzz corpus: {len(seeds)} vfio_user_server seeds")
