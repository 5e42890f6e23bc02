package dev.oprc.zenoh;

import java.nio.charset.StandardCharsets;

/**
 * Zenoh 1.x wire codec (protocol version 0x09): transport messages (INIT, OPEN, CLOSE,
 * KEEP_ALIVE, FRAME, FRAGMENT headers) and network messages (PUSH/PUT/DEL, DECLARE, INTEREST).
 * Stateless static helpers; thread-safe. See zenoh-wire.md for the layouts.
 */
final class Wire {
    static final int VERSION = 0x09;

    static final int T_OAM = 0x00;
    static final int T_INIT = 0x01;
    static final int T_OPEN = 0x02;
    static final int T_CLOSE = 0x03;
    static final int T_KEEP_ALIVE = 0x04;
    static final int T_FRAME = 0x05;
    static final int T_FRAGMENT = 0x06;
    static final int T_JOIN = 0x07;

    static final int N_INTEREST = 0x19;
    static final int N_RESPONSE_FINAL = 0x1A;
    static final int N_RESPONSE = 0x1B;
    static final int N_REQUEST = 0x1C;
    static final int N_PUSH = 0x1D;
    static final int N_DECLARE = 0x1E;
    static final int N_OAM = 0x1F;

    static final int D_KEYEXPR = 0x00;
    static final int U_KEYEXPR = 0x01;
    static final int D_SUBSCRIBER = 0x02;
    static final int U_SUBSCRIBER = 0x03;
    static final int D_QUERYABLE = 0x04;
    static final int U_QUERYABLE = 0x05;
    static final int D_TOKEN = 0x06;
    static final int U_TOKEN = 0x07;
    static final int D_FINAL = 0x1A;

    static final int Z = 0x80;
    static final int WHATAMI_ROUTER = 0b00;
    static final int WHATAMI_PEER = 0b01;
    static final int WHATAMI_CLIENT = 0b10;
    static final int DEFAULT_RESOLUTION = 0x0A;
    static final int DEFAULT_QOS = 0x05;

    static final int CLOSE_GENERIC = 0x00;
    static final int CLOSE_INVALID = 0x02;
    static final int CLOSE_MAX_LINKS = 0x04;
    static final int CLOSE_EXPIRED = 0x05;

    private Wire() {
    }

    // ------------------------------------------------------------------ extensions

    /** Cursor over one extension (reused). {@code key} is the header byte without Z. */
    static final class Ext {
        int key;
        boolean more;
        long z64;
        int bodyOff;
        int bodyLen;

        boolean mandatory() {
            return (key & 0x10) != 0;
        }
    }

    static void readExt(WireReader r, Ext e) {
        int h = r.u8();
        e.more = (h & Z) != 0;
        e.key = h & 0x7F;
        e.z64 = 0;
        e.bodyOff = r.position();
        e.bodyLen = 0;
        switch ((h >>> 5) & 0x03) {
            case 0 -> {
            }
            case 1 -> e.z64 = r.vle();
            case 2 -> {
                int n = r.length("extension length");
                e.bodyOff = r.position();
                e.bodyLen = n;
                r.skip(n);
            }
            default -> throw new ZenohDecodeException("extension 0x" + Integer.toHexString(h)
                    + " uses reserved encoding 11");
        }
    }

