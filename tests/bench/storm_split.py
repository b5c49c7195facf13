#!/usr/bin/env python3
"""The most that dedicated handshake threads could win in a reconnect storm.

tlsfloor makes RSA signatures on signing threads at nice 10, but the rest of a full handshake
(key exchange, key schedule, tickets, accept, the upstream connect) runs on the workers that
also relay established connections. Moving all of it to threads of its own would at best make
the storm's handshakes cost the workers nothing. This measures that best case directly: the
keepalive p99 of 64 connections on tlsfloor A while N `openssl s_time -new` loops make full
handshakes
  - against A itself (what tlsfloor does today),
  - against a second tlsfloor B beside it, run as tlsfloor runs (none of the handshake work on
    A's threads: what handshake threads at normal priority could reach),
  - against B with every one of its threads at nice 10 (handshake threads that yield the CPU).
What the second and third leave above the calm p99 is the load generators' and the machine's.

Usage (as root): tests/bench/storm_split.py --tlsfloor BIN [--rounds N] [--seconds S] [--clients N]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the same servers, certificate and wrk as the side-by-side table)


SIGNING_NICE = 10  # tls::SigningPool::kNice: where tlsfloor's signing threads normally run


def renice(server, nice):
    """Every thread of the server's process tree to `nice` (Linux's nice is per thread), or with
    nice None back to how tlsfloor runs them: signing threads at SIGNING_NICE, the rest at 0.
    Lowering a nice value needs root (CAP_SYS_NICE): a refused renice stops the run rather than
    measuring the wrong thing."""
    for pid in server.tree():
        for thread in os.listdir(f"/proc/{pid}/task"):
            value = nice
            if value is None:
                with open(f"/proc/{pid}/task/{thread}/comm") as comm:
                    value = SIGNING_NICE if comm.read().strip() == "tlsfloor-sign" else 0
            subprocess.run(["renice", "-n", str(value), "-p", thread], stdout=subprocess.DEVNULL,
                           check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tlsfloor", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--clients", type=int, default=4, help="s_time loops")
    args = parser.parse_args()

    run_dir = tempfile.mkdtemp(prefix="tlsfloor-storm-split-")
    servers = []
    columns = ["calm", "storm on A", "storm on B", "storm on B at nice 10"]
    results = {column: [] for column in columns}
    try:
        bench.prepare_run_dir(run_dir, "rsa", ["tlsfloor.yaml", "tlsfloor-baseline.yaml"])
        servers.append(bench.start_backend(run_dir))
        for name in ["tlsfloor", "tlsfloor-baseline"]:
            servers.append(bench.Server(name, [
                part.format(run=run_dir, tlsfloor=args.tlsfloor, baseline=args.tlsfloor)
                for part in bench.SERVERS[name][2]]))
        measured, other = servers[1:]
        for round_index in range(args.rounds):
            results["calm"].append(bench.wrk(measured.port, args.seconds, 64).get("p99_ms"))
            for column, target, nice in [("storm on A", measured, None),
                                         ("storm on B", other, None),
                                         ("storm on B at nice 10", other, 10)]:
                renice(other, nice)
                loaded, _ = bench.wrk_during_storm(measured.port, target.port, args.seconds,
                                                   args.clients)
                results[column].append(loaded.get("p99_ms"))
            print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)

    print(f"\nKeepalive p99 of 64 connections on tlsfloor A, {args.clients} s_time -new loops; "
          f"medians of {args.rounds} rounds of {args.seconds} s")
    calm = statistics.median(value for value in results["calm"] if value)
    for column in columns:
        values = [value for value in results[column] if value]
        p99 = statistics.median(values) if values else 0
        print(f"{column:<24}{p99:>8.2f} ms{p99 / calm:>8.2f}x")


if __name__ == "__main__":
    main()
