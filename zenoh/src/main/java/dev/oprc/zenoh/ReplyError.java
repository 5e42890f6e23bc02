package dev.oprc.zenoh;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The error side of a {@link Reply}: payload and encoding sent with {@link Query#replyErr}, or
 * produced by a router (payload {@code Timeout}) or by an overloaded queryable. Immutable value;
 * the payload array is handed over without copying and must be treated as read-only.
 */
@SuppressWarnings("ArrayRecordComponent") // the payload is handed over without a copy; documented as read-only
public record ReplyError(byte[] payload, Encoding encoding) {
    public ReplyError {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(encoding, "encoding");
    }

    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ReplyError[" + (payload.length <= 64 ? payloadAsString() : payload.length + " bytes") + ", "
                + encoding + "]";
    }
}
