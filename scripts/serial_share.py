#!/usr/bin/python3
"""The share of a run's step time spent outside any parallel loop, from a perf profile.

Reads the output of `perf script -F ip,sym,dso` for a profile with call graphs (`perf record -g`)
of a one-thread run of a build with frame pointers, and counts the samples taken inside
Simulation::step (the recorded steps; the burn-in steps run from the constructor are left out).
A sample is parallel when a frame of its call chain belongs to TBB (a symbol in namespace tbb or a
frame in libtbb); the others ran on one thread whatever the thread count. Prints the counts, the
serial share and the serial samples by their first frames (docs/performance-history.md, round six).

    perf record -F 2000 -g -o perf.data BIN bench --candidates 1000000 --steps 24 --threads 1
    perf script -i perf.data -F ip,sym,dso | /usr/bin/python3 scripts/serial_share.py
"""
import collections
import re
import sys

FRAME = re.compile(r"^\s*[0-9a-f]+ (.*) \((.*)\)$")


def samples(text):
    for block in text.split("\n\n"):
        frames = [m.groups() for m in map(FRAME.match, block.splitlines()) if m]
        if frames:
            yield frames


def main():
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    total = serial = 0
    where = collections.Counter()
    for frames in samples(sys.stdin.read()):
        if not any("Simulation::step" in sym for sym, _ in frames):
            continue
        total += 1
        if any(sym.startswith("tbb::") or "libtbb" in dso for sym, dso in frames):
            continue
        serial += 1
        where[" < ".join(sym[:60] for sym, _ in frames[:3])] += 1
    print(f"step samples {total}, outside parallel loops {serial} ({100.0 * serial / max(total, 1):.2f} %)")
    for key, n in where.most_common(top):
        print(f"{n:6d}  {key}")


if __name__ == "__main__":
    main()
