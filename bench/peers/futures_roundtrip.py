"""Round trip of one tiny call through a concurrent.futures executor: submit(inc, i).result(), warm.

The peer for Spindle's warm round trip (ProcessPoolExecutor) and its thread-isolation overhead
(ThreadPoolExecutor). Prints one JSON line: the time of every call in microseconds.
"""
import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def inc(x):
    return x + 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--executor", choices=["process", "thread"], required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args()

    executor_type = ProcessPoolExecutor if args.executor == "process" else ThreadPoolExecutor
    with executor_type(max_workers=args.workers) as executor:
        # Warm: workers started, code paths and caches hot, as on the Spindle side.
        for i in range(args.warmup):
            executor.submit(inc, i).result()

        samples = []
        clock = time.perf_counter_ns
        for i in range(args.calls):
            start = clock()
            result = executor.submit(inc, i).result()
            samples.append((clock() - start) / 1000)
            if result != i + 1:
                raise SystemExit(f"wrong result {result} for {i}")

    print(json.dumps({
        "peer": f"{executor_type.__name__}(max_workers={args.workers})",
        "python": sys.version.split()[0],
        "samples_us": samples,
    }))


if __name__ == "__main__":
    main()
