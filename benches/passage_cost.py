#!/usr/bin/env python3
"""What the passage stage costs: `scan` minus `scan --passages off`, in user
CPU seconds on one thread, for one or more reprint binaries, alternating.

    cargo build --release
    python3 benches/passage_cost.py ../shared/corpora/reuters21578/reuters21578.jsonl
    # against an older build (e.g. a worktree of another commit):
    python3 benches/passage_cost.py --bin target/release/reprint \\
        --bin /tmp/old/target/release/reprint --runs 7 ../shared/corpora/bbc

Every binary runs `scan CORPUS --threads 1 -q --format json -o /dev/null`
with passages on and off, in turn, `--runs` times; the stage's cost is the
difference of the two user-CPU times of one round. The minimum over rounds
is reported (a shared machine only ever adds time), with the median beside
it, and each binary's minimum relative to the first binary's.

Benchmarks are not tests: nothing here asserts on time.
"""

import argparse
import resource
import statistics
import subprocess
import sys


def user_seconds(cmd):
    """User CPU seconds of one run of `cmd` (its children's rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="paths passed to `reprint scan`")
    parser.add_argument("--bin", action="append", help="reprint binary (repeatable)")
    parser.add_argument("--runs", type=int, default=5, help="rounds per binary")
    args = parser.parse_args()
    bins = args.bin or ["target/release/reprint"]
    costs = {b: [] for b in bins}
    for _ in range(args.runs):
        for b in bins:
            base = [b, "scan", *args.corpus, "--threads", "1", "-q"]
            base += ["--format", "json", "-o", "/dev/null"]
            on = user_seconds(base)
            off = user_seconds(base + ["--passages", "off"])
            costs[b].append(on - off)
    first = min(costs[bins[0]])
    print(f"passage stage, user CPU s, {args.runs} alternating rounds, --threads 1")
    print(f"{'binary':<40} {'min':>7} {'median':>7} {'vs first':>9}")
    for b in bins:
        low, mid = min(costs[b]), statistics.median(costs[b])
        print(f"{b:<40} {low:7.3f} {mid:7.3f} {low / first:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
