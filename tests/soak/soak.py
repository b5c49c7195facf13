#!/usr/bin/env python3
"""Soak test: the real binary (an ASan+UBSan build) under an hour of mixed traffic.

Not part of CI (it takes an hour by default); run with tests/soak/run.sh [--minutes N].

Traffic, from several threads at once, until the time is up:
  modern    TLS 1.3 clients that send 1 B..64 KiB, read the echo back and check every byte
  observed  TLS 1.0 clients on a listener that observes: let through, checked the same way
  refused   TLS 1.0 clients on an enforcing listener: must be refused
  garbage   random bytes instead of a ClientHello
  slow      clients that connect and say nothing (closed at the handshake timeout)
and around it: SIGHUP reloads, log rotations (rename + SIGUSR1), and an upstream that goes away
and comes back.

Asserts: the process never dies and exits 0 on SIGTERM with no sanitizer report (leaks
included); memory is flat after warm-up (under ASan: the application's heap and its shadow,
with any growth elsewhere accounted for by ASan's stack depot; see main()); descriptors return to their baseline once traffic stops;
every completed transfer came back intact. Prints the figures for the README.
"""
import argparse
import os
import random
import re
import signal
import socket
import socketserver
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter

# TLS 1.0 is what the legacy clients here are for.
warnings.filterwarnings("ignore", category=DeprecationWarning)

lock = threading.Lock()
counts = Counter()


def count(name, n=1):
    with lock:
        counts[name] += n


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    return
                self.request.sendall(data)
        except OSError:
            pass


class Upstream:
    """An echo server that can be stopped and started again on the same port."""

    def __init__(self, port):
        self.port, self.server = port, None

    def start(self):
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        socketserver.ThreadingTCPServer.daemon_threads = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Echo)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def client_context(tls10):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if tls10:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def transfer(port, tls10, kind):
    payload = os.urandom(random.choice([1, 100, 1500, 16384, 16385, 65536]))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with client_context(tls10).wrap_socket(raw, server_hostname="soak.test") as tls:
                tls.sendall(payload)
                received = b""
                while len(received) < len(payload):
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                if received != payload:
                    # The upstream may have restarted under this connection: a short read is a
                    # dropped connection, never different bytes.
                    if received != payload[: len(received)]:
                        count(f"{kind}_corrupted")
                    else:
                        count(f"{kind}_cut_short")
                    return
                count(f"{kind}_transfers")
                count("bytes_verified", len(payload))
                tls.unwrap()
    except (OSError, ssl.SSLError):
        count(f"{kind}_failed")


def refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with client_context(True).wrap_socket(raw, server_hostname="soak.test"):
                count("refused_but_accepted")
    except ssl.SSLError:
        count("refused")
    except OSError:
        count("refused_failed")


