#!/usr/bin/env python3
"""Cross-reference checks of deploy/k8s/ that a per-object JSON schema cannot make.

The schema checker (kubernetes-validate --strict) checks each object alone: field names, types,
required fields. This checks that the objects fit together and fit the node:
  - the StatefulSet's selector matches its pod labels; every Service and the PodDisruptionBudget
    select those pods; every targetPort / probe port names a container port
  - serviceName is a headless Service that publishes not-ready addresses, and pods start in
    Parallel (ids-only members wait for each other before they are Ready)
  - container ports equal the ports the env gives the node (gRPC, Raft, metrics, Zenoh), the probes
    hit /readyz and /healthz on the metrics port, the data volume is mounted at ODGM_DATA_DIR
  - ODGM_MEMBERS lists ids 1..replicas, OPRC_ZENOH_PEERS names every pod on the Zenoh port
  - $(VAR) references in env values name variables defined before them; service links are off
  - the PodDisruptionBudget keeps a Raft majority
Usage: check_manifests.py DIR_OR_FILE...   Exit status 1 with one line per problem.
"""
import os
import re
import sys

import yaml

problems = []


def fail(msg):
    problems.append(msg)


def load(paths):
    docs = []
    for p in paths:
        files = sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith((".yaml", ".yml"))) \
            if os.path.isdir(p) else [p]
        for f in files:
            with open(f, encoding="utf-8") as fh:
                docs += [d for d in yaml.safe_load_all(fh) if d]
    return docs


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def env_of(container):
    env, defined = {}, set()
    for e in container.get("env", []):
        value = e.get("value")
        if value is not None:
            for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", value):
                if ref not in defined:
                    fail(f"env {e['name']}: $({ref}) is not defined before it")
        defined.add(e["name"])
        env[e["name"]] = value
    return env


def port_ok(port, ports):
    return port in ports.values() if isinstance(port, int) else port in ports


def check_statefulset(sts, services, pdbs):
    spec, name = sts["spec"], sts["metadata"]["name"]
    pod = spec["template"]
    labels = pod["metadata"].get("labels", {})
    if not selects(spec["selector"].get("matchLabels"), labels):
        fail(f"statefulset {name}: selector does not match the pod template's labels")
    pspec = pod["spec"]
    if pspec.get("enableServiceLinks", True):
        fail(f"statefulset {name}: enableServiceLinks must be false (a Service named odgm injects ODGM_* variables)")
    if spec.get("podManagementPolicy") != "Parallel":
        fail(f"statefulset {name}: podManagementPolicy must be Parallel (members wait for each other before Ready)")
    governing = services.get(spec.get("serviceName"))
    if governing is None:
        fail(f"statefulset {name}: serviceName {spec.get('serviceName')} is not a Service here")
    elif governing["spec"].get("clusterIP") != "None" or not governing["spec"].get("publishNotReadyAddresses"):
        fail(f"service {spec['serviceName']}: must be headless and publish not-ready addresses")
    container = next((c for c in pspec["containers"] if c["name"] == "odgm"), None)
    if container is None:
        fail(f"statefulset {name}: no container named odgm")
        return
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    for svc_name, svc in services.items():
        if not selects(svc["spec"].get("selector"), labels):
            fail(f"service {svc_name}: selector does not match the pods of statefulset {name}")
        for p in svc["spec"].get("ports", []):
            if not port_ok(p.get("targetPort", p["port"]), ports):
                fail(f"service {svc_name}: targetPort {p.get('targetPort')} is not a container port")
    for pdb_name, pdb in pdbs.items():
        if not selects(pdb["spec"]["selector"].get("matchLabels"), labels):
            fail(f"poddisruptionbudget {pdb_name}: selector does not match the pods of statefulset {name}")
        if pdb["spec"].get("maxUnavailable", 0) > (spec["replicas"] - 1) // 2:
            fail(f"poddisruptionbudget {pdb_name}: maxUnavailable exceeds what a Raft majority survives")
    check_node(spec, container, env_of(container), ports, name)
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
    claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])}
    data = [n for n, path in mounts.items() if path == env_of(container).get("ODGM_DATA_DIR")]
    if not data or data[0] not in claims:
        fail(f"statefulset {name}: ODGM_DATA_DIR is not a mounted volumeClaimTemplate")


def check_node(spec, container, env, ports, name):
    grpc = int(env.get("ODGM_HTTP_PORT", "8080"))
    expected = {"grpc": grpc, "raft": int(env.get("ODGM_RAFT_PORT", grpc + 1000)),
                "metrics": int(env.get("ODGM_METRICS_PORT", "9464")), "zenoh": int(env.get("OPRC_ZENOH_PORT", "0"))}
    for port_name, number in expected.items():
        if ports.get(port_name) != number:
            fail(f"container port {port_name} is {ports.get(port_name)}, the node's env gives {number}")
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")):
        get = container.get(probe, {}).get("httpGet")
        if not get or get.get("path") != path or not port_ok(get.get("port"), {"metrics": ports.get("metrics")}):
            fail(f"{probe} must GET {path} on the metrics port")
    replicas = spec["replicas"]
    if env.get("ODGM_MEMBERS") != ",".join(str(i + 1) for i in range(replicas)):
        fail(f"ODGM_MEMBERS {env.get('ODGM_MEMBERS')!r} is not the ids 1..{replicas} the pod ordinals give")
    peers = (env.get("OPRC_ZENOH_PEERS") or "").split(",")
    for i in range(replicas):
        want = f"tcp/{name}-{i}.{spec['serviceName']}."
        if not any(p.startswith(want) and p.endswith(f":{expected['zenoh']}") for p in peers):
            fail(f"OPRC_ZENOH_PEERS does not name pod {name}-{i} on port {expected['zenoh']}")


def main(argv):
    docs = load(argv[1:] or ["deploy/k8s"])
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    statefulsets = by_kind.get("StatefulSet", {})
    if not statefulsets:
        fail("no StatefulSet")
    for sts in statefulsets.values():
        check_statefulset(sts, by_kind.get("Service", {}), by_kind.get("PodDisruptionBudget", {}))
    for p in problems:
        print(f"check_manifests: {p}")
    if not problems:
        print(f"check_manifests: {len(docs)} objects fit together")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
