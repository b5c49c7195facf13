#!/usr/bin/env python3
"""Side-by-side TLS termination benchmark on loopback.

tlsfloor and its peers (HAProxy in tcp mode, nginx's stream module, hitch, stunnel; plus nginx
answering TLS itself, the floor with no proxy hop) all front the same plain nginx backend with
the same certificate and two workers or threads each. wrk measures every server in turn, round
after round (the order rotates each round), so noise spreads over all of them; the table shows
medians and tlsfloor's ratio to each peer.

Columns: keepalive requests/s (64 connections), its p99 latency and the server's CPU time per
request; handshakes/s (`Connection: close`: every request a new TLS connection; wrk resumes
sessions where the server allows) and CPU time per handshake; bulk MiB/s (1 MiB bodies, 8
connections); KiB of RSS per idle TLS connection (the whole process tree, N connections held
after their handshake, each with its upstream connection where the server opens one eagerly),
and the server's CPU time per such connection opened: a full handshake, never resumed, with
its certificate signature (the handshakes column is mostly resumed ones: wrk resumes).
Every server shares two cores with wrk and the backend, so rates depend on scheduling as much as
on the server; CPU time per request is what the server itself spent, and varies far less.

A second table splits the keepalive run's CPU per request by party: wrk, the backend, the server
in user space and in the kernel (its syscalls, with the loopback delivery they trigger), and the
whole machine. The machine is saturated, so its CPU per request sets the rate; "req/s if free" is
the rate with the server's user-space CPU taken out: what the server could reach, on this machine
with this load generator, if its own code cost nothing and it made the same syscalls.

Variants are judged against their own reference in a table of their own: tlsfloor-pp2
(tlsfloor sending a PROXY v2 header with its TLVs to a backend that parses it) against tlsfloor,
tlsfloor-uptls (tlsfloor re-encrypting to a TLS backend, verified, sessions resumed)
against haproxy-uptls (HAProxy's `ssl verify required` server doing the same), and
fleet-shared against fleet-own: two one-thread tlsfloor replicas behind HAProxy's TCP
round-robin, so that every reconnecting wrk client resumes its session on the other replica,
with one shared session_tickets.keys_file or each with keys of its own (the handshake columns
are the point: a resumption the other replica cannot decrypt is a full handshake).

With --baseline BINARY, a second tlsfloor build runs beside the first in the same rounds (an A/B
of a change), and a last table gives tlsfloor / baseline per column.

With --storm N, only the reconnect-storm table: each server's keepalive p99 (64 connections)
alone, while N `openssl s_time -new` loops make full handshakes against it, and while the same
loops make them against nginx-direct beside it (the control: what the load generators and
another server's handshakes do to the p99 on cores they share with everyone; nginx-direct is then
the control, not a measured server). With --scale 64,1000,5000, only the server's CPU per
keepalive request at each connection count.

tlsfloor-keyserver is tlsfloor with its key in tlsfloor-keyserver (OpenSSL 3), which makes the
signatures; its CPU is both processes', and it is judged against tlsfloor and every peer.

Usage: tests/bench/run.sh [--rounds N] [--seconds S] [--key rsa|ec] [--idle N] [--baseline BIN]
                          [--storm N] [--scale COUNTS] [--keyserver BIN]
"""
import argparse
import collections
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (port, config template or None, command line with {placeholders})
SERVERS = {
    "tlsfloor": (9446, "tlsfloor.yaml", ["{tlsfloor}", "--config", "{run}/tlsfloor.yaml",
                                         "--log-level", "warn"]),
    "tlsfloor-logged": (9447, "tlsfloor-logged.yaml",
                        ["{tlsfloor}", "--config", "{run}/tlsfloor-logged.yaml",
                         "--log-level", "warn"]),
    "haproxy": (9441, "haproxy.cfg", ["haproxy", "-f", "{run}/haproxy.cfg"]),
    "nginx-stream": (9442, "nginx-stream.conf", ["nginx", "-c", "{run}/nginx-stream.conf"]),
    "hitch": (9444, None, ["hitch", "--frontend=[127.0.0.1]:9444", "--backend=[127.0.0.1]:9000",
                           "--workers=2", "--user=nobody",
                           "--tls-protos=TLSv1.0 TLSv1.1 TLSv1.2 TLSv1.3", "{run}/k.pem"]),
    "stunnel": (9443, "stunnel.conf", ["stunnel4", "{run}/stunnel.conf"]),
    "nginx-direct": (9445, "nginx-direct.conf", ["nginx", "-c", "{run}/nginx-direct.conf"]),
    # Variants, each compared with its own reference below (VARIANTS).
    "tlsfloor-pp2": (9449, "tlsfloor-pp2.yaml", ["{tlsfloor}", "--config", "{run}/tlsfloor-pp2.yaml",
                                                 "--log-level", "warn"]),
    "tlsfloor-uptls": (9450, "tlsfloor-uptls.yaml",
                       ["{tlsfloor}", "--config", "{run}/tlsfloor-uptls.yaml",
                        "--log-level", "warn"]),
    "haproxy-uptls": (9451, "haproxy-uptls.cfg", ["haproxy", "-f", "{run}/haproxy-uptls.cfg"]),
    # A fleet: two one-thread tlsfloor replicas behind HAProxy's TCP round-robin, with keys of
    # their own or one shared keys file; CPU is the whole tree's (both replicas and HAProxy).
    "fleet-own": (9452, ["fleet-own-a.yaml", "fleet-own-b.yaml", "fleet-own-haproxy.cfg"],
                  ["sh", "-c", "{tlsfloor} --config {run}/fleet-own-a.yaml --log-level warn & "
                   "{tlsfloor} --config {run}/fleet-own-b.yaml --log-level warn & "
                   "exec haproxy -f {run}/fleet-own-haproxy.cfg"]),
    "fleet-shared": (9453, ["fleet-shared-a.yaml", "fleet-shared-b.yaml",
                            "fleet-shared-haproxy.cfg"],
                     ["sh", "-c", "{tlsfloor} --config {run}/fleet-shared-a.yaml --log-level warn & "
                      "{tlsfloor} --config {run}/fleet-shared-b.yaml --log-level warn & "
                      "exec haproxy -f {run}/fleet-shared-haproxy.cfg"]),
    # All of a handshake on the event loops, as before the signing pool (a storm reference).
    "tlsfloor-inline": (9454, "tlsfloor-inline.yaml",
                        ["{tlsfloor}", "--config", "{run}/tlsfloor-inline.yaml",
                         "--log-level", "warn"]),
    # Signing threads, but the rest of each handshake on the relaying workers (a storm
    # reference: what handshake threads change).
    "tlsfloor-nohsthreads": (9455, "tlsfloor-nohsthreads.yaml",
                             ["{tlsfloor}", "--config", "{run}/tlsfloor-nohsthreads.yaml",
                              "--log-level", "warn"]),
    # Handshake threads accepting every connection, storm or not (handshake_storm_rate: 0), as
    # the release before the storm rate: what accepting on the workers while calm saves.
    "tlsfloor-alwayshs": (9457, "tlsfloor-alwayshs.yaml",
                          ["{tlsfloor}", "--config", "{run}/tlsfloor-alwayshs.yaml",
                           "--log-level", "warn"]),
    # The key held by tlsfloor-keyserver (OpenSSL 3), which makes the signatures: CPU is both
    # processes' (the key server is started by the same shell, so it is in the process tree).
    "tlsfloor-keyserver": (9456, ["tlsfloor-keyserver.yaml", "keyserver.yaml"],
                           ["sh", "-c", "{keyserver} --config {run}/keyserver.yaml --log-level warn & "
                            "exec {tlsfloor} --config {run}/tlsfloor-keyserver.yaml "
                            "--log-level warn"]),
    # Only with --baseline: another tlsfloor build (say, main before a change) beside this one.
    "tlsfloor-baseline": (9448, "tlsfloor-baseline.yaml",
                          ["{baseline}", "--config", "{run}/tlsfloor-baseline.yaml",
                           "--log-level", "warn"]),
}
# nginx-direct is a reference point, not a proxy: no ratio is computed against it; neither is
# tlsfloor-logged (tlsfloor with a handshake log of every handshake), which is compared with
# tlsfloor itself.
PEERS = ["haproxy", "nginx-stream", "hitch", "stunnel"]
# A variant of a setup and what it is judged against: tlsfloor sending a PROXY v2 header (the
# backend parses it) against tlsfloor without; tlsfloor re-encrypting to a TLS backend against
# HAProxy doing the same.
VARIANTS = [("tlsfloor-pp2", "tlsfloor"), ("tlsfloor-uptls", "haproxy-uptls"),
            ("fleet-shared", "fleet-own"), ("tlsfloor", "tlsfloor-inline"),
            ("tlsfloor", "tlsfloor-nohsthreads"), ("tlsfloor", "tlsfloor-alwayshs")]
