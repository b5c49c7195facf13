#!/usr/bin/env python3
"""deploy/kubernetes renders, holds what the README promises, and its configuration loads.

Each overlay is rendered with `kubectl kustomize` (Debian 12's kubectl 1.20 in the suite, whose
old kustomize is what the manifests are written for) and checked:
- the PrometheusRule's groups are deploy/prometheus/tlsfloor-rules.yaml's (promtool-tested),
  and the dashboard ConfigMap holds deploy/grafana/tlsfloor-dashboard.json byte for byte with
  the Grafana sidecar's label: both are generated (deploy/kubernetes/generate.py), and a source
  changed without regenerating fails here;
- replicas, PDB and topology spread per overlay; the security context; /livez for startup and
  liveness, /healthz (503 while draining) for readiness; a grace period above preStop + drain;
- Services, ServiceMonitor and NetworkPolicy select what they mean to (the pods, the admin
  port, Prometheus) and the admin port is neither on the client Service nor open to all;
- the cert-manager Certificates (ECDSA P-256, RSA-2048), and in ha the ticket-key Secret, are
  mounted where the configuration's paths point, without read access for others;
- the ha configuration is the base's plus session_tickets;
- the configuration in the ConfigMap passes `tlsfloor --check` in a copy of the pod's file
  system: every volume laid out under a temporary directory (cert-manager-like key files,
  a ticket key, empty directories), the configuration's paths moved there.

  check_kubernetes.py KUBECTL TLSFLOOR_BINARY SOURCE_ROOT
"""
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

NAME = {"app.kubernetes.io/name": "tlsfloor"}
EXPECT = {
    "single": {"replicas": 1, "pdb": False, "tickets": False, "service_type": "ClusterIP"},
    "ha": {"replicas": 3, "pdb": True, "tickets": True, "service_type": "LoadBalancer"},
}
CERTIFICATES = {"ECDSA": 256, "RSA": 2048}
# Keys of the configuration that name files: read ones, and ones tlsfloor writes.
READ_PATHS = {"cert", "key", "keys_file", "ca_file", "token_file"}
WRITTEN_PATHS = {"path", "state_file"}


class Checker:
    def __init__(self):
        self.failures = []

    def expect(self, condition, what):
        if not condition:
            self.failures.append(what)
        return condition


