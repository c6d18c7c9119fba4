"""Throughput of many independent tiny calls: submit them all to a ProcessPoolExecutor, then wait for all.

The peer for Spindle's "many tiny calls, no chunking". Prints one JSON line: calls per second of each rep.
"""
import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, wait


def inc(x):
    return x + 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=1)
    args = parser.parse_args()

    rates = []
    with ProcessPoolExecutor(max_workers=args.workers) as executor:
        # Warm: enough concurrent calls that every worker process has started.
        wait([executor.submit(inc, i) for i in range(args.workers * 100)])
        for _ in range(args.reps):
            start = time.perf_counter()
            futures = [executor.submit(inc, i) for i in range(args.calls)]
            total = sum(f.result() for f in futures)
            elapsed = time.perf_counter() - start
            expected = args.calls * (args.calls + 1) // 2
            if total != expected:
                raise SystemExit(f"wrong checksum {total}, expected {expected}")
            rates.append(args.calls / elapsed)

    print(json.dumps({
        "peer": f"ProcessPoolExecutor(max_workers={args.workers}).submit",
        "python": sys.version.split()[0],
        "calls_per_s": rates,
    }))


if __name__ == "__main__":
    main()
