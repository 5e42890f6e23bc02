package dev.oprc.bench.load;

import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.EventStatsProto;
import dev.oprc.odgm.proto.ShardStats;
import dev.oprc.odgm.proto.StatsRequest;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Measures one point: opens a trigger subscriber (trigger scenarios), runs the closed loop, samples
 * {@code /proc} for the node, this JVM and the router at the edges of the measured window, waits
 * for outstanding triggers, and assembles a {@link PointResult}. Used by the harness thread only;
 * not thread-safe.
 */
final class PointRunner {
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final HarnessOptions opts;
  private final ClosedLoop loop;
  private final long clockTicks;
  private final Long routerPid;
  private final String zenohEndpoint;

  PointRunner(HarnessOptions opts, ClosedLoop loop, long clockTicks, Long routerPid, String zenohEndpoint) {
    this.opts = opts;
    this.loop = loop;
    this.clockTicks = clockTicks;
    this.routerPid = routerPid;
    this.zenohEndpoint = zenohEndpoint;
  }

  /** What one scenario on one node needs for its points. */
  record Target(String variant, Scenario scenario, NodeGroup nodes, DataServiceGrpc.DataServiceBlockingStub admin,
      ClosedLoop.Operation op, ObjectSet objects, TriggerTracker tracker) {}

  /** CPU ticks of node, harness and router at one instant (-1: unknown). */
  private record Cpu(long node, long self, long router) {}

  /** Node event counters summed over shards. */
  private record NodeCounters(long queueDrops, long publishFailures, long dispatched) {}

  /** What the subscriber saw in one point. */
  private record SubscriberView(TriggerTracker.Summary triggers, long unmatched, long drops, long samples,
      boolean stalled) {}

  /** Window-edge samples, written by the harness thread inside {@link ClosedLoop#run}. */
  private final class Edges implements ClosedLoop.Window {
    final Target t;
    final TriggerSubscriber sub;
    Cpu open;
    Cpu close;
    boolean stalled;

    Edges(Target t, TriggerSubscriber sub) {
      this.t = t;
      this.sub = sub;
    }

    @Override
    public void opened() {
      t.tracker().open();
      open = cpu(t.nodes());
    }

    @Override
    public void closed() {
      close = cpu(t.nodes());
      t.tracker().close();
      stalled = sub != null && System.nanoTime() - sub.lastSampleNanos() > STALL_NANOS;
    }
  }

  /** Runs one point; {@code firstOnNode} adds {@code --node-warmup} to its warm-up. */
  PointResult run(Target t, int concurrency, boolean firstOnNode) throws InterruptedException {
    t.objects().assignLanes(concurrency);
    t.tracker().reset();
    try (TriggerSubscriber sub = openSubscriber(t)) {
      NodeCounters before = nodeCounters(t.admin());
      Edges edges = new Edges(t, sub);
      java.time.Duration warmup = firstOnNode ? opts.warmup().plus(opts.nodeWarmup()) : opts.warmup();
      ClosedLoop.Outcome o = loop.run(t.op(), concurrency, warmup, opts.measure(), edges);
      if (!o.drained()) {
        System.err.println("load: some calls did not finish within 30 s after the window closed");
      }
      SubscriberView view = sub == null ? null : new SubscriberView(drain(t.tracker()), 0, 0, 0, edges.stalled);
      if (view != null) {
        view = new SubscriberView(view.triggers(), view.triggers().outsideWindow() + sub.undecodable(),
            sub.sessionDrops(), sub.samplesReceived(), view.stalled());
      }
      ProcStats.Sample end = t.nodes().sample();
      return result(t, concurrency, o, edges, end, view, before, nodeCounters(t.admin()));
    }
  }

  /** A fresh subscriber session for a trigger scenario, or null (no triggers, no router known). */
  private TriggerSubscriber openSubscriber(Target t) throws InterruptedException {
    if (zenohEndpoint == null || t.scenario().triggers() == 0) {
      return null;
    }
    int n = t.scenario().triggers();
    String fn = opts.watchAll() && n > 1 ? null : opts.triggerFn(n - 1, n);
    TriggerSubscriber sub = new TriggerSubscriber(zenohEndpoint, opts.collection(), fn);
    sub.track(t.tracker(), t.objects(), t.scenario().triggers());
    Thread.sleep(200); // let the router propagate the subscription before the load starts
    return sub;
  }

