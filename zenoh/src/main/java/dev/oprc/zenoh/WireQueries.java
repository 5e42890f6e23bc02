package dev.oprc.zenoh;

/**
 * Zenoh 1.x codec for the query path: REQUEST (QUERY body), RESPONSE (REPLY / ERR bodies),
 * RESPONSE_FINAL, and the queryable / liveliness-token declarations. Layouts are documented in
 * {@code zenoh/WIRE-QUERIES.md}. Stateless static helpers; thread-safe.
 */
final class WireQueries {
    static final int Z_QUERY = 0x03;
    static final int Z_REPLY = 0x04;
    static final int Z_ERR = 0x05;

    /** REQUEST extension keys (header byte without Z). */
    static final int EXT_QOS = 0x21;
    static final int EXT_TIMESTAMP = 0x42;
    static final int EXT_NODE_ID = 0x33;
    static final int EXT_TARGET = 0x34;
    static final int EXT_BUDGET = 0x25;
    static final int EXT_TIMEOUT = 0x26;
    static final int EXT_TS_STACK = 0x47;
    /** RESPONSE responder id (zbuf, id 3). */
    static final int EXT_RESPONDER = 0x43;
    /** QUERY extensions: source info 41, value body 43 (+ shm unit 14 in front), attachment 45. */
    static final int EXT_Q_SOURCE = 0x41;
    static final int EXT_Q_BODY = 0x43;
    static final int EXT_Q_ATTACHMENT = 0x45;

    /** Rust's request/response QoS: priority Data, congestion control Block. */
    static final int REQUEST_QOS = 0x0D;

    private static final int[] REQUEST_EXTS = {EXT_QOS, EXT_TIMESTAMP, EXT_NODE_ID, EXT_TARGET, EXT_BUDGET,
            EXT_TIMEOUT, EXT_TS_STACK};
    private static final int[] ERR_EXTS = {0x41};

    private WireQueries() {
    }

    /**
     * A decoded REQUEST with its QUERY body. {@code payload} is null when the query carries no
     * value; {@code budget} and {@code timeoutMs} are 0 when absent; {@code rejected}: an unknown
     * mandatory extension was present.
     */
    @SuppressWarnings("ArrayRecordComponent") // decoded wire bytes, zero-copy; never compared or hashed
    record Request(long id, int scope, boolean senderMapping, String suffix, int qos, int target, long budget,
                   long timeoutMs, int consolidation, String parameters, Encoding encoding, byte[] payload,
                   byte[] attachment, boolean rejected) {
    }

    /**
     * A decoded RESPONSE. {@code kind}: {@link #Z_REPLY} (then {@code put} tells PUT from DEL) or
     * {@link #Z_ERR}. {@code responderZid} is hex or null.
     */
    @SuppressWarnings("ArrayRecordComponent") // decoded wire bytes, zero-copy; never compared or hashed
    record Response(long requestId, int scope, boolean senderMapping, String suffix, int qos, String responderZid,
                    long responderEid, int kind, boolean put, Timestamp timestamp, Encoding encoding, byte[] payload,
                    byte[] attachment, boolean rejected) {
    }

    // ------------------------------------------------------------------ encode

    /** What a REQUEST carries besides its id and key (all optional except target/consolidation). */
    @SuppressWarnings("ArrayRecordComponent") // bytes to encode, passed through without a copy; never compared or hashed
    record QuerySpec(int qos, int target, long timeoutMs, int consolidation, String parameters, Encoding encoding,
                     byte[] payload, byte[] attachment) {
    }

