"""Python's side of Spindle's shared-memory bench: the same work with multiprocessing, standard library only.

  signal   --count N                 two processes ping-pong through two multiprocessing.Events
  transfer --size S --iterations I [--ring-bytes R]
                                     blocks stream through a ring of slots in multiprocessing.shared_memory: the
                                     producer writes each block in, the consumer checksums it in place (adler32),
                                     two Semaphores hand the slots over, the checksums are verified

Prints one JSON line: round_trip_us, or bytes_per_second.
"""
import argparse
import json
import multiprocessing as mp
import os
import time
import zlib
from multiprocessing import shared_memory


def answer(ping, pong, count):
    for _ in range(count):
        ping.wait()
        ping.clear()
        pong.set()


def signal(count):
    ping, pong = mp.Event(), mp.Event()
    warmup = 200
    peer = mp.Process(target=answer, args=(ping, pong, count + warmup))
    peer.start()
    for _ in range(warmup):
        ping.set()
        pong.wait()
        pong.clear()
    start = time.perf_counter()
    for _ in range(count):
        ping.set()
        pong.wait()
        pong.clear()
    elapsed = time.perf_counter() - start
    peer.join()
    return {"round_trip_us": elapsed / count * 1e6}


def consume(name, size, slots, first, end, empty, full, ready, result):
    block = shared_memory.SharedMemory(name=name)
    view = block.buf
    ready.set()
    total = 0
    try:
        for i in range(first, end):
            full.acquire()
            offset = (i % slots) * size
            if int.from_bytes(view[offset:offset + 8], "little") != i:
                raise ValueError(f"block {i} held a stale slot")
            total = (total + zlib.adler32(view[offset:offset + size])) & 0xFFFFFFFFFFFFFFFF
            empty.release()
        result.value = total
    finally:
        del view
        block.close()


def stamped(source, i):
    source[0:8] = i.to_bytes(8, "little")
    return source


def transfer(size, iterations, ring_bytes):
    """The goal row's work: the producer writes each block into a ring in shared memory (one copy from private
    memory), the consumer reads it in place (adler32 of every byte, in C) and the sums are checked; one semaphore
    release and acquire per block on each side hand the slots over."""
    slots = max(2, ring_bytes // size)
    block = shared_memory.SharedMemory(create=True, size=slots * size)
    try:
        empty, full, ready = mp.Semaphore(slots), mp.Semaphore(0), mp.Event()
        result = mp.Value("Q", 0)
        source = bytearray(os.urandom(size))
        expected = 0
        for i in range(iterations):
            expected = (expected + zlib.adler32(stamped(source, i))) & 0xFFFFFFFFFFFFFFFF
        peer = mp.Process(target=consume, args=(block.name, size, slots, 0, iterations, empty, full, ready, result))
        peer.start()
        ready.wait()
        view = block.buf
        start = time.perf_counter()
        for i in range(iterations):
            empty.acquire()
            offset = (i % slots) * size
            view[offset:offset + size] = stamped(source, i)
            full.release()
        for _ in range(slots):
            empty.acquire()
        elapsed = time.perf_counter() - start
        del view
        peer.join()
        if peer.exitcode != 0 or result.value != expected:
            raise RuntimeError(f"consumer exit {peer.exitcode}, checksum {result.value:x} != {expected:x}")
        return {"bytes_per_second": size * iterations / elapsed}
    finally:
        block.close()
        block.unlink()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["signal", "transfer"])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--ring-bytes", type=int, default=256 << 10)
    args = parser.parse_args()
    result = signal(args.count) if args.mode == "signal" else transfer(args.size, args.iterations, args.ring_bytes)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
