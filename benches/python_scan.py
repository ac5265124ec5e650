#!/usr/bin/env python3
"""What the Python package costs over the binary: `reprint.scan` of a pyarrow
Table against `reprint scan` of the same records as JSONL, alternating runs.

    pip install ./python pyarrow        # in a virtualenv
    cargo build --release
    python benches/python_scan.py ../shared/corpora/reuters21578/reuters21578.jsonl
    cargo bench --bench corpus -- generate --articles 20000 --seed 1 --out target/bench/c20k
    python benches/python_scan.py target/bench/c20k --runs 3   # a directory of JSONL shards

The table is read from the JSONL file once, before timing (a Python user
holds the table already); each Python run times `reprint.scan(table)` with
the report built as Python objects, each binary run the whole process
writing the JSON report to /dev/null. The reports are then compared: the
bench fails if they differ. Both with default options (passages
on), all cores. Reports wall-clock minima and medians over `--runs` rounds
and the ratio of minima. Not a test: nothing asserts on time.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import tempfile
import time

import pyarrow.json

import reprint


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jsonl", help="a JSONL file with id and text (and title), "
                        "or a directory of them (read in name order, as the binary does)")
    parser.add_argument("--bin", default="target/release/reprint")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = pathlib.Path(args.jsonl)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    table = pyarrow.concat_tables([pyarrow.json.read_json(f) for f in files])
    if table.schema.field("id").type != pyarrow.string():
        table = table.set_column(table.schema.get_field_index("id"), "id",
                                 table.column("id").cast(pyarrow.string()))
    # The largest file size the binary takes: it reads the whole file, as the table holds it.
    cmd = [args.bin, "scan", args.jsonl, "-q", "--format", "json",
           "--max-file-size", "4294967295"]
    py, binary = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run(cmd + ["-o", "/dev/null"], check=True)
        binary.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = reprint.scan(table)
        py.append(time.perf_counter() - t)
    print(f"{table.num_rows} records, {args.runs} alternating rounds, wall seconds")
    print(f"binary  min {min(binary):.3f}  median {statistics.median(binary):.3f}")
    print(f"python  min {min(py):.3f}  median {statistics.median(py):.3f}  "
          f"({min(py) / min(binary):.2f}x the binary)")
    # Both did the same work: the same report, the inputs' names aside.
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "report.json"
        subprocess.run(cmd + ["-o", str(out)], check=True)
        expected = json.loads(out.read_text())
    same = all(result.json[k] == expected[k]
               for k in ("clusters", "passage_clusters", "links"))
    print(f"python report: {result.summary['links']} links, "
          f"{result.summary['clusters']} clusters; "
          f"{'the same' if same else 'NOT the same'} as the binary's")
    if not same:
        raise SystemExit("the reports differ")


if __name__ == "__main__":
    main()
