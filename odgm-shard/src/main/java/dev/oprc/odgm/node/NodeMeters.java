package dev.oprc.odgm.node;

import dev.oprc.odgm.ops.GrpcLogGuard;
import dev.oprc.odgm.ops.NodeMetrics;
import dev.oprc.odgm.ops.StrictRequests;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Binds the node's own counters (async receiver, Zenoh API, refused gRPC requests) and the
 * function duration timers into {@link NodeMetrics} (each shard's are registered when it opens:
 * {@code ShardMeters}). Timers are registered once per
 * (collection, function, outcome) of the configured routes; a function without a route is
 * not timed. Stateless after {@link #bind}.
 */
final class NodeMeters {
  private NodeMeters() {}

  static void bind(NodeMetrics m, ShardRegistry shards, AsyncInvocationReceiver receiver, ZenohObjectApi api,
      FunctionInvoker invoker, NodeTransport transport, StrictRequests strict) {
    if (transport instanceof ZenohTransport z) {
      m.bindSession(z.session());
      m.counter("odgm.zenoh.api.order.refused", "Zenoh API queries refused: the queue ordering them after"
          + " earlier samples was full", Tags.empty(), z::queriesRefused);
    }
    Tags none = Tags.empty();
    m.counter("odgm.trigger.targets.unrouted", "trigger targets stored naming a function that a collection served"
        + " here has no route for", none, shards::unroutedTargets);
    m.counter("odgm.invocations.async.received", "async invocations received", none, () -> receiver.stats().received());
    m.counter("odgm.invocations.async.completed", "async invocations run", none, () -> receiver.stats().completed());
    m.counter("odgm.invocations.async.decode.errors", "async invocations with a bad key or envelope", none,
        () -> receiver.stats().decodeErrors());
    m.counter("odgm.invocations.async.rejected", "async invocations refused: invocation queue full", none,
        () -> receiver.stats().rejected());
    m.counter("odgm.invocations.async.duplicates", "async invocations received again and not run", none,
        () -> receiver.stats().duplicates());
    m.counter("odgm.invocations.async.invalid", "async invocations refused: bad partition or object id", none,
        () -> receiver.stats().invalid());
    m.counter("odgm.invocations.async.not.leader", "async invocations not run: this node no longer held the"
        + " partition's leader lease when their turn came", none, () -> receiver.stats().notLeader());
    m.counter("odgm.zenoh.api.received", "Zenoh API queries received", none, () -> api.stats().received());
    m.counter("odgm.zenoh.api.served", "Zenoh API queries answered OK", none, () -> api.stats().served());
    m.counter("odgm.zenoh.api.errors", "Zenoh API queries answered with an error", none, () -> api.stats().errors());
    m.counter("odgm.zenoh.api.rejected", "Zenoh API queries refused: pool full", none, () -> api.stats().rejected());
    m.counter("odgm.zenoh.api.samples.applied", "Zenoh API samples applied", none,
        () -> api.stats().samplesApplied());
    m.counter("odgm.grpc.server.malformed", "gRPC requests refused: not a valid protobuf message", none,
        strict::malformed);
    m.counter("odgm.grpc.server.oversized", "gRPC requests refused: over ODGM_GRPC_MAX_MESSAGE_BYTES", none,
        GrpcLogGuard::oversized);
    m.counter("odgm.grpc.server.cancelled.writes", "gRPC replies not written: the client had cancelled the call",
        none, GrpcLogGuard::cancelled);
    m.counter("odgm.workers.failed.rounds", "loop rounds of the node's worker threads that threw (the thread went on)",
        none, dev.oprc.odgm.lifecycle.Worker::failedRounds);
    m.counter("odgm.workers.stuck", "worker threads that did not stop when closed", none,
        dev.oprc.odgm.lifecycle.Worker::stuckThreads);
    invoker.observe(functionTimers(m, shards));
  }

  private static FunctionInvoker.DurationObserver functionTimers(NodeMetrics m, ShardRegistry shards) {
    Map<String, Map<String, Timer[]>> timers = new HashMap<>();
    for (CreateCollectionRequest c : shards.collections()) {
      Map<String, Timer[]> fns = new HashMap<>();
      for (String fn : c.getInvocations().getFnRoutesMap().keySet()) {
        Tags t = Tags.of("collection", c.getName(), "function", fn);
        fns.put(fn, new Timer[] {
            m.timer("odgm.function.duration", "function run time, by outcome", t.and("outcome", "ok")),
            m.timer("odgm.function.duration", "function run time, by outcome", t.and("outcome", "error"))});
      }
      timers.put(c.getName(), Map.copyOf(fns));
    }
    Map<String, Map<String, Timer[]>> frozen = Map.copyOf(timers);
    return (cls, fn, nanos, ok) -> {
      Map<String, Timer[]> fns = cls == null || fn == null ? null : frozen.get(cls);
      Timer[] t = fns == null ? null : fns.get(fn);
      if (t != null) {
        t[ok ? 0 : 1].record(nanos, TimeUnit.NANOSECONDS);
      }
    };
  }
}