  private PointResult result(Target t, int conc, ClosedLoop.Outcome o, Edges e, ProcStats.Sample end,
      SubscriberView v, NodeCounters before, NodeCounters after) {
    Histogram h = o.latencyNanos();
    long calls = o.calls();
    TriggerTracker.Summary tr = v == null ? null : v.triggers();
    return new PointResult(t.variant(), t.scenario().id(), conc, calls, o.errors(), o.elapsedNanos() / 1e9,
        o.callsPerSecond(), us(h, 50), us(h, 99), us(h, 99.9), h.getMaxValue() / 1e3,
        per10k(e.open.node(), e.close.node(), calls), per10k(e.open.self(), e.close.self(), calls),
        per10k(e.open.router(), e.close.router(), calls),
        end == null || end.rssKib() < 0 ? null : end.rssKib() / 1024.0, end == null ? null : end.threads(),
        v == null ? null : t.tracker().watched(),
        tr == null ? null : tr.expected(), tr == null ? null : tr.received(), tr == null ? null : tr.lost(),
        tr == null ? null : tr.duplicates(), v == null ? null : v.unmatched(), triggerUs(tr, 50),
        triggerUs(tr, 99), triggerMaxUs(tr), v == null ? null : v.drops(), v == null ? null : v.samples(),
        v == null ? null : v.stalled(),
        before == null || after == null ? null : after.dispatched() - before.dispatched(),
        before == null || after == null ? null : after.queueDrops() - before.queueDrops(),
        before == null || after == null ? null : after.publishFailures() - before.publishFailures(),
        o.firstError());
  }

  /**
   * Waits until every expected trigger arrived, nothing new arrived for 1 s, or {@code --drain}
   * passed, then summarizes.
   */
  private TriggerTracker.Summary drain(TriggerTracker tracker) throws InterruptedException {
    long deadline = System.nanoTime() + opts.drain().toNanos();
    long last = -1;
    long lastChange = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long matched = tracker.matchedSoFar();
      if (matched >= tracker.expectedSoFar()) {
        break;
      }
      if (matched != last) {
        last = matched;
        lastChange = System.nanoTime();
      } else if (System.nanoTime() - lastChange > STALL_NANOS) {
        break;
      }
      Thread.sleep(20);
    }
    return tracker.summarize();
  }

  /** CPU of the nodes (summed over a cluster's members), this JVM and the router. */
  private Cpu cpu(NodeGroup nodes) {
    ProcStats.Sample n = nodes.sample();
    return new Cpu(n == null ? -1 : n.cpuTicks(), ticks(ProcessHandle.current().pid()), ticks(routerPid));
  }

  private static long ticks(Long pid) {
    ProcStats.Sample s = pid == null ? null : ProcStats.read(pid);
    return s == null ? -1 : s.cpuTicks();
  }

  private Double per10k(long ticksBefore, long ticksAfter, long calls) {
    if (ticksBefore < 0 || ticksAfter < 0 || calls == 0) {
      return null;
    }
    return (ticksAfter - ticksBefore) / (double) clockTicks / calls * 10_000;
  }

  private static double us(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
  }

  private static Double triggerUs(TriggerTracker.Summary tr, double percentile) {
    return tr == null || tr.latencyNanos().getTotalCount() == 0 ? null : us(tr.latencyNanos(), percentile);
  }

  private static Double triggerMaxUs(TriggerTracker.Summary tr) {
    return tr == null || tr.latencyNanos().getTotalCount() == 0 ? null : tr.latencyNanos().getMaxValue() / 1e3;
  }

  /** Node event counters summed over shards, or null if Stats fails (e.g. another implementation). */
  private static NodeCounters nodeCounters(DataServiceGrpc.DataServiceBlockingStub admin) {
    try {
      long drops = 0;
      long failures = 0;
      long dispatched = 0;
      for (ShardStats s : admin.withDeadlineAfter(5, TimeUnit.SECONDS).stats(StatsRequest.getDefaultInstance())
          .getShardsList()) {
        EventStatsProto e = s.getEvents();
        drops += e.getDropped() + e.getExpired();
        failures += e.getFailed();
        dispatched += e.getRetired() + e.getPending(); // in the outbox or delivered from it
      }
      return new NodeCounters(drops, failures, dispatched);
    } catch (StatusRuntimeException e) {
      return null;
    }
  }
}