# tlsfloor with its keys in the key server, against tlsfloor signing itself and every peer (its
# goal: CPU per full RSA handshake, both processes together, at or below the best peer's).
VARIANTS += [("tlsfloor-keyserver", reference)
             for reference in ["tlsfloor", "haproxy", "nginx-stream", "hitch", "stunnel"]]
COLUMNS = [("keepalive_rps", "keepalive req/s", True), ("p99_ms", "p99 ms", False),
           ("cpu_us_per_request", "CPU us/req", False),
           ("handshakes_ps", "handshakes/s", True),
           ("cpu_us_per_handshake", "CPU us/handsh.", False), ("mib_s", "MiB/s", True),
           ("idle_kib", "idle KiB/conn", False),
           ("cpu_us_per_full_handshake", "CPU us/full hs", False)]
# Keepalive CPU per request by party, and the rate if the server's own code cost nothing:
# requests/s x machine / (machine - server user space).
PARTY_COLUMNS = [("wrk_us", "wrk us/req", False), ("backend_us", "backend us/req", False),
                 ("server_user_us", "server user", False),
                 ("server_kernel_us", "server kernel", False),
                 ("machine_us", "machine us/req", False), ("free_server_rps", "req/s if free", True)]
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def render(template, run_dir, cert, key):
    with open(os.path.join(HERE, "peers", template)) as source:
        text = source.read()
    text = (text.replace("RUNDIR", run_dir).replace("CERTPEM", f"{run_dir}/k.pem")
            .replace("CERTCRT", cert).replace("CERTKEY", key))
    with open(os.path.join(run_dir, template), "w") as out:
        out.write(text)


