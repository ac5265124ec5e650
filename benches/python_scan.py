#!/usr/bin/env python3
"""What the Python package costs over the binary: `reprint.scan` of a pyarrow
Table against `reprint scan` of the same records as JSONL, alternating runs.

    pip install ./python pyarrow        # in a virtualenv
    cargo build --release
    python benches/python_scan.py ../shared/corpora/reuters21578/reuters21578.jsonl

The table is read from the JSONL file once, before timing (a Python user
holds the table already); each Python run times `reprint.scan(table)` with
the report parsed into Python objects, each binary run the whole process
writing the JSON report to /dev/null. Both with default options (passages
on), all cores. Reports wall-clock minima and medians over `--runs` rounds
and the ratio of minima. Not a test: nothing asserts on time.
"""

import argparse
import statistics
import subprocess
import time

import pyarrow.json

import reprint


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jsonl", help="a JSONL file with id and text (and title)")
    parser.add_argument("--bin", default="target/release/reprint")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    table = pyarrow.json.read_json(args.jsonl)
    if table.schema.field("id").type != pyarrow.string():
        table = table.set_column(table.schema.get_field_index("id"), "id",
                                 table.column("id").cast(pyarrow.string()))
    cmd = [args.bin, "scan", args.jsonl, "-q", "--format", "json", "-o", "/dev/null"]
    py, binary = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        binary.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = reprint.scan(table)
        py.append(time.perf_counter() - t)
    print(f"{table.num_rows} records, {args.runs} alternating rounds, wall seconds")
    print(f"binary  min {min(binary):.3f}  median {statistics.median(binary):.3f}")
    print(f"python  min {min(py):.3f}  median {statistics.median(py):.3f}  "
          f"({min(py) / min(binary):.2f}x the binary)")
    print(f"python report: {result.summary['links']} links, "
          f"{result.summary['clusters']} clusters")


if __name__ == "__main__":
    main()
