#!/usr/bin/env bash
# A manual stand-in for `docker build` + three StatefulSet pods, for machines with no container engine:
# builds the image's filesystem by the Dockerfile's steps on a Debian 12 minbase root (what
# debian:bookworm-slim is made from), then starts the three pods of deploy/k8s/statefulset.yaml, each in
# its own network namespace with its pod hostname (odgm-N), the manifest's environment, a read-only
# root, its own /data and /tmp, as user 10001, through the image's entrypoint. Names resolve through
# /etc/hosts (standing in for the headless Service's DNS). Checks that all three become ready, that a
# write through one pod is read through another, and times a SIGTERM stop against the grace period.
# Needs root, debootstrap, iproute2, curl, and the archive (mvn package). Not part of CI.
#   ROOTFS=/tmp/odgm-rootfs (made with: debootstrap --variant=minbase bookworm $ROOTFS http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOTFS=${ROOTFS:-/tmp/odgm-rootfs}
work=${WORK:-/tmp/odgm-smoke}
version=${ODGM_VERSION:-0.1.0-SNAPSHOT}
archive=distribution/target/odgm-${version}-linux-x64.tar.gz
ns=default
image=${work}/image
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -KILL "${p}" 2>/dev/null || true; wait "${p}" 2>/dev/null || true; done
  sleep 1
  for i in 0 1 2; do
    umount -R "${work}/mnt${i}" 2>/dev/null || true
    ip netns del "odgm-smoke-${i}" 2>/dev/null || true
  done
  ip netns del odgm-smoke-hub 2>/dev/null || true
}
trap cleanup EXIT

echo "== image filesystem, by the Dockerfile's steps"
rm -rf "${work}" && mkdir -p "${work}"
cp -a "${ROOTFS}" "${image}"
mkdir -p "${image}/unpack"
tar -xzf "${archive}" -C "${image}/unpack"                                  # ADD archive /unpack/
cp deploy/docker/odgm-entrypoint "${image}/unpack/odgm-${version}/bin/"     # COPY odgm-entrypoint
mv "${image}/unpack/odgm-${version}" "${image}/opt/odgm" && rmdir "${image}/unpack"
chmod 755 "${image}/opt/odgm/bin/odgm" "${image}/opt/odgm/bin/odgm-entrypoint"
printf '%s\n' '# container: pod IPs change when a pod restarts; resolve names again after 5 s' \
  '-Dsun.net.inetaddr.ttl=5' '-Dnetworkaddress.cache.ttl=5' >> "${image}/opt/odgm/odgm.jvm-options"
chroot "${image}" groupadd --gid 10001 odgm
chroot "${image}" useradd --uid 10001 --gid odgm --home-dir /data --no-create-home --shell /usr/sbin/nologin odgm
mkdir -p "${image}/data"
for i in 0 1 2; do echo "10.244.0.1${i} odgm-${i}.odgm-peers.${ns}.svc odgm-${i}" >> "${image}/etc/hosts"; done

echo "== pod network: a bridge in a hub namespace, one namespace per pod"
ip netns add odgm-smoke-hub
ip -n odgm-smoke-hub link add br0 type bridge && ip -n odgm-smoke-hub link set br0 up
for i in 0 1 2; do
  ip netns add "odgm-smoke-${i}"
  ip link add "odgmsm${i}" netns odgm-smoke-hub type veth peer name eth0 netns "odgm-smoke-${i}"
  ip -n odgm-smoke-hub link set "odgmsm${i}" master br0 up
  ip -n "odgm-smoke-${i}" addr add "10.244.0.1${i}/24" dev eth0
  ip -n "odgm-smoke-${i}" link set eth0 up && ip -n "odgm-smoke-${i}" link set lo up
done

# the manifest's env for pod N, one NAME=VALUE per line (valueFrom resolved as the kubelet would)
pod_env() {
  python3 - "$1" "${ns}" <<'EOF'
import sys, yaml
pod, ns = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open("deploy/k8s/statefulset.yaml")) if d]
c = docs[0]["spec"]["template"]["spec"]["containers"][0]
field = {"metadata.name": pod, "metadata.namespace": ns}
vals = {}
for e in c["env"]:
    v = e["value"] if "value" in e else field[e["valueFrom"]["fieldRef"]["fieldPath"]]
    for k, kv in vals.items():
        v = v.replace("$(" + k + ")", kv)
    vals[e["name"]] = v
print(f"HOSTNAME={pod}")
for k, v in vals.items():
    print(f"{k}={v}")
EOF
}

start_pod() { # start_pod N: the container of pod odgm-N, in the background; its JVM's pid is appended to pids
  local i=$1 mnt="${work}/mnt$1"
  mkdir -p "${mnt}" "${work}/data${i}" "${work}/log"
  chown 10001:10001 "${work}/data${i}"                                       # fsGroup 10001
  mapfile -t env < <(pod_env "odgm-${i}")
  # shellcheck disable=SC2016 # expanded by the inner sh
  ip netns exec "odgm-smoke-${i}" unshare --mount --uts sh -c '
    set -e; mnt=$1; img=$2; data=$3; host=$4; shift 4
    hostname "$host"
    mount --make-rprivate /
    mount --bind "$img" "$mnt" && mount -o remount,bind,ro "$mnt"             # readOnlyRootFilesystem
    mount --bind "$data" "$mnt/data"                                          # volumeClaimTemplate data
    mount -t tmpfs -o size=256m tmpfs "$mnt/tmp"                              # emptyDir /tmp
    mount -t proc proc "$mnt/proc"
    exec chroot --userspec=10001:10001 "$mnt" /usr/bin/env -i "$@" /opt/odgm/bin/odgm-entrypoint node
  ' sh "${mnt}" "${image}" "${work}/data${i}" "odgm-${i}" "${env[@]}" > "${work}/log/odgm-${i}.log" 2>&1 &
  pids[i]=$!
}

