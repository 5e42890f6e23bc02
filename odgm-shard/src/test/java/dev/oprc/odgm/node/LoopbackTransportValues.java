package dev.oprc.odgm.node;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.ValData;

/** Small value helpers for node tests. */
final class LoopbackTransportValues {
  private LoopbackTransportValues() {}

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }
}
