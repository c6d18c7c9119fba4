"""Python's multiprocessing.Queue doing the IPC bench's work: round trips and one-way throughput between processes.

Round trip: the parent puts N bytes on one queue, the child gets them and puts them on another, the parent gets
them back. Throughput: the parent puts M messages, the child gets them all and answers once. Prints one JSON line:
rt_<size> (microseconds per round trip) and tp_<size> (messages per second, one sample per rep).
"""
import argparse
import json
import sys
import time
from multiprocessing import Process, Queue


def echo(requests, replies):
    while True:
        data = requests.get()
        if data == "stop":
            return
        if isinstance(data, tuple):
            for _ in range(data[1]):
                requests.get()
            replies.put("done")
            continue
        replies.put(data)


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

    requests, replies = Queue(), Queue()
    worker = Process(target=echo, args=(requests, replies), daemon=True)
    worker.start()
    clock = time.perf_counter_ns
    result = {"peer": "multiprocessing.Queue", "python": sys.version.split()[0]}
    for size, count in zip(args.rt_sizes, args.rt_counts):
        message = b"x" * size
        for _ in range(min(count, 200)):
            requests.put(message)
            replies.get()
        samples = []
        for _ in range(count):
            start = clock()
            requests.put(message)
            reply = replies.get()
            samples.append((clock() - start) / 1000)
            if len(reply) != size:
                raise SystemExit("short echo")
        result[f"rt_{size}"] = samples
    for size, messages in zip(args.tp_sizes, args.tp_messages):
        message = b"x" * size
        rates = []
        for _ in range(args.reps):
            start = clock()
            requests.put(("count", messages))
            for _ in range(messages):
                requests.put(message)
            if replies.get() != "done":
                raise SystemExit("no done")
            rates.append(messages / ((clock() - start) / 1e9))
        result[f"tp_{size}"] = rates
    requests.put("stop")
    worker.join(30)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