def render(kubectl, overlay):
    result = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"kubectl kustomize {overlay} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def seconds(duration):
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)", duration).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def file_paths(node, keys):
    """(key, value) of every string under one of `keys`, anywhere in the configuration."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str):
                yield key, value
            else:
                yield from file_paths(value, keys)
    elif isinstance(node, list):
        for item in node:
            yield from file_paths(item, keys)


def mount_of(path, mounts):
    """The volume mount a path of the pod lies in, the deepest one."""
    found = [m for m in mounts if path.startswith(m["mountPath"].rstrip("/") + "/")]
    return max(found, key=lambda m: len(m["mountPath"]), default=None)


def check_monitoring(c, objects, root):
    rules = yaml.safe_load((root / "deploy/prometheus/tlsfloor-rules.yaml").read_text())
    rule = objects.get(("PrometheusRule", "tlsfloor"))
    if c.expect(rule, "no PrometheusRule tlsfloor"):
        c.expect(rule["spec"] == {"groups": rules["groups"]},
                 "PrometheusRule spec differs from deploy/prometheus/tlsfloor-rules.yaml "
                 "(run deploy/kubernetes/generate.py)")
    dashboard = objects.get(("ConfigMap", "tlsfloor-dashboard"))
    if c.expect(dashboard, "no ConfigMap tlsfloor-dashboard"):
        c.expect(dashboard["data"] == {"tlsfloor-dashboard.json":
                                       (root / "deploy/grafana/tlsfloor-dashboard.json").read_text()},
                 "dashboard ConfigMap differs from deploy/grafana/tlsfloor-dashboard.json "
                 "(run deploy/kubernetes/generate.py)")
        c.expect(dashboard["metadata"]["labels"].get("grafana_dashboard") == "1",
                 'dashboard ConfigMap lacks the label grafana_dashboard: "1"')


def check_services(c, objects, pod_labels, ports, expect):
    client = objects.get(("Service", "tlsfloor"), {})
    admin = objects.get(("Service", "tlsfloor-admin"), {})
    monitor = objects.get(("ServiceMonitor", "tlsfloor"), {})
    for name, service in (("tlsfloor", client), ("tlsfloor-admin", admin)):
        c.expect(selects(service.get("spec", {}).get("selector"), pod_labels),
                 f"Service {name} does not select the pods")
    client_targets = {p.get("targetPort") for p in client.get("spec", {}).get("ports", [])}
    c.expect(client_targets == {"tls"}, f"Service tlsfloor exposes {client_targets}, not only tls")
    c.expect(client.get("spec", {}).get("type") == expect["service_type"],
             f"Service tlsfloor is not a {expect['service_type']}")
    admin_ports = {p["name"]: p.get("targetPort") for p in admin.get("spec", {}).get("ports", [])}
    c.expect(admin_ports and all(t in ("admin", ports["admin"]) for t in admin_ports.values()),
             "Service tlsfloor-admin does not lead to the admin port")
    spec = monitor.get("spec", {})
    selector = spec.get("selector", {}).get("matchLabels")
    c.expect(selects(selector, admin.get("metadata", {}).get("labels", {}))
             and not selects(selector, client.get("metadata", {}).get("labels", {})),
             "ServiceMonitor does not select tlsfloor-admin alone")
    c.expect(spec.get("endpoints") and all(e.get("port") in admin_ports and e.get("path") == "/metrics"
                                           for e in spec["endpoints"]),
             "ServiceMonitor endpoints are not the admin Service's /metrics")
    # The rules' TlsfloorDown and the dashboard look for job="tlsfloor". Without jobLabel the
    # Prometheus Operator names the job after the Service.
    job = (admin.get("metadata", {}).get("labels", {}).get(spec["jobLabel"]) if spec.get("jobLabel")
           else admin.get("metadata", {}).get("name"))
    c.expect(job == "tlsfloor", f'ServiceMonitor makes the job label "{job}", not "tlsfloor"')


def check_network_policy(c, objects, pod_labels, ports):
    policy = objects.get(("NetworkPolicy", "tlsfloor"), {}).get("spec", {})
    c.expect(selects(policy.get("podSelector", {}).get("matchLabels"), pod_labels),
             "NetworkPolicy does not select the pods")
    c.expect("Ingress" in policy.get("policyTypes", []), "NetworkPolicy does not restrict ingress")

    def opens(rule, port):
        return not rule.get("ports") or any(p.get("port") in (port, ports[port]) for p in rule["ports"])

    rules = policy.get("ingress", [])
    c.expect(any(opens(r, "tls") and not r.get("from") for r in rules),
             "NetworkPolicy does not let clients reach the TLS port")
    admin_rules = [r for r in rules if opens(r, "admin")]
    c.expect(admin_rules, "NetworkPolicy lets nobody reach the admin port (Prometheus must)")
    for rule in admin_rules:
        peers = rule.get("from") or [{}]
        c.expect(all(any(p.get(s, {}).get("matchLabels") for s in ("podSelector", "namespaceSelector"))
                     and not selects(p.get("podSelector", {}).get("matchLabels"), pod_labels)
                     for p in peers),
                 f"NetworkPolicy opens the admin port to more than Prometheus: {rule}")


def check_pod(c, deployment, config, expect):
    pod = deployment["spec"]["template"]
    spec = pod["spec"]
    labels = pod["metadata"]["labels"]
    (container,) = spec["containers"]
    c.expect(deployment["spec"].get("replicas") == expect["replicas"],
             f"replicas {deployment['spec'].get('replicas')}, expected {expect['replicas']}")
    c.expect(selects(deployment["spec"]["selector"]["matchLabels"], labels),
             "Deployment selector does not match its pods")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    c.expect(ports.get("admin") == port_of(config["admin"]["listen"]),
             "container port admin is not admin.listen's port")
    c.expect(ports.get("tls") == port_of(config["listeners"][0]["listen"]),
             "container port tls is not the listener's port")

    pod_security = spec.get("securityContext", {})
    security = container.get("securityContext", {})
    c.expect(pod_security.get("runAsNonRoot") is True and pod_security.get("runAsUser", 0) != 0,
             "pod does not run as a non-root user")
    c.expect(pod_security.get("fsGroup"), "no fsGroup: the 0440 Secret files would be unreadable")
    c.expect(pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault",
             "no RuntimeDefault seccomp profile")
    c.expect(security.get("readOnlyRootFilesystem") is True, "root filesystem is writable")
    c.expect(security.get("allowPrivilegeEscalation") is False, "privilege escalation allowed")
    c.expect(security.get("capabilities", {}).get("drop") == ["ALL"], "capabilities not all dropped")
    c.expect(not security.get("capabilities", {}).get("add"), "capabilities added")

    def probe(kind, path):
        get = container.get(kind, {}).get("httpGet", {})
        c.expect(get.get("path") == path and get.get("port") in ("admin", ports.get("admin")),
                 f"{kind} is not GET {path} on the admin port")

    # /healthz answers 503 through the whole drain: as liveness it would get a draining pod killed.
    probe("startupProbe", "/livez")
    probe("livenessProbe", "/livez")
    probe("readinessProbe", "/healthz")
    command = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_stop = int(command[1]) if command[:1] == ["sleep"] else 0
    c.expect(pre_stop > 0, "no preStop sleep: the pod stops accepting before endpoints drop it")
    drain = seconds(config.get("drain_timeout", "30s"))
    c.expect(spec.get("terminationGracePeriodSeconds", 30) > pre_stop + drain + 1,
             f"terminationGracePeriodSeconds not above preStop {pre_stop}s + drain {drain}s + 1s")
    if expect["replicas"] > 1:
        spread = {t["topologyKey"]: t for t in spec.get("topologySpreadConstraints", [])}
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname"):
            selector = spread.get(key, {}).get("labelSelector", {}).get("matchLabels")
            c.expect(selects(selector, labels),
                     f"no topology spread over {key} selecting the pods")
    return labels, ports


def check_files(c, objects, spec, container, config, expect):
    """Every path of the configuration is in the right volume; returns [(mount, volume)]."""
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = container["volumeMounts"]
    for key, path in file_paths(config, READ_PATHS | WRITTEN_PATHS):
        mount = mount_of(path, mounts)
        if not c.expect(mount, f"{key}: {path} is in no volume of the pod"):
            continue
        volume = volumes[mount["name"]]
        if key in WRITTEN_PATHS:
            c.expect("emptyDir" in volume and not mount.get("readOnly"),
                     f"{key}: {path} is not in a writable emptyDir")
        else:
            c.expect(mount.get("readOnly") is True, f"{key}: {path} is on a writable mount")
        if key in ("key", "keys_file", "token_file"):
            c.expect("secret" in volume and not volume["secret"].get("defaultMode", 0o644) & 0o007,
                     f"{key}: {path} is not in a Secret volume closed to others (defaultMode 0440)")

    certificates = [o for (kind, _), o in objects.items() if kind == "Certificate"]
    algorithms = {o["spec"]["privateKey"]["algorithm"]: o["spec"]["privateKey"].get("size")
                  for o in certificates}
    c.expect(algorithms == CERTIFICATES, f"Certificates {algorithms}, expected {CERTIFICATES}")
    served = [(e["cert"], e["key"]) for e in config["listeners"][0]["certificates"]]
    for certificate in certificates:
        issuer = certificate["spec"]["issuerRef"]
        c.expect(issuer.get("kind") == "ClusterIssuer" or ("Issuer", issuer["name"]) in objects,
                 f"Certificate {certificate['metadata']['name']}: no Issuer {issuer['name']}")
        mount = next((m for m in mounts if volumes[m["name"]].get("secret", {}).get("secretName")
                      == certificate["spec"]["secretName"]), None)
        if c.expect(mount, f"Secret {certificate['spec']['secretName']} is not mounted"):
            c.expect((f"{mount['mountPath']}/tls.crt", f"{mount['mountPath']}/tls.key") in served,
                     f"the configuration does not serve {certificate['spec']['secretName']}")
    keys_file = config.get("session_tickets", {}).get("keys_file")
    c.expect(bool(keys_file) == expect["tickets"],
             f"session_tickets.keys_file {'missing' if expect['tickets'] else 'set'}")
    if keys_file:
        mount = mount_of(keys_file, mounts)
        secret = volumes[mount["name"]].get("secret", {}) if mount else {}
        c.expect(secret.get("secretName") == "tlsfloor-ticket-keys"
                 and any(i.get("key") == "keys" and mount["mountPath"] + "/" + i["path"] == keys_file
                         for i in secret.get("items", [])),
                 f"{keys_file} is not the key `keys` of Secret tlsfloor-ticket-keys")
    return [(m, volumes[m["name"]]) for m in mounts]


def check_config_loads(c, binary, config, objects, mounted, name):
    """`tlsfloor --check` in a temporary copy of the pod's file system."""
    with tempfile.TemporaryDirectory(prefix=f"tlsfloor-k8s-{name}-") as run:
        root = pathlib.Path(run)
        certificates = {o["spec"]["secretName"]: o["spec"] for (kind, _), o in objects.items()
                        if kind == "Certificate"}
        for mount, volume in mounted:
            directory = root / mount["mountPath"].lstrip("/")
            directory.mkdir(parents=True)
            if "configMap" in volume:
                for file, text in objects[("ConfigMap", volume["configMap"]["name"])]["data"].items():
                    (directory / file).write_text(text)
            secret = volume.get("secret", {}).get("secretName")
            if secret in certificates:
                write_certificate(directory, certificates[secret])
            elif secret == "tlsfloor-ticket-keys":
                key = subprocess.run(["openssl", "rand", "-base64", "80"], check=True,
                                     capture_output=True, text=True).stdout.replace("\n", "")
                for item in volume["secret"].get("items", [{"path": "keys"}]):
                    (directory / item["path"]).write_text(key + "\n")
            for file in directory.iterdir() if secret else ():
                file.chmod(volume["secret"].get("defaultMode", 0o644))

        def move(node):
            if isinstance(node, dict):
                return {k: (f"{run}{v}" if k in READ_PATHS | WRITTEN_PATHS and isinstance(v, str)
                            else move(v)) for k, v in node.items()}
            return [move(item) for item in node] if isinstance(node, list) else node

        moved = root / "tlsfloor.yaml"
        moved.write_text(yaml.safe_dump(move(config)))
        result = subprocess.run([binary, "--config", str(moved), "--check"],
                                capture_output=True, text=True)
        c.expect(result.returncode == 0, f"tlsfloor --check:\n{result.stdout}{result.stderr}")