    /** REQUEST + QUERY on the full key {@code key} (scope 0). */
    static void writeRequest(WireWriter w, long id, String key, QuerySpec q) {
        boolean hasQos = q.qos() != Wire.DEFAULT_QOS;
        boolean hasTarget = q.target() != 0;
        boolean hasTimeout = q.timeoutMs() > 0;
        int exts = (hasQos ? 1 : 0) + (hasTarget ? 1 : 0) + (hasTimeout ? 1 : 0);
        w.u8(Wire.N_REQUEST | 0x20 | (exts > 0 ? Wire.Z : 0));
        w.vle(id);
        w.vle(0);
        w.zstring(key);
        if (hasQos) {
            w.u8(EXT_QOS | (--exts > 0 ? Wire.Z : 0)).vle(q.qos());
        }
        if (hasTarget) {
            w.u8(EXT_TARGET | (--exts > 0 ? Wire.Z : 0)).vle(q.target());
        }
        if (hasTimeout) {
            w.u8(EXT_TIMEOUT | (--exts > 0 ? Wire.Z : 0)).vle(q.timeoutMs());
        }
        writeQuery(w, q);
    }

    private static void writeQuery(WireWriter w, QuerySpec q) {
        boolean c = q.consolidation() != 0;
        boolean p = q.parameters() != null && !q.parameters().isEmpty();
        boolean body = q.payload() != null;
        boolean att = q.attachment() != null;
        w.u8(Z_QUERY | (c ? 0x20 : 0) | (p ? 0x40 : 0) | (body || att ? Wire.Z : 0));
        if (c) {
            w.vle(q.consolidation());
        }
        if (p) {
            w.zstring(q.parameters());
        }
        if (body) {
            Encoding e = q.encoding() == null ? Encoding.ZENOH_BYTES : q.encoding();
            WireWriter enc = new WireWriter(16);
            Wire.writeEncoding(enc, e);
            w.u8(EXT_Q_BODY | (att ? Wire.Z : 0));
            w.vle((long) enc.position() + q.payload().length);
            w.bytes(enc.array(), 0, enc.position());
            w.bytes(q.payload());
        }
        if (att) {
            w.u8(EXT_Q_ATTACHMENT).zbytes(q.attachment());
        }
    }

    /** RESPONSE header on the full key {@code key}: request id, QoS and responder id extensions. */
    private static void writeResponseHeader(WireWriter w, long requestId, String key, int qos, byte[] zid, long eid) {
        boolean n = key != null && !key.isEmpty();
        boolean hasQos = qos != Wire.DEFAULT_QOS;
        w.u8(Wire.N_RESPONSE | (n ? 0x20 : 0) | Wire.Z);
        w.vle(requestId);
        w.vle(0);
        if (n) {
            w.zstring(key);
        }
        if (hasQos) {
            w.u8(EXT_QOS | Wire.Z).vle(qos);
        }
        int len = Wire.zidLength(zid);
        w.u8(EXT_RESPONDER);
        w.vle(1 + len + WireWriter.vleSize(eid));
        w.u8((len - 1) << 4);
        w.bytes(zid, 0, len);
        w.vle(eid);
    }

    /** RESPONSE with a REPLY body carrying a PUT ({@code put}) or DEL. */
    static void writeReply(WireWriter w, long requestId, String key, int qos, byte[] zid, long eid, boolean put,
                           Encoding encoding, Timestamp ts, byte[] attachment, byte[] payload) {
        writeResponseHeader(w, requestId, key, qos, zid, eid);
        w.u8(Z_REPLY);
        Wire.writePushBody(w, put, encoding, ts, attachment, payload);
    }

    /** RESPONSE with an ERR body; the key is empty as in Rust's error replies. */
    static void writeErr(WireWriter w, long requestId, int qos, byte[] zid, long eid, Encoding encoding,
                         byte[] payload) {
        writeResponseHeader(w, requestId, null, qos, zid, eid);
        boolean e = encoding != null && !(encoding.id() == 0 && encoding.schema() == null);
        w.u8(Z_ERR | (e ? 0x40 : 0));
        if (e) {
            Wire.writeEncoding(w, encoding);
        }
        w.zbytes(payload);
    }

    static void writeResponseFinal(WireWriter w, long requestId, int qos) {
        boolean hasQos = qos != Wire.DEFAULT_QOS;
        w.u8(Wire.N_RESPONSE_FINAL | (hasQos ? Wire.Z : 0));
        w.vle(requestId);
        if (hasQos) {
            w.u8(EXT_QOS).vle(qos);
        }
    }

