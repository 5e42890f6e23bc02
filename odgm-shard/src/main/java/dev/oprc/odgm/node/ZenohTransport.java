package dev.oprc.odgm.node;

import dev.oprc.zenoh.CongestionControl;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.ConsolidationMode;
import dev.oprc.zenoh.Encoding;
import dev.oprc.zenoh.GetOptions;
import dev.oprc.zenoh.KeyExpr;
import dev.oprc.zenoh.PutOptions;
import dev.oprc.zenoh.Query;
import dev.oprc.zenoh.QueryTarget;
import dev.oprc.zenoh.Reply;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Zenoh;
import dev.oprc.zenoh.ZenohException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * {@link NodeTransport} over our pure-Java Zenoh session. The outbox's PUTs ({@link #tryPut}) are
 * offered without waiting ({@link Session#offer}: a full queue refuses them and the outbox keeps
 * them), so publishing never blocks the dispatcher, and they carry congestion control BLOCK, so a
 * router forwarding them to a slow subscriber waits for it instead of dropping them (upstream
 * sends DROP, which a router may drop under congestion with no sign to the sender); encoding
 * {@code application/protobuf} (the envelope is protobuf). Keys go in full: a declared prefix with
 * the invocation id as suffix was measured no faster through a router (the router resolves the
 * fresh key either way; {@code benchmarks/results/zenoh-publish.md}, run 3). Queryables detach every query and hand
 * it to the caller's handler; gets use upstream ObjectProxy's options (consolidation NONE, target
 * BEST_MATCHING). Samples of {@link #subscribeSamples} and queries of {@link #declareQueryable} reach
 * their listeners and handlers in the order they arrived ({@link ArrivalOrder}).
 *
 * <p>Thread-safe; owns the session.
 */
public final class ZenohTransport implements NodeTransport {
  private static final PutOptions DROP = PutOptions.defaults().withEncoding(Encoding.APPLICATION_PROTOBUF)
      .withCongestionControl(CongestionControl.DROP);
  /** The outbox's puts: offered without waiting here, never dropped by a congested router. */
  private static final PutOptions OUTBOX = DROP.withCongestionControl(CongestionControl.BLOCK);

  /** Longest wait for a barrier's final; at most the session's block timeout (see {@link #barrier}). */
  private static final Duration BARRIER_TIMEOUT = Duration.ofSeconds(2);

  private final Session session;
  private final String description;
  private final ArrivalOrder order;
  private final String barrierKey;
  private final GetOptions barrierOptions;
  private final long barrierTimeoutNanos;

  private ZenohTransport(Session session, String description) {
    this.session = Objects.requireNonNull(session, "session");
    this.description = description;
    int capacity = session.config().deliveryQueueCapacity(); // as many as the callback thread may have queued
    this.order = new ArrivalOrder(capacity, capacity);
    // a verbatim chunk: no wildcard queryable (oprc/**) matches it, so only the router's final answers
    this.barrierKey = "@odgm/barrier/" + session.zid();
    Duration timeout = BARRIER_TIMEOUT.compareTo(session.config().blockTimeout()) < 0 ? BARRIER_TIMEOUT
        : session.config().blockTimeout();
    this.barrierOptions = GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE).withTimeout(timeout);
    this.barrierTimeoutNanos = timeout.toNanos();
  }

  /** Opens a session configured by {@code OPRC_ZENOH_*}; local-only when no peers are given. */
  public static ZenohTransport open(Map<String, String> env) {
    return open(Config.fromEnv(env));
  }

  /** Opens a session with {@code config}. */
  public static ZenohTransport open(Config config) {
    Session s = Zenoh.open(config);
    String description;
    if (s.listenPort() >= 0) {
      description = "peer listening on " + config.listenProtocol() + "/" + config.listenHost() + ":" + s.listenPort()
          + (config.endpoints().isEmpty() ? "" : ", connecting to " + config.endpoints());
    } else {
      description = config.endpoints().isEmpty() ? "local-only (no OPRC_ZENOH_PEERS)"
          : config.mode() + " " + config.endpoints();
    }
    return new ZenohTransport(s, description);
  }

  /** Wraps an open session; closing the transport closes it. */
  public static ZenohTransport of(Session session) {
    return new ZenohTransport(session, "session");
  }

  public Session session() {
    return session;
  }

  @Override
  public void put(String key, byte[] payload) throws Exception {
    if (!session.tryPut(KeyExpr.of(key), payload, DROP)) {
      // the network or a local subscriber (its queue full) did not take it
      throw new ZenohException("put on '" + key + "' dropped: no router link or outbound queue full");
    }
  }

  @Override
  public boolean tryPut(String key, byte[] payload, byte[] attachment) {
    try {
      return session.offer(KeyExpr.of(key), payload, attachment == null ? OUTBOX : OUTBOX.withAttachment(attachment));
    } catch (ZenohException e) {
      return false; // closed session, oversize payload: the record stays in the outbox
    }
  }

  @Override
  public long linkEpoch() {
    return session.linkEpoch();
  }

  @Override
  public boolean linkUp() {
    return session.config().endpoints().isEmpty() || session.isConnected();
  }

  @Override
  public long putPosition() {
    return session.putPosition();
  }

  @Override
  public long writtenPosition() {
    return session.writtenPosition();
  }

  /**
   * A get on a key of this session's own that no queryable answers ({@code @odgm/barrier/<zid>}),
   * queued behind the puts already accepted (one outbound queue, one priority). The router handles
   * one session's messages in order and finals a query with no matching queryable at once, so its
   * final proves that every earlier put was routed. The request never waits for queue space
   * ({@link Session#tryGet}): when a link's queue is full now, no barrier is issued (false, the
   * listener is never called) and the dispatcher asks again later. The session also finals a get
   * without the router: when the link breaks (after the link epoch changed, which the dispatcher
   * checks), and at the timeout (which takes {@link #barrierOptions}' timeout, so a final that
   * comes sooner is the router's). The listener runs on the session's callback thread.
   */
  @Override
  public boolean barrier(dev.oprc.odgm.events.DeliveryLink.BarrierListener listener) {
    if (!session.isConnected()) {
      return false;
    }
    long start = System.nanoTime();
    // the final may come before tryGet returns, and counts only if every link took the get: the
    // listener is attached once that is known (and runs at once if the final already came)
    java.util.concurrent.CompletableFuture<Boolean> answered = new java.util.concurrent.CompletableFuture<>();
    try {
      if (!session.tryGet(barrierKey, barrierOptions, r -> { },
          () -> answered.complete(System.nanoTime() - start < barrierTimeoutNanos))) {
        return false; // a final of a get that skipped a link proves nothing: never reported
      }
    } catch (RuntimeException e) {
      return false; // closed session: no final will come
    }
    var unused = answered.thenAccept(listener::done);
    return true;
  }

  @Override
  public long settleMillis() {
    return session.linkLeaseMillis();
  }

  @Override
  public AutoCloseable subscribe(String keyExpr, BiConsumer<String, byte[]> handler) throws Exception {
    return session.declareSubscriber(KeyExpr.of(keyExpr),
        sample -> handler.accept(sample.keyExpr().toString(), sample.payload()));
  }

  /** Listeners run in arrival order with this transport's query handlers (see {@link ArrivalOrder}). */
  @Override
  public AutoCloseable subscribeSamples(String keyExpr, SampleListener listener) {
    return order.subscribe(session, KeyExpr.of(keyExpr), listener);
  }

  /**
   * Handlers run once the listeners of every earlier sample of {@link #subscribeSamples} ran; a
   * query that cannot be queued for that is answered "queryable overloaded" (counted).
   */
  @Override
  public AutoCloseable declareQueryable(String keyExpr, Consumer<IncomingQuery> handler) {
    return session.declareQueryable(KeyExpr.of(keyExpr), q -> {
      DetachedQuery d = new DetachedQuery(q.detach());
      if (!order.query(() -> handler.accept(d))) {
        d.replyErr("queryable overloaded: the node's query ordering queue is full");
        d.close();
      }
    }, false);
  }

  /** Queries refused because the queue that orders them after earlier samples was full. */
  public long queriesRefused() {
    return order.queriesRefused();
  }

  @Override
  public CompletableFuture<List<QueryReply>> get(String key, byte[] payload, Duration timeout) {
    GetOptions o = GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE).withTarget(QueryTarget.BEST_MATCHING)
        .withTimeout(timeout);
    if (payload != null) {
      o = o.withPayload(payload);
    }
    CompletableFuture<List<QueryReply>> done = new CompletableFuture<>();
    List<QueryReply> replies = new ArrayList<>(); // filled and completed on the session's callback thread, in order
    try {
      session.get(key, o, r -> replies.add(toReply(r)), () -> done.complete(List.copyOf(replies)));
    } catch (RuntimeException e) {
      done.completeExceptionally(e); // invalid key, closed session, payload too large
    }
    return done;
  }

  private static QueryReply toReply(Reply r) {
    return r.isOk() ? new QueryReply(true, r.result().keyExpr().toString(), r.result().payload())
        : new QueryReply(false, null, r.error().payload());
  }

  @Override
  public AutoCloseable declareToken(String key) {
    return session.liveliness().declareToken(KeyExpr.of(key));
  }

  @Override
  public void close() {
    session.close();
  }

  /** A detached Zenoh query: the final is sent by {@link #close()}. */
  private record DetachedQuery(Query q) implements IncomingQuery {
    @Override
    public String key() {
      return q.keyExpr().toString();
    }

    @Override
    public java.util.Map<String, String> parameters() {
      return q.parameters();
    }

    @Override
    public byte[] payload() {
      return q.payload();
    }

    @Override
    public void reply(String key, byte[] payload) {
      q.reply(KeyExpr.of(key), payload);
    }

    @Override
    public void replyErr(String message) {
      q.replyErr(message);
    }

    @Override
    public void close() {
      q.close();
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
