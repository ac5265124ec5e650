#!/usr/bin/env python3
"""What the passage stage costs: `scan` minus `scan --passages off`, in user
CPU seconds on one thread, for one or more reprint binaries, alternating.

    cargo build --release
    python3 benches/passage_cost.py ../shared/corpora/reuters21578/reuters21578.jsonl
    # against an older build (e.g. a worktree of another commit):
    python3 benches/passage_cost.py --bin target/release/reprint \\
        --bin /tmp/old/target/release/reprint --runs 7 ../shared/corpora/bbc

Every binary runs `scan CORPUS --threads 1 -q --format json -o /dev/null`
with passages on and off, in turn, `--runs` times. The stage's cost is the
fastest run with passages minus the fastest without (a shared machine only
ever adds time, and the difference of two minima is steadier than the
minimum of per-round differences, where one slow run without passages
makes a round look cheap); the median of the per-round differences is
beside it, and each binary's cost relative to the first binary's.

With `--steps`, the first binary's runs with passages add `--timings` and
the fastest time of each step over the rounds is printed too (where the
stage's cost lies; the binary must know `--timings`).

Benchmarks are not tests: nothing here asserts on time.
"""

import argparse
import resource
import statistics
import subprocess
import sys


def user_seconds(cmd, steps=None):
    """User CPU seconds of one run of `cmd` (its children's rusage); with
    `steps` (a dict), each `--timings` line's seconds appended under its
    step's name."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    out = subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    if steps is not None:
        for line in out.stderr.splitlines()[1:]:
            name, _, seconds = line.strip().rpartition(" ")
            steps.setdefault(name.strip(), []).append(float(seconds))
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="paths passed to `reprint scan`")
    parser.add_argument("--bin", action="append", help="reprint binary (repeatable)")
    parser.add_argument("--runs", type=int, default=5, help="rounds per binary")
    parser.add_argument("--steps", action="store_true",
                        help="also time each step of the first binary (--timings)")
    args = parser.parse_args()
    bins = args.bin or ["target/release/reprint"]
    times = {b: {"on": [], "off": []} for b in bins}
    steps = {}
    for _ in range(args.runs):
        for b in bins:
            base = [b, "scan", *args.corpus, "--threads", "1", "-q"]
            base += ["--format", "json", "-o", "/dev/null"]
            if args.steps and b == bins[0]:
                times[b]["on"].append(user_seconds(base + ["--timings"], steps))
            else:
                times[b]["on"].append(user_seconds(base))
            times[b]["off"].append(user_seconds(base + ["--passages", "off"]))

    def cost(b):
        return min(times[b]["on"]) - min(times[b]["off"])

    first = cost(bins[0])
    print(f"passage stage, user CPU s, {args.runs} alternating rounds, --threads 1")
    print(f"{'binary':<40} {'cost':>7} {'median':>7} {'vs first':>9}")
    for b in bins:
        rounds = [on - off for on, off in zip(times[b]["on"], times[b]["off"])]
        mid = statistics.median(rounds)
        print(f"{b:<40} {cost(b):7.3f} {mid:7.3f} {cost(b) / first:8.2f}x")
    if steps:
        print(f"\nsteps of {bins[0]} with passages, wall s, fastest of {args.runs}")
        for name, seconds in steps.items():
            print(f"  {name:<28} {min(seconds):7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