    /** DECLARE D_QUERYABLE (Rust-style QoS 21 08) with QueryableInfo when non-default. */
    static void writeDeclareQueryable(WireWriter w, long id, String key, boolean complete, int distance) {
        long info = (complete ? 1 : 0) | ((long) distance << 8);
        w.u8(Wire.N_DECLARE | Wire.Z).u8(0x21).vle(0x08);
        w.u8(Wire.D_QUERYABLE | 0x20 | (info != 0 ? Wire.Z : 0));
        w.vle(id);
        w.vle(0);
        w.zstring(key);
        if (info != 0) {
            w.u8(0x21).vle(info);
        }
    }

    static void writeUndeclare(WireWriter w, int body, long id) {
        w.u8(Wire.N_DECLARE | Wire.Z).u8(0x21).vle(0x08);
        w.u8(body);
        w.vle(id);
    }

    /** DECLARE D_TOKEN (liveliness token) on the full key. */
    static void writeDeclareToken(WireWriter w, long id, String key) {
        writeDeclareToken(w, id, key, -1);
    }

    /** DECLARE D_TOKEN answering interest {@code interestId} (-1: unsolicited). */
    static void writeDeclareToken(WireWriter w, long id, String key, long interestId) {
        w.u8(Wire.N_DECLARE | Wire.Z | (interestId >= 0 ? 0x20 : 0));
        if (interestId >= 0) {
            w.vle(interestId);
        }
        w.u8(0x21).vle(0x08);
        w.u8(Wire.D_TOKEN | 0x20);
        w.vle(id);
        w.vle(0);
        w.zstring(key);
    }

    // ------------------------------------------------------------------ decode

    static Request readRequest(WireReader r, Wire.Ext e) {
        int h = r.u8();
        long id = r.vleU32("REQUEST id");
        int scope = r.vleU16("REQUEST key scope");
        String suffix = (h & 0x20) != 0 ? r.zstring("REQUEST key suffix") : "";
        int qos = Wire.DEFAULT_QOS;
        int target = 0;
        long budget = 0;
        long timeout = 0;
        boolean rejected = false;
        if ((h & Wire.Z) != 0) {
            do {
                Wire.readExt(r, e);
                switch (e.key) {
                    case EXT_QOS -> qos = (int) (e.z64 & 0xFF);
                    case EXT_TARGET -> {
                        if (Long.compareUnsigned(e.z64, 2) > 0) {
                            throw new ZenohDecodeException("REQUEST target " + Long.toUnsignedString(e.z64)
                                    + " is not 0..2");
                        }
                        target = (int) e.z64;
                    }
                    case EXT_BUDGET -> budget = e.z64 & 0xFFFF_FFFFL;
                    case EXT_TIMEOUT -> timeout = e.z64 < 0 ? Long.MAX_VALUE : e.z64;
                    default -> rejected |= e.mandatory() && !contains(REQUEST_EXTS, e.key);
                }
            } while (e.more);
        }
        int bh = r.u8();
        if ((bh & 0x1F) != Z_QUERY) {
            throw new ZenohDecodeException("unknown REQUEST body 0x" + Integer.toHexString(bh));
        }
        return readQuery(r, e, bh, new Request(id, scope, (h & 0x40) != 0, suffix, qos, target, budget, timeout, 0,
                "", Encoding.ZENOH_BYTES, null, null, rejected));
    }

    private static Request readQuery(WireReader r, Wire.Ext e, int bh, Request head) {
        int consolidation = 0;
        if ((bh & 0x20) != 0) {
            long c = r.vle();
            consolidation = c >= 0 && c <= 3 ? (int) c : 0; // unknown: Auto, as Rust does
        }
        String params = (bh & 0x40) != 0 ? r.zstring("QUERY parameters") : "";
        Encoding enc = Encoding.ZENOH_BYTES;
        byte[] payload = null;
        byte[] att = null;
        boolean rejected = head.rejected();
        if ((bh & Wire.Z) != 0) {
            do {
                Wire.readExt(r, e);
                if (e.key == EXT_Q_BODY) {
                    WireReader b = new WireReader(r.buffer(), e.bodyOff, e.bodyLen);
                    enc = Wire.readEncoding(b);
                    payload = b.bytes(b.remaining());
                } else if (e.key == EXT_Q_ATTACHMENT) {
                    att = copy(r.buffer(), e.bodyOff, e.bodyLen);
                } else if (e.mandatory()) {
                    rejected = true; // e.g. shared-memory body marker 0x14
                }
            } while (e.more);
        }
        return new Request(head.id(), head.scope(), head.senderMapping(), head.suffix(), head.qos(), head.target(),
                head.budget(), head.timeoutMs(), consolidation, params, enc, payload, att, rejected);
    }

