#!/usr/bin/env python3
"""Soak `barbench serve` under a storm of hostile and well-behaved clients.

Runs BARBENCH (the ASan build's, preferably) `serve` on nvme-msix-bar0 for
SECONDS while THREADS clients at once connect and send valid sessions
(VERSION, region info, reads, writes, WRITE_MULTI, DMA map/unmap with a
memfd, MSI-X eventfds and triggers, reset), malformed messages (garbage,
impossible sizes, wrong types, counts above max_data_xfer_size, bad JSON,
pipes and memfds as eventfds, descriptors where none belong), disconnects in
the middle of a header or payload, stalls past the server's timeout and
replies never read.  Every SAMPLE seconds it reads the server's VmRSS
(/proc/PID/status) and open descriptors (/proc/PID/fd).

Fails (exit 1) when:
  - the server dies, or does not stop cleanly on SIGTERM (ASan reports
    included: the server runs with halt_on_error and leak detection);
  - RSS grows by more than --rss-growth-kib (default 32768) from the sample
    taken after --warmup seconds (ASan's quarantine is capped at 16 MiB so
    that it does not count as growth) to the last;
  - descriptors ever exceed the idle count + max_clients * (1 socket + 32
    MSI-X eventfds + 16 descriptors of a message in flight);
  - once the storm is over and the clients are gone, descriptors are not
    back to the idle count (a leak).
Prints the samples and the figures: RSS and descriptors at start and end,
messages served, clients, refused, dropped.

Not in ctest (it runs for minutes).
usage: tests/soak_serve.py BARBENCH LAYOUT_DIR [--seconds N] [--threads N] [--sample S]
"""
import argparse
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

VERSION, DMA_MAP, DMA_UNMAP, GET_INFO, REGION_INFO, REGION_IO_FDS, IRQ_INFO, SET_IRQS, READ, WRITE = range(1, 11)
RESET, WRITE_MULTI = 13, 15
NO_REPLY = 0x10
MSIX = 2
DATA_NONE, DATA_BOOL, DATA_EVENTFD = 1, 2, 4
TRIGGER, MASK = 0x20, 0x8
MAX_XFER = 65536
MAX_CLIENTS = 6
VECTORS = 32


def hdr(mid, cmd, size, flags=0):
    return struct.pack("<HHIII", mid & 0xffff, cmd, size, flags, 0)


def msg(mid, cmd, payload=b"", flags=0):
    return hdr(mid, cmd, 16 + len(payload), flags) + payload


def access(region, off, count, data=b""):
    return struct.pack("<QII", off, region, count) + data


def irq_set(flags, start, count, data=b""):
    return struct.pack("<IIIII", 20 + len(data), flags, MSIX, start, count) + data


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sessions = 0
        self.replies = 0
        self.kinds = {}

    def add(self, kind, replies):
        with self.lock:
            self.sessions += 1
            self.replies += replies
            self.kinds[kind] = self.kinds.get(kind, 0) + 1


