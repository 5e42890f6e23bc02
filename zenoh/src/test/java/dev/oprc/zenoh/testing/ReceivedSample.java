package dev.oprc.zenoh.testing;

import java.nio.charset.StandardCharsets;

/**
 * A sample as reported by the Python Zenoh peer (real Zenoh). Immutable value; thread-safe as long
 * as the arrays are not modified.
 *
 * @param key        key expression
 * @param kind       "PUT" or "DELETE"
 * @param encoding   Zenoh encoding string, e.g. {@code application/json}
 * @param payload    payload bytes
 * @param attachment attachment bytes or null
 * @param timestamp  Zenoh timestamp string or null
 * @param priority   e.g. "DATA"
 * @param congestion "DROP" or "BLOCK"
 * @param express    express flag
 */
@SuppressWarnings("ArrayRecordComponent") // bytes as decoded from Python, passed through; never compared or hashed
public record ReceivedSample(String key, String kind, String encoding, byte[] payload, byte[] attachment,
                             String timestamp, String priority, String congestion, boolean express) {
    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
