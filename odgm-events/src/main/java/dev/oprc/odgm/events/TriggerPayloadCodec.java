package dev.oprc.odgm.events;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.EventInfo;
import dev.oprc.odgm.proto.TriggerPayload;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
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
 * <p>Both encoders write straight to bytes: JSON through one reused jackson generator per thread,
 * protobuf field by field into an exactly sized array ({@code ProtoBytes}), producing the same bytes
 * as {@code toProtobuf(ctx).toByteArray()} without building the message.
 *
 * <p>Thread-safe. Each thread that writes JSON keeps one generator and its buffers (about 10 KiB;
 * a buffer grown past 64 KiB by a large payload is dropped after use).
 */
public final class TriggerPayloadCodec {
  /** The {@code context} key that carries a function error's text. */
  public static final String CONTEXT_ERROR = "error";

  /**
   * serde_json writes non-BMP characters as raw UTF-8 (jackson's default: a surrogate-pair
   * escape) and escapes control characters with lower-case hex digits (jackson's default: upper
   * case), so both features are switched to match it byte for byte.
   */
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
      .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
      .build();
  private static final ThreadLocal<JsonWriter> JSON_WRITER = ThreadLocal.withInitial(JsonWriter::new);
  private static final int MAX_RETAINED_BUFFER = 64 * 1024;
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
    return encode(ctx, null);
  }

  /** The payload bytes in this codec's format, carrying {@code values} (nullable: none). */
  public byte[] encode(EventContext ctx, PayloadValues values) {
    return format == PayloadFormat.JSON ? toJson(ctx, values) : toProtobufBytes(ctx, values);
  }

  /** Upstream-shaped JSON for {@code ctx}. */
  public static byte[] toJson(EventContext ctx) {
    return toJson(ctx, null);
  }

  /** Upstream-shaped JSON for {@code ctx}, carrying {@code values} (nullable: none). */
  public static byte[] toJson(EventContext ctx, PayloadValues values) {
    JsonWriter w = JSON_WRITER.get();
    try {
      return w.write(ctx, values);
    } catch (IOException | RuntimeException e) {
      JSON_WRITER.remove(); // the generator may be mid-document: never reuse it
      if (e instanceof IOException io) {
        throw new UncheckedIOException("JSON generation to memory failed", io);
      }
      throw (RuntimeException) e;
    } finally {
      if (w.out.buf.length > MAX_RETAINED_BUFFER) {
        JSON_WRITER.remove(); // do not pin a large payload's buffer to the thread
      }
    }
  }

  private static void writeJson(JsonGenerator g, EventContext ctx, PayloadValues values) throws IOException {
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
    writeValueEntries(g, values);
    g.writeEndObject();
    g.writeEndObject();
    g.writeFieldName(ORIGINAL_PAYLOAD);
    byte[] payload = originalPayload(ctx, values);
    if (payload == null) {
      g.writeNull();
    } else {
      // MIME_NO_LINEFEEDS = RFC 4648 standard alphabet, padded, no line breaks (serde STANDARD)
      g.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, payload, 0, payload.length);
    }
    g.writeEndObject();
  }

  /** The context entries {@code values} adds (after "error": they sort after it). */
  private static void writeValueEntries(JsonGenerator g, PayloadValues values) throws IOException {
    if (values == null) {
      return;
    }
    String[] extra = values.contextEntries();
    for (int i = 0; i < extra.length; i += 2) {
      g.writeFieldName(extra[i]);
      g.writeString(extra[i + 1]);
    }
  }

  /**
   * One generator per thread, reused for every payload: creating a jackson generator (IOContext,
   * recycler lookup, output buffer) costs more than writing a payload. Successive payloads are
   * written as root values with no separator and cut out of {@link #out} after a flush.
   */
  private static final class JsonWriter {
    final GrowableOut out = new GrowableOut(512);
    final JsonGenerator g;

    JsonWriter() {
      try {
        g = JSON.createGenerator(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      g.setRootValueSeparator(null);
    }

    byte[] write(EventContext ctx, PayloadValues values) throws IOException {
      out.count = 0;
      writeJson(g, ctx, values);
      g.flush();
      return Arrays.copyOf(out.buf, out.count);
    }
  }

  /** An unsynchronized ByteArrayOutputStream. */
  private static final class GrowableOut extends OutputStream {
    byte[] buf;
    int count;

    GrowableOut(int size) {
      buf = new byte[size];
    }

    @Override
    public void write(int b) {
      if (count == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (count + len > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + len));
      }
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }
  }

  /** The new value when {@code values} carries one, else the context's payload. */
  private static byte[] originalPayload(EventContext ctx, PayloadValues values) {
    return values != null && values.newValue() != null ? values.newValue() : ctx.payload();
  }

  /** The protobuf message for {@code ctx}. */
  public static TriggerPayload toProtobuf(EventContext ctx) {
    return toProtobuf(ctx, null);
  }

  /** The protobuf message for {@code ctx}, carrying {@code values} (nullable: none). */
  public static TriggerPayload toProtobuf(EventContext ctx, PayloadValues values) {
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
    if (values != null) {
      String[] extra = values.contextEntries();
      for (int i = 0; i < extra.length; i += 2) {
        info.putContext(extra[i], extra[i + 1]);
      }
    }
    TriggerPayload.Builder p = TriggerPayload.newBuilder().setEventInfo(info);
    byte[] payload = originalPayload(ctx, values);
    if (payload != null) {
      p.setOriginalPayload(ByteString.copyFrom(payload));
    }
    return p.build();
  }

  // --- protobuf, written directly ------------------------------------------------------------
  // Field numbers (oprc-data.proto): TriggerPayload {1 event_info, 3 original_payload};
  // EventInfo {1 source_cls_id, 2 source_partition_id, 4 event_type, 5 fn_id, 6 key, 7 timestamp,
  // 8 context, 9 source_object_id, 10 object_version, 11 depth}. Written in field-number order,
  // with proto3 presence rules, exactly as the generated toByteArray() does.

  private static final String[] NO_ENTRIES = {};
  private static final int[] NO_SIZES = {};

  /** The encoded size of each context map entry (key field 1, value field 2). */
  private static int[] entrySizes(String[] entries) {
    if (entries.length == 0) {
      return NO_SIZES;
    }
    int[] sizes = new int[entries.length / 2];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = ProtoBytes.fieldSize(1, ProtoBytes.utf8Length(entries[2 * i]))
          + ProtoBytes.fieldSize(2, ProtoBytes.utf8Length(entries[2 * i + 1]));
    }
    return sizes;
  }

  private static int entriesSize(int[] sizes) {
    int total = 0;
    for (int size : sizes) {
      total += ProtoBytes.fieldSize(8, size);
    }
    return total;
  }

  /** Writes context map entries (field 8) from key, value pairs; returns the position after them. */
  private static int putEntries(byte[] b, int p, String[] entries, int[] sizes) {
    for (int i = 0; i < sizes.length; i++) {
      b[p++] = (byte) ProtoBytes.tag(8, ProtoBytes.LEN);
      p = ProtoBytes.putVarint(b, p, sizes[i]);
      p = ProtoBytes.putString(b, p, 1, entries[2 * i], ProtoBytes.utf8Length(entries[2 * i]));
      p = ProtoBytes.putString(b, p, 2, entries[2 * i + 1], ProtoBytes.utf8Length(entries[2 * i + 1]));
    }
    return p;
  }

  /** The map entry's key field {@code 1: "error"}, encoded once. */
  private static final byte[] ERROR_KEY_FIELD = {0x0A, 5, 'e', 'r', 'r', 'o', 'r'};

  /**
   * {@code toProtobuf(ctx).toByteArray()}, byte for byte, without building the message.
   */
  public static byte[] toProtobufBytes(EventContext ctx) {
    return toProtobufBytes(ctx, null);
  }

  /** {@code toProtobuf(ctx, values).toByteArray()}, byte for byte, without building the message. */
  public static byte[] toProtobufBytes(EventContext ctx, PayloadValues values) {
    String cls = ctx.clsId();
    String subject = ctx.subject();
    String objectId = ctx.objectId();
    String error = ctx.error();
    byte[] payload = originalPayload(ctx, values);
    String[] extra = values == null ? NO_ENTRIES : values.contextEntries();
    int[] extraSizes = entrySizes(extra);
    boolean data = ctx.type().isData();
    int subjectField = data ? 6 : 5;
    long partition = Integer.toUnsignedLong(ctx.partitionId());
    long timestamp = ctx.timestampMillis();
    long depth = ctx.depth();

    int clsLen = ProtoBytes.utf8Length(cls);
    int subjectLen = ProtoBytes.utf8Length(subject);
    int objectIdLen = ProtoBytes.utf8Length(objectId);
    int errorLen = error == null ? 0 : ProtoBytes.utf8Length(error);
    int errorEntry = error == null ? 0 : ERROR_KEY_FIELD.length + ProtoBytes.fieldSize(2, errorLen);

    int info = 0;
    if (clsLen > 0) {
      info += ProtoBytes.fieldSize(1, clsLen);
    }
    if (partition != 0) {
      info += 1 + ProtoBytes.varintSize(partition);
    }
    info += 2; // event_type: tag 0x20, one-byte value 1..5
    info += ProtoBytes.fieldSize(subjectField, subjectLen);
    if (timestamp != 0) {
      info += 1 + ProtoBytes.varintSize(timestamp);
    }
    if (error != null) {
      info += ProtoBytes.fieldSize(8, errorEntry);
    }
    info += entriesSize(extraSizes);
    info += ProtoBytes.fieldSize(9, objectIdLen);
    if (data) {
      info += 1 + ProtoBytes.varintSize(ctx.objectVersion());
    }
    info += 1 + ProtoBytes.varintSize(depth);
    int size = ProtoBytes.fieldSize(1, info);
    if (payload != null) {
      size += ProtoBytes.fieldSize(3, payload.length);
    }

    byte[] b = new byte[size];
    int p = 0;
    b[p++] = (byte) ProtoBytes.tag(1, ProtoBytes.LEN);
    p = ProtoBytes.putVarint(b, p, info);
    if (clsLen > 0) {
      p = ProtoBytes.putString(b, p, 1, cls, clsLen);
    }
    if (partition != 0) {
      b[p++] = (byte) ProtoBytes.tag(2, ProtoBytes.VARINT);
      p = ProtoBytes.putVarint(b, p, partition);
    }
    b[p++] = (byte) ProtoBytes.tag(4, ProtoBytes.VARINT);
    b[p++] = (byte) ctx.type().number();
    p = ProtoBytes.putString(b, p, subjectField, subject, subjectLen);
    if (timestamp != 0) {
      b[p++] = (byte) ProtoBytes.tag(7, ProtoBytes.VARINT);
      p = ProtoBytes.putVarint(b, p, timestamp);
    }
    if (error != null) {
      b[p++] = (byte) ProtoBytes.tag(8, ProtoBytes.LEN);
      p = ProtoBytes.putVarint(b, p, errorEntry);
      System.arraycopy(ERROR_KEY_FIELD, 0, b, p, ERROR_KEY_FIELD.length);
      p += ERROR_KEY_FIELD.length;
      p = ProtoBytes.putString(b, p, 2, error, errorLen);
    }
    p = putEntries(b, p, extra, extraSizes);
    p = ProtoBytes.putString(b, p, 9, objectId, objectIdLen);
    if (data) {
      b[p++] = (byte) ProtoBytes.tag(10, ProtoBytes.VARINT);
      p = ProtoBytes.putVarint(b, p, ctx.objectVersion());
    }
    b[p++] = (byte) ProtoBytes.tag(11, ProtoBytes.VARINT);
    p = ProtoBytes.putVarint(b, p, depth);
    if (payload != null) {
      p = ProtoBytes.putBytes(b, p, 3, payload);
    }
    if (p != size) {
      throw new IllegalStateException("protobuf size computation is wrong: " + p + " != " + size);
    }
    return b;
  }
}
