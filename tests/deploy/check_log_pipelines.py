"""Checks deploy/logs/'s Vector and OpenTelemetry Collector configurations against real lines.

Neither Vector nor the Collector is a Debian package, so their configurations are checked here
by what they depend on: every field path the Vector configuration reads (its {{ templates }} and
the fields its remap program names) resolves in every ECS line to a string or number, and every
attribute the Collector configuration reads (the json_parser's timestamp, groupbyattrs' keys)
is in every OpenTelemetry line, the timestamp in the layout given. The labels hold only bounded
facts; the client address is not among them.

  tests/deploy/check_log_pipelines.py DEPLOY_LOGS_DIR ECS_LOG OTEL_LOG
"""
import datetime
import json
import pathlib
import re
import sys

import yaml

# Go's reference layout for what tlsfloor writes, as Python reads it.
GO_LAYOUTS = {"2006-01-02T15:04:05.000Z07:00": "%Y-%m-%dT%H:%M:%S.%f%z"}
UNBOUNDED = {"client.ip", "client.address", "client.port", "tls.client.server_name",
             "tls.client.ja3", "tlsfloor.ja4"}


def lines(path):
    found = [json.loads(line) for line in pathlib.Path(path).read_text().splitlines() if line]
    if not found:
        sys.exit(f"{path}: no lines to check against")
    return found


def nested(line, path):
    value = line
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def check_vector(config, ecs_lines, problems):
    sink = config["sinks"]["loki"]
    templates = {}
    for kind in ("labels", "structured_metadata"):
        for name, value in sink.get(kind, {}).items():
            for path in re.findall(r"\{\{\s*([^}\s]+)\s*\}\}", str(value)):
                templates[path] = kind
    source = config["transforms"]["handshakes"]["source"]
    read = set(re.findall(r'\."([^"]+)"', source))
    if not templates:
        problems.append("vector: no field templates found")
    for path, kind in templates.items():
        if kind == "labels" and path in UNBOUNDED:
            problems.append(f"vector: {path} is a label, but it is unbounded")
    for number, line in enumerate(ecs_lines, 1):
        for path in list(templates) + sorted(read):
            value = nested(line, path) if path in templates else line.get(path)
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                problems.append(f"vector: ECS line {number}: {path} is {value!r}")
        stamp = line.get("@timestamp")
        try:
            datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except (AttributeError, ValueError):
            problems.append(f"vector: ECS line {number}: @timestamp {stamp!r} is not RFC 3339")


def check_otelcol(config, otel_lines, problems):
    parser = config["receivers"]["filelog"]["operators"][0]
    stamp = parser["timestamp"]
    attribute = stamp["parse_from"].removeprefix("attributes.")
    layout = GO_LAYOUTS.get(stamp["layout"])
    if layout is None:
        problems.append(f"otelcol: layout {stamp['layout']!r} is not one this check knows")
    keys = config["processors"]["groupbyattrs"]["keys"]
    for key in keys:
        if key in UNBOUNDED:
            problems.append(f"otelcol: {key} becomes a label, but it is unbounded")
    for number, line in enumerate(otel_lines, 1):
        for key in [attribute] + keys:
            value = line.get(key)
            if not isinstance(value, str):
                problems.append(f"otelcol: OTel line {number}: {key} is {value!r}")
        if layout and isinstance(line.get(attribute), str):
            try:
                datetime.datetime.strptime(line[attribute].replace("Z", "+00:00"), layout)
            except ValueError:
                problems.append(f"otelcol: OTel line {number}: {line[attribute]!r} is not {layout}")
        # The client address reaches Loki as a log attribute: structured metadata.
        if not isinstance(line.get("client.address"), str):
            problems.append(f"otelcol: OTel line {number}: no client.address")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    directory, ecs_log, otel_log = sys.argv[1:]
    problems = []
    check_vector(yaml.safe_load(pathlib.Path(directory, "vector.yaml").read_text()), lines(ecs_log),
                 problems)
    check_otelcol(yaml.safe_load(pathlib.Path(directory, "otelcol.yaml").read_text()),
                  lines(otel_log), problems)
    for problem in problems:
        print(problem)
    print(f"log pipelines: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