def make_certificate(run_dir, key_type):
    key_args = (["-newkey", "rsa:2048"] if key_type == "rsa"
                else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
    cert, key = f"{run_dir}/k.crt", f"{run_dir}/k.key"
    subprocess.run(["openssl", "req", "-x509", *key_args, "-nodes", "-keyout", key, "-out", cert,
                    "-days", "30", "-subj", "/CN=localhost"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{run_dir}/k.pem", "w") as pem:
        pem.write(open(cert).read() + open(key).read())
    return cert, key


def prepare_run_dir(run_dir, key_type, templates):
    """Fills `run_dir` for the servers: a certificate of `key_type`, the 1 MiB body the bulk
    column fetches, the fleet's shared session-ticket keys, and the backend's configuration and
    `templates` rendered. Returns (cert, key)."""
    os.chmod(run_dir, 0o755)  # hitch and nginx workers drop privileges
    cert, key = make_certificate(run_dir, key_type)
    os.makedirs(f"{run_dir}/static")
    with open(f"{run_dir}/static/1m", "wb") as body:
        body.write(os.urandom(1 << 20))
    subprocess.run(["chmod", "-R", "a+rX", run_dir], check=True)
    # 80 random bytes, base64, owner-only.
    with open(f"{run_dir}/ticket.keys", "w") as keys:
        keys.write(subprocess.run(["sh", "-c", "openssl rand 80 | base64 -w0"],
                                  capture_output=True, text=True, check=True).stdout + "\n")
    os.chmod(f"{run_dir}/ticket.keys", 0o600)
    for template in ["nginx-backend.conf"] + templates:
        render(template, run_dir, cert, key)
    return cert, key


def start_backend(run_dir):
    """The plain nginx backend every server fronts, on port 9000 (its stop() stops it)."""
    backend = Server.__new__(Server)
    backend.process = subprocess.Popen(["nginx", "-c", f"{run_dir}/nginx-backend.conf"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)
    backend.name, backend.port = "backend", 9000
    if not wait_for_port(9000):
        backend.stop()
        raise RuntimeError("the nginx backend did not start")
    return backend


def wait_for_port(port, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def read_stat(pid):
    """(command name, the fields after it) of /proc/PID/stat; the name may hold spaces and
    parentheses, so it is cut at the last ')'."""
    with open(f"/proc/{pid}/stat") as stat:
        name, rest = stat.read().split("(", 1)[1].rsplit(")", 1)
    return name, rest.split()


class Server:
    def __init__(self, name, command):
        self.name, self.port = name, SERVERS[name][0]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        if not wait_for_port(self.port):
            self.stop()
            raise RuntimeError(f"{name} did not start on port {self.port}")

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def tree(self):
        """The server's whole process tree (master and workers)."""
        children = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                children.setdefault(int(read_stat(pid)[1][1]), []).append(int(pid))
            except (OSError, IndexError, ValueError):
                continue
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def rss_kib(self):
        total = 0
        for pid in self.tree():
            try:
                with open(f"/proc/{pid}/status") as status:
                    total += int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
            except (OSError, AttributeError):
                pass
        return total

    def cpu_split(self):
        """User and system CPU time of the process tree: what the server spent, whatever wrk
        and the backend got of the shared cores."""
        user = system = 0
        for pid in self.tree():
            try:
                fields = read_stat(pid)[1]
                user, system = user + int(fields[11]), system + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return user / CLOCK_TICK, system / CLOCK_TICK

    def cpu_seconds(self):
        return sum(self.cpu_split())

    def by_process(self):
        """{process name: [CPU seconds, times its threads slept]} over the process tree. A sleep
        (a voluntary context switch) is a wait for the next event, and each costs a wake-up."""
        found = {}
        for pid in self.tree():
            try:
                name, fields = read_stat(pid)
                sleeps = 0
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/status") as status:
                        sleeps += int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)",
                                                status.read(), re.M).group(1))
            except (OSError, IndexError, ValueError, AttributeError):
                continue
            entry = found.setdefault(name, [0.0, 0])
            entry[0] += (int(fields[11]) + int(fields[12])) / CLOCK_TICK
            entry[1] += sleeps
        return found


def machine_busy_seconds():
    """CPU time all cores spent on anything (every state of /proc/stat but idle, iowait and
    steal, which is time the hypervisor gave to someone else)."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq) / CLOCK_TICK


def children_cpu_seconds():
    """User + system CPU time of the finished children of this script: the wrk runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(port, seconds, connections, path="/", close=False):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if close:
        command += ["-H", "Connection: close"]
    command.append(f"https://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    result = {"rps": float(rps.group(1)) if rps else None,
              "requests": int(count.group(1)) if count else 0}
    if p99:
        result["p99_ms"] = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    if transfer:
        scale = {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1, "GB": 1024}[transfer.group(2)]
        result["mib_s"] = float(transfer.group(1)) * scale
    return result


def measure_throughput(server, backend, seconds):
    def with_cpu(**kwargs):
        def clocks():
            user, system = server.cpu_split()  # one walk of /proc for both
            return [user + system, user, backend.cpu_seconds(), children_cpu_seconds(),
                    machine_busy_seconds()]

        before = clocks()
        result = wrk(server.port, seconds, **kwargs)
        spent = [after - start for after, start in zip(clocks(), before)]
        if not result["requests"]:
            return result
        (result["cpu_us"], result["user_us"], result["backend_us"], result["wrk_us"],
         result["machine_us"]) = (seconds_spent * 1e6 / result["requests"] for seconds_spent in spent)
        return result

    keepalive = with_cpu(connections=64)
    handshakes = with_cpu(connections=32, close=True)
    bulk = wrk(server.port, seconds, 8, path="/static/1m")
    measured = {"keepalive_rps": keepalive.get("rps"), "p99_ms": keepalive.get("p99_ms"),
                "cpu_us_per_request": keepalive.get("cpu_us"),
                "handshakes_ps": handshakes.get("rps"),
                "cpu_us_per_handshake": handshakes.get("cpu_us"), "mib_s": bulk.get("mib_s")}
    for party in ["wrk_us", "backend_us", "machine_us"]:
        measured[party] = keepalive.get(party)
    machine, user = keepalive.get("machine_us"), keepalive.get("user_us")
    if machine and user is not None and keepalive.get("rps"):
        measured["server_user_us"] = user
        measured["server_kernel_us"] = keepalive["cpu_us"] - user
        if machine > user:
            measured["free_server_rps"] = keepalive["rps"] * machine / (machine - user)
    return measured


def measure_storm(server, seconds, clients, elsewhere):
    """Keepalive p99 of 64 connections alone, then while `clients` `openssl s_time -new` loops
    make full (never resumed) handshakes as fast as they can: what established connections feel
    when a fleet reconnects. Then the same storm against `elsewhere`, another server on this
    machine: what the load generators and another process's handshakes do to the p99 on the
    cores they share, whoever serves the storm.
    Returns (calm p99 ms, storm p99 ms, storm handshakes/s, p99 ms with the storm elsewhere)."""
    calm = wrk(server.port, seconds, 64)
    loaded, handshakes = wrk_during_storm(server.port, server.port, seconds, clients)
    aside, _ = wrk_during_storm(server.port, elsewhere.port, seconds, clients)
    return calm.get("p99_ms"), loaded.get("p99_ms"), handshakes, aside.get("p99_ms")


def wrk_during_storm(measured_port, storm_port, seconds, clients):
    """wrk's keepalive run against `measured_port` while `clients` s_time loops make full
    handshakes against `storm_port`. Returns (wrk's result, the storm's handshakes/s)."""
    storm = [subprocess.Popen(["openssl", "s_time", "-connect", f"127.0.0.1:{storm_port}",
                               "-new", "-time", str(seconds + 2)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for _ in range(clients)]
    time.sleep(1)  # the storm is raging before the measurement starts
    loaded = wrk(measured_port, seconds, 64)
    handshakes = 0.0
    for process in storm:
        out = process.communicate(timeout=seconds + 60)[0]
        found = re.search(r"(\d+) connections in (\d+) real seconds", out)
        if found and int(found.group(2)) > 0:
            handshakes += int(found.group(1)) / int(found.group(2))
    return loaded, handshakes


def run_storm(servers, elsewhere, args):
    columns = ["calm", "storm", "handshakes", "elsewhere"]
    results = {server.name: {column: [] for column in columns + ["storm_vs_elsewhere"]}
               for server in servers}
    for round_index in range(args.rounds):
        shift = round_index % len(servers)
        for server in servers[shift:] + servers[:shift]:
            measured = measure_storm(server, args.seconds, args.storm, elsewhere)
            if all(measured):
                for column, value in zip(columns, measured):
                    results[server.name][column].append(value)
                # Each round's storm and its control are measured back to back: their ratio
                # is steadier than the ratio of two medians, and the rounds show the spread.
                results[server.name]["storm_vs_elsewhere"].append(measured[1] / measured[3])
                print(f"  {server.name}: calm {measured[0]:.2f}, storm {measured[1]:.2f}, "
                      f"elsewhere {measured[3]:.2f} ms, storm/elsewhere "
                      f"{measured[1] / measured[3]:.2f}", file=sys.stderr)
        print(f"storm round {round_index + 1}/{args.rounds} done", file=sys.stderr)
    print(f"\nReconnect storm ({args.key.upper()} certificate): keepalive p99 of 64 connections, "
          f"alone and while {args.storm} openssl s_time -new loops make full handshakes against "
          f"it, or against {elsewhere.name} beside it; medians of {args.rounds} rounds of "
          f"{args.seconds} s")
    print(f"{'server':<20}{'calm p99 ms':>14}{'storm p99 ms':>14}{'storm/calm':>12}"
          f"{'storm hs/s':>12}{'elsewhere p99':>15}{'elsewhere/calm':>16}"
          f"{'storm/elsewhere':>17}")
    for name, measured in results.items():
        calm, stormy, aside = (median(measured[column]) for column in ["calm", "storm", "elsewhere"])
        ratio = f"{stormy / calm:.2f}" if calm and stormy else "-"
        aside_ratio = f"{aside / calm:.2f}" if calm and aside else "-"
        versus = median(measured["storm_vs_elsewhere"])
        print(f"{name:<20}{calm or 0:>14.2f}{stormy or 0:>14.2f}{ratio:>12}"
              f"{median(measured['handshakes']) or 0:>12.0f}{aside or 0:>15.2f}{aside_ratio:>16}"
              f"{versus or 0:>17.2f}")


def run_scale(servers, backend, args):
    """CPU per keepalive request as the connection count grows: what a server spends per
    request when it has many connections to watch, not just 64."""
    counts = [int(count) for count in args.scale.split(",")]
    results = {server.name: {count: [] for count in counts} for server in servers}
    for round_index in range(args.rounds):
        shift = round_index % len(servers)
        for server in servers[shift:] + servers[:shift]:
            for count in counts:
                before = server.cpu_seconds()
                result = wrk(server.port, args.seconds, count)
                spent = server.cpu_seconds() - before
                if result["requests"]:
                    results[server.name][count].append(spent * 1e6 / result["requests"])
        print(f"scale round {round_index + 1}/{args.rounds} done", file=sys.stderr)
    print(f"\nCPU us per keepalive request by concurrent connections ({args.key.upper()}; "
          f"medians of {args.rounds} rounds of {args.seconds} s)")
    print(f"{'server':<16}" + "".join(f"{count:>12}" for count in counts))
    for name, columns in results.items():
        print(f"{name:<16}" + "".join(f"{median(columns[count]) or 0:>12.1f}" for count in counts))


def measure_idle(name, command, connections):
    """Opens `connections` TLS connections one after another (hold.py: Python's ssl, which never
    resumes a session) and holds them. Returns (KiB of RSS per held connection, the server's
    CPU us per connection opened: a full handshake with its certificate signature, and the
    upstream connect where the server makes one, {process name: (CPU us, sleeps) per connection
    opened}), or None."""
    server = Server(name, command)
    try:
        time.sleep(1)
        before = server.rss_kib()
        processes_before = server.by_process()
        holder = subprocess.Popen([sys.executable, os.path.join(HERE, "hold.py"),
                                   str(server.port), str(connections)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = holder.stdout.readline()
        processes = {
            process: ((cpu - processes_before.get(process, (0, 0))[0]) * 1e6 / connections,
                      (sleeps - processes_before.get(process, (0, 0))[1]) / connections)
            for process, (cpu, sleeps) in server.by_process().items()}
        time.sleep(1)
        after = server.rss_kib()
        holder.stdin.close()
        holder.wait(timeout=60)
        if not ready.startswith("ready"):
            return None
        cpu_us = sum(cpu for cpu, _ in processes.values())  # the tree's, as cpu_seconds()
        return (after - before) / connections, cpu_us, processes
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--key", choices=["rsa", "ec"], default="rsa")
    parser.add_argument("--idle", type=int, default=2000, help="connections held for memory")
    parser.add_argument("--tlsfloor", required=True, help="the tlsfloor binary")
    parser.add_argument("--baseline", help="another tlsfloor binary to run beside --tlsfloor")
    parser.add_argument("--keyserver",
                        help="the tlsfloor-keyserver binary (default: the one built beside "
                             "--tlsfloor, BUILD/proxy/keyserver/tlsfloor-keyserver)")
    parser.add_argument("--only", nargs="*", help="servers to run (default: all)")
    parser.add_argument("--storm", type=int, default=0, metavar="CLIENTS",
                        help="only the reconnect-storm table, with this many s_time loops")
    parser.add_argument("--scale", metavar="COUNTS",
                        help="only CPU per keepalive request at these connection counts "
                             "(comma-separated, e.g. 64,1000,5000)")
    args = parser.parse_args()
    if args.only is None:
        args.only = [name for name in SERVERS if name != "tlsfloor-baseline"]
        if args.baseline:
            args.only.insert(1, "tlsfloor-baseline")
    if "tlsfloor-baseline" in args.only and not args.baseline:
        parser.error("tlsfloor-baseline needs --baseline BINARY")
    if args.keyserver is None:
        args.keyserver = os.path.join(os.path.dirname(args.tlsfloor), "keyserver",
                                      "tlsfloor-keyserver")
    if "tlsfloor-keyserver" in args.only and not os.access(args.keyserver, os.X_OK):
        parser.error(f"tlsfloor-keyserver needs the key server binary ({args.keyserver}): "
                     "build it, or give --keyserver")

    templates = []
    if args.storm and "nginx-direct" not in args.only:
        templates.append(SERVERS["nginx-direct"][1])  # the storm's other target
    for name in args.only:
        named = SERVERS[name][1]
        templates += named if isinstance(named, list) else [named] if named else []
    run_dir = tempfile.mkdtemp(prefix="tlsfloor-bench-")
    try:
        cert, key = prepare_run_dir(run_dir, args.key, templates)
        commands = {name: [part.format(run=run_dir, tlsfloor=args.tlsfloor,
                                       baseline=args.baseline or "", keyserver=args.keyserver)
                           for part in SERVERS[name][2]] for name in args.only}

        backend = start_backend(run_dir)
        results = {name: {column: [] for column, _, _ in COLUMNS + PARTY_COLUMNS}
                   for name in args.only}
        # (server, process) -> CPU us and sleeps per connection opened, for the full handshakes.
        full_handshakes = collections.defaultdict(lambda: {"cpu": [], "sleeps": []})
        try:
            servers = []
            try:
                for name in args.only:  # appended one by one: a failed start stops the others
                    servers.append(Server(name, commands[name]))
                if args.storm:
                    # The storm's other target, the control: nginx terminating TLS itself
                    # (not measured, even when asked for with --only).
                    elsewhere = next((server for server in servers
                                      if server.name == "nginx-direct"), None)
                    if elsewhere is None:
                        elsewhere = Server("nginx-direct", [
                            part.format(run=run_dir) for part in SERVERS["nginx-direct"][2]])
                        servers.append(elsewhere)  # stopped with the others
                    run_storm([server for server in servers if server is not elsewhere],
                              elsewhere, args)
                    return
                if args.scale:
                    run_scale(servers, backend, args)
                    return
                for round_index in range(args.rounds):
                    shift = round_index % len(servers)
                    for server in servers[shift:] + servers[:shift]:
                        for column, value in measure_throughput(server, backend,
                                                                args.seconds).items():
                            if value is not None:
                                results[server.name][column].append(value)
                    print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)
            finally:
                for server in servers:
                    server.stop()
            if args.idle > 0:
                for name in args.only:
                    for _ in range(max(1, args.rounds // 2)):
                        held = measure_idle(name, commands[name], args.idle)
                        if held is not None:
                            results[name]["idle_kib"].append(held[0])
                            results[name]["cpu_us_per_full_handshake"].append(held[1])
                            for process, (cpu, sleeps) in held[2].items():
                                full_handshakes[(name, process)]["cpu"].append(cpu)
                                full_handshakes[(name, process)]["sleeps"].append(sleeps)
        finally:
            backend.stop()
        print_table(results, args)
        print_full_handshakes(full_handshakes)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def print_full_handshakes(full_handshakes):
    """Each server's full handshakes by process: where the CPU goes, and how often each
    process's threads slept (each sleep is a wake-up, what a handshake that waits for another
    thread or process pays, and on this VM a costly one)."""
    if not full_handshakes:
        return
    print("\nfull handshakes by process: CPU us and sleeps (voluntary context switches) per "
          "connection opened")
    print(f"{'server':<22}{'process':<20}{'CPU us':>10}{'sleeps':>10}")
    for (server, process), figures in full_handshakes.items():
        print(f"{server:<22}{process:<20}{median(figures['cpu']):>10.1f}"
              f"{median(figures['sleeps']):>10.2f}")


def median(values):
    return statistics.median(values) if values else None


def print_rows(medians, columns):
    print(f"{'server':<14}" + "".join(f"{title:>16}" for _, title, _ in columns))
    for name, row in medians.items():
        print(f"{name:<14}" + "".join(
            f"{row[column]:>16.1f}" if row[column] is not None else f"{'-':>16}"
            for column, _, _ in columns))


def ratio_cell(ours, theirs, higher_is_better):
    if not ours or not theirs:
        return f"{'-':>16}"
    # Lower is better for latency and memory: invert so every ratio reads the same way.
    ratio = ours / theirs if higher_is_better else theirs / ours
    return f"{ratio:>15.2f}x"


def print_table(results, args):
    print(f"\n{args.key.upper()} certificate; medians of {args.rounds} rounds of {args.seconds} s; "
          f"idle memory over {args.idle} connections")
    medians = {name: {column: median(values) for column, values in columns.items()}
               for name, columns in results.items()}
    print_rows(medians, COLUMNS)
    print("\nkeepalive CPU per request by party (us), and req/s without the server's user-space CPU")
    print_rows(medians, PARTY_COLUMNS)
    variants = [(variant, reference) for variant, reference in VARIANTS
                if variant in medians and reference in medians]
    if variants:
        print("\nvariant / reference (above 1.0 is better for the variant)")
        print(f"{'variant':<30}" + "".join(f"{title:>16}" for _, title, _ in COLUMNS))
        for variant, reference in variants:
            print(f"{variant + ' / ' + reference:<30}" +
                  "".join(ratio_cell(medians[variant][column], medians[reference][column], higher)
                          for column, _, higher in COLUMNS))
    if "tlsfloor" not in medians:
        return
    print("\ntlsfloor / peer (above 1.0 is better for tlsfloor in every column)")
    print(f"{'server':<14}" + "".join(f"{title:>16}" for _, title, _ in COLUMNS))
    ours = medians["tlsfloor"]
    for peer in [p for p in PEERS + ["tlsfloor-baseline"] if p in medians]:
        print(f"{peer:<14}" + "".join(ratio_cell(ours[column], medians[peer][column], higher)
                                      for column, _, higher in COLUMNS))
    rates = {peer: medians[peer]["keepalive_rps"] for peer in PEERS
             if peer in medians and medians[peer]["keepalive_rps"]}
    if rates and ours["free_server_rps"]:
        best = max(rates, key=rates.get)
        print(f"\nbest peer keepalive: {best} {rates[best]:.0f} req/s; 1.2x that: "
              f"{1.2 * rates[best]:.0f}; tlsfloor if its user-space CPU were free: "
              f"{ours['free_server_rps']:.0f}")

if __name__ == "__main__":
    main()
