"""The Dask distributed peer for the cluster benchmark (bench/Spindle.Bench.Cluster).

A LocalCluster(n_workers=2, threads_per_worker=1, processes=True) on loopback, a Client on it, and one of:
  roundtrip  client.submit(inc, i).result() one call at a time, each timed (ms)
  submit     client.map(inc, range(calls)) then client.gather: tiny tasks per second
  map        the items as lists of --chunk ints (built inside the timing), client.map(double_chunk, lists),
             every result gathered and consumed in order: items per second
Runs with Debian's /usr/bin/python3 and python3-distributed (scripts/ensure-python-peers). Prints one JSON line.
"""
import argparse
import json
import logging
import sys
import time

from distributed import Client, LocalCluster, wait


def inc(x):
    return x + 1


def double_chunk(xs):
    return [x * 2 for x in xs]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["roundtrip", "submit", "map"])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=1)
    args = parser.parse_args()

    samples = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        # Warm: both worker processes have run tasks before anything is timed.
        wait(client.map(inc, range(200), pure=False))
        for _ in range(args.reps):
            if args.mode == "roundtrip":
                for i in range(args.calls):
                    start = time.perf_counter()
                    y = client.submit(inc, i, pure=False).result()
                    samples.append((time.perf_counter() - start) * 1000)
                    if y != i + 1:
                        raise SystemExit(f"wrong result {y} for {i}")
            elif args.mode == "submit":
                start = time.perf_counter()
                futures = client.map(inc, range(args.calls), pure=False)
                total = sum(client.gather(futures))
                elapsed = time.perf_counter() - start
                del futures
                expected = args.calls * (args.calls + 1) // 2
                if total != expected:
                    raise SystemExit(f"wrong checksum {total}, expected {expected}")
                samples.append(args.calls / elapsed)
            else:
                n, c = args.items, args.chunk
                start = time.perf_counter()
                chunks = [list(range(i, min(i + c, n))) for i in range(0, n, c)]
                futures = client.map(double_chunk, chunks, pure=False)
                total = 0
                for part in client.gather(futures):
                    for y in part:
                        total += y
                elapsed = time.perf_counter() - start
                del futures, chunks
                expected = n * (n - 1)
                if total != expected:
                    raise SystemExit(f"wrong checksum {total}, expected {expected}")
                samples.append(n / elapsed)

    import distributed
    print(json.dumps({
        "peer": f"dask distributed {distributed.__version__} LocalCluster(n_workers=2, threads_per_worker=1, processes=True) {args.mode}",
        "python": sys.version.split()[0],
        "samples": samples,
    }))


if __name__ == "__main__":
    main()