def write_certificate(directory, spec):
    """The files cert-manager writes: a SEC1 or PKCS#1 key (its default encodings), a certificate."""
    key, cert = directory / "tls.key", directory / "tls.crt"
    if spec["privateKey"]["algorithm"] == "ECDSA":
        generate = ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]
    else:
        generate = ["openssl", "genrsa", "-traditional", "-out", key, str(spec["privateKey"]["size"])]
    subprocess.run(generate, check=True, capture_output=True)
    names = ",".join(f"DNS:{n}" for n in spec["dnsNames"])
    subprocess.run(["openssl", "req", "-x509", "-key", key, "-out", cert, "-days", "2",
                    "-subj", f"/CN={spec['dnsNames'][0]}", "-addext", f"subjectAltName={names}"],
                   check=True, capture_output=True)


def check_overlay(c, kubectl, binary, root, name, expect):
    rendered = render(kubectl, root / "deploy/kubernetes/overlays" / name)
    objects = {(o["kind"], o["metadata"]["name"]): o for o in rendered}
    c.expect(all(o["metadata"].get("namespace") == "tlsfloor" for o in rendered),
             "not every object is in namespace tlsfloor")
    c.expect(all(selects(NAME, o["metadata"].get("labels", {})) for o in rendered),
             "not every object is labelled app.kubernetes.io/name: tlsfloor")
    check_monitoring(c, objects, root)
    deployment = objects[("Deployment", "tlsfloor")]
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    args = container["args"]
    config_path = args[args.index("--config") + 1]
    config_mount = mount_of(config_path, container["volumeMounts"])
    config_map_name = next(v["configMap"]["name"] for v in spec["volumes"]
                           if v["name"] == config_mount["name"])
    config_text = objects[("ConfigMap", config_map_name)]["data"][config_path.rsplit("/", 1)[1]]
    config = yaml.safe_load(config_text)

    labels, ports = check_pod(c, deployment, config, expect)
    check_services(c, objects, labels, ports, expect)
    check_network_policy(c, objects, labels, ports)
    pdb = objects.get(("PodDisruptionBudget", "tlsfloor"))
    c.expect(bool(pdb) == expect["pdb"], f"PodDisruptionBudget {'missing' if expect['pdb'] else 'present'}")
    if pdb:
        c.expect(selects(pdb["spec"]["selector"]["matchLabels"], labels)
                 and (pdb["spec"].get("maxUnavailable") == 1
                      or pdb["spec"].get("minAvailable") == expect["replicas"] - 1),
                 "PodDisruptionBudget does not keep all pods but one")
    mounted = check_files(c, objects, spec, container, config, expect)
    check_config_loads(c, binary, config, objects, mounted, name)
    return config


