package dev.oprc.odgm.events;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.EventInfo;
import dev.oprc.odgm.proto.TriggerPayload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Serializes the {@code TriggerPayload} of an {@link EventContext}.
 *
 * <p>JSON is byte-for-byte upstream's serde shape: snake_case names in declaration order,
 * {@code null} for unset optionals, the event type as an integer, the timestamp in milliseconds
 * as a number, {@code context} as an object with sorted keys, and {@code original_payload} as
 * standard padded base64. Written with jackson-core's streaming generator.
 *
 * <p>Protobuf is {@code TriggerPayload.toByteArray()}, with our added {@code object_version}
 * and {@code depth} fields set.
 *
 * <p>Stateless apart from a shared {@link JsonFactory}; thread-safe.
 */
public final class TriggerPayloadCodec {
  /** The {@code context} key that carries a function error's text. */
  public static final String CONTEXT_ERROR = "error";

  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final SerializableString EVENT_INFO = new SerializedString("event_info");
  private static final SerializableString SOURCE_CLS_ID = new SerializedString("source_cls_id");
  private static final SerializableString SOURCE_PARTITION_ID = new SerializedString("source_partition_id");
  private static final SerializableString SOURCE_OBJECT_ID = new SerializedString("source_object_id");
  private static final SerializableString EVENT_TYPE = new SerializedString("event_type");
  private static final SerializableString FN_ID = new SerializedString("fn_id");
  private static final SerializableString KEY = new SerializedString("key");
  private static final SerializableString TIMESTAMP = new SerializedString("timestamp");
  private static final SerializableString CONTEXT = new SerializedString("context");
  private static final SerializableString ORIGINAL_PAYLOAD = new SerializedString("original_payload");

  private final PayloadFormat format;

  public TriggerPayloadCodec(PayloadFormat format) {
    this.format = Objects.requireNonNull(format, "format");
  }

  public PayloadFormat format() {
    return format;
  }

  /** The payload bytes in this codec's format. */
  public byte[] encode(EventContext ctx) {
    return format == PayloadFormat.JSON ? toJson(ctx) : toProtobuf(ctx).toByteArray();
  }

  /** Upstream-shaped JSON for {@code ctx}. */
  public static byte[] toJson(EventContext ctx) {
    ByteArrayBuilder out = new ByteArrayBuilder(null, 256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeFieldName(EVENT_INFO);
      g.writeStartObject();
      g.writeFieldName(SOURCE_CLS_ID);
      g.writeString(ctx.clsId());
      g.writeFieldName(SOURCE_PARTITION_ID);
      g.writeNumber(Integer.toUnsignedLong(ctx.partitionId()));
      g.writeFieldName(SOURCE_OBJECT_ID);
      g.writeString(ctx.objectId());
      g.writeFieldName(EVENT_TYPE);
      g.writeNumber(ctx.type().number());
      g.writeFieldName(FN_ID);
      if (ctx.type().isData()) {
        g.writeNull();
        g.writeFieldName(KEY);
        g.writeString(ctx.subject());
      } else {
        g.writeString(ctx.subject());
        g.writeFieldName(KEY);
        g.writeNull();
      }
      g.writeFieldName(TIMESTAMP);
      g.writeNumber(ctx.timestampMillis());
      g.writeFieldName(CONTEXT);
      g.writeStartObject();
      if (ctx.error() != null) {
        g.writeFieldName(CONTEXT_ERROR);
        g.writeString(ctx.error());
      }
      g.writeEndObject();
      g.writeEndObject();
      g.writeFieldName(ORIGINAL_PAYLOAD);
      byte[] payload = ctx.payload();
      if (payload == null) {
        g.writeNull();
      } else {
        // MIME_NO_LINEFEEDS = RFC 4648 standard alphabet, padded, no line breaks (serde STANDARD)
        g.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, payload, 0, payload.length);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("JSON generation to memory failed", e);
    }
    return out.toByteArray();
  }

  /** The protobuf message for {@code ctx}. */
  public static TriggerPayload toProtobuf(EventContext ctx) {
    EventInfo.Builder info = EventInfo.newBuilder()
        .setSourceClsId(ctx.clsId())
        .setSourcePartitionId(ctx.partitionId())
        .setSourceObjectId(ctx.objectId())
        .setEventType(ctx.type().toProto())
        .setTimestamp(ctx.timestampMillis())
        .setDepth(ctx.depth());
    if (ctx.type().isData()) {
      info.setKey(ctx.subject()).setObjectVersion(ctx.objectVersion());
    } else {
      info.setFnId(ctx.subject());
    }
    if (ctx.error() != null) {
      info.putContext(CONTEXT_ERROR, ctx.error());
    }
    TriggerPayload.Builder p = TriggerPayload.newBuilder().setEventInfo(info);
    if (ctx.payload() != null) {
      p.setOriginalPayload(ByteString.copyFrom(ctx.payload()));
    }
    return p.build();
  }
}