class Client:
    def __init__(self, path, timeout=3.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.id = 0
        self.replies = 0

    def send(self, cmd, payload=b"", flags=0, fds=()):
        self.id += 1
        m = msg(self.id, cmd, payload, flags)
        if fds:
            socket.send_fds(self.s, [m], list(fds))
        else:
            self.s.sendall(m)

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            k = self.s.recv(n - len(b))
            if not k:
                raise ConnectionError("closed")
            b += k
        return b

    def reply(self):
        h = self.recv_exact(16)
        size = struct.unpack_from("<I", h, 4)[0]
        if size < 16 or size > 16 + MAX_XFER + 4096:
            raise ConnectionError(f"reply size {size}")
        body = self.recv_exact(size - 16) if size > 16 else b""
        self.replies += 1
        return h, body

    def call(self, cmd, payload=b"", fds=()):
        self.send(cmd, payload, 0, fds)
        return self.reply()

    def close(self):
        self.s.close()


def version(c, rnd):
    js = b'{"capabilities":{"max_msg_fds":16,"max_data_xfer_size":65536,"write_multiple":true}}\0'
    c.call(VERSION, struct.pack("<HH", 0, 1) + js)


def valid_session(path, rnd):
    c = Client(path)
    fds_open = []
    try:
        version(c, rnd)
        for _ in range(rnd.randint(1, 40)):
            k = rnd.randrange(10)
            if k == 0:
                c.call(REGION_INFO, struct.pack("<IIIIQQ", 64, 0, rnd.choice([0, 1, 7, 8]), 0, 0, 0))
                # a region fd may come with it: receive-side handled by recv: not with plain recv,
                # the kernel closes descriptors a plain recv does not take
            elif k == 1:
                c.call(READ, access(0, rnd.randrange(0, 0x4000 - 64, 8), rnd.choice([1, 2, 4, 8, 64])))
            elif k == 2:
                n = rnd.choice([4, 8, 256, 4096])
                c.call(WRITE, access(0, rnd.randrange(0x1000, 0x2000 - n + 1, 4) & ~3, n, os.urandom(n)))
            elif k == 3:
                c.send(WRITE, access(0, 0x1100, 4, b"\1\2\3\4"), NO_REPLY)
            elif k == 4:
                w = struct.pack("<QII", 0x1200, 0, 4) + b"abcd\0\0\0\0"
                c.call(WRITE_MULTI, struct.pack("<Q", 1) + w)
            elif k == 5:
                n = rnd.randint(1, 4)
                evs = [os.eventfd(0, os.EFD_CLOEXEC) for _ in range(n)]
                fds_open += evs
                c.call(SET_IRQS, irq_set(DATA_EVENTFD | TRIGGER, rnd.randrange(0, VECTORS - n + 1), n), evs)
            elif k == 6:
                c.call(SET_IRQS, irq_set(DATA_NONE | TRIGGER, rnd.randrange(VECTORS), 1))
            elif k == 7:
                mfd = os.memfd_create("soak-ram", os.MFD_CLOEXEC)
                os.ftruncate(mfd, 0x10000)
                fds_open.append(mfd)
                addr = rnd.randrange(1, 1 << 20) << 16
                c.call(DMA_MAP, struct.pack("<IIQQQ", 32, 3, 0, addr, 0x10000), [mfd])
                if rnd.random() < 0.5:
                    c.call(DMA_UNMAP, struct.pack("<IIQQ", 24, 0, addr, 0x10000))
            elif k == 8:
                c.call(RESET)
            else:
                c.call(READ, access(7, rnd.randrange(0, 256, 4), 4))
        return "valid", c.replies
    finally:
        c.close()
        for fd in fds_open:
            os.close(fd)


def hostile_session(path, rnd, timeout_s):
    c = Client(path)
    kind = rnd.randrange(12)
    name = ["garbage", "huge-size", "small-size", "reply-type", "mid-header", "mid-payload", "above-limit",
            "bad-json", "pipe-eventfd", "fds-junk", "no-read", "stall"][kind]
    fds_open = []
    try:
        if kind in (6, 8, 9, 10):
            version(c, rnd)
        if kind == 0:
            c.s.sendall(os.urandom(rnd.randint(1, 300)))
        elif kind == 1:
            c.s.sendall(hdr(1, rnd.randint(0, 20), rnd.choice([0x7fffffff, 0xffffffff, 16 + 65540 + 100])))
        elif kind == 2:
            c.s.sendall(hdr(1, VERSION, rnd.randint(0, 15)))
        elif kind == 3:
            c.s.sendall(hdr(1, GET_INFO, 32, 1) + b"\0" * 16)
        elif kind == 4:
            c.s.sendall(hdr(1, VERSION, 40)[: rnd.randint(1, 15)])
        elif kind == 5:
            c.s.sendall(hdr(1, WRITE, 16 + 16 + 4096) + access(0, 0, 4096) + b"x" * rnd.randint(0, 4000))
        elif kind == 6:
            n = MAX_XFER + rnd.randint(1, 64)
            c.call(WRITE, access(0, 0, n, b"\xa5" * n))
        elif kind == 7:
            c.call(VERSION, struct.pack("<HH", 0, 1) + b'{"capabilities":[1,2')
        elif kind == 8:
            r, w = os.pipe()
            fds_open += [r, w]
            os.set_blocking(w, False)
            try:
                while True:
                    os.write(w, b"\0" * 65536)
            except BlockingIOError:
                pass
            c.call(SET_IRQS, irq_set(DATA_EVENTFD | TRIGGER, 0, 1), [w])
            c.call(SET_IRQS, irq_set(DATA_NONE | TRIGGER, 0, 1))
        elif kind == 9:
            evs = [os.eventfd(0) for _ in range(rnd.randint(1, 20))]
            fds_open += evs
            c.send(rnd.choice([GET_INFO, READ, DMA_MAP, SET_IRQS, VERSION]), os.urandom(rnd.randint(0, 40)), 0, evs)
            try:
                c.reply()
            except (ConnectionError, OSError):
                pass
        elif kind == 10:
            for _ in range(rnd.randint(10, 200)):
                c.send(READ, access(0, 0, 4096))
            time.sleep(rnd.random() * 0.2)
        elif kind == 11:
            c.s.sendall(hdr(1, VERSION, 40)[:8])
            time.sleep(timeout_s + 0.3)
        return name, c.replies
    except (ConnectionError, OSError):
        return name, c.replies
    finally:
        c.close()
        for fd in fds_open:
            os.close(fd)


def worker(path, seed, stop, stats, errors, timeout_s):
    rnd = random.Random(seed)
    while not stop.is_set():
        try:
            if rnd.random() < 0.5:
                kind, n = valid_session(path, rnd)
            else:
                kind, n = hostile_session(path, rnd, timeout_s)
            stats.add(kind, n)
        except (ConnectionError, OSError) as e:
            # refused for --max-clients, or dropped: counted, not an error of the soak
            stats.add("refused-or-dropped", 0)
            if isinstance(e, FileNotFoundError):
                errors.append(f"socket gone: {e}")
                return


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def nfds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("barbench")
    ap.add_argument("layouts")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--sample", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=20.0)
    ap.add_argument("--rss-growth-kib", type=int, default=32768)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="bb-soak-")
    path = os.path.join(tmp, "s")
    timeout_ms = 500
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:quarantine_size_mb=16")
    err = open(os.path.join(tmp, "serve.err"), "w")
    srv = subprocess.Popen([a.barbench, "serve", "--device", f"emu:{a.layouts}/nvme-msix-bar0", "--socket", path,
                            "--quiet", "--max-data-xfer", str(MAX_XFER), "--timeout", str(timeout_ms),
                            "--max-clients", str(MAX_CLIENTS)], stdout=subprocess.PIPE, stderr=err, env=env,
                           text=True)
    for _ in range(2000):
        if os.path.exists(path) or srv.poll() is not None:
            break
        time.sleep(0.01)
    if srv.poll() is not None:
        print(f"soak: the server did not start: {open(err.name).read()}", file=sys.stderr)
        return 1
    time.sleep(0.2)
    idle_fds = nfds(srv.pid)
    fd_bound = idle_fds + MAX_CLIENTS * (1 + VECTORS + 16)
    samples = [(0.0, rss_kib(srv.pid), idle_fds)]
    print(f"soak: server pid {srv.pid}, {a.threads} clients at once for {a.seconds} s; idle: RSS {samples[0][1]} KiB,"
          f" {idle_fds} descriptors (bound while storming: {fd_bound})")
    stop = threading.Event()
    stats = Stats()
    errors = []
    ts = [threading.Thread(target=worker, args=(path, a.seed * 1000 + i, stop, stats, errors, timeout_ms / 1000),
                           daemon=True) for i in range(a.threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    failed = []
    base = None
    while time.monotonic() - t0 < a.seconds:
        time.sleep(a.sample)
        if srv.poll() is not None:
            failed.append(f"the server died (status {srv.returncode})")
            break
        el = time.monotonic() - t0
        s = (el, rss_kib(srv.pid), nfds(srv.pid))
        samples.append(s)
        print(f"  t={el:7.1f} s  RSS {s[1]:8d} KiB  descriptors {s[2]:4d}  sessions {stats.sessions}", flush=True)
        if base is None and el >= a.warmup:
            base = s
        if s[2] > fd_bound:
            failed.append(f"{s[2]} descriptors at t={el:.0f} s, bound {fd_bound}")
    stop.set()
    for t in ts:
        t.join(timeout=10)
    if srv.poll() is None:
        # stalled clients dropped, hang-ups seen: a leak never gives its descriptors back, a loaded
        # server may take more than its timeout to see every hang-up, so wait up to 30 s for them
        t_end = time.monotonic() + 30
        time.sleep(timeout_ms / 1000 + 0.5)
        end_fds = nfds(srv.pid)
        while end_fds != idle_fds and time.monotonic() < t_end:
            time.sleep(0.2)
            end_fds = nfds(srv.pid)
        end_rss = rss_kib(srv.pid)
        if end_fds != idle_fds:
            failed.append(f"{end_fds} descriptors once every client is gone, {idle_fds} when idle at start")
        if base and end_rss - base[1] > a.rss_growth_kib:
            failed.append(f"RSS grew {end_rss - base[1]} KiB from t={base[0]:.0f} s to the end (bound"
                          f" {a.rss_growth_kib} KiB)")
        srv.terminate()
    else:
        end_fds = end_rss = -1
    try:
        out, _ = srv.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        srv.kill()
        out, _ = srv.communicate()
        failed.append("the server did not stop on SIGTERM")
    err.close()
    if srv.returncode != 0:
        failed.append(f"the server exited with {srv.returncode}: {open(err.name).read()[-2000:]}")
    failed += errors
    print(f"soak: start RSS {samples[0][1]} KiB, {samples[0][2]} descriptors; end RSS {end_rss} KiB,"
          f" {end_fds} descriptors" + (f"; after warm-up (t={base[0]:.0f} s) RSS {base[1]} KiB" if base else ""))
    print(f"soak: client sessions {stats.sessions} ({', '.join(f'{k} {v}' for k, v in sorted(stats.kinds.items()))});"
          f" replies read {stats.replies}")
    print(f"soak: server: {out.strip()}")
    for f in failed:
        print(f"soak: FAIL: {f}", file=sys.stderr)
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
