#!/usr/bin/env python3
"""`tlsfloor report` against an older build and against DuckDB, on the same handshake log.

Writes a log of --lines lines with handshake_log_gen (the proxy's own line writer; about 830
bytes a line, 2,000,000 lines are 1.66 GB), the same lines split into --split files, and those
gzip-compressed (gzip -6, as logrotate's `compress`). Then times each case --runs times after a
warm-up run (the files are then in the page cache: what is measured is the reader, not the
disk), with /usr/bin/time, and prints the median wall, user and sys seconds and the median
peak RSS of each:

  baseline       --baseline's report of the one file (an older build: the A/B)
  1 thread       this build, --threads 1, the one file
  all cores      this build, default threads, the one file (read in pieces)
  N files        this build, the split files
  N .gz files    this build, the compressed split files
  duckdb         tests/bench/report_duckdb.mjs (@duckdb/node-api) on the one file

Before timing, it checks that this build's report of the one file is the baseline's, byte for
byte, up to the replicas table the baseline does not print, and that the split and gzip cases
print the same report as the one file (but for the number of files).

Run it alone on the machine (it is a benchmark):
  flock /work/build.lock python3 tests/bench/report_bench.py --tlsfloor build/proxy/tlsfloor \\
      --baseline OLD/tlsfloor --gen build/tests/handshake_log_gen --workdir /tmp/report-bench
DuckDB is installed with npm into WORKDIR/duckdb unless --duckdb-dir names a directory that has
node_modules/@duckdb/node-api. The files (about 3.5 GB for the default size) are left in
WORKDIR: delete it when done.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(argv, **kwargs):
    return subprocess.run(argv, check=True, **kwargs)


def timed(argv, runs, env=None):
    """Median wall, user, sys seconds and peak RSS (MiB) of `runs` runs after one warm-up."""
    figures = []
    for run in range(runs + 1):
        result = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M"] + argv,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env=env)
        match = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", result.stderr)
        if not match:
            sys.exit(f"no figures from {argv}: {result.stderr[-2000:]}")
        if run > 0:
            figures.append([float(x) for x in match.groups()])
    medians = [statistics.median(column) for column in zip(*figures)]
    medians[3] /= 1024  # KiB -> MiB
    return medians


def output(argv):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return result.stdout


def without_replicas(text):
    at = text.find(b"\n\nReplicas:")
    return text if at < 0 else text[:at] + b"\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tlsfloor", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--gen", required=True, help="handshake_log_gen")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--split", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duckdb-dir")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    big = os.path.join(args.workdir, "handshakes.log")
    if not os.path.exists(big):
        sh([args.gen, "--lines", str(args.lines), "--out", big])
    parts = [os.path.join(args.workdir, f"part-{i:02d}.log") for i in range(args.split)]
    if not all(os.path.exists(p) for p in parts):
        per_part = -(-args.lines // args.split)
        with open(big, "rb") as source:
            for path in parts:
                with open(path, "wb") as part:
                    for _ in range(per_part):
                        line = source.readline()
                        if not line:
                            break
                        part.write(line)
    gz = [p + ".gz" for p in parts]
    if not all(os.path.exists(p) for p in gz):
        sh(["sh", "-c", "printf '%s\\n' \"$@\" | xargs -P 2 -n 1 gzip -6 -k -f", "sh"] + parts)

    duckdb_dir = args.duckdb_dir or os.path.join(args.workdir, "duckdb")
    if not os.path.isdir(os.path.join(duckdb_dir, "node_modules", "@duckdb", "node-api")):
        os.makedirs(duckdb_dir, exist_ok=True)
        sh(["npm", "install", "--no-audit", "--no-fund", "@duckdb/node-api"], cwd=duckdb_dir)
    script = os.path.join(duckdb_dir, "report_duckdb.mjs")
    shutil.copy(os.path.join(HERE, "report_duckdb.mjs"), script)

    report = [args.tlsfloor, "report", "--floor", "TLS1.2"]
    one = output(report + ["--log", big])
    if not args.skip_baseline:
        old = output([args.baseline, "report", "--floor", "TLS1.2", "--log", big])
        print("identical to the baseline:", without_replicas(one) == old)
    split = output(report + ["--log"] + parts)
    compressed = output(report + ["--log"] + gz)
    files_line = re.compile(rb"  log files +\d+\n")
    print("split and gzip identical to one file:",
          files_line.sub(b"", split) == files_line.sub(b"", one) ==
          files_line.sub(b"", compressed))

    cases = []
    if not args.skip_baseline:
        cases.append(("baseline, 1 file", [args.baseline, "report", "--floor", "TLS1.2",
                                           "--log", big]))
    cases += [
        ("1 thread, 1 file", report + ["--threads", "1", "--log", big]),
        ("all cores, 1 file", report + ["--log", big]),
        (f"all cores, {args.split} files", report + ["--log"] + parts),
        (f"1 thread, {args.split} .gz files", report + ["--threads", "1", "--log"] + gz),
        (f"all cores, {args.split} .gz files", report + ["--log"] + gz),
        ("duckdb, 1 file", ["node", script, big]),
    ]
    print(f"\n{args.lines} lines, {os.path.getsize(big) / 1e9:.2f} GB; medians of {args.runs}")
    print("| case | wall s | user s | sys s | max RSS MiB |")
    print("| --- | --- | --- | --- | --- |")
    for name, argv in cases:
        wall, user, system, rss = timed(argv, args.runs)
        print(f"| {name} | {wall:.2f} | {user:.2f} | {system:.2f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