ready() { ip netns exec "odgm-smoke-$1" curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:9464/readyz" || true; }

echo "== three pods (podManagementPolicy: Parallel)"
t0=$(date +%s)
for i in 0 1 2; do start_pod "${i}"; done
for i in 0 1 2; do
  until [ "$(ready "${i}")" = 200 ]; do
    kill -0 "${pids[i]}" 2>/dev/null || { echo "odgm-${i} exited:"; tail -20 "${work}/log/odgm-${i}.log"; exit 1; }
    [ $(( $(date +%s) - t0 )) -lt 180 ] || { echo "odgm-${i} not ready after 180 s"; tail -20 "${work}/log/odgm-${i}.log"; exit 1; }
    sleep 1
  done
done
echo "all three ready after $(( $(date +%s) - t0 )) s (/readyz 200)"

cli() { # cli N ARGS...: the image's CLI inside pod odgm-N (its network, its mounts: /proc is there)
  local i=$1; shift
  nsenter --target "${pids[i]}" --mount --net chroot --userspec=10001:10001 "${work}/mnt${i}" /usr/bin/env -i \
    /opt/odgm/bin/odgm cli "$@"
}
echo "== a write through odgm-0, read through odgm-2 (by its stable name)"
# UNAVAILABLE (an election, or a leadership transfer to the preferred leader just after the start) means
# "not applied, retry" (README, Cluster): a client retries, so does this (the count shows how often)
retries=0
retry() { # retry COMMAND...: up to 30 attempts, 1 s apart
  for _ in $(seq 1 30); do
    if "$@"; then return 0; fi
    retries=$((retries + 1))
    sleep 1
  done
  return 1
}
retry cli 0 --node 127.0.0.1:8080 put orders/3/o1 status=paid
retry cli 2 --node odgm-1.odgm-peers.${ns}.svc:8080 get orders/3/o1
retry cli 1 --node 127.0.0.1:8080 stats > "${work}/stats.json" && head -12 "${work}/stats.json"

for i in 0 1 2; do echo "odgm-${i}: RSS $(( $(ps -o rss= -p "${pids[i]}") / 1024 )) MiB"; done

echo "== SIGTERM to odgm-0 (terminationGracePeriodSeconds 30)"
t1=$(date +%s%N)
kill -TERM "${pids[0]}"
while kill -0 "${pids[0]}" 2>/dev/null; do sleep 0.1; done
echo "odgm-0 stopped $(( ($(date +%s%N) - t1) / 1000000 )) ms after SIGTERM"
grep -h -o -E '"message":"[^"]*handed off[^"]*","arguments": \[[^]]*\]' "${work}/log/odgm-0.log" | head -1 || true
retry cli 2 --node 127.0.0.1:8080 get orders/3/o1

echo "== odgm-0 again, on its volume, with a new pod IP (10.244.0.20) behind the same name"
mv "${work}/log/odgm-0.log" "${work}/log/odgm-0.first.log"
sed -i 's/^10\.244\.0\.10 /10.244.0.20 /' "${image}/etc/hosts"
ip -n odgm-smoke-0 addr flush dev eth0
ip -n odgm-smoke-0 addr add 10.244.0.20/24 dev eth0
t2=$(date +%s)
start_pod 0
until [ "$(ready 0)" = 200 ]; do
  kill -0 "${pids[0]}" 2>/dev/null || { echo "odgm-0 exited:"; tail -20 "${work}/log/odgm-0.log"; exit 1; }
  [ $(( $(date +%s) - t2 )) -lt 120 ] || { echo "odgm-0 not ready after 120 s"; exit 1; }
  sleep 1
done
echo "odgm-0 ready again after $(( $(date +%s) - t2 )) s"
retry cli 0 --node 127.0.0.1:8080 get orders/3/o1
# odgm-0 leads its preferred group again only once the others' Raft reaches it at its new address
until [ "$(cli 0 --node 127.0.0.1:8080 stats | grep -c '"role": "leader"')" -gt 0 ]; do
  [ $(( $(date +%s) - t2 )) -lt 180 ] || { echo "odgm-0 leads nothing 180 s after its restart"; exit 1; }
  sleep 2
done
echo "odgm-0 leads its preferred partitions again $(( $(date +%s) - t2 )) s after its restart"
for i in 1 2; do # the JSON log's timestamps: how long after the restart the peers still dialed the old IP
  python3 - "${work}/log/odgm-${i}.log" "${t2}" <<'EOF'
import json, sys
t = int(sys.argv[2])
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
after = [d["timestamp"] / 1000 - t for d in lines if d["timestamp"] / 1000 >= t and "10.244.0.10:9080" in json.dumps(d)]
print(f"{sys.argv[1].split('/')[-1]}: {len(after)} log lines about dialing odgm-0's old IP after its restart, "
      f"the last {max(after, default=0):.0f} s after it")
EOF
done
retry cli 1 --node 127.0.0.1:8080 put orders/5/o2 status=shipped
retry cli 0 --node 127.0.0.1:8080 get orders/5/o2
echo "calls refused UNAVAILABLE and retried: ${retries}"
if grep -h 'unknown variable' "${work}"/log/*.log; then echo "FAIL: the manifest's env has variables the node does not know"; exit 1; fi
echo "smoke: passed"
