#!/usr/bin/env python3
"""Every configuration the README shows, and the bundled example, pass `tlsfloor --check`.

The README's ```yaml blocks that hold a `listeners:` key and deploy/example/tlsfloor.yaml are
checked with the real binary, and so is each owner directory it shows (a block with an
`owners:` list), through a configuration that names it. Certificate, key, log and state paths name files of the
operator's machine, so they are pointed at a fresh self-signed pair (also as a CA file) and a temporary directory
first; nothing else is changed.

  check_examples.py TLSFLOOR_BINARY SOURCE_ROOT
"""
import pathlib
import re
import subprocess
import sys
import tempfile


def main():
    binary, root = sys.argv[1], pathlib.Path(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="tlsfloor-readme-") as run:
        # RSA: the examples' cipher lists (3DES for an old terminal) are checked against the
        # key type, and an RSA key can serve every one of them.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", f"{run}/k.key", "-out",
                        f"{run}/k.crt", "-days", "2", "-subj", "/CN=example.test"],
                       check=True, capture_output=True)
        readme = (root / "README.md").read_text()
        examples = [(f"README.md yaml block {i + 1}", block)
                    for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", readme, re.S))
                    if re.search(r"^listeners:", block, re.M)]
        examples.append(("deploy/example/tlsfloor.yaml",
                         (root / "deploy/example/tlsfloor.yaml").read_text()))
        # Owner directories (```yaml blocks of an `owners:` list): each is checked through a
        # configuration that names it, and configurations naming an owners_file get the first.
        owner_blocks = [block for block in re.findall(r"```yaml\n(.*?)```", readme, re.S)
                        if re.search(r"^owners:", block, re.M)]
        minimal = ("listeners:\n  - name: api\n    listen: 127.0.0.1:8443\n"
                   "    upstream: {address: 127.0.0.1:8080}\n"
                   "    certificates: [{cert: x.crt, key: x.key}]\n")
        for i, block in enumerate(owner_blocks):
            (pathlib.Path(run) / f"owners-{i}.yaml").write_text(block)
            examples.append((f"README.md owner directory {i + 1}",
                             minimal + f"owners_file: {run}/owners-{i}.yaml\n"))
        failures = 0
        for name, text in examples:
            text = re.sub(r"(\bcert:\s*)[^,}\s]+", rf"\g<1>{run}/k.crt", text)
            text = re.sub(r"(\bkey:\s*)[^,}\s]+", rf"\g<1>{run}/k.key", text)
            text = re.sub(r"(\bpath:\s*)[^,}\s]+", rf"\g<1>{run}/handshakes.log", text)
            text = re.sub(r"(\bca_file:\s*)[^,}\s]+", rf"\g<1>{run}/k.crt", text)
            text = re.sub(r"(^state_file:\s*)\S+", rf"\g<1>{run}/state.json", text, flags=re.M)
            # The README's owners_file paths name the operator's file: the first directory shown.
            text = re.sub(rf"(^owners_file:\s*)(?!{re.escape(run)})\S+",
                          rf"\g<1>{run}/owners-0.yaml", text, flags=re.M)
            config = pathlib.Path(run) / "example.yaml"
            config.write_text(text)
            result = subprocess.run([binary, "--config", str(config), "--check"],
                                    capture_output=True, text=True)
            ok = result.returncode == 0
            failures += 0 if ok else 1
            print(f"{'ok' if ok else 'FAILED'}: {name}")
            if not ok:
                print(result.stdout + result.stderr)
        print(f"{len(examples) - failures} passed, {failures} failed")
        return 1 if failures or not examples else 0


if __name__ == "__main__":
    sys.exit(main())
