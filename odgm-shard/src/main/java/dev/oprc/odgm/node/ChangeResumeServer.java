package dev.oprc.odgm.node;

import dev.oprc.odgm.cluster.NotOwnerException;
import dev.oprc.odgm.events.ChangeEvents;
import dev.oprc.odgm.events.ChangeFilter;
import dev.oprc.odgm.lifecycle.Threads;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.shard.NotFoundException;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.storage.ChangeLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers resume queries on the change log: a Zenoh GET on {@code oprc/{cls}/{pid}/events/**}
 * (the partition) or {@code oprc/{cls}/{pid}/events/{oid}} (one object) with the selector
 * parameters {@code since=<seq>} (default 0), {@code limit=<n>} (optional) and {@code filter=}
 * (optional; {@link ChangeFilter}) gets one reply per retained event with a greater seq that
 * matches, in seq order, each on the event's own key with the JSON of the live sample. When
 * {@code since} is older than the oldest retained event, the first reply is an error reply
 * {@code {"gap":{"oldest_seq":<n>}}}, then the retained events follow. Only durable events are
 * returned. A node that does not own the partition stays silent (its owner answers).
 *
 * <p>Queries are served on one thread ({@code odgm-changes-resume}) with a bounded queue: never on
 * a Zenoh I/O thread; a query that does not fit is answered with an error (counted). Thread-safe.
 */
final class ChangeResumeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeResumeServer.class);
  static final int QUEUE = 64;

  private final NodeTransport transport;
  private final ShardRegistry shards;
  private final ThreadPoolExecutor pool;
  private final List<AutoCloseable> declared = new ArrayList<>();
  private final LongAdder queries = new LongAdder();
  private final LongAdder replies = new LongAdder();
  private final LongAdder gaps = new LongAdder();
  private final LongAdder rejected = new LongAdder();

  ChangeResumeServer(NodeTransport transport, ShardRegistry shards) {
    this.transport = transport;
    this.shards = shards;
    this.pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
        Threads.daemon("odgm-changes-resume"));
  }

  /** Declares the queryables (one per collection); returns their key expressions. */
  List<String> start() throws Exception {
    List<String> keys = new ArrayList<>();
    for (CreateCollectionRequest c : shards.collections()) {
      String k = "oprc/" + c.getName() + "/*/events/**";
      declared.add(transport.declareQueryable(k, this::onQuery));
      keys.add(k);
    }
    return keys;
  }

  private void onQuery(NodeTransport.IncomingQuery q) {
    queries.increment();
    try {
      pool.execute(() -> serve(q));
    } catch (RejectedExecutionException e) {
      rejected.increment();
      q.replyErr("change resume overloaded: " + QUEUE + " queries are waiting");
      q.close();
    }
  }

  /** A parsed resume query. */
  private record Resume(String cls, int partition, String objectId, long since, long limit, ChangeFilter filter) {}

  private void serve(NodeTransport.IncomingQuery q) {
    try {
      Resume r;
      try {
        r = parse(q.key(), q.parameters());
      } catch (IllegalArgumentException e) {
        q.replyErr("bad resume query '" + q.key() + "': " + e.getMessage());
        return;
      }
      ObjectShard shard;
      try {
        shard = shards.shard(r.cls(), r.partition());
      } catch (NotOwnerException e) {
        return; // the owner answers
      } catch (NotFoundException e) {
        q.replyErr(e.getMessage());
        return;
      }
      replay(q, r, shard.changeLog());
    } catch (RuntimeException e) {
      log.debug("resume query {} failed: {}", q.key(), e.toString());
      try {
        q.replyErr("resume failed: " + e.getMessage());
      } catch (RuntimeException ignored) {
        // the query is gone (closed, or the link is down): nothing to tell
      }
    } finally {
      q.close();
    }
  }

  private void replay(NodeTransport.IncomingQuery q, Resume r, ChangeLog changes) {
    long through = changes.durableSeq();
    long oldest = changes.oldestSeq();
    if (r.since() + 1 < oldest) {
      gaps.increment();
      q.replyErr("{\"gap\":{\"oldest_seq\":" + oldest + "}}");
    }
    long[] sent = {0};
    changes.scan(r.since(), through, Integer.MAX_VALUE, (seq, body) -> {
      String oid = ChangeEvents.objectId(body);
      if ((r.objectId() == null || r.objectId().equals(oid)) && (r.filter() == null || r.filter().test(body))) {
        q.reply(ChangeEvents.key(r.cls(), r.partition(), oid), ChangeEvents.json(body, seq));
        replies.increment();
        sent[0]++;
      }
      return sent[0] < r.limit();
    });
  }

  /** {@code oprc/{cls}/{pid}/events/**} or {@code .../events/{oid}} with since, limit, filter. */
  static Resume parse(String key, Map<String, String> params) {
    String[] parts = key.split("/", -1);
    if (parts.length != 5 || !parts[0].equals("oprc") || !parts[3].equals("events")) {
      throw new IllegalArgumentException("expected oprc/{cls}/{pid}/events/** or oprc/{cls}/{pid}/events/{oid}");
    }
    int partition;
    try {
      partition = Integer.parseUnsignedInt(parts[2]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the partition must be a number (seqs are per partition), was '"
          + parts[2] + "'", e);
    }
    String oid = parts[4].equals("**") ? null : parts[4];
    if (oid != null && (oid.isEmpty() || oid.contains("*") || oid.contains("$"))) {
      throw new IllegalArgumentException("the object id must be concrete or **, was '" + oid + "'");
    }
    long since = number(params, "since", 0);
    long limit = number(params, "limit", Long.MAX_VALUE);
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, was " + limit);
    }
    String f = params.get("filter");
    return new Resume(parts[1], partition, oid, since, limit, f == null || f.isBlank() ? null : ChangeFilter.parse(f));
  }

  private static long number(Map<String, String> params, String name, long dflt) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw new IllegalArgumentException(name + " must be >= 0, was " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + "='" + v + "' is not a number", e);
    }
  }

  long queries() {
    return queries.sum();
  }

  long replies() {
    return replies.sum();
  }

  long gaps() {
    return gaps.sum();
  }

  long rejected() {
    return rejected.sum();
  }

  /** Undeclares the queryables, then stops the thread (a query in progress ends with it). */
  @Override
  public void close() {
    for (AutoCloseable c : declared) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("undeclaring a resume queryable failed: {}", e.toString());
      }
    }
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("the change resume thread did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
