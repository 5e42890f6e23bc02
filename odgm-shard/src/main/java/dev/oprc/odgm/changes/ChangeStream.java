package dev.oprc.odgm.changes;

import dev.oprc.odgm.events.ChangeFilter;
import dev.oprc.odgm.lifecycle.Worker;
import dev.oprc.zenoh.ConsolidationMode;
import dev.oprc.zenoh.GetOptions;
import dev.oprc.zenoh.Reply;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Subscriber;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition's change events, handed to the application once each and in seq order, across
 * reconnects and restarts of the client. It subscribes to {@code oprc/{cls}/{pid}/events/**} and
 * keeps a token: the last seq it handed over (or skipped as filtered out). On start, whenever a
 * live event's seq is not the next one (a reconnect, a dropped sample, a leader change), and when
 * the stream was idle for a while, it asks the node for what it missed (a resume query,
 * {@code ?since=<token>}, in pages) while it buffers the live events; duplicates (seq at or below
 * the token) are dropped. A restarted client passes the token it persisted ({@link Builder#from})
 * and continues after it: persist {@link Change#seq()} together with what the application did
 * with the event, and nothing is handed over twice or lost. When the node no longer retains some
 * events after the token, {@link Builder#onGap} is told the oldest retained seq and the stream
 * continues from it.
 *
 * <p>The object and filter given to the builder are applied here, to the partition's stream (seq
 * contiguity is checked on every event of the partition, filtered or not).
 *
 * <p>Events are handed over on the stream's own thread ({@code odgm-change-stream}); the listener
 * may block it (live events then wait in a bounded buffer; beyond it they are dropped, counted,
 * and recovered by a resume). Construction ({@link Builder#start}) starts it; {@link #close} stops
 * it. Thread-safe.
 */
public final class ChangeStream implements AutoCloseable, Worker.Duty {
  private static final Logger log = LoggerFactory.getLogger(ChangeStream.class);
  /** Events asked for per resume query. */
  static final int PAGE = 5_000;
  private static final byte[] GAP = "{\"gap\":{\"oldest_seq\":".getBytes(StandardCharsets.US_ASCII);

  /** Receives the events. */
  @FunctionalInterface
  public interface Listener {
    void onChange(Change change) throws Exception;
  }

  private final Session session;
  private final String prefix;
  private final String objectId;
  private final ChangeFilter filter;
  private final Listener listener;
  private final LongConsumer onGap;
  private final Duration idleResume;
  private final Duration queryTimeout;
  private final BlockingQueue<Change> live;
  private final Worker worker;
  private final LongAdder delivered = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder liveDropped = new LongAdder();
  private final LongAdder resumes = new LongAdder();
  private final LongAdder listenerErrors = new LongAdder();
  private volatile long token;
  private volatile boolean needResume = true;
  private long lastResumeNanos;
  private Subscriber subscriber;

  private ChangeStream(Builder b) {
    this.session = b.session;
    this.prefix = "oprc/" + b.cls + "/" + Integer.toUnsignedString(b.partition) + "/events/";
    this.objectId = b.objectId;
    this.filter = b.filter == null ? null : ChangeFilter.parse(b.filter);
    this.listener = Objects.requireNonNull(b.listener, "listener");
    this.onGap = b.onGap;
    this.idleResume = b.idleResume;
    this.queryTimeout = b.queryTimeout;
    this.live = new ArrayBlockingQueue<>(b.buffer);
    this.token = b.from;
    this.worker = new Worker("odgm-change-stream", this);
  }

  /** A stream of {@code cls}/{@code partition} on {@code session}. */
  public static Builder builder(Session session, String cls, int partition) {
    return new Builder(session, cls, partition);
  }

  private ChangeStream begin() {
    subscriber = session.declareSubscriber(prefix + "**", s -> {
      Change c;
      try {
        c = Change.of(s.keyExpr().toString(), s.payload());
      } catch (IllegalArgumentException e) {
        log.debug("ignoring {}", e.getMessage());
        return;
      }
      if (!live.offer(c)) {
        liveDropped.increment();
        needResume = true; // what was dropped comes back with the resume
      }
    });
    worker.start();
    return this;
  }

  /** The token: the seq of the last event handed over or filtered out; pass it to {@link Builder#from} to continue. */
  public long token() {
    return token;
  }

  /** Events handed to the listener. */
  public long delivered() {
    return delivered.sum();
  }

  /** Events received again (at or below the token) and not handed over. */
  public long duplicates() {
    return duplicates.sum();
  }

  /** Live events dropped because the buffer was full (recovered by a resume). */
  public long liveDropped() {
    return liveDropped.sum();
  }

  /** Resume queries sent. */
  public long resumes() {
    return resumes.sum();
  }

  @Override
  public void doWork() throws InterruptedException {
    if (needResume || (System.nanoTime() - lastResumeNanos > idleResume.toNanos() && live.isEmpty())) {
      resume();
    }
    Change c = live.poll(50, TimeUnit.MILLISECONDS);
    while (c != null) {
      accept(c);
      c = live.poll();
    }
  }

  /** A live event: handed over if it is the next one; a later one first makes the stream resume. */
  private void accept(Change c) throws InterruptedException {
    if (c.seq() > token + 1) {
      resume(); // fetches token+1 .. at least c.seq()-1 (durable before c was published), or reports a gap
      if (c.seq() > token + 1) {
        needResume = true; // no owner answered (failover in progress): retried on the next round
        return; // c comes back with that resume
      }
    }
    handOver(c);
  }

  private void handOver(Change c) {
    if (c.seq() <= token) {
      duplicates.increment();
      return;
    }
    if ((objectId == null || objectId.equals(c.objectId())) && (filter == null || filter.test(c.json()))) {
      try {
        listener.onChange(c);
      } catch (Exception e) {
        listenerErrors.increment();
        log.warn("change listener failed on seq {} of {}: {}", c.seq(), c.key(), e.toString());
      }
      delivered.increment();
    }
    token = c.seq();
  }

  /** Asks for everything after the token, page by page, and hands it over. */
  private void resume() throws InterruptedException {
    needResume = false;
    lastResumeNanos = System.nanoTime();
    while (true) {
      resumes.increment();
      List<Reply> page = query(prefix + "**?since=" + token + ";limit=" + PAGE);
      if (page == null) {
        needResume = true; // timed out: again on the next round
        return;
      }
      int events = 0;
      for (Reply r : page) {
        if (!r.isOk()) {
          gap(r.payload());
          continue;
        }
        events++;
        handOver(Change.of(r.result().keyExpr().toString(), r.result().payload()));
      }
      if (events < PAGE) {
        return;
      }
    }
  }

  private void gap(byte[] error) {
    String text = new String(error, StandardCharsets.UTF_8);
    if (!text.startsWith(new String(GAP, StandardCharsets.US_ASCII))) {
      log.debug("resume query of {} answered: {}", prefix, text);
      needResume = true;
      return;
    }
    long oldest = Long.parseLong(text.substring(GAP.length, text.indexOf('}')));
    if (oldest > token + 1) {
      if (onGap != null) {
        onGap.accept(oldest);
      }
      token = oldest - 1; // the events before it are gone; the retained ones follow this reply
    }
  }

  private List<Reply> query(String selector) throws InterruptedException {
    CompletableFuture<List<Reply>> done = new CompletableFuture<>();
    List<Reply> replies = new ArrayList<>();
    try {
      session.get(selector, GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE).withTimeout(queryTimeout),
          replies::add, () -> done.complete(replies));
      return done.get(queryTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.debug("resume query {} failed: {}", selector, e.toString());
      return null;
    }
  }

  /** Stops handing over events and undeclares the subscription. */
  @Override
  public void close() {
    Subscriber s = subscriber;
    if (s != null) {
      s.close();
    }
    worker.close();
  }

  /** Configures a {@link ChangeStream}. Not thread-safe. */
  public static final class Builder {
    private final Session session;
    private final String cls;
    private final int partition;
    private String objectId;
    private String filter;
    private Listener listener;
    private LongConsumer onGap;
    private long from;
    private int buffer = 65_536;
    private Duration idleResume = Duration.ofSeconds(2);
    private Duration queryTimeout = Duration.ofSeconds(30);

    private Builder(Session session, String cls, int partition) {
      this.session = Objects.requireNonNull(session, "session");
      this.cls = Objects.requireNonNull(cls, "cls");
      this.partition = partition;
    }

    /** Only this object's events (default: every object of the partition). */
    public Builder objectId(String oid) {
      this.objectId = oid;
      return this;
    }

    /** Only events passing this filter ({@link ChangeFilter}: the trigger filter language). */
    public Builder filter(String text) {
      ChangeFilter.parse(text); // fails here, naming what is wrong
      this.filter = text;
      return this;
    }

    /** Continues after the token {@code seq} (default 0: from the oldest retained event). */
    public Builder from(long seq) {
      if (seq < 0) {
        throw new IllegalArgumentException("token must be >= 0, was " + seq);
      }
      this.from = seq;
      return this;
    }

    /** Where the events go (required). */
    public Builder listener(Listener l) {
      this.listener = l;
      return this;
    }

    /** Told the oldest retained seq when events after the token were no longer retained. */
    public Builder onGap(LongConsumer c) {
      this.onGap = c;
      return this;
    }

    /** Live events buffered while the listener is busy (default 65536). */
    public Builder buffer(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("buffer must be >= 1, was " + n);
      }
      this.buffer = n;
      return this;
    }

    /** How long without a live event before the stream checks for missed ones (default 2 s). */
    public Builder idleResume(Duration d) {
      this.idleResume = Objects.requireNonNull(d, "idleResume");
      return this;
    }

    /** Subscribes and starts handing events over. */
    public ChangeStream start() {
      return new ChangeStream(this).begin();
    }
  }
}
