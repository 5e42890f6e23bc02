package dev.oprc.odgm.node;

import dev.oprc.zenoh.CongestionControl;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.Encoding;
import dev.oprc.zenoh.KeyExpr;
import dev.oprc.zenoh.PutOptions;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Zenoh;
import dev.oprc.zenoh.ZenohException;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * {@link NodeTransport} over our pure-Java Zenoh session. Trigger PUTs use congestion control
 * DROP (as upstream), so publishing never blocks the dispatcher; encoding
 * {@code application/protobuf} (the envelope is protobuf).
 *
 * <p>Thread-safe; owns the session.
 */
public final class ZenohTransport implements NodeTransport {
  private static final PutOptions DROP = PutOptions.defaults().withEncoding(Encoding.APPLICATION_PROTOBUF)
      .withCongestionControl(CongestionControl.DROP);

  private final Session session;
  private final String description;

  private ZenohTransport(Session session, String description) {
    this.session = Objects.requireNonNull(session, "session");
    this.description = description;
  }

  /** Opens a session configured by {@code OPRC_ZENOH_*}; local-only when no peers are given. */
  public static ZenohTransport open(Map<String, String> env) {
    return open(Config.fromEnv(env));
  }

  /** Opens a session with {@code config}. */
  public static ZenohTransport open(Config config) {
    return new ZenohTransport(Zenoh.open(config), config.endpoints().isEmpty()
        ? "local-only (no OPRC_ZENOH_PEERS)" : config.mode() + " " + config.endpoints());
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
      // local subscribers got it, the network did not: report it so the dispatcher counts a failure
      throw new ZenohException("put on '" + key + "' dropped: no router link or outbound queue full");
    }
  }

  @Override
  public boolean tryPut(String key, byte[] payload, byte[] attachment) {
    try {
      return session.tryPut(KeyExpr.of(key), payload, attachment == null ? DROP : DROP.withAttachment(attachment));
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

  @Override
  public long settleMillis() {
    return session.linkLeaseMillis();
  }

  @Override
  public AutoCloseable subscribe(String keyExpr, BiConsumer<String, byte[]> handler) throws Exception {
    return session.declareSubscriber(KeyExpr.of(keyExpr),
        sample -> handler.accept(sample.keyExpr().toString(), sample.payload()));
  }

  @Override
  public void close() {
    session.close();
  }

  @Override
  public String toString() {
    return description;
  }
}
