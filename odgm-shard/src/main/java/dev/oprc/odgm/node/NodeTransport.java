package dev.oprc.odgm.node;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What the node needs from Zenoh: fire-and-forget puts, subscriptions, queryables, gets,
 * liveliness tokens, and the link state the outbox uses to decide when a handed-over trigger is
 * safe to forget. The production implementation is {@link ZenohTransport}; tests may use an
 * in-memory one. A transport without queries keeps the defaults: its queryables never receive a
 * query, its gets finish with no reply, its tokens announce nothing.
 *
 * <p>Implementations must be thread-safe.
 */
public interface NodeTransport extends AutoCloseable {
  /**
   * Publishes {@code payload} on {@code key} without ever blocking (congestion control DROP): a
   * put the network could not take is dropped, counted by the transport, and reported by throwing.
   */
  void put(String key, byte[] payload) throws Exception;

  /**
   * Like {@link #put} but reports a put the link could not take now by returning false; the
   * caller keeps it and sends it again. Never waits; a put it takes is not dropped by congestion
   * further on (Zenoh: congestion control BLOCK on the wire, see {@link ZenohTransport}).
   */
  default boolean tryPut(String key, byte[] payload, byte[] attachment) {
    try {
      put(key, payload);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** Changes whenever the link goes down or comes up (constant for a transport without one). */
  default long linkEpoch() {
    return 0;
  }

  /** True when a put can reach the network now. */
  default boolean linkUp() {
    return true;
  }

  /** How long a put must stay on an unbroken link to count as delivered (0: at once). */
  default long settleMillis() {
    return 0;
  }

  /** A position at or after every put accepted so far (see {@code Session.putPosition}). */
  default long putPosition() {
    return 0;
  }

  /** Puts up to this position have been written out, or dropped with a link change. */
  default long writtenPosition() {
    return Long.MAX_VALUE;
  }

  /** See {@link dev.oprc.odgm.events.DeliveryLink#barrier}; false: this transport has no barriers. */
  default boolean barrier(dev.oprc.odgm.events.DeliveryLink.BarrierListener listener) {
    return false;
  }

  /**
   * Calls {@code handler(key, payload)} for every put matching {@code keyExpr}. The handler runs
   * on a transport thread and must hand heavy work off. Close the result to unsubscribe.
   */
  AutoCloseable subscribe(String keyExpr, BiConsumer<String, byte[]> handler) throws Exception;

  /**
   * Like {@link #subscribe} but also reports deletes ({@code delete == true}, empty payload), in
   * arrival order with this transport's queries: the listener has returned for every sample that
   * arrived before a query when that query reaches its {@link #declareQueryable} handler. The
   * default reports every sample as a put (ordered only if {@link #subscribe} and the queryables
   * run on one thread in arrival order).
   */
  default AutoCloseable subscribeSamples(String keyExpr, SampleListener listener) throws Exception {
    return subscribe(keyExpr, (key, payload) -> listener.onSample(key, payload, false));
  }

  /**
   * Declares a queryable on {@code keyExpr}. {@code handler} runs on a transport thread for every
   * matching query and must return quickly: it owns the {@link IncomingQuery} and must close it
   * (now or later, from any thread), which ends the query for the querier. Close the result to
   * undeclare.
   */
  default AutoCloseable declareQueryable(String keyExpr, Consumer<IncomingQuery> handler) throws Exception {
    return () -> { };
  }

  /**
   * Queries {@code key} with {@code payload} (null: none), consolidation NONE and target
   * BEST_MATCHING (as upstream's ObjectProxy). The future completes, never exceptionally for a
   * network condition, with every reply received until the last queryable finished or
   * {@code timeout} passed; it runs its continuations on a transport thread.
   */
  default CompletableFuture<List<QueryReply>> get(String key, byte[] payload, Duration timeout) {
    return CompletableFuture.completedFuture(List.of());
  }

  /** Announces {@code key} as alive (a liveliness token) until the result is closed. */
  default AutoCloseable declareToken(String key) throws Exception {
    return () -> { };
  }

  @Override
  void close();

  /** Receives samples of {@link #subscribeSamples}; runs on a transport thread. */
  @FunctionalInterface
  interface SampleListener {
    void onSample(String key, byte[] payload, boolean delete);
  }

  /**
   * One query delivered to a queryable. Replies and {@link #close()} may come from any thread;
   * after close, replies fail. Implementations are thread-safe.
   */
  interface IncomingQuery extends AutoCloseable {
    /** The query's key expression (may contain wildcards). */
    String key();

    /** The selector's parameters ({@code key?a=1;b=2}), empty when it has none. */
    default java.util.Map<String, String> parameters() {
      return java.util.Map.of();
    }

    /** The query payload, or null when the get sent none. */
    byte[] payload();

    /** Replies {@code payload} on the concrete {@code key}, which must intersect {@link #key()}. */
    void reply(String key, byte[] payload);

    /** Replies an error whose payload is {@code message} (UTF-8). */
    void replyErr(String message);

    /** Ends the query (idempotent). */
    @Override
    void close();
  }

  /** One reply to a {@link #get}: a sample ({@code ok}) or an error (payload = error bytes). Immutable. */
  @SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
  record QueryReply(boolean ok, String key, byte[] payload) {}
}
