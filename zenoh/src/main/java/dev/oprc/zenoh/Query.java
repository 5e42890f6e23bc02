package dev.oprc.zenoh;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One query handed to a {@link Queryable}'s handler: selector (key expression + parameters),
 * optional payload, encoding and attachment, and the reply methods. Replies must be on keys that
 * intersect the query's key expression (unless the selector has the {@code _anyke} parameter).
 *
 * <p><b>Final:</b> when the handler returns, the query is closed and the querier gets its final
 * (RESPONSE_FINAL) — unless the handler called {@link #detach()}: then the application replies
 * later from any thread and must call {@link #close()}; a detached query that is never closed is
 * closed at its deadline (the querier's timeout, 10 s if it sent none), counted in
 * {@link QueryStats#queriesExpired()}. Replies after close throw.
 *
 * <p>Thread-safe: replies and close may come from any thread.
 */
public final class Query implements AutoCloseable {
    /** Replies to a query: to a local pending get or to the router. */
    interface Responder {
        void reply(Query q, Sample s);

        void replyErr(Query q, ReplyError e);

        /** Sends the final; called once. */
        void close(Query q);

        /** Sends the final without ever waiting (timer thread); called once instead of close. */
        default void closeNow(Query q) {
            close(q);
        }
    }

    /** Default reply options: zenoh/bytes, BLOCK (as Zenoh's replies), DATA priority. */
    public static final PutOptions DEFAULT_REPLY = PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK);

    private final KeyExpr keyExpr;
    private final String parameters;
    private final byte[] payload;
    private final Encoding encoding;
    private final byte[] attachment;
    private final Responder responder;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean detached;
    private Map<String, String> parsed;

    Query(KeyExpr keyExpr, String parameters, byte[] payload, Encoding encoding, byte[] attachment,
          Responder responder) {
        this.keyExpr = keyExpr;
        this.parameters = parameters == null ? "" : parameters;
        this.payload = payload;
        this.encoding = encoding == null ? Encoding.ZENOH_BYTES : encoding;
        this.attachment = attachment;
        this.responder = responder;
    }

    /** The query's key expression. */
    public KeyExpr keyExpr() {
        return keyExpr;
    }

    /** {@code key} or {@code key?parameters}. */
    public String selector() {
        return parameters.isEmpty() ? keyExpr.toString() : keyExpr + "?" + parameters;
    }

    /** The raw parameters string, e.g. {@code a=1;b=2} (empty if none). */
    public String parametersString() {
        return parameters;
    }

    /** Parsed parameters (Zenoh syntax {@code a=1;b=2}; a name without {@code =} maps to ""). */
    public synchronized Map<String, String> parameters() {
        if (parsed == null) {
            parsed = parseParameters(parameters);
        }
        return parsed;
    }

    /** The query payload, or null if the get sent none. */
    public byte[] payload() {
        return payload;
    }

    public String payloadAsString() {
        return payload == null ? null : new String(payload, StandardCharsets.UTF_8);
    }

    public Encoding encoding() {
        return encoding;
    }

    /** The attachment, or null. */
    public byte[] attachment() {
        return attachment;
    }

    /** Replies {@code payload} on {@code key} with default options (BLOCK, zenoh/bytes). */
    public void reply(String key, byte[] payload) {
        reply(KeyExpr.of(key), payload, DEFAULT_REPLY);
    }

    public void reply(KeyExpr key, byte[] payload) {
        reply(key, payload, DEFAULT_REPLY);
    }

    public void reply(String key, String payload) {
        reply(KeyExpr.of(key), payload.getBytes(StandardCharsets.UTF_8), DEFAULT_REPLY);
    }

    /**
     * Replies {@code payload} on the concrete key {@code key}; encoding, attachment and QoS come
     * from {@code options}. For a remote query a BLOCK reply waits at most the block timeout for
     * queue space.
     *
     * @throws ZenohException if the query is closed, the key is a wildcard or does not intersect
     *                        the query, or a BLOCK reply could not be queued in time
     */
    public void reply(KeyExpr key, byte[] payload, PutOptions options) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(options, "options");
        checkReplyKey(key);
        responder.reply(this, new Sample(key, payload, options.encoding(), SampleKind.PUT, null,
                options.attachment(), options.qos()));
    }

    /** Replies a delete on {@code key}. */
    public void replyDel(KeyExpr key) {
        checkReplyKey(key);
        responder.reply(this, new Sample(key, new byte[0], Encoding.ZENOH_BYTES, SampleKind.DELETE, null, null,
                DEFAULT_REPLY.qos()));
    }

    public void replyDel(String key) {
        replyDel(KeyExpr.of(key));
    }

    /** Replies an error with {@code payload} (encoding zenoh/bytes). */
    public void replyErr(byte[] payload) {
        replyErr(payload, Encoding.ZENOH_BYTES);
    }

    public void replyErr(String payload) {
        replyErr(payload.getBytes(StandardCharsets.UTF_8), Encoding.ZENOH_STRING);
    }

    public void replyErr(byte[] payload, Encoding encoding) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(encoding, "encoding");
        ensureOpen();
        responder.replyErr(this, new ReplyError(payload, encoding));
    }

    private void checkReplyKey(KeyExpr key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        if (key.isWild()) {
            throw new ZenohException("cannot reply on wildcard key expression '" + key + "'");
        }
        if (!keyExpr.intersects(key) && !parameters().containsKey("_anyke")) {
            throw new ZenohException("reply key '" + key + "' does not intersect query '" + selector()
                    + "' (add the _anyke parameter to the selector to allow it)");
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ZenohException("query '" + selector() + "' is closed: no more replies");
        }
    }

    /**
     * Keeps the query open after the handler returns, for replying asynchronously; the caller
     * must {@link #close()} it. Returns this query.
     */
    public Query detach() {
        detached = true;
        return this;
    }

    Responder responder() {
        return responder;
    }

    boolean responderIsRemote() {
        return responder instanceof InboundRequest;
    }

    boolean isDetached() {
        return detached;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Closes at the deadline (timer thread: never waits for queue space); true if it was still open. */
    boolean expire() {
        if (closed.compareAndSet(false, true)) {
            responder.closeNow(this);
            return true;
        }
        return false;
    }

    /** Closes without sending a final (the responder sends it itself). */
    void markClosed() {
        closed.set(true);
    }

    /** Sends the final to the querier; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            responder.close(this);
        }
    }

    /** Parses Zenoh selector parameters: {@code ;}-separated {@code name=value}, first occurrence wins. */
    static Map<String, String> parseParameters(String s) {
        if (s == null || s.isEmpty()) {
            return Collections.emptyMap();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : s.split(";", -1)) { // -1 keeps trailing empty parts; they are skipped below
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            out.putIfAbsent(eq < 0 ? part : part.substring(0, eq), eq < 0 ? "" : part.substring(eq + 1));
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public String toString() {
        return "Query[" + selector() + (payload != null ? ", " + payload.length + " bytes" : "") + "]";
    }
}
