#!/usr/bin/env python3
"""Deliberately broken copies of deploy/k8s/, to show that the checkers reject what they must.

Each mutation changes one thing in one file; `mutations.py NAME OUTDIR` writes all the manifests to
OUTDIR with that change and prints which checker must reject it (schema or cross). A mutation
whose text is not found fails (exit 2), so a test cannot pass because the manifests moved on.
`mutations.py --list` prints the names.
"""
import os
import shutil
import sys

# name: (checker that must reject it, file, text, replacement)
MUTATIONS = {
    "unknown-field": ("schema", "statefulset.yaml", "            periodSeconds: 5\n", "            periodSecond: 5\n"),
    "wrong-type": ("schema", "statefulset.yaml", "  replicas: 3\n", "  replicas: \"three\"\n"),
    "missing-container-name": ("schema", "statefulset.yaml", "        - name: odgm\n          image:", "        - image:"),
    "pdb-unknown-field": ("schema", "pdb.yaml", "  maxUnavailable: 1\n", "  maxUnavailabe: 1\n"),
    "service-port-unknown": ("cross", "services.yaml", "targetPort: metrics\n", "targetPort: metric\n"),
    "metrics-port-drift": ("cross", "statefulset.yaml", "value: \"9464\"\n", "value: \"9465\"\n"),
    "readiness-path": ("cross", "statefulset.yaml", "path: /readyz\n", "path: /ready\n"),
    "ordered-ready": ("cross", "statefulset.yaml", "podManagementPolicy: Parallel\n",
                      "podManagementPolicy: OrderedReady\n"),
    "members-short": ("cross", "statefulset.yaml", "value: \"1,2,3\"\n", "value: \"1,2\"\n"),
    "service-links": ("cross", "statefulset.yaml", "enableServiceLinks: false\n", "enableServiceLinks: true\n"),
}


def main(argv):
    if argv[1:] == ["--list"]:
        print("\n".join(MUTATIONS))
        return 0
    name, out = argv[1], argv[2]
    checker, target, old, new = MUTATIONS[name]
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "k8s")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(src):
        shutil.copy(os.path.join(src, f), os.path.join(out, f))
    path = os.path.join(out, target)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if text.count(old) != 1:
        print(f"mutation {name}: {old!r} occurs {text.count(old)} times in {target}, not once", file=sys.stderr)
        return 2
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new))
    print(checker)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
