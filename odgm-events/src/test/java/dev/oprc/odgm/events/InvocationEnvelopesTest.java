package dev.oprc.odgm.events;

import static dev.oprc.odgm.events.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.TriggerPayload;
import dev.oprc.odgm.proto.TriggerTarget;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class InvocationEnvelopesTest {
  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  private static final ByteString PAYLOAD = ByteString.copyFromUtf8("{\"event_info\":{}}");

  private static TriggerTarget statelessWithOptions() {
    return Fixtures.stateless("notification_service", 1, "notify").toBuilder()
        .putReqOptions("priority", "high").putReqOptions("tenant", "t-1").build();
  }

  private static TriggerTarget statefulWithOptions() {
    return Fixtures.stateful("orders", 7, "order-9", "ship").toBuilder().putReqOptions("priority", "low").build();
  }

  @Test
  void aStatelessTargetGetsAnInvocationRequest() throws Exception {
    EventContext ctx = Fixtures.dataEvent(EventType.DATA_UPDATE, "status");

    InvocationRequest req = InvocationRequest.parseFrom(InvocationEnvelopes.build(ctx, statelessWithOptions(), PAYLOAD));

    assertThat(req.getPartitionId()).isEqualTo(1);
    assertThat(req.getClsId()).isEqualTo("notification_service");
    assertThat(req.getFnId()).isEqualTo("notify");
    assertThat(req.getPayload()).isEqualTo(PAYLOAD);
    assertThat(req.getOptionsMap()).isEqualTo(Map.of(
        "priority", "high", "tenant", "t-1",
        TriggerHeaders.DEPTH, "0", TriggerHeaders.EVENT_TYPE, "4", TriggerHeaders.OBJECT_VERSION, "7"));
  }

  @Test
  void aStatefulTargetGetsAnObjectInvocationRequestWithItsObjectId() throws Exception {
    EventContext ctx = Fixtures.dataEvent(EventType.DATA_CREATE, "status");

    ObjectInvocationRequest req =
        ObjectInvocationRequest.parseFrom(InvocationEnvelopes.build(ctx, statefulWithOptions(), PAYLOAD));

    assertThat(req.getPartitionId()).isEqualTo(7);
    assertThat(req.getClsId()).isEqualTo("orders");
    assertThat(req.getFnId()).isEqualTo("ship");
    assertThat(req.hasObjectId()).isTrue();
    assertThat(req.getObjectId()).isEqualTo("order-9");
    assertThat(req.getPayload()).isEqualTo(PAYLOAD);
    assertThat(req.getOptionsMap()).isEqualTo(Map.of(
        "priority", "low", TriggerHeaders.DEPTH, "0", TriggerHeaders.EVENT_TYPE, "3",
        TriggerHeaders.OBJECT_VERSION, "7"));
  }

  @Test
  void aStatelessEnvelopeHasNoObjectId() throws Exception {
    byte[] bytes = InvocationEnvelopes.build(Fixtures.dataEvent(EventType.DATA_CREATE, "k"), statelessWithOptions(),
        PAYLOAD);

    assertThat(ObjectInvocationRequest.parseFrom(bytes).hasObjectId()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(value = EventType.class, names = {"FUNC_COMPLETE", "FUNC_ERROR"})
  void functionEventsCarryNoObjectVersionHeader(EventType type) throws Exception {
    EventContext ctx = EventContext.function("video", 0, "v1", type, "transcode", null, null, 1, 3);

    InvocationRequest req = InvocationRequest.parseFrom(InvocationEnvelopes.build(ctx, statelessWithOptions(), PAYLOAD));

    assertThat(req.getOptionsMap())
        .containsEntry(TriggerHeaders.DEPTH, "3")
        .containsEntry(TriggerHeaders.EVENT_TYPE, String.valueOf(type.number()))
        .doesNotContainKey(TriggerHeaders.OBJECT_VERSION);
  }

  @Test
  void theTraceparentIsAddedWhenTheEventHasOne() throws Exception {
    EventContext ctx = Fixtures.dataEvent(EventType.DATA_UPDATE, "k").withTraceparent(TRACEPARENT);

    InvocationRequest req = InvocationRequest.parseFrom(InvocationEnvelopes.build(ctx, statelessWithOptions(), PAYLOAD));

    assertThat(req.getOptionsMap()).containsEntry(TriggerHeaders.TRACEPARENT, TRACEPARENT);
  }

  @Test
  void noTraceparentIsAddedWhenTheEventHasNone() throws Exception {
    InvocationRequest req = InvocationRequest.parseFrom(
        InvocationEnvelopes.build(Fixtures.dataEvent(EventType.DATA_UPDATE, "k"), statelessWithOptions(), PAYLOAD));

    assertThat(req.getOptionsMap()).doesNotContainKey(TriggerHeaders.TRACEPARENT);
  }

  @Test
  void ourHeadersWinOverSameNamedReqOptions() throws Exception {
    TriggerTarget forging = Fixtures.stateless("c", 1, "f").toBuilder()
        .putReqOptions(TriggerHeaders.DEPTH, "0").putReqOptions(TriggerHeaders.EVENT_TYPE, "1")
        .putReqOptions(TriggerHeaders.OBJECT_VERSION, "1").putReqOptions(TriggerHeaders.TRACEPARENT, "forged")
        .build();
    EventContext ctx = Fixtures.dataEventAtDepth(4).withTraceparent(TRACEPARENT);

    InvocationRequest req = InvocationRequest.parseFrom(InvocationEnvelopes.build(ctx, forging, PAYLOAD));

    assertThat(req.getOptionsMap()).isEqualTo(Map.of(TriggerHeaders.DEPTH, "4", TriggerHeaders.EVENT_TYPE, "4",
        TriggerHeaders.OBJECT_VERSION, "7", TriggerHeaders.TRACEPARENT, TRACEPARENT));
  }

  @Test
  void aReqOptionNamedLikeAnAbsentHeaderIsKept() throws Exception {
    TriggerTarget target = Fixtures.stateless("c", 1, "f").toBuilder()
        .putReqOptions(TriggerHeaders.TRACEPARENT, "from-config").putReqOptions(TriggerHeaders.OBJECT_VERSION, "cfg")
        .build();
    EventContext fnEvent = EventContext.function("c", 0, "o", EventType.FUNC_COMPLETE, "g", null, null, 1, 0);

    InvocationRequest req = InvocationRequest.parseFrom(InvocationEnvelopes.build(fnEvent, target, PAYLOAD));

    assertThat(req.getOptionsMap())
        .containsEntry(TriggerHeaders.TRACEPARENT, "from-config")
        .containsEntry(TriggerHeaders.OBJECT_VERSION, "cfg");
  }

  @Test
  void theObjectVersionIsWrittenUnsigned() throws Exception {
    EventContext ctx = EventContext.data("c", 0, "o", EventType.DATA_UPDATE, "k", -1L, 1, 0);

    InvocationRequest req = InvocationRequest.parseFrom(InvocationEnvelopes.build(ctx, statelessWithOptions(), PAYLOAD));

    assertThat(req.getOptionsMap()).containsEntry(TriggerHeaders.OBJECT_VERSION, "18446744073709551615");
  }

  @Test
  void theDepthHeaderRoundTripsIntoTheNextEventsDepth() throws Exception {
    EventContext ctx = Fixtures.dataEventAtDepth(70);

    InvocationRequest req = InvocationRequest.parseFrom(InvocationEnvelopes.build(ctx, statelessWithOptions(), PAYLOAD));

    assertThat(TriggerHeaders.causedEventDepth(req.getOptionsMap())).isEqualTo(71);
  }

  @ParameterizedTest
  @EnumSource(PayloadFormat.class)
  void theInnerPayloadDecodesBackInEitherFormat(PayloadFormat format) throws Exception {
    EventContext ctx = EventContext.function("video", 0, "v1", EventType.FUNC_COMPLETE, "transcode",
        utf8("{\"ok\":true}"), null, 1_741_200_000_123L, 0);
    byte[] payload = new TriggerPayloadCodec(format).encode(ctx);

    ObjectInvocationRequest req = ObjectInvocationRequest.parseFrom(
        InvocationEnvelopes.build(ctx, statefulWithOptions(), ByteString.copyFrom(payload)));

    if (format == PayloadFormat.JSON) {
      assertThat(req.getPayload().toStringUtf8()).isEqualTo(TriggerPayloadCodecTest.UPSTREAM_FUNCTION_EXAMPLE);
    } else {
      TriggerPayload decoded = TriggerPayload.parseFrom(req.getPayload());
      assertThat(decoded).isEqualTo(TriggerPayloadCodec.toProtobuf(ctx));
      assertThat(decoded.getEventInfo().getFnId()).isEqualTo("transcode");
      assertThat(decoded.getOriginalPayload().toStringUtf8()).isEqualTo("{\"ok\":true}");
    }
  }

  static Stream<Arguments> envelopeCases() {
    TriggerTarget bare = Fixtures.stateless("c", 0, "f");
    TriggerTarget unicode = Fixtures.stateful("klasse", -1, "objekt-ü😀", "fn").toBuilder()
        .putReqOptions("schlüssel", "wert-é").putReqOptions("", "").putReqOptions("long", "v".repeat(500)).build();
    TriggerTarget forging = Fixtures.stateful("c", 3, "o", "f").toBuilder()
        .putReqOptions(TriggerHeaders.DEPTH, "0").putReqOptions("keep", "me")
        .putReqOptions(TriggerHeaders.TRACEPARENT, "forged").putReqOptions(TriggerHeaders.OBJECT_VERSION, "v-cfg")
        .putReqOptions(TriggerHeaders.EVENT_TYPE, "9").build();
    return Stream.of(
        Arguments.of(Fixtures.dataEvent(EventType.DATA_UPDATE, "k"), statelessWithOptions(), PAYLOAD),
        Arguments.of(Fixtures.dataEventAtDepth(2).withTraceparent(TRACEPARENT), forging, PAYLOAD),
        Arguments.of(Fixtures.dataEvent(EventType.DATA_DELETE, "k").withTraceparent(TRACEPARENT),
            statefulWithOptions(), PAYLOAD),
        Arguments.of(EventContext.function("c", 0, "o", EventType.FUNC_ERROR, "g", null, "x", 1, 99), bare,
            ByteString.EMPTY),
        Arguments.of(Fixtures.dataEventAtDepth(1000), unicode, ByteString.copyFrom(new byte[70_000])),
        Arguments.of(Fixtures.dataEventAtDepth(63), bare, PAYLOAD),
        Arguments.of(Fixtures.dataEventAtDepth(64), bare, PAYLOAD),
        Arguments.of(EventContext.data("c", 0, "o", EventType.DATA_CREATE, "k", 0L, 1, 0), bare, PAYLOAD),
        Arguments.of(EventContext.data("c", 0, "o", EventType.DATA_CREATE, "k", Long.MAX_VALUE, 1, 0), bare, PAYLOAD),
        Arguments.of(EventContext.data("c", 0, "o", EventType.DATA_CREATE, "k", Long.MIN_VALUE, 1, 0), bare, PAYLOAD),
        Arguments.of(EventContext.data("c", 0, "o", EventType.DATA_CREATE, "k", 1234567890L, 1, 0), forging, PAYLOAD),
        Arguments.of(EventContext.function("c", 0, "o", EventType.FUNC_COMPLETE, "g", null, null, 1, 0), forging,
            PAYLOAD),
        Arguments.of(Fixtures.dataEvent(EventType.DATA_UPDATE, "k").withTraceparent("trace-ü-\uD800"), unicode,
            PAYLOAD));
  }

  @ParameterizedTest
  @MethodSource("envelopeCases")
  void theDirectEncodingDecodesToTheBuilderMessage(EventContext ctx, TriggerTarget target, ByteString payload)
      throws Exception {
    byte[] bytes = InvocationEnvelopes.build(ctx, target, payload);

    var message = InvocationEnvelopes.toMessage(ctx, target, payload);
    // compare decoded forms: a lone surrogate only survives the trip as '?', on both sides
    var expected = message.getParserForType().parseFrom(message.toByteArray());
    assertThat(message.getParserForType().parseFrom(bytes)).isEqualTo(expected);
    assertThat(bytes).hasSize(message.getSerializedSize());
  }

  @ParameterizedTest
  @MethodSource("envelopeCases")
  void aCompiledTargetGivesTheSameBytesAsItsTriggerTarget(EventContext ctx, TriggerTarget target, ByteString payload) {
    CompiledTarget compiled = new CompiledTarget(target, "unused/");

    assertThat(InvocationEnvelopes.build(ctx, compiled, payload))
        .isEqualTo(InvocationEnvelopes.build(ctx, target, payload));
  }

  @Test
  void toMessageGivesTheEnvelopeTypeForTheTarget() {
    EventContext ctx = Fixtures.dataEvent(EventType.DATA_CREATE, "k");

    assertThat(InvocationEnvelopes.toMessage(ctx, statelessWithOptions(), PAYLOAD)).isInstanceOf(InvocationRequest.class);
    assertThat(InvocationEnvelopes.toMessage(ctx, statefulWithOptions(), PAYLOAD))
        .isInstanceOf(ObjectInvocationRequest.class);
  }
}