def garbage(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(os.urandom(random.randint(1, 4096)))
            raw.recv(1024)
        count("garbage")
    except OSError:
        count("garbage")


def slow(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"\x16\x03\x01")  # the start of a record, then nothing
            raw.recv(1)  # returns when the proxy closes it at the handshake timeout
        count("slow")
    except OSError:
        count("slow")


def process_figures(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


# Where an ASan build's resident memory lives on x86-64: the allocator's fixed region (the
# application's heap, its redzones and the quarantine), the shadow of all memory, and everything
# else (the sanitizer's stack depot and internal allocator, stacks, libraries). Splitting RSS this
# way tells the application's growth from the sanitizer's own bookkeeping.
ASAN_HEAP = (0x600000000000, 0x640000000000)
ASAN_SHADOW = (0x00007FFF8000, 0x10007FFF8000)


def resident_by_region(pid):
    totals = {"heap": 0, "shadow": 0, "other": 0}
    region = "other"
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            first = line.split(None, 1)[0]
            if "-" in first and not first.endswith(":"):
                low = int(first.split("-")[0], 16)
                region = ("heap" if ASAN_HEAP[0] <= low < ASAN_HEAP[1] else
                          "shadow" if ASAN_SHADOW[0] <= low < ASAN_SHADOW[1] else "other")
            elif first == "Rss:":
                totals[region] += int(line.split()[1])
    return totals


# What a sanitizer prints when it finds something (ASan's exit statistics are not a report).
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def quarter_medians(values):
    """The medians of the first and the last quarter of `values`: a trend robust to spikes."""
    if not values:
        return 0, 0
    quarter = max(1, len(values) // 4)
    return statistics.median(values[:quarter]), statistics.median(values[-quarter:])


def stack_depot_kib(report):
    """What ASan's exit statistics (print_stats) say its stack depot holds, in KiB."""
    match = re.search(r"StackDepot: \d+ ids; (\d+)M allocated", report)
    return int(match.group(1)) * 1024 if match else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tlsfloor", required=True)
    parser.add_argument("--seconds", type=int, default=3600)
    parser.add_argument("--threads", type=int, default=6)
    args = parser.parse_args()

    run = tempfile.mkdtemp(prefix="tlsfloor-soak-")
    print(f"files in {run}", flush=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{run}/k.key", "-out",
                    f"{run}/k.crt", "-days", "2", "-subj", "/CN=soak.test"],
                   check=True, capture_output=True)
    upstream = Upstream(free_port())
    upstream.start()
    enforce_port, observe_port, admin_port = free_port(), free_port(), free_port()
    config = f"""admin: {{listen: 127.0.0.1:{admin_port}}}
threads: 2
access_log: {{path: {run}/handshakes.log}}
state_file: {run}/state.json
listeners:
  - name: enforce
    listen: 127.0.0.1:{enforce_port}
    upstream: {{address: 127.0.0.1:{upstream.port}, connect_timeout: 2s}}
    certificates: [{{cert: {run}/k.crt, key: {run}/k.key}}]
    timeouts: {{handshake: 2s, idle: 30s}}
  - name: observe
    listen: 127.0.0.1:{observe_port}
    upstream: {{address: 127.0.0.1:{upstream.port}, connect_timeout: 2s}}
    certificates: [{{cert: {run}/k.crt, key: {run}/k.key}}]
    enforcement: {{mode: observe}}
    timeouts: {{handshake: 2s, idle: 30s}}
    exceptions:
      - {{name: soak, clients: [127.0.0.1], expires: 2099-01-01T00:00:00Z}}
"""
    with open(f"{run}/tlsfloor.yaml", "w") as out:
        out.write(config)
    # A small quarantine: ASan's default (256 MB of freed memory held back) would fill slowly
    # and look like growth. The exit statistics say how big the stack depot grew.
    env = dict(os.environ,
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=23:quarantine_size_mb=16:"
                            "atexit=1:print_stats=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    stderr = open(f"{run}/tlsfloor.err", "w")
    proxy = subprocess.Popen([args.tlsfloor, "--config", f"{run}/tlsfloor.yaml",
                              "--log-level", "warn"], stdout=stderr, stderr=stderr, env=env)
    deadline_start = time.time() + 20
    while time.time() < deadline_start:
        try:
            socket.create_connection(("127.0.0.1", enforce_port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    baseline_fds = process_figures(proxy.pid)[1]

    stop = threading.Event()
    kinds = [lambda: transfer(enforce_port, False, "modern"),
             lambda: transfer(observe_port, True, "observed"),
             lambda: refused(enforce_port), lambda: garbage(enforce_port),
             lambda: slow(enforce_port)]
    weights = [50, 20, 15, 10, 5]

    def traffic():
        while not stop.is_set():
            random.choices(kinds, weights)[0]()

    workers = [threading.Thread(target=traffic) for _ in range(args.threads)]
    for worker in workers:
        worker.start()

    samples = []
    start = time.time()
    next_reload, next_rotate, next_restart = start + 20, start + 30, start + 45
    while time.time() - start < args.seconds:
        time.sleep(5)
        if proxy.poll() is not None:
            break
        regions = resident_by_region(proxy.pid)
        samples.append((time.time() - start, *process_figures(proxy.pid), regions["heap"],
                        regions["shadow"], regions["other"]))
        # seconds, RSS KiB, descriptors, then resident KiB in the ASan heap, shadow and the rest
        with open(os.path.join(run, "rss.tsv"), "a") as series:
            series.write("%.0f\t%d\t%d\t%d\t%d\t%d\n" % samples[-1])
        now = time.time()
        if now >= next_reload:
            proxy.send_signal(signal.SIGHUP)
            count("reloads")
            next_reload = now + 20
        if now >= next_rotate:
            os.replace(f"{run}/handshakes.log", f"{run}/handshakes.log.1")
            proxy.send_signal(signal.SIGUSR1)
            count("rotations")
            next_rotate = now + 30
        if now >= next_restart:
            upstream.stop()
            time.sleep(1)
            upstream.start()
            count("upstream_restarts")
            next_restart = now + 45
    stop.set()
    for worker in workers:
        worker.join()
    time.sleep(5)  # lingering closes and timeouts run out
    alive = proxy.poll() is None
    end_rss, end_fds = process_figures(proxy.pid) if alive else (0, 0)
    if alive:
        proxy.send_signal(signal.SIGTERM)
    exit_code = proxy.wait(timeout=120)
    upstream.stop()
    report = open(f"{run}/tlsfloor.err").read()

    # Under ASan the application's memory is the allocator's heap (its blocks, their redzones
    # and the quarantine) and the shadow of it; the rest of the process is the binary, libraries,
    # stacks and the sanitizer's own bookkeeping, above all its stack depot (one entry per
    # distinct allocation stack, never freed), which grows for as long as new paths are taken.
    # So the flatness check is on the application's memory, and what grew outside it must be
    # accounted for by the depot ASan reports at exit. A plain build is checked on its whole RSS.
    asan = any(sample[3] for sample in samples)
    warm = [sample for sample in samples if sample[0] >= min(300, args.seconds / 4)]
    application = [sample[3] + sample[4] if asan else sample[1] for sample in warm]
    first, last = quarter_medians(application)
    outside_first, outside_last = quarter_medians([sample[5] for sample in warm])
    depot_kib = stack_depot_kib(report)
    problems = []
    if not alive:
        problems.append(f"the process died during the run (exit {proxy.returncode})")
    if exit_code != 0:
        problems.append(f"exit code {exit_code} after SIGTERM")
    reports = [marker for marker in SANITIZER_REPORTS if marker in report]
    for marker in reports:
        problems.append(f"sanitizer report: {marker}")
    if counts["modern_corrupted"] or counts["observed_corrupted"]:
        problems.append("a transfer came back with different bytes")
    if counts["refused_but_accepted"]:
        problems.append("a TLS 1.0 client got through the enforcing listener")
    if warm and last > first * 1.10 + 8192:
        problems.append(f"{'the heap' if asan else 'RSS'} grew after warm-up: {first:.0f} KiB -> "
                        f"{last:.0f} KiB")
    if asan and outside_last - outside_first > depot_kib + 8192:
        problems.append(f"memory outside the heap grew by {outside_last - outside_first:.0f} KiB, "
                        f"more than the {depot_kib} KiB of ASan's stack depot")
    if alive and end_fds > baseline_fds + 2:
        problems.append(f"descriptors: {baseline_fds} at start, {end_fds} after the traffic")

    print(f"duration {args.seconds} s, {args.threads} client threads")
    for name in sorted(counts):
        print(f"  {name:24} {counts[name]}")
    warm_rss = quarter_medians([sample[1] for sample in warm])
    print(f"  RSS KiB: start {samples[0][1] if samples else 0}, after warm-up {warm_rss[0]:.0f}, "
          f"end {warm_rss[1]:.0f}; descriptors: baseline {baseline_fds}, end {end_fds}")
    if asan:
        print(f"  ASan heap and shadow KiB: after warm-up {first:.0f}, end {last:.0f}; the rest: "
              f"{outside_first:.0f} -> {outside_last:.0f}; stack depot at exit {depot_kib} KiB")
    print(f"  exit code {exit_code}; sanitizer reports: "
          f"{'none' if not reports else 'SEE ' + run}")
    if problems:
        print("SOAK FAILED:\n  " + "\n  ".join(problems))
        print(f"files in {run}")
        return 1
    print("soak passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