def main():
    kubectl, binary, root = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    version = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True)
    # kubectl 1.20 prints a Go struct with GitVersion:"v1.20.2", newer ones "Client Version: v1.32.4".
    found = (re.search(r'GitVersion:"(v[^"]+)"', version.stdout)
             or re.search(r"Client Version: (v\S+)", version.stdout))
    print(f"{kubectl}: {found.group(1) if found else 'version unknown'}")
    configs, failed = {}, 0
    for name, expect in EXPECT.items():
        c = Checker()
        configs[name] = check_overlay(c, kubectl, binary, root, name, expect)
        print(f"{'ok' if not c.failures else 'FAILED'}: overlays/{name}")
        for failure in c.failures:
            print(f"  {failure}")
        failed += bool(c.failures)

    c = Checker()
    ha = dict(configs["ha"])
    ha.pop("session_tickets", None)
    c.expect(ha == configs["single"], "overlays/ha/tlsfloor.yaml differs from base/tlsfloor.yaml "
                                      "in more than session_tickets")
    readme = (root / "README.md").read_text()
    c.expect(re.search(r"create secret generic tlsfloor-ticket-keys\b.*\bkeys=", readme),
             "README.md does not show how to create the Secret tlsfloor-ticket-keys (key `keys`)")
    print(f"{'ok' if not c.failures else 'FAILED'}: the overlays agree with each other and the README")
    for failure in c.failures:
        print(f"  {failure}")
    failed += bool(c.failures)
    print(f"{len(EXPECT) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
