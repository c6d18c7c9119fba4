"""Python's multiprocessing.Pipe doing the IPC bench's work: round trips and one-way throughput, parent <-> child process.

Round trip: the parent sends N bytes with send_bytes, the child echoes them back. Throughput: the parent sends
M messages, the child receives them all and answers once. Prints one JSON line: rt_<size> (microseconds per round
trip) and tp_<size> (messages per second, one sample per rep).
"""
import argparse
import json
import sys
import time
from multiprocessing import Pipe, Process


def echo(conn):
    while True:
        data = conn.recv_bytes()
        if data == b"stop":
            return
        if data == b"count":
            expected = int(conn.recv_bytes())
            for _ in range(expected):
                conn.recv_bytes()
            conn.send_bytes(b"done")
            continue
        conn.send_bytes(data)


def ints(text):
    return [int(x) for x in text.split(",") if x]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rt-sizes", type=ints, default=[64])
    parser.add_argument("--rt-counts", type=ints, default=[2000])
    parser.add_argument("--tp-sizes", type=ints, default=[])
    parser.add_argument("--tp-messages", type=ints, default=[])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    parent, child = Pipe()
    worker = Process(target=echo, args=(child,), daemon=True)
    worker.start()
    clock = time.perf_counter_ns
    result = {"peer": "multiprocessing.Pipe", "python": sys.version.split()[0]}
    for size, count in zip(args.rt_sizes, args.rt_counts):
        message = b"x" * size
        for _ in range(min(count, 200)):
            parent.send_bytes(message)
            parent.recv_bytes()
        samples = []
        for _ in range(count):
            start = clock()
            parent.send_bytes(message)
            reply = parent.recv_bytes()
            samples.append((clock() - start) / 1000)
            if len(reply) != size:
                raise SystemExit("short echo")
        result[f"rt_{size}"] = samples
    for size, messages in zip(args.tp_sizes, args.tp_messages):
        message = b"x" * size
        rates = []
        for _ in range(args.reps):
            start = clock()
            parent.send_bytes(b"count")
            parent.send_bytes(str(messages).encode())
            for _ in range(messages):
                parent.send_bytes(message)
            if parent.recv_bytes() != b"done":
                raise SystemExit("no done")
            rates.append(messages / ((clock() - start) / 1e9))
        result[f"tp_{size}"] = rates
    parent.send_bytes(b"stop")
    worker.join(30)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
