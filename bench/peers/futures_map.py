"""Throughput of ProcessPoolExecutor.map over many ints with chunking: the peer for Spindle's MapAsync.

Prints one JSON line: items per second of each rep (input to the last result consumed, in order).
"""
import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, wait


def double(x):
    return x * 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--chunksize", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=1)
    args = parser.parse_args()

    rates = []
    with ProcessPoolExecutor(max_workers=args.workers) as executor:
        wait([executor.submit(double, i) for i in range(args.workers * 100)])
        for _ in range(args.reps):
            start = time.perf_counter()
            total = 0
            for y in executor.map(double, range(args.items), chunksize=args.chunksize):
                total += y
            elapsed = time.perf_counter() - start
            expected = args.items * (args.items - 1)
            if total != expected:
                raise SystemExit(f"wrong checksum {total}, expected {expected}")
            rates.append(args.items / elapsed)

    print(json.dumps({
        "peer": f"ProcessPoolExecutor(max_workers={args.workers}).map(chunksize={args.chunksize})",
        "python": sys.version.split()[0],
        "items_per_s": rates,
    }))


if __name__ == "__main__":
    main()
