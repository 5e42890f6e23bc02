package dev.oprc.zenoh;

/**
 * One answer to a {@link Session#get}: either ok (a {@link Sample} with key, payload, encoding,
 * attachment; kind DELETE for {@link Query#replyDel}) or an error ({@link ReplyError}).
 * {@code replierId} is the replying session's ZID (hex) when known. Immutable value; thread-safe.
 *
 * @param sample    the ok reply, or null for an error
 * @param error     the error reply, or null for an ok reply
 * @param replierId ZID of the replier, or null
 */
public record Reply(Sample sample, ReplyError error, String replierId) {
    public Reply {
        if ((sample == null) == (error == null)) {
            throw new IllegalArgumentException("a reply is either ok (sample) or an error, got sample=" + sample
                    + " error=" + error);
        }
    }

    static Reply ok(Sample s, String replierId) {
        return new Reply(s, null, replierId);
    }

    static Reply err(byte[] payload, Encoding encoding, String replierId) {
        return new Reply(null, new ReplyError(payload, encoding), replierId);
    }

    public boolean isOk() {
        return sample != null;
    }

    /** The ok sample. @throws ZenohException for an error reply (naming its payload) */
    public Sample result() {
        if (sample == null) {
            throw new ZenohException("reply is an error: " + error);
        }
        return sample;
    }

    /** The sample's or the error's payload. */
    public byte[] payload() {
        return sample != null ? sample.payload() : error.payload();
    }

    public Encoding encoding() {
        return sample != null ? sample.encoding() : error.encoding();
    }

    /** The reply key; null for an error. */
    public KeyExpr keyExpr() {
        return sample != null ? sample.keyExpr() : null;
    }

    public String payloadAsString() {
        return new String(payload(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return sample != null ? "Reply[ok " + sample + "]" : "Reply[err " + error + "]";
    }
}
