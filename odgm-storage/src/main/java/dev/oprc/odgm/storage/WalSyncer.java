package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.DurabilityGate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import dev.oprc.odgm.lifecycle.Worker;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for {@link SyncMode#GROUP}: writers append to the WAL without syncing, take a
 * ticket, and wait; one thread ({@code odgm-wal-sync}) syncs the WAL for every ticket taken before
 * the sync began, so concurrent writers share one fsync. Taking a ticket is one atomic increment
 * (no lock on the write path); waiting happens outside the object's lock. A caller that must not
 * block registers a completion instead ({@link #whenDurable}); the sync thread runs it after the
 * sync that covers its ticket, so one fsync answers a whole batch of writers without waking a
 * thread per writer.
 *
 * <p>Thread-safe. Owns its {@link Worker}; {@link #close()} stops it after a final sync.
 */
final class WalSyncer implements DurabilityGate, AutoCloseable, Worker.Duty {
  private static final Logger log = LoggerFactory.getLogger(WalSyncer.class);

  private final RocksDB db;
  private final AtomicLong requested = new AtomicLong();
  private volatile long durable;
  private volatile String failure;
  private volatile boolean parked;
  private volatile boolean closed;
  private final Object waiters = new Object();
  private final Worker worker;
  private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
  private final List<Completion> notYet = new ArrayList<>(); // the sync thread's own

  /** A registered {@link #whenDurable} call. */
  private record Completion(long ticket, Consumer<RuntimeException> then) {}

  WalSyncer(RocksDB db) {
    this.db = db;
    this.worker = new Worker("odgm-wal-sync", this);
    worker.start(); // after the field is set: the first round reads it
  }

  private volatile java.util.function.LongConsumer onSync;

  /** Observes each successful group sync's duration in nanoseconds, on the sync thread; must not block. */
  void onSync(java.util.function.LongConsumer durationNanos) {
    this.onSync = durationNanos;
  }

  /** Why the WAL could not be synced, or null while it can. */
  String failure() {
    return failure;
  }

  /** A ticket for every write appended so far. */
  long request() {
    long t = requested.incrementAndGet();
    if (parked) {
      worker.wake();
    }
    return t;
  }

  @Override
  public void awaitDurable(long ticket) {
    if (ticket <= durable) {
      return;
    }
    synchronized (waiters) {
      while (ticket > durable) {
        RuntimeException why = neverDurable();
        if (why != null) {
          throw why;
        }
        try {
          waiters.wait(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StorageException("interrupted while waiting for the WAL sync");
        }
      }
    }
  }

  /** Why a write not yet synced never will be (a failed sync, a closed storage), or null. */
  private RuntimeException neverDurable() {
    String f = failure;
    if (f != null) {
      return new StorageFailedException("the write is applied but its WAL sync failed (" + f
          + "); the storage refuses further writes until the node is restarted");
    }
    return closed ? new StorageException("storage closed before the write was synced") : null;
  }

  @Override
  public void whenDurable(long ticket, Consumer<RuntimeException> then) {
    if (ticket <= durable) {
      then.accept(null);
      return;
    }
    completions.add(new Completion(ticket, then));
    if (parked) {
      worker.wake();
    }
    if (worker.isTerminated()) {
      complete(); // closed meanwhile: nobody else runs it (complete() is then only called here)
    }
  }

  /** One round of the sync thread: sync what was requested and answer it, else park briefly. */
  @Override
  public void doWork() {
    long target = requested.get();
    if (target > durable) {
      sync(target);
      complete();
      return;
    }
    complete();
    parked = true;
    if (requested.get() == target && worker.isRunning() && completions.isEmpty()) {
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50));
    }
    parked = false;
  }

  /** After the last round: a final sync of what was appended (unless syncing failed), then answer everyone. */
  @Override
  public void onClose() {
    long target = requested.get();
    if (target > durable && failure == null) {
      sync(target);
    }
    complete();
  }

  /**
   * Runs the registered completions whose tickets are durable, or that never will be; keeps the
   * others (registered before the sync that covers them began) for the next round.
   */
  private synchronized void complete() {
    for (Completion c; (c = completions.poll()) != null; ) {
      notYet.add(c);
    }
    if (notYet.isEmpty()) {
      return;
    }
    long d = durable;
    RuntimeException why = null;
    int kept = 0;
    for (int i = 0; i < notYet.size(); i++) {
      Completion c = notYet.get(i);
      if (c.ticket() <= d) {
        run(c, null);
      } else if (why != null || (why = neverDurable()) != null) {
        run(c, why);
      } else {
        notYet.set(kept++, c);
      }
    }
    notYet.subList(kept, notYet.size()).clear();
  }

  private static void run(Completion c, RuntimeException why) {
    try {
      c.then().accept(why);
    } catch (RuntimeException e) {
      log.warn("a durability completion failed: {}", e.toString()); // one caller's reply, not the syncer
    }
  }

  /**
   * Syncs the WAL. A failure is final: after a failed fsync the kernel may have dropped the dirty
   * pages, so a later success would claim writes durable that are not. Every waiting and later
   * write then fails, and the engine refuses new writes ({@link #failure()}).
   */
  private void sync(long target) {
    if (failure != null) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      return;
    }
    try {
      long t0 = System.nanoTime();
      db.syncWal();
      durable = target;
      java.util.function.LongConsumer l = onSync;
      if (l != null) {
        l.accept(System.nanoTime() - t0);
      }
    } catch (RocksDBException e) {
      failure = e.getMessage() == null ? String.valueOf(e.getStatus()) : e.getMessage();
      log.error("WAL sync failed; the storage refuses further writes until the node is restarted: {}", failure);
    }
    synchronized (waiters) {
      waiters.notifyAll();
    }
  }

  @Override
  public void close() {
    closed = true;
    worker.close();
    synchronized (waiters) {
      waiters.notifyAll();
    }
  }
}
