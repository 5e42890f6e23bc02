package dev.oprc.odgm.node;

import dev.oprc.odgm.events.DeliveryLink;
import dev.oprc.odgm.tracing.EnvelopeTraceparent;
import dev.oprc.odgm.tracing.TraceSpan;
import dev.oprc.odgm.tracing.Tracing;

/**
 * The outbox's {@link DeliveryLink} over the node's {@link NodeTransport}. With traces on, each
 * publish of a record is a dispatch span, a child of the write named by the envelope's
 * traceparent, and the envelope sent names the dispatch span instead (same length: the stored
 * record is not touched), so the invocation it triggers is the dispatch span's child. Thread-safe.
 */
final class TransportDeliveryLink implements DeliveryLink {
  private final NodeTransport transport;
  private final Tracing tracing;

  TransportDeliveryLink(NodeTransport transport, Tracing tracing) {
    this.transport = transport;
    this.tracing = tracing;
  }

  @Override
  public boolean tryPublish(String key, byte[] envelope) {
    if (!tracing.enabled()) {
      return transport.tryPut(key, envelope, null);
    }
    return tracedPublish(key, envelope);
  }

  private boolean tracedPublish(String key, byte[] envelope) {
    TraceSpan span = tracing.startDispatch(key, EnvelopeTraceparent.find(envelope));
    boolean taken = false;
    try {
      taken = transport.tryPut(key, EnvelopeTraceparent.replace(envelope, span.traceparent()), null);
      return taken;
    } finally {
      span.end(taken ? null : "the link did not take the record now (it is published again)");
    }
  }

  @Override
  public boolean tryPublish(String key, byte[] payload, byte[] attachment) {
    return transport.tryPut(key, payload, attachment);
  }

  @Override
  public long epoch() {
    return transport.linkEpoch();
  }

  @Override
  public boolean up() {
    return transport.linkUp();
  }

  @Override
  public long settleMillis() {
    return transport.settleMillis();
  }

  @Override
  public long position() {
    return transport.putPosition();
  }

  @Override
  public long writtenPosition() {
    return transport.writtenPosition();
  }

  @Override
  public boolean barrier(BarrierListener listener) {
    return transport.barrier(listener);
  }
}
