package dev.oprc.odgm.node;

import dev.oprc.odgm.lifecycle.Worker;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.storage.ChangeRetention;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every open partition's change log within its bounds ({@link ChangeRetention}): once a
 * second, on its own thread ({@code odgm-changes-trim}), the oldest events beyond a bound are
 * deleted in one range delete per partition. Writers never trim and never wait for it.
 *
 * <p>Thread-safe; owns its worker ({@link #start}, {@link #close}).
 */
final class ChangeLogTrimmer implements Worker.Duty, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeLogTrimmer.class);
  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final ShardRegistry shards;
  private final ChangeRetention retention;
  private final LongSupplier clock;
  private final Worker worker = new Worker("odgm-changes-trim", this);
  private final LongAdder trimmed = new LongAdder();

  ChangeLogTrimmer(ShardRegistry shards, ChangeRetention retention, LongSupplier clock) {
    this.shards = shards;
    this.retention = retention;
    this.clock = clock;
  }

  ChangeLogTrimmer start() {
    worker.start();
    return this;
  }

  @Override
  public void doWork() {
    long now = clock.getAsLong();
    for (ObjectShard s : shards.all()) {
      try {
        trimmed.add(retention.enforce(s.changeLog(), now));
      } catch (RuntimeException e) { // a partition released or a leader deposed meanwhile: its next owner trims
        log.debug("change log of {}/{} not trimmed: {}", s.collection(), s.partition(), e.toString());
      }
    }
    LockSupport.parkNanos(this, INTERVAL_NANOS);
  }

  /** Events trimmed since start. */
  long trimmed() {
    return trimmed.sum();
  }

  @Override
  public void close() {
    worker.close();
  }
}
