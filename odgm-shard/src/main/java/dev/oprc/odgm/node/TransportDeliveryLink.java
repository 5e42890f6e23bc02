package dev.oprc.odgm.node;

import dev.oprc.odgm.events.DeliveryLink;

/** The outbox's {@link DeliveryLink} over the node's {@link NodeTransport}. Thread-safe. */
final class TransportDeliveryLink implements DeliveryLink {
  private final NodeTransport transport;

  TransportDeliveryLink(NodeTransport transport) {
    this.transport = transport;
  }

  @Override
  public boolean tryPublish(String key, byte[] envelope) {
    return transport.tryPut(key, envelope, null);
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
