"""The Celery peer for the cluster benchmark (bench/Spindle.Bench.Cluster).

Celery with a redis-server broker and result backend that the bench started on a loopback port (--broker), and one
worker started here: `celery worker --concurrency 2 --pool prefork` (two worker processes, as two agents of one
worker each). Then one of:
  roundtrip  inc.delay(i).get() one call at a time, each timed (ms)
  submit     inc.delay(i) for every call, then .get() of each: tiny tasks per second
The worker is stopped at the end (terminated, killed if it lingers). Runs with Debian's /usr/bin/python3,
python3-celery and python3-redis (scripts/ensure-python-peers). Prints one JSON line.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from celery import Celery

BROKER = os.environ.get("SPINDLE_BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/0")
app = Celery("celery_peer", broker=BROKER, backend=BROKER)
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)


@app.task
def inc(x):
    return x + 1


def start_worker():
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, SPINDLE_BENCH_CELERY_BROKER=BROKER)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_peer", "worker", "--concurrency", "2", "--pool", "prefork",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=here, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the celery worker exited with code {worker.returncode}")
        if app.control.ping(timeout=0.5):
            return worker
    worker.kill()
    raise SystemExit("the celery worker did not answer a ping within 60 s")


def stop_worker(worker):
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=5)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["roundtrip", "submit"])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=1)
    args = parser.parse_args()

    worker = start_worker()
    samples = []
    try:
        for r in [inc.delay(i) for i in range(200)]:
            r.get(timeout=60)
        for _ in range(args.reps):
            if args.mode == "roundtrip":
                for i in range(args.calls):
                    start = time.perf_counter()
                    y = inc.delay(i).get(timeout=60)
                    samples.append((time.perf_counter() - start) * 1000)
                    if y != i + 1:
                        raise SystemExit(f"wrong result {y} for {i}")
            else:
                start = time.perf_counter()
                results = [inc.delay(i) for i in range(args.calls)]
                total = sum(r.get(timeout=120) for r in results)
                elapsed = time.perf_counter() - start
                expected = args.calls * (args.calls + 1) // 2
                if total != expected:
                    raise SystemExit(f"wrong checksum {total}, expected {expected}")
                samples.append(args.calls / elapsed)
    finally:
        stop_worker(worker)

    import celery
    print(json.dumps({
        "peer": f"celery {celery.__version__} prefork concurrency 2, redis broker and backend, {args.mode}",
        "python": sys.version.split()[0],
        "samples": samples,
    }))


if __name__ == "__main__":
    main()
