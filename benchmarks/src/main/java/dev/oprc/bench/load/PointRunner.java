package dev.oprc.bench.load;

import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.EventStatsProto;
import dev.oprc.odgm.proto.ShardStats;
import dev.oprc.odgm.proto.StatsRequest;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Measures one point: runs the closed loop, samples {@code /proc} for the node, this JVM and the
 * router at the edges of the measured window, waits for outstanding triggers, and assembles a
 * {@link PointResult}. Used by the harness thread only; not thread-safe.
 */
final class PointRunner {
  private final HarnessOptions opts;
  private final ClosedLoop loop;
  private final long clockTicks;
  private final Long routerPid;
  private final TriggerSubscriber subscriber;

  PointRunner(HarnessOptions opts, ClosedLoop loop, long clockTicks, Long routerPid, TriggerSubscriber subscriber) {
    this.opts = opts;
    this.loop = loop;
    this.clockTicks = clockTicks;
    this.routerPid = routerPid;
    this.subscriber = subscriber;
  }

  /** What one scenario on one node needs for its points. */
  record Target(String variant, Scenario scenario, NodeProcess node, DataServiceGrpc.DataServiceBlockingStub admin,
      ClosedLoop.Operation op, ObjectSet objects, TriggerTracker tracker) {}

  /** CPU ticks of node, harness and router at one instant (-1: unknown). */
  private record Cpu(long node, long self, long router) {}

  /** Window-edge samples, written by the harness thread inside {@link ClosedLoop#run}. */
  private final class Edges implements ClosedLoop.Window {
    final Target t;
    Cpu open;
    Cpu close;

    Edges(Target t) {
      this.t = t;
    }

    @Override
    public void opened() {
      t.tracker().open();
      open = cpu(t.node());
    }

    @Override
    public void closed() {
      close = cpu(t.node());
      t.tracker().close();
    }
  }

  PointResult run(Target t, int concurrency) throws InterruptedException {
    t.objects().assignLanes(concurrency);
    t.tracker().reset();
    long[] statsBefore = nodeCounters(t.admin());
    long subDropsBefore = subscriber == null ? 0 : subscriber.sessionDrops();
    Edges edges = new Edges(t);
    ClosedLoop.Outcome o = loop.run(t.op(), concurrency, opts.warmup(), opts.measure(), edges);
    if (!o.drained()) {
      System.err.println("load: some calls did not finish within 30 s after the window closed");
    }
    TriggerTracker.Summary triggers = tracksTriggers(t) ? drain(t.tracker()) : null;
    ProcStats.Sample end = t.node().pid() == null ? null : ProcStats.read(t.node().pid());
    long[] statsAfter = nodeCounters(t.admin());
    Long subDrops = tracksTriggers(t) ? subscriber.sessionDrops() - subDropsBefore : null;
    return result(t, concurrency, o, edges, end, triggers, subDrops, statsBefore, statsAfter);
  }

  private boolean tracksTriggers(Target t) {
    return subscriber != null && t.scenario().triggers() > 0;
  }

  private PointResult result(Target t, int conc, ClosedLoop.Outcome o, Edges e, ProcStats.Sample end,
      TriggerTracker.Summary tr, Long subDrops, long[] before, long[] after) {
    Histogram h = o.latencyNanos();
    long calls = o.calls();
    return new PointResult(t.variant(), t.scenario().id(), conc, calls, o.errors(), o.elapsedNanos() / 1e9,
        o.callsPerSecond(), us(h, 50), us(h, 99), us(h, 99.9), h.getMaxValue() / 1e3,
        per10k(e.open.node(), e.close.node(), calls), per10k(e.open.self(), e.close.self(), calls),
        per10k(e.open.router(), e.close.router(), calls),
        end == null || end.rssKib() < 0 ? null : end.rssKib() / 1024.0, end == null ? null : end.threads(),
        tr == null ? null : tr.expected(), tr == null ? null : tr.received(), tr == null ? null : tr.lost(),
        tr == null ? null : tr.duplicates(), triggerUs(tr, 50), triggerUs(tr, 99),
        tr == null || tr.latencyNanos().getTotalCount() == 0 ? null : tr.latencyNanos().getMaxValue() / 1e3,
        subDrops, delta(before, after, 0), delta(before, after, 1), o.firstError());
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
      } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(1)) {
        break;
      }
      Thread.sleep(20);
    }
    return tracker.summarize();
  }

  private Cpu cpu(NodeProcess node) {
    return new Cpu(ticks(node.pid()), ticks(ProcessHandle.current().pid()), ticks(routerPid));
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

  /** Node event counters summed over shards: queue drops, publish failures; null if Stats fails. */
  private static long[] nodeCounters(DataServiceGrpc.DataServiceBlockingStub admin) {
    try {
      long drops = 0;
      long failures = 0;
      for (ShardStats s : admin.withDeadlineAfter(5, TimeUnit.SECONDS).stats(StatsRequest.getDefaultInstance())
          .getShardsList()) {
        EventStatsProto e = s.getEvents();
        drops += e.getQueueDrops();
        failures += e.getPublishFailures();
      }
      return new long[] {drops, failures};
    } catch (StatusRuntimeException e) {
      return null;
    }
  }

  private static Long delta(long[] before, long[] after, int i) {
    return before == null || after == null ? null : after[i] - before[i];
  }
}
