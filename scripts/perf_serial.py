#!/usr/bin/python3
"""Where a 2-thread run is serial: the main thread's samples taken while the other thread ran nothing.

Reads `perf script -F tid,time,ip,sym` of a `perf record -F HZ -g` of `talentsim bench ... --threads 2`
(a Release build with -g) on standard input. A sample of the main thread (the one whose stacks hold
cmd_bench) between the first and the last sample in a step (run_step) is serial when the other
thread has no sample within WINDOW seconds of it in which it was running code of its own (samples
in TBB's scheduler, in the kernel or without a symbol count as idle). Prints the main thread's
samples in the steps, the serial ones, both by phase (the phase function found on the stack), and
the places of the most frequent serial samples (first frame of the project, via addr2line when
--binary is given). A sample is 1/HZ seconds of one thread.

Usage: perf script -i perf.data -F tid,time,ip,sym | scripts/perf_serial.py [--binary BIN] [--window S] [--top N]
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys

PHASES = ["calendar_and_shocks", "separations", "post_vacancies", "search", "screen_and_offer", "counteroffer",
          "decide", "move", "update_wages", "direct_offers", "record"]


def read_samples(text):
    """(thread, time, [(address, symbol), ...]) for each sample, innermost frame first."""
    samples = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        head = lines[0].split()
        frames = []
        for line in lines[1:]:
            parts = line.strip().split(" ", 1)
            frames.append((parts[0], parts[1] if len(parts) > 1 else ""))
        samples.append((head[0], float(head[1].rstrip(":")), frames))
    return samples


def idle(frames):
    address, symbol = frames[0] if frames else ("", "[unknown]")
    return (symbol.startswith("tbb::detail::r1") or "sched_yield" in symbol or address.startswith("ffffffff")
            or (symbol == "[unknown]" and len(frames) < 3))


def phase_of(frames):
    found = "?"
    for _, symbol in frames:
        for phase in PHASES:
            if re.match(r"talentsim::" + phase + r"(\(|$)", symbol):
                found = phase
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", help="the binary recorded, for addr2line")
    ap.add_argument("--window", type=float, default=0.0002, help="seconds either side of a sample (default 0.0002)")
    ap.add_argument("--top", type=int, default=20)
    a = ap.parse_args()
    samples = read_samples(sys.stdin.read())
    threads = collections.Counter(s[0] for s in samples)
    main_thread = next((t for t in threads if any("cmd_bench" in f[1] for s in samples if s[0] == t for f in s[2])),
                       None)
    if main_thread is None or len(threads) < 2:
        sys.exit("perf_serial: need the samples of the main thread (cmd_bench) and of a second thread")
    other = max((t for t in threads if t != main_thread), key=lambda t: threads[t])
    in_step = [s[1] for s in samples if s[0] == main_thread and any("run_step" in f[1] for f in s[2])]
    first, last = min(in_step), max(in_step)
    busy = sorted(s[1] for s in samples if s[0] == other and not idle(s[2]))
    total, serial, places = collections.Counter(), collections.Counter(), collections.Counter()
    for thread, time, frames in samples:
        if thread != main_thread or not first <= time <= last:
            continue
        phase = phase_of(frames)
        total[phase] += 1
        k = bisect.bisect_left(busy, time - a.window)
        if k < len(busy) and busy[k] <= time + a.window:
            continue
        serial[phase] += 1
        own = next((address for address, symbol in frames if "talentsim::" in symbol and not symbol.startswith("tbb::")),
                   None)
        places[(phase, re.sub(r"\(.*", "", frames[0][1].replace("(anonymous namespace)::", ""))[:40], own)] += 1
    print("main thread's samples in the steps: %d; serial (the other thread idle): %d (%.1f%%)"
          % (sum(total.values()), sum(serial.values()), 100.0 * sum(serial.values()) / max(1, sum(total.values()))))
    print("| phase | samples | serial |")
    print("|---|---|---|")
    for phase in PHASES + ["?"]:
        if total[phase]:
            print("| %s | %d | %d |" % (phase, total[phase], serial[phase]))
    print("\nserial samples by place (phase, innermost symbol, first project frame):")
    for (phase, symbol, own), count in places.most_common(a.top):
        where = ""
        if own and a.binary:
            out = subprocess.run(["addr2line", "-i", "-e", a.binary, hex(int(own, 16))], capture_output=True, text=True)
            where = " | ".join(re.sub(r".*/src/", "", x) for x in out.stdout.split("\n") if x)[:140]
        print("%5d  %-16s %-40s %s" % (count, phase, symbol, where))


if __name__ == "__main__":
    main()
