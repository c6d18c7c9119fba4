"""Python's side of Spindle's large-value rows: a 64 MiB numpy array moved the way a Python user would move it.

  futures --mib M --reps R   ProcessPoolExecutor(1), warm: submit(identity, array).result(); arrays pickled with
                             protocol 5 (numpy's PickleBuffer, in band), as concurrent.futures sends them
  shared  --mib M --reps R   multiprocessing.shared_memory: the input lives in a SharedMemory block (its producer wrote
                             it there), the worker maps it and the output block as numpy views and writes the output
                             once (np.copyto), the parent reads the output through its own view

Run with Debian's /usr/bin/python3 and python3-numpy (scripts/ensure-numpy). Prints one JSON line: gb_per_s, one
sample per round trip, counting the bytes the way the Spindle row it is compared with counts them.
"""
import argparse
import io
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory
from multiprocessing.reduction import ForkingPickler

import numpy as np


@classmethod
def _dumps_protocol_5(cls, obj, protocol=5):
    buffer = io.BytesIO()
    cls(buffer, protocol).dump(obj)
    return buffer.getbuffer()


# concurrent.futures pickles calls and results with ForkingPickler at the default protocol (4); numpy arrays cross
# with fewer copies at protocol 5. The workers are forked, so they inherit this too.
ForkingPickler.dumps = _dumps_protocol_5


def identity(array):
    return array


def produce(input_name, output_name, count):
    source = shared_memory.SharedMemory(name=input_name)
    target = shared_memory.SharedMemory(name=output_name)
    try:
        np.copyto(np.ndarray((count,), dtype=np.float64, buffer=target.buf), np.ndarray((count,), dtype=np.float64, buffer=source.buf))
    finally:
        source.close()
        target.close()
    return count


def futures(count, reps):
    array = np.arange(count, dtype=np.float64)
    samples = []
    with ProcessPoolExecutor(max_workers=1) as executor:
        executor.submit(identity, array).result()
        for _ in range(reps):
            start = time.perf_counter()
            back = executor.submit(identity, array).result()
            elapsed = time.perf_counter() - start
            if back.shape != array.shape or back[-1] != array[-1] or back[12345] != array[12345]:
                raise SystemExit("the array came back different")
            samples.append(2 * array.nbytes / elapsed / 1e9)
    return samples


def shared(count, reps):
    nbytes = count * 8
    source = shared_memory.SharedMemory(create=True, size=nbytes)
    target = shared_memory.SharedMemory(create=True, size=nbytes)
    samples = []
    try:
        np.ndarray((count,), dtype=np.float64, buffer=source.buf)[:] = np.arange(count, dtype=np.float64)
        out = np.ndarray((count,), dtype=np.float64, buffer=target.buf)
        with ProcessPoolExecutor(max_workers=1) as executor:
            executor.submit(produce, source.name, target.name, count).result()
            for rep in range(reps):
                out[-1] = -1
                start = time.perf_counter()
                executor.submit(produce, source.name, target.name, count).result()
                elapsed = time.perf_counter() - start
                if out[-1] != count - 1 or out[12345] != 12345:
                    raise SystemExit("the output is wrong")
                samples.append(nbytes / elapsed / 1e9)
        del out
    finally:
        source.close()
        source.unlink()
        target.close()
        target.unlink()
    return samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["futures", "shared"])
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    count = args.mib * 1024 * 1024 // 8
    samples = futures(count, args.reps) if args.mode == "futures" else shared(count, args.reps)
    print(json.dumps({"peer": args.mode, "python": sys.version.split()[0], "numpy": np.__version__, "gb_per_s": samples}))


if __name__ == "__main__":
    main()
