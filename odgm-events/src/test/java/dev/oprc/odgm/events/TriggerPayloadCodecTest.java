package dev.oprc.odgm.events;

import static dev.oprc.odgm.events.Fixtures.str;
import static dev.oprc.odgm.events.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.EventInfo;
import dev.oprc.odgm.proto.TriggerPayload;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class TriggerPayloadCodecTest {
  /** Reference §3.4, first example: DATA_UPDATE of key "status" on orders/1/order-1. */
  static final String UPSTREAM_DATA_EXAMPLE =
      "{\"event_info\":{\"source_cls_id\":\"orders\",\"source_partition_id\":1,\"source_object_id\":\"order-1\","
          + "\"event_type\":4,\"fn_id\":null,\"key\":\"status\",\"timestamp\":1741200000000,\"context\":{}},"
          + "\"original_payload\":null}";

  /** Reference §3.4, second example: FUNC_COMPLETE of fn "transcode" with response {"ok":true}. */
  static final String UPSTREAM_FUNCTION_EXAMPLE =
      "{\"event_info\":{\"source_cls_id\":\"video\",\"source_partition_id\":0,\"source_object_id\":\"v1\","
          + "\"event_type\":1,\"fn_id\":\"transcode\",\"key\":null,\"timestamp\":1741200000123,\"context\":{}},"
          + "\"original_payload\":\"eyJvayI6dHJ1ZX0=\"}";

  private static final TriggerPayloadCodec JSON = new TriggerPayloadCodec(PayloadFormat.JSON);
  private static final TriggerPayloadCodec PROTOBUF = new TriggerPayloadCodec(PayloadFormat.PROTOBUF);

  static EventContext upstreamDataExample() {
    return EventContext.data("orders", 1, "order-1", EventType.DATA_UPDATE, "status", 12L, 1_741_200_000_000L, 0);
  }

  static EventContext upstreamFunctionExample() {
    return EventContext.function("video", 0, "v1", EventType.FUNC_COMPLETE, "transcode", utf8("{\"ok\":true}"),
        null, 1_741_200_000_123L, 0);
  }

  // --- JSON: upstream's exact serde shape ---

  @Test
  void aDataEventIsByteForByteUpstreamsDataExample() {
    assertThat(JSON.encode(upstreamDataExample())).isEqualTo(utf8(UPSTREAM_DATA_EXAMPLE));
  }

  @Test
  void aFunctionEventIsByteForByteUpstreamsFunctionExample() {
    assertThat(JSON.encode(upstreamFunctionExample())).isEqualTo(utf8(UPSTREAM_FUNCTION_EXAMPLE));
  }

  @Test
  void versionDepthAndTraceparentStayOutOfTheJsonShape() {
    EventContext deep = EventContext.data("orders", 1, "order-1", EventType.DATA_UPDATE, "status", 999L,
        1_741_200_000_000L, 5).withTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

    assertThat(str(TriggerPayloadCodec.toJson(deep))).isEqualTo(UPSTREAM_DATA_EXAMPLE);
  }

  @Test
  void aFunctionErrorCarriesItsTextInContextError() {
    EventContext ctx = EventContext.function("video", 2, "v1", EventType.FUNC_ERROR, "transcode", null,
        "deadline exceeded", 1_741_200_000_123L, 0);

    assertThat(str(TriggerPayloadCodec.toJson(ctx))).isEqualTo(
        "{\"event_info\":{\"source_cls_id\":\"video\",\"source_partition_id\":2,\"source_object_id\":\"v1\","
            + "\"event_type\":2,\"fn_id\":\"transcode\",\"key\":null,\"timestamp\":1741200000123,"
            + "\"context\":{\"error\":\"deadline exceeded\"}},\"original_payload\":null}");
  }

  @ParameterizedTest
  @CsvSource({"'',''", "a,YQ==", "ab,YWI=", "abc,YWJj", "abcd,YWJjZA==",
      "'{\"ok\":true}',eyJvayI6dHJ1ZX0="})
  void originalPayloadIsStandardPaddedBase64(String payload, String base64) {
    EventContext ctx = EventContext.function("c", 0, "o", EventType.FUNC_COMPLETE, "f", utf8(payload), null, 1, 0);

    assertThat(str(TriggerPayloadCodec.toJson(ctx))).endsWith("\"original_payload\":\"" + base64 + "\"}");
  }

  @Test
  void longPayloadsHaveNoLineBreaksAndUseTheStandardAlphabet() {
    byte[] payload = new byte[300];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 7 + 0xF8); // yields '+' and '/' in the encoding
    }
    EventContext ctx = EventContext.function("c", 0, "o", EventType.FUNC_COMPLETE, "f", payload, null, 1, 0);

    assertThat(str(TriggerPayloadCodec.toJson(ctx)))
        .endsWith("\"original_payload\":\"" + Base64.getEncoder().encodeToString(payload) + "\"}");
  }

  /** serde_json's escaping: short escapes, lower-case {@code \\u00xx}, raw UTF-8 for everything else. */
  static Stream<Arguments> escapes() {
    return Stream.of(
        Arguments.of("plain", "plain"),
        Arguments.of("quo\"te", "quo\\\"te"),
        Arguments.of("back\\slash", "back\\\\slash"),
        Arguments.of("sl/ash", "sl/ash"),
        Arguments.of("tab\tnl\ncr\r", "tab\\tnl\\ncr\\r"),
        Arguments.of("uni\u00e9", "uni\u00e9"),
        Arguments.of("ls\u2028", "ls\u2028"));
  }

  @ParameterizedTest
  @MethodSource("escapes")
  void stringsAreEscapedLikeSerdeJson(String key, String escaped) {
    EventContext ctx = Fixtures.dataEvent(EventType.DATA_CREATE, key);

    assertThat(str(TriggerPayloadCodec.toJson(ctx))).contains("\"key\":\"" + escaped + "\"");
  }

  @Test
  void controlCharactersUseLowerCaseHexEscapesLikeSerdeJson() {
    EventContext ctx = Fixtures.dataEvent(EventType.DATA_CREATE, "a\u001fb\u0000c\u000bd\b\f");

    assertThat(str(TriggerPayloadCodec.toJson(ctx))).contains("\"key\":\"a\\u001fb\\u0000c\\u000bd\\b\\f\"");
  }

  @Test
  void deleteIsWrittenRawLikeSerdeJson() {
    EventContext ctx = Fixtures.dataEvent(EventType.DATA_CREATE, "a\u007fb");

    assertThat(TriggerPayloadCodec.toJson(ctx)).containsSequence('a', 0x7f, 'b');
  }

  @Test
  void charactersOutsideTheBmpAreRawFourByteUtf8LikeSerdeJson() {
    EventContext ctx = Fixtures.dataEvent(EventType.DATA_CREATE, "go\uD83D\uDE00");

    assertThat(TriggerPayloadCodec.toJson(ctx)).containsSequence(utf8("\"key\":\"go\uD83D\uDE00\""));
  }

  @Test
  void partitionIsAnUnsignedNumber() {
    EventContext ctx = EventContext.data("c", -1, "o", EventType.DATA_DELETE, "k", 0, 1, 0);

    assertThat(str(TriggerPayloadCodec.toJson(ctx))).contains("\"source_partition_id\":4294967295,");
  }

  @Test
  void consecutivePayloadsOnOneThreadDoNotLeakIntoEachOther() {
    byte[] first = TriggerPayloadCodec.toJson(upstreamDataExample());
    byte[] second = TriggerPayloadCodec.toJson(upstreamFunctionExample());
    byte[] third = TriggerPayloadCodec.toJson(upstreamDataExample());

    assertThat(str(first)).isEqualTo(UPSTREAM_DATA_EXAMPLE);
    assertThat(str(second)).isEqualTo(UPSTREAM_FUNCTION_EXAMPLE);
    assertThat(third).isEqualTo(first).isNotSameAs(first);
  }

  @Test
  void aLargePayloadIsEncodedWholeAndTheNextOneIsUnaffected() {
    byte[] big = new byte[200_000];
    java.util.Arrays.fill(big, (byte) 'x');
    EventContext ctx = EventContext.function("c", 0, "o", EventType.FUNC_COMPLETE, "f", big, null, 1, 0);

    String json = str(TriggerPayloadCodec.toJson(ctx));

    assertThat(json).endsWith("\"original_payload\":\"" + Base64.getEncoder().encodeToString(big) + "\"}");
    assertThat(str(TriggerPayloadCodec.toJson(upstreamDataExample()))).isEqualTo(UPSTREAM_DATA_EXAMPLE);
  }

  @Test
  void manyThreadsEncodingAtOnceEachGetTheirOwnBytes() throws Exception {
    List<CompletableFuture<Boolean>> runs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      boolean data = t % 2 == 0;
      runs.add(CompletableFuture.supplyAsync(() -> {
        for (int i = 0; i < 2_000; i++) {
          String json = str(TriggerPayloadCodec.toJson(data ? upstreamDataExample() : upstreamFunctionExample()));
          if (!json.equals(data ? UPSTREAM_DATA_EXAMPLE : UPSTREAM_FUNCTION_EXAMPLE)) {
            return false;
          }
        }
        return true;
      }, r -> new Thread(r).start()));
    }
    for (CompletableFuture<Boolean> run : runs) {
      assertThat(run.get()).isTrue();
    }
  }

  @Test
  void theJsonDecodesBackToTheContextsFields() throws IOException {
    EventContext ctx = EventContext.function("video", 3, "v1", EventType.FUNC_ERROR, "transcode", utf8("partial"),
        "boom", 42L, 0);

    Map<String, Object> root = parseJson(TriggerPayloadCodec.toJson(ctx));

    @SuppressWarnings("unchecked")
    Map<String, Object> info = (Map<String, Object>) root.get("event_info");
    assertThat(root.keySet()).containsExactly("event_info", "original_payload");
    assertThat(info.keySet()).containsExactly("source_cls_id", "source_partition_id", "source_object_id",
        "event_type", "fn_id", "key", "timestamp", "context");
    assertThat(info).containsEntry("source_cls_id", "video").containsEntry("source_partition_id", 3L)
        .containsEntry("source_object_id", "v1").containsEntry("event_type", 2L)
        .containsEntry("fn_id", "transcode").containsEntry("key", null).containsEntry("timestamp", 42L)
        .containsEntry("context", Map.of("error", "boom"));
    assertThat(Base64.getDecoder().decode((String) root.get("original_payload"))).isEqualTo(utf8("partial"));
  }

  /** A minimal JSON-to-Map reader on jackson-core (objects, strings, integers, null). */
  private static Map<String, Object> parseJson(byte[] json) throws IOException {
    try (JsonParser p = new JsonFactory().createParser(json)) {
      assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
      Map<String, Object> m = readObject(p);
      assertThat(p.nextToken()).isNull();
      return m;
    }
  }

  private static Map<String, Object> readObject(JsonParser p) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      m.put(name, switch (t) {
        case START_OBJECT -> readObject(p);
        case VALUE_STRING -> p.getText();
        case VALUE_NUMBER_INT -> p.getLongValue();
        case VALUE_NULL -> null;
        default -> throw new AssertionError("unexpected " + t);
      });
    }
    return m;
  }

  // --- protobuf ---

  static Stream<Arguments> contexts() {
    String longText = "x".repeat(300);
    return Stream.of(
        Arguments.of("upstream data example", upstreamDataExample()),
        Arguments.of("upstream function example", upstreamFunctionExample()),
        Arguments.of("function error", EventContext.function("c", 5, "o", EventType.FUNC_ERROR, "f", null, "boom", 9, 1)),
        Arguments.of("empty error text", EventContext.function("c", 5, "o", EventType.FUNC_ERROR, "f", null, "", 9, 1)),
        Arguments.of("create", Fixtures.dataEvent(EventType.DATA_CREATE, "k")),
        Arguments.of("delete", Fixtures.dataEvent(EventType.DATA_DELETE, "k")),
        Arguments.of("all zero", EventContext.data("", 0, "", EventType.DATA_CREATE, "", 0, 0, 0)),
        Arguments.of("unsigned extremes", EventContext.data("c", -1, "o", EventType.DATA_UPDATE, "k", -1L, Long.MAX_VALUE, 1000)),
        Arguments.of("empty payload", EventContext.function("c", 1, "o", EventType.FUNC_COMPLETE, "f", new byte[0], null, 1, 0)),
        Arguments.of("non-ascii", EventContext.data("klasse", 2, "objekt-ü", EventType.DATA_UPDATE, "schlüssel😀", 3, 4, 0)),
        Arguments.of("unpaired surrogates", EventContext.function("c\uD800", 1, "o\uDC00x", EventType.FUNC_ERROR,
            "f\uD83D", null, "e\uDE00", 1, 0)),
        Arguments.of("two-byte and three-byte chars", EventContext.data("\u00e9\u0800", 1, "\u07ff\uffff",
            EventType.DATA_DELETE, "\u0080", 1, 1, 0)),
        Arguments.of("huge depth", EventContext.data("c", 1, "o", EventType.DATA_DELETE, "k", 1, 1, Integer.MAX_VALUE)),
        Arguments.of("negative timestamp", EventContext.data("c", 1, "o", EventType.DATA_DELETE, "k", 1, -5L, 0)),
        Arguments.of("long strings", new EventContext(longText, 1, longText, EventType.FUNC_ERROR, longText, 0, 1,
            new byte[1000], longText, 2, null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("contexts")
  void directProtobufBytesEqualTheGeneratedMessagesBytes(String name, EventContext ctx) {
    assertThat(TriggerPayloadCodec.toProtobufBytes(ctx)).isEqualTo(TriggerPayloadCodec.toProtobuf(ctx).toByteArray());
  }

  /** The contexts whose strings survive UTF-8 (protobuf writes an unpaired surrogate as '?'). */
  static Stream<Arguments> representableContexts() {
    return contexts().filter(a -> !a.get()[0].equals("unpaired surrogates"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("representableContexts")
  void aProtobufPayloadDecodesBackToTheContextsFields(String name, EventContext ctx) throws Exception {
    TriggerPayload decoded = TriggerPayload.parseFrom(PROTOBUF.encode(ctx));

    EventInfo info = decoded.getEventInfo();
    assertThat(info.getSourceClsId()).isEqualTo(ctx.clsId());
    assertThat(info.getSourcePartitionId()).isEqualTo(ctx.partitionId());
    assertThat(info.hasSourceObjectId()).isTrue();
    assertThat(info.getSourceObjectId()).isEqualTo(ctx.objectId());
    assertThat(info.getEventTypeValue()).isEqualTo(ctx.type().number());
    assertThat(info.getTimestamp()).isEqualTo(ctx.timestampMillis());
    assertThat(info.getDepth()).isEqualTo(ctx.depth());
    if (ctx.type().isData()) {
      assertThat(info.hasKey()).isTrue();
      assertThat(info.getKey()).isEqualTo(ctx.subject());
      assertThat(info.hasFnId()).isFalse();
      assertThat(info.hasObjectVersion()).isTrue();
      assertThat(info.getObjectVersion()).isEqualTo(ctx.objectVersion());
    } else {
      assertThat(info.hasFnId()).isTrue();
      assertThat(info.getFnId()).isEqualTo(ctx.subject());
      assertThat(info.hasKey()).isFalse();
      assertThat(info.hasObjectVersion()).isFalse();
    }
    if (ctx.error() == null) {
      assertThat(info.getContextMap()).isEmpty();
    } else {
      assertThat(info.getContextMap()).containsExactly(Map.entry(TriggerPayloadCodec.CONTEXT_ERROR, ctx.error()));
    }
    if (ctx.payload() == null) {
      assertThat(decoded.hasOriginalPayload()).isFalse();
    } else {
      assertThat(decoded.getOriginalPayload()).isEqualTo(ByteString.copyFrom(ctx.payload()));
    }
  }

  @Test
  void theCodecFollowsItsFormat() {
    EventContext ctx = upstreamFunctionExample();

    assertThat(JSON.format()).isEqualTo(PayloadFormat.JSON);
    assertThat(JSON.encode(ctx)).isEqualTo(TriggerPayloadCodec.toJson(ctx));
    assertThat(PROTOBUF.format()).isEqualTo(PayloadFormat.PROTOBUF);
    assertThat(PROTOBUF.encode(ctx)).isEqualTo(TriggerPayloadCodec.toProtobuf(ctx).toByteArray());
  }

  @ParameterizedTest
  @CsvSource({"json,JSON", "JSON,JSON", " Json ,JSON", "protobuf,PROTOBUF", "PROTOBUF,PROTOBUF", "proto,PROTOBUF"})
  void payloadFormatsParseCaseInsensitively(String text, PayloadFormat format) {
    assertThat(PayloadFormat.parse(text)).isEqualTo(format);
  }
}
