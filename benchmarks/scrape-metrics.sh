#!/usr/bin/env bash
# Samples a node's /metrics once a second while a load run goes on (issue 18, section 4): the
# commit-to-PUT histogram (odgm_events_dispatch_latency_seconds) and the bytes held in flight
# (odgm_events_inflight_bytes). Start the node with a fixed ODGM_METRICS_PORT (a harness variant
# variable, e.g. --variant mem:ODGM_STORAGE=memory,ODGM_METRICS_PORT=19464) and run this beside it:
#   benchmarks/scrape-metrics.sh 19464 /tmp/metrics.log &
# Each sample is a line "# t=<epoch ms>" followed by the matching metric lines; stops when killed.
set -u
port=${1:?metrics port}
out=${2:?output file}
while sleep 1; do
  body=$(curl -s --max-time 1 "http://127.0.0.1:$port/metrics") || continue
  { echo "# t=$(date +%s%3N)"; grep -E '^odgm_events_(dispatch_latency_seconds_(bucket|count|sum)|inflight_bytes|delayed_writes|barrier_fallbacks|queue_drops|retired|matched)' <<<"$body"; } >> "$out"
done
