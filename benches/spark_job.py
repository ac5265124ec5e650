#!/usr/bin/env python3
"""What the Spark job (reprint.spark) costs in local mode: wall time,
throughput and the bytes it shuffles per article, from Spark's own stage
metrics (its monitoring REST API), with a projection to a corpus of a
billion articles.

    pip install "./python[spark]"
    python3 benches/spark_job.py target/bench/corpus-20000-s1/*.jsonl
    python3 benches/spark_job.py --master 'local[2]' ../shared/corpora/reuters21578/reuters21578.jsonl
    python3 benches/spark_job.py --passages bbc.jsonl      # near-duplicates, then passages

The job runs once to warm up the JVM and the workers, then `--repeat`
times; the figures are of the fastest run. Shuffle bytes are the sum of
every stage's shuffle writes (what crosses the network on a cluster). The
projection is linear: it assumes a billion articles shuffle and cost per
article what these do. Benchmarks are not tests: nothing here asserts on
time.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request


def shuffled(ui, app):
    """Shuffle-write bytes summed over the application's completed stages
    so far (Spark's monitoring REST API)."""
    with urllib.request.urlopen(f"{ui}/api/v1/applications/{app}/stages?status=complete") as r:
        return sum(s.get("shuffleWriteBytes", 0) for s in json.load(r))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="JSONL or Parquet inputs of the job")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=100, help="cluster size of the projection")
    parser.add_argument("--cores", type=int, default=16, help="cores per node in the projection")
    parser.add_argument("--passages", action="store_true",
                        help="the whole scan: near-duplicates, then passage clusters and links")
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from reprint import spark as job

    spark = (SparkSession.builder.master(args.master).appName("reprint-bench")
             .config("spark.ui.enabled", "true").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    ui, app = spark.sparkContext.uiWebUrl, spark.sparkContext.applicationId
    articles = spark.read.text(args.inputs).count() if not any(
        p.endswith(".parquet") for p in args.inputs) else spark.read.parquet(*args.inputs).count()
    runs = []
    for k in range(args.repeat + 1):
        before = shuffled(ui, app)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            job.run(spark, args.inputs, out, passages=args.passages)
        wall = time.perf_counter() - started
        if k > 0:
            runs.append((wall, shuffled(ui, app) - before))
    spark.stop()
    wall, shuffle = min(runs)
    cores = int(args.master[6:-1]) if args.master.startswith("local[") and args.master[6:-1].isdigit() \
        else os.cpu_count()
    per_article = shuffle / articles
    rate = articles / wall
    print(f"{articles} articles, {args.master} ({cores} cores), fastest of {args.repeat} runs")
    print(f"wall {wall:.1f} s, {rate:.0f} articles/s ({rate / cores:.0f} per core)")
    print(f"shuffle written {shuffle / 1e6:.1f} MB = {per_article:.0f} bytes/article")
    billion = 1e9
    node_cores = args.nodes * args.cores
    print(f"1e9 articles: {per_article * billion / 1e12:.2f} TB shuffled "
          f"({per_article * billion / args.nodes / 1e9:.0f} GB per node on {args.nodes} nodes); "
          f"at this per-core rate {billion / (rate / cores * node_cores) / 3600:.1f} h "
          f"on {args.nodes} × {args.cores} cores")


if __name__ == "__main__":
    main()
