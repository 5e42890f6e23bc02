/**
 * End-to-end load harness: a Zenoh router, the ODGM node as a separate process, a closed-loop
 * gRPC load generator with HdrHistogram latency, a Zenoh subscriber measuring write → trigger
 * latency and lost triggers, and markdown/JSON reports. Entry point: {@link dev.oprc.bench.load.LoadHarness}.
 */
package dev.oprc.bench.load;
