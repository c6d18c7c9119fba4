"""Python's side of Spindle's shared-memory bench: the same work with multiprocessing, standard library only.

  signal   --count N                 two processes ping-pong through two multiprocessing.Events
  transfer --size S --iterations I   bytes move from one process's buffer to another's through a double-buffered
                                     multiprocessing.shared_memory block, slots handed over by two Semaphores

Prints one JSON line: round_trip_us, or bytes_per_second.
"""
import argparse
import json
import multiprocessing as mp
import os
import time
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


def consume(name, size, iterations, empty, full, ready):
    block = shared_memory.SharedMemory(name=name)
    destination = bytearray(size)
    ready.set()
    for i in range(iterations):
        full.acquire()
        offset = (i & 1) * size
        destination[:] = block.buf[offset:offset + size]
        empty.release()
    block.close()


def transfer(size, iterations):
    block = shared_memory.SharedMemory(create=True, size=2 * size)
    try:
        empty, full, ready = mp.Semaphore(2), mp.Semaphore(0), mp.Event()
        peer = mp.Process(target=consume, args=(block.name, size, iterations, empty, full, ready))
        peer.start()
        ready.wait()
        source = os.urandom(size)
        start = time.perf_counter()
        for i in range(iterations):
            empty.acquire()
            offset = (i & 1) * size
            block.buf[offset:offset + size] = source
            full.release()
        empty.acquire()
        empty.acquire()
        elapsed = time.perf_counter() - start
        peer.join()
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
    args = parser.parse_args()
    result = signal(args.count) if args.mode == "signal" else transfer(args.size, args.iterations)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