    static Response readResponse(WireReader r, Wire.Ext e) {
        int h = r.u8();
        long rid = r.vleU32("RESPONSE request id");
        int scope = r.vleU16("RESPONSE key scope");
        String suffix = (h & 0x20) != 0 ? r.zstring("RESPONSE key suffix") : "";
        int qos = Wire.DEFAULT_QOS;
        String zid = null;
        long eid = 0;
        boolean rejected = false;
        if ((h & Wire.Z) != 0) {
            do {
                Wire.readExt(r, e);
                switch (e.key) {
                    case EXT_QOS -> qos = (int) (e.z64 & 0xFF);
                    case EXT_RESPONDER -> {
                        WireReader b = new WireReader(r.buffer(), e.bodyOff, e.bodyLen);
                        int len = (b.u8() >>> 4) + 1;
                        int off = b.position();
                        b.skip(len);
                        zid = Wire.zidHex(r.buffer(), off, len);
                        eid = b.vleU32("responder entity id");
                    }
                    default -> rejected |= e.mandatory();
                }
            } while (e.more);
        }
        int bh = r.u8();
        return switch (bh & 0x1F) {
            case Z_REPLY -> readReplyBody(r, e, bh, new Response(rid, scope, (h & 0x40) != 0, suffix, qos, zid, eid,
                    Z_REPLY, true, null, Encoding.ZENOH_BYTES, null, null, rejected));
            case Z_ERR -> readErrBody(r, e, bh, new Response(rid, scope, (h & 0x40) != 0, suffix, qos, zid, eid,
                    Z_ERR, false, null, Encoding.ZENOH_BYTES, null, null, rejected));
            default -> throw new ZenohDecodeException("unknown RESPONSE body 0x" + Integer.toHexString(bh));
        };
    }

    private static Response readReplyBody(WireReader r, Wire.Ext e, int bh, Response head) {
        if ((bh & 0x20) != 0) {
            r.vle(); // consolidation: informative only
        }
        boolean rejected = head.rejected();
        if ((bh & Wire.Z) != 0) {
            rejected |= Wire.skipExts(r, e);
        }
        Wire.PushBody b = Wire.readPushBody(r, e, null);
        return new Response(head.requestId(), head.scope(), head.senderMapping(), head.suffix(), head.qos(),
                head.responderZid(), head.responderEid(), Z_REPLY, b.put(), b.timestamp(), b.encoding(), b.payload(),
                b.attachment(), rejected || b.rejected());
    }

    private static Response readErrBody(WireReader r, Wire.Ext e, int bh, Response head) {
        Encoding enc = (bh & 0x40) != 0 ? Wire.readEncoding(r) : Encoding.ZENOH_BYTES;
        boolean rejected = head.rejected();
        if ((bh & Wire.Z) != 0) {
            rejected |= Wire.skipExts(r, e, ERR_EXTS);
        }
        byte[] payload = r.bytes(r.length("ERR payload length"));
        return new Response(head.requestId(), head.scope(), head.senderMapping(), head.suffix(), head.qos(),
                head.responderZid(), head.responderEid(), Z_ERR, false, null, enc, payload, null, rejected);
    }

    /** RESPONSE_FINAL: returns the request id (extensions skipped). */
    static long readResponseFinal(WireReader r, Wire.Ext e) {
        int h = r.u8();
        long rid = r.vleU32("RESPONSE_FINAL request id");
        if ((h & Wire.Z) != 0) {
            Wire.skipExts(r, e);
        }
        return rid;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    private static byte[] copy(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }
}