    /**
     * Skips extensions, returning true if an unknown mandatory one was seen (that message must be
     * rejected). {@code known} lists extension keys (header without Z) understood in this context.
     */
    static boolean skipExts(WireReader r, Ext e, int... known) {
        boolean reject = false;
        do {
            readExt(r, e);
            if (e.mandatory() && !contains(known, e.key)) {
                reject = true;
            }
        } while (e.more);
        return reject;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ ZID / timestamp

    static void writeZidWithLenNibble(WireWriter w, byte[] zid, int lowBits) {
        int len = zidLength(zid);
        w.u8(((len - 1) << 4) | lowBits);
        w.bytes(zid, 0, len);
    }

    /** Length of a little-endian ZID on the wire: trailing zero bytes trimmed, at least 1. */
    static int zidLength(byte[] zid) {
        int len = zid.length;
        while (len > 1 && zid[len - 1] == 0) {
            len--;
        }
        return len;
    }

    /** Display form of a little-endian ZID: the u128 in lowercase hex, most significant first. */
    static String zidHex(byte[] zid, int off, int len) {
        StringBuilder sb = new StringBuilder(len * 2);
        boolean leading = true;
        for (int i = off + len - 1; i >= off; i--) {
            int b = zid[i] & 0xFF;
            if (leading && b == 0 && i > off) {
                continue;
            }
            if (leading) {
                sb.append(Integer.toHexString(b));
                leading = false;
            } else {
                sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            }
        }
        return sb.toString();
    }

    static String zidHex(byte[] zid) {
        return zidHex(zid, 0, zid.length);
    }

    static byte[] zidFromHex(String hex) {
        byte[] out = new byte[(hex.length() + 1) / 2];
        for (int i = 0; i < out.length; i++) {
            int end = hex.length() - 2 * i;
            int start = Math.max(0, end - 2);
            out[i] = (byte) Integer.parseInt(hex.substring(start, end), 16);
        }
        return out;
    }

    static Timestamp readTimestamp(WireReader r) {
        long time = r.vle();
        int len = (int) r.vle(16, "timestamp id length");
        if (len == 0) {
            throw new ZenohDecodeException("timestamp id length 0");
        }
        int off = r.position();
        r.skip(len);
        return new Timestamp(time, zidHex(r.buffer(), off, len));
    }

    static void writeTimestamp(WireWriter w, Timestamp ts) {
        byte[] id = zidFromHex(ts.id());
        int len = zidLength(id);
        w.vle(ts.ntp64());
        w.vle(len);
        w.bytes(id, 0, len);
    }

    // ------------------------------------------------------------------ INIT / OPEN

    /**
     * INIT Syn/Ack. {@code qos}: the QoS extension (unit 0x01) — 8 priority channels per link; a
     * router answers with it only if the client sent it and its {@code transport/unicast/qos} is on.
     */
    @SuppressWarnings("ArrayRecordComponent") // decoded wire bytes, zero-copy; never compared or hashed
    record Init(boolean ack, int version, int whatAmI, byte[] zid, int resolution, int batchSize, byte[] cookie,
                int patch, boolean qos) {
        /** Without the QoS extension. */
        Init(boolean ack, int version, int whatAmI, byte[] zid, int resolution, int batchSize, byte[] cookie,
             int patch) {
            this(ack, version, whatAmI, zid, resolution, batchSize, cookie, patch, false);
        }
    }

    static void writeInit(WireWriter w, Init m) {
        boolean s = m.resolution() != DEFAULT_RESOLUTION || m.batchSize() != 65535;
        boolean z = m.patch() > 0 || m.qos();
        w.u8(T_INIT | (m.ack() ? 0x20 : 0) | (s ? 0x40 : 0) | (z ? Z : 0));
        w.u8(m.version());
        writeZidWithLenNibble(w, m.zid(), m.whatAmI());
        if (s) {
            w.u8(m.resolution());
            w.u16le(m.batchSize());
        }
        if (m.ack()) {
            w.zbytes(m.cookie());
        }
        if (m.qos()) { // Rust order: QoS first
            w.u8(0x01 | (m.patch() > 0 ? Z : 0));
        }
        if (m.patch() > 0) {
            w.u8(0x27).vle(m.patch());
        }
    }

    static Init readInit(WireReader r) {
        int h = r.u8();
        if ((h & 0x1F) != T_INIT) {
            throw new ZenohDecodeException("expected INIT, got header 0x" + Integer.toHexString(h));
        }
        boolean ack = (h & 0x20) != 0;
        int version = r.u8();
        int b = r.u8();
        int whatAmI = b & 0x03;
        if (whatAmI == 0x03) {
            throw new ZenohDecodeException("INIT whatami 0b11 is invalid");
        }
        byte[] zid = r.bytes((b >>> 4) + 1);
        int resolution = DEFAULT_RESOLUTION;
        int batch = 65535;
        if ((h & 0x40) != 0) {
            resolution = r.u8();
            batch = r.u16le();
        }
        byte[] cookie = ack ? r.bytes(r.length("INIT cookie")) : null;
        int patch = 0;
        boolean qos = false;
        if ((h & Z) != 0) {
            Ext e = new Ext();
            do {
                readExt(r, e);
                if (e.key == 0x27) {
                    patch = (int) Math.min(e.z64, 255);
                } else if (e.key == 0x01) {
                    qos = true;
                } else if (e.key == 0x21) {
                    qos = qosLink(e.z64);
                } else if (e.mandatory()) {
                    throw new ZenohDecodeException("INIT carries unknown mandatory extension 0x"
                            + Integer.toHexString(e.key));
                }
            } while (e.more);
        }
        return new Init(ack, version, whatAmI, zid, resolution, batch, cookie, patch, qos);
    }

    /**
     * INIT QoSLink ext (z64 0x21): bits 0-2 tag (1 plain QoS, 2 priority range, 4 reliability).
     * Only plain QoS is supported: a router restricting the link's priorities or reliability is refused.
     */
    private static boolean qosLink(long v) {
        if (v == 0) {
            return false;
        }
        if (v != 1) {
            throw new ZenohDecodeException("INIT QoSLink 0x" + Long.toHexString(v)
                    + " restricts priorities/reliability: unsupported by this client");
        }
        return true;
    }

    @SuppressWarnings("ArrayRecordComponent") // decoded wire bytes, zero-copy; never compared or hashed
    record Open(boolean ack, long leaseMs, long initialSn, byte[] cookie) {
    }

    static void writeOpen(WireWriter w, Open m) {
        boolean secs = m.leaseMs() % 1000 == 0;
        w.u8(T_OPEN | (m.ack() ? 0x20 : 0) | (secs ? 0x40 : 0));
        w.vle(secs ? m.leaseMs() / 1000 : m.leaseMs());
        w.vle(m.initialSn());
        if (!m.ack()) {
            w.zbytes(m.cookie());
        }
    }

    static Open readOpen(WireReader r) {
        int h = r.u8();
        if ((h & 0x1F) != T_OPEN) {
            throw new ZenohDecodeException("expected OPEN, got header 0x" + Integer.toHexString(h));
        }
        boolean ack = (h & 0x20) != 0;
        long lease = r.vle(0xFFFF_FFFFL, "OPEN lease");
        if ((h & 0x40) != 0) {
            lease *= 1000;
        }
        long sn = r.vleU32("OPEN initial_sn");
        byte[] cookie = ack ? null : r.bytes(r.length("OPEN cookie"));
        if ((h & Z) != 0) {
            Ext e = new Ext();
            do {
                readExt(r, e);
                if (e.mandatory()) {
                    throw new ZenohDecodeException("OPEN carries unknown mandatory extension 0x"
                            + Integer.toHexString(e.key));
                }
            } while (e.more);
        }
        return new Open(ack, lease, sn, cookie);
    }

    // ------------------------------------------------------------------ simple transport messages

    static void writeKeepAlive(WireWriter w) {
        w.u8(T_KEEP_ALIVE);
    }

    static void writeClose(WireWriter w, int reason, boolean session) {
        w.u8(T_CLOSE | (session ? 0x20 : 0));
        w.u8(reason);
    }

    static void writeFrameHeader(WireWriter w, boolean reliable, long sn) {
        w.u8(T_FRAME | (reliable ? 0x20 : 0));
        w.vle(sn);
    }

    static void writeFragmentHeader(WireWriter w, boolean reliable, boolean more, long sn, boolean first) {
        w.u8(T_FRAGMENT | (reliable ? 0x20 : 0) | (more ? 0x40 : 0) | (first ? Z : 0));
        w.vle(sn);
        if (first) {
            w.u8(0x02);
        }
    }

    // ------------------------------------------------------------------ network messages: encode

    /**
     * PUSH with a PUT or DEL body. {@code scope} 0 means {@code suffix} is the full key; otherwise
     * {@code scope} is a key-expr id declared by us (mapping = sender).
     */
    static void writePush(WireWriter w, int scope, String suffix, int qos, boolean put, Encoding encoding,
                          Timestamp ts, byte[] attachment, byte[] payload) {
        boolean n = suffix != null && !suffix.isEmpty();
        boolean hasQos = qos != DEFAULT_QOS;
        w.u8(N_PUSH | (n ? 0x20 : 0) | (scope != 0 ? 0x40 : 0) | (hasQos ? Z : 0));
        w.vle(scope);
        if (n) {
            w.zstring(suffix);
        }
        if (hasQos) {
            w.u8(0x21).vle(qos);
        }
        writePushBody(w, put, encoding, ts, attachment, payload);
    }

    /** A PUT or DEL body (also the body of a REPLY). */
    static void writePushBody(WireWriter w, boolean put, Encoding encoding, Timestamp ts, byte[] attachment,
                              byte[] payload) {
        boolean t = ts != null;
        boolean z = attachment != null;
        if (put) {
            boolean e = encoding != null && !(encoding.id() == 0 && encoding.schema() == null);
            w.u8(0x01 | (t ? 0x20 : 0) | (e ? 0x40 : 0) | (z ? Z : 0));
            if (t) {
                writeTimestamp(w, ts);
            }
            if (e) {
                writeEncoding(w, encoding);
            }
            if (z) {
                w.u8(0x43).zbytes(attachment);
            }
            w.zbytes(payload);
        } else {
            w.u8(0x02 | (t ? 0x20 : 0) | (z ? Z : 0));
            if (t) {
                writeTimestamp(w, ts);
            }
            if (z) {
                w.u8(0x42).zbytes(attachment);
            }
        }
    }

    static void writeEncoding(WireWriter w, Encoding e) {
        boolean s = e.schema() != null;
        w.vle(((long) e.id() << 1) | (s ? 1 : 0));
        if (s) {
            w.zbytes(e.schema().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** DECLARE header; {@code controlBlockQos} writes the Rust-style QoS ext 21 08. */
    private static void writeDeclareHeader(WireWriter w, boolean controlBlockQos, Long interestId) {
        w.u8(N_DECLARE | (interestId != null ? 0x20 : 0) | (controlBlockQos ? Z : 0));
        if (interestId != null) {
            w.vle(interestId);
        }
        if (controlBlockQos) {
            w.u8(0x21).vle(0x08);
        }
    }

    static void writeDeclareKeyExpr(WireWriter w, int id, String key) {
        writeDeclareHeader(w, false, null);
        w.u8(D_KEYEXPR | 0x20);
        w.vle(id);
        w.vle(0);
        w.zstring(key);
    }

    static void writeUndeclareKeyExpr(WireWriter w, int id) {
        writeDeclareHeader(w, false, null);
        w.u8(U_KEYEXPR);
        w.vle(id);
    }

    static void writeDeclareSubscriber(WireWriter w, long id, String key, boolean controlBlockQos, Long interestId) {
        writeDeclareHeader(w, controlBlockQos, interestId);
        w.u8(D_SUBSCRIBER | 0x20);
        w.vle(id);
        w.vle(0);
        w.zstring(key);
    }

    static void writeUndeclareSubscriber(WireWriter w, long id) {
        writeDeclareHeader(w, false, null);
        w.u8(U_SUBSCRIBER);
        w.vle(id);
    }

    static void writeDeclareFinal(WireWriter w, long interestId) {
        writeDeclareHeader(w, false, interestId);
        w.u8(D_FINAL);
    }

    static void writeInterest(WireWriter w, long id, int mode, int options, String key) {
        w.u8(N_INTEREST | (mode << 5));
        w.vle(id);
        if (mode != 0) {
            boolean restricted = key != null;
            w.u8(options | (restricted ? 0x30 : 0));
            if (restricted) {
                w.vle(0);
                w.zstring(key);
            }
        }
    }

    // ------------------------------------------------------------------ network messages: decode

    /** A decoded PUSH (PUT or DEL). {@code rejected}: carried an unknown mandatory extension. */
    @SuppressWarnings("ArrayRecordComponent") // decoded wire bytes, zero-copy; never compared or hashed
    record Push(int scope, boolean senderMapping, String suffix, int qos, boolean put, Timestamp timestamp,
                Encoding encoding, byte[] payload, byte[] attachment, boolean rejected) {
    }

    /** A decoded DECLARE; {@code entityId} is the key-expr/subscriber/... id, -1 for D_FINAL. */
    record Declare(long interestId, int body, long entityId, int scope, boolean senderMapping, String suffix,
                   boolean rejected) {
    }

    /** A decoded INTEREST; mode 0 Final, 1 Current, 2 Future, 3 CurrentFuture. */
    record Interest(long id, int mode, int options, int scope, boolean senderMapping, String suffix,
                    boolean rejected) {
    }

    /** Receives decoded network messages. */
    interface NetworkSink {
        void onPush(Push p, boolean reliable);

        void onDeclare(Declare d);

        void onInterest(Interest i);

        /** A REQUEST (query) from the router. */
        default void onRequest(WireQueries.Request q) {
        }

        /** A RESPONSE (reply or error) to one of our requests. */
        default void onResponse(WireQueries.Response r) {
        }

        /** The last response to one of our requests. */
        default void onResponseFinal(long requestId) {
        }
    }

    private static final int[] PUSH_EXTS = {0x21, 0x42, 0x33, 0x47};
    private static final int[] PUT_EXTS = {0x41, 0x43};
    private static final int[] DEL_EXTS = {0x41, 0x42};
    private static final int[] DECL_EXTS = {0x21, 0x42, 0x33};
    private static final int[] NONE = {};

    static boolean isNetworkId(int header) {
        int id = header & 0x1F;
        return id >= N_INTEREST && id <= N_OAM;
    }

    /** Decodes exactly one network message. */
    static void readNetwork(WireReader r, NetworkSink sink, boolean reliable, Ext e) {
        int h = r.peek();
        switch (h & 0x1F) {
            case N_PUSH -> sink.onPush(readPush(r, e), reliable);
            case N_DECLARE -> sink.onDeclare(readDeclare(r, e));
            case N_INTEREST -> sink.onInterest(readInterest(r, e));
            case N_REQUEST -> sink.onRequest(WireQueries.readRequest(r, e));
            case N_RESPONSE -> sink.onResponse(WireQueries.readResponse(r, e));
            case N_RESPONSE_FINAL -> sink.onResponseFinal(WireQueries.readResponseFinal(r, e));
            case N_OAM -> {
                r.u8();
                r.vleU16("OAM id");
                if ((h & Z) != 0) {
                    skipExts(r, e, NONE);
                }
                switch ((h >>> 5) & 0x03) {
                    case 0 -> {
                    }
                    case 1 -> r.vle();
                    case 2 -> r.skip(r.length("OAM body"));
                    default -> throw new ZenohDecodeException("network OAM with reserved encoding");
                }
            }
            default -> throw new ZenohDecodeException("unsupported network message 0x" + Integer.toHexString(h));
        }
    }

    static Push readPush(WireReader r, Ext e) {
        int h = r.u8();
        int scope = r.vleU16("PUSH key scope");
        boolean mapping = (h & 0x40) != 0;
        String suffix = (h & 0x20) != 0 ? r.zstring("PUSH key suffix") : "";
        int qos = DEFAULT_QOS;
        boolean rejected = false;
        Timestamp pushTs = null;
        if ((h & Z) != 0) {
            do {
                readExt(r, e);
                switch (e.key) {
                    case 0x21 -> qos = (int) (e.z64 & 0xFF);
                    case 0x42 -> pushTs = readTimestamp(new WireReader(r.buffer(), e.bodyOff, e.bodyLen));
                    default -> rejected |= e.mandatory() && !contains(PUSH_EXTS, e.key);
                }
            } while (e.more);
        }
        PushBody b = readPushBody(r, e, pushTs);
        return new Push(scope, mapping, suffix, qos, b.put(), b.timestamp(), b.encoding(), b.payload(), b.attachment(),
                rejected || b.rejected());
    }

    /** A decoded PUT/DEL body. {@code rejected}: carried an unknown mandatory extension. */
    @SuppressWarnings("ArrayRecordComponent") // decoded wire bytes, zero-copy; never compared or hashed
    record PushBody(boolean put, Timestamp timestamp, Encoding encoding, byte[] payload, byte[] attachment,
                    boolean rejected) {
    }

    /** Decodes a PUT or DEL body; {@code ts} is the enclosing message's timestamp, overridden by the body's. */
    static PushBody readPushBody(WireReader r, Ext e, Timestamp ts) {
        int bh = r.u8();
        int body = bh & 0x1F;
        if (body != 0x01 && body != 0x02) {
            throw new ZenohDecodeException("unknown PUSH body 0x" + Integer.toHexString(bh));
        }
        boolean put = body == 0x01;
        if ((bh & 0x20) != 0) {
            ts = readTimestamp(r);
        }
        Encoding enc = Encoding.ZENOH_BYTES;
        if (put && (bh & 0x40) != 0) {
            enc = readEncoding(r);
        }
        byte[] att = null;
        boolean rejected = false;
        int attKey = put ? 0x43 : 0x42;
        if ((bh & Z) != 0) {
            do {
                readExt(r, e);
                if (e.key == attKey) {
                    att = copy(r.buffer(), e.bodyOff, e.bodyLen);
                } else if (e.mandatory() && !contains(put ? PUT_EXTS : DEL_EXTS, e.key)) {
                    rejected = true; // e.g. Shm 0x12: shared memory is not supported
                }
            } while (e.more);
        }
        byte[] payload = put ? r.bytes(r.length("PUT payload length")) : new byte[0];
        return new PushBody(put, ts, enc, payload, att, rejected);
    }

    private static byte[] copy(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }

    static Encoding readEncoding(WireReader r) {
        long v = r.vleU32("encoding");
        long id = v >>> 1;
        if (id > 0xFFFF) {
            throw new ZenohDecodeException("encoding id " + id + " exceeds 65535");
        }
        String schema = null;
        if ((v & 1) != 0) {
            int n = r.length("encoding schema length");
            if (n > 255) {
                throw new ZenohDecodeException("encoding schema length " + n + " exceeds 255");
            }
            schema = WireReader.utf8(r.buffer(), r.position(), n, "encoding schema");
            r.skip(n);
        }
        return new Encoding((int) id, schema);
    }

    static Declare readDeclare(WireReader r, Ext e) {
        int h = r.u8();
        long interestId = -1;
        if ((h & 0x20) != 0) {
            interestId = r.vleU32("DECLARE interest id");
        }
        boolean rejected = false;
        if ((h & Z) != 0) {
            rejected = skipExts(r, e, DECL_EXTS);
        }
        int bh = r.u8();
        int body = bh & 0x1F;
        long entity = -1;
        int scope = 0;
        boolean mapping = false;
        String suffix = null;
        int[] known = NONE;
        switch (body) {
            case D_KEYEXPR -> {
                entity = r.vleU16("D_KEYEXPR id");
                scope = r.vleU16("D_KEYEXPR scope");
                suffix = (bh & 0x20) != 0 ? r.zstring("D_KEYEXPR suffix") : "";
                if ((bh & Z) != 0) {
                    skipExts(r, e, NONE); // Rust skips every extension of D_KEYEXPR
                }
                return new Declare(interestId, body, entity, scope, false, suffix, rejected);
            }
            case D_SUBSCRIBER, D_QUERYABLE, D_TOKEN -> {
                entity = r.vleU32("declaration id");
                scope = r.vleU16("declaration scope");
                mapping = (bh & 0x40) != 0;
                suffix = (bh & 0x20) != 0 ? r.zstring("declaration suffix") : "";
                known = body == D_QUERYABLE ? new int[]{0x21} : NONE;
            }
            case U_KEYEXPR -> entity = r.vleU16("U_KEYEXPR id");
            case U_SUBSCRIBER, U_QUERYABLE, U_TOKEN -> {
                entity = r.vleU32("undeclaration id");
                if ((bh & Z) != 0) {
                    return readUndeclareExts(r, e, new Declare(interestId, body, entity, 0, false, null, rejected));
                }
            }
            case D_FINAL -> {
            }
            default -> throw new ZenohDecodeException("unknown declaration body 0x" + Integer.toHexString(bh));
        }
        if ((bh & Z) != 0) {
            rejected |= skipExts(r, e, known);
        }
        return new Declare(interestId, body, entity, scope, mapping, suffix, rejected);
    }

    /** Extensions of U_SUBSCRIBER/U_QUERYABLE/U_TOKEN; the WireExprExt (5F) fills scope, mapping, suffix. */
    private static Declare readUndeclareExts(WireReader r, Ext e, Declare d) {
        int scope = 0;
        boolean mapping = false;
        String suffix = null;
        boolean rejected = d.rejected();
        do {
            readExt(r, e);
            if (e.key == 0x5F) {
                WireReader b = new WireReader(r.buffer(), e.bodyOff, e.bodyLen);
                int flags = b.u8();
                scope = b.vleU16("WireExprExt scope");
                mapping = (flags & 0x02) != 0;
                suffix = (flags & 0x01) != 0 ? WireReader.utf8(b.buffer(), b.position(), b.remaining(),
                        "WireExprExt suffix") : "";
            } else if (e.mandatory()) {
                rejected = true;
            }
        } while (e.more);
        return new Declare(d.interestId(), d.body(), d.entityId(), scope, mapping, suffix, rejected);
    }

    static Interest readInterest(WireReader r, Ext e) {
        int h = r.u8();
        int mode = (h >>> 5) & 0x03;
        long id = r.vleU32("INTEREST id");
        int options = 0;
        int scope = 0;
        boolean mapping = false;
        String suffix = null;
        if (mode != 0) {
            options = r.u8();
            if ((options & 0x10) != 0) {
                scope = r.vleU16("INTEREST scope");
                mapping = (options & 0x40) != 0;
                suffix = (options & 0x20) != 0 ? r.zstring("INTEREST suffix") : "";
            }
        }
        boolean rejected = false;
        if ((h & Z) != 0) {
            rejected = skipExts(r, e, DECL_EXTS);
        }
        return new Interest(id, mode, options, scope, mapping, suffix, rejected);
    }
}
