package dev.oprc.zenoh;

import java.util.Arrays;

/**
 * Receive-side state machine of one transport link: decodes batches, applies the per-channel
 * sequence-number window, reassembles fragments (bounded by {@code maxMessageSize}) and hands
 * network messages to a sink. With QoS negotiated the link has 8 priorities × {reliable,
 * best-effort} channels, each with its own sequence numbers (all starting at the router's initial
 * SN) and reassembly buffer; without QoS a single pair at priority Data. Every message it cannot
 * deliver is reported to {@link Sink#onDropped} (once per message) and every skipped sequence
 * number to {@link Sink#onSnGap}. A {@link ZenohDecodeException} means the link must be closed.
 * Confined to the link's reader thread; not thread-safe.
 */
final class Inbound {
    /** Receives what the link decoded. */
    interface Sink extends Wire.NetworkSink {
        /** The router closed the link/session. */
        void onClose(int reason);

        /** One network message was dropped without closing the link (stale SN, lost fragment, ...). */
        void onDropped(String why);

        /** {@code missing} sequence numbers were skipped on a channel: frames/fragments that never arrived. */
        default void onSnGap(long missing) {
        }
    }

    /** Frame priorities (QoS ext 0x31 values 0..7); absent = Data. */
    static final int PRIORITIES = 8;
    private static final int DATA_PRIORITY = Wire.DEFAULT_QOS & 0x07;

    private final Sink sink;
    private final int maxMessageSize;
    private final boolean patch;
    private final boolean qos;
    /** Indexed by priority with QoS, else one entry (index 0 = priority Data). */
    private final Channel[] reliable;
    private final Channel[] bestEffort;
    private final Wire.Ext ext = new Wire.Ext();
    private final Discard discard;
    private boolean closed;

    /** A link without QoS: one reliable and one best-effort channel at priority Data. */
    Inbound(long snMask, long peerInitialSn, int maxMessageSize, boolean patch, Sink sink) {
        this(snMask, peerInitialSn, maxMessageSize, patch, false, sink);
    }

    Inbound(long snMask, long peerInitialSn, int maxMessageSize, boolean patch, boolean qos, Sink sink) {
        this.sink = sink;
        this.maxMessageSize = maxMessageSize;
        this.patch = patch;
        this.qos = qos;
        long last = (peerInitialSn - 1) & snMask;
        int n = qos ? PRIORITIES : 1;
        this.reliable = new Channel[n];
        this.bestEffort = new Channel[n];
        for (int i = 0; i < n; i++) {
            reliable[i] = new Channel(new SeqNum(snMask, last));
            bestEffort[i] = new Channel(new SeqNum(snMask, last));
        }
        this.discard = new Discard(sink);
    }

    boolean closed() {
        return closed;
    }

    /** Decodes one batch (without its 2-byte length). */
    void onBatch(byte[] buf, int off, int len) {
        WireReader r = new WireReader(buf, off, len);
        while (r.hasRemaining() && !closed) {
            int h = r.peek();
            switch (h & 0x1F) {
                case Wire.T_FRAME -> frame(r);
                case Wire.T_FRAGMENT -> fragment(r);
                case Wire.T_KEEP_ALIVE -> {
                    r.u8();
                    if ((h & Wire.Z) != 0) {
                        Wire.skipExts(r, ext);
                    }
                }
                case Wire.T_CLOSE -> {
                    r.u8();
                    int reason = r.u8();
                    if ((h & Wire.Z) != 0) {
                        Wire.skipExts(r, ext);
                    }
                    closed = true;
                    sink.onClose(reason);
                }
                case Wire.T_OAM -> {
                    r.u8();
                    r.vleU16("OAM id");
                    if ((h & Wire.Z) != 0) {
                        Wire.skipExts(r, ext);
                    }
                    switch ((h >>> 5) & 0x03) {
                        case 0 -> {
                        }
                        case 1 -> r.vle();
                        case 2 -> r.skip(r.length("OAM body"));
                        default -> throw new ZenohDecodeException("transport OAM with reserved encoding");
                    }
                }
                default -> throw new ZenohDecodeException("unexpected transport message 0x" + Integer.toHexString(h)
                        + " on an established link");
            }
        }
    }

    private void frame(WireReader r) {
        int h = r.u8();
        boolean rel = (h & 0x20) != 0;
        long sn = r.vleU32("FRAME sn");
        int priority = DATA_PRIORITY;
        if ((h & Wire.Z) != 0) {
            do {
                Wire.readExt(r, ext);
                if (ext.key == 0x31) {
                    priority = (int) (ext.z64 & 0x07);
                } else if (ext.mandatory()) {
                    throw new ZenohDecodeException("FRAME has unknown mandatory extension 0x"
                            + Integer.toHexString(ext.key));
                }
            } while (ext.more);
        }
        Channel ch = channel(rel, priority, "FRAME");
        boolean accept = ch.sn.precedes(sn);
        if (accept) {
            gap(ch, sn);
            ch.sn.set(sn);
            abandon(ch.defrag, "a FRAME interrupted a fragmented message");
        } else {
            discard.why = "FRAME sn " + sn + " outside the window after " + ch.sn.get();
        }
        Wire.NetworkSink target = accept ? sink : discard;
        int count = 0;
        while (r.hasRemaining() && Wire.isNetworkId(r.peek())) {
            Wire.readNetwork(r, target, rel, ext);
            count++;
        }
        if (count == 0) {
            throw new ZenohDecodeException("FRAME without network messages");
        }
    }

    /** The channel of a FRAME/FRAGMENT; a priority other than Data without QoS closes the link. */
    private Channel channel(boolean rel, int priority, String what) {
        Channel[] chs = rel ? reliable : bestEffort;
        if (qos) {
            return chs[priority];
        }
        if (priority != DATA_PRIORITY) {
            throw new ZenohDecodeException(what + " priority " + priority + " without negotiated QoS");
        }
        return chs[0];
    }

    /** Reports the sequence numbers skipped before the accepted {@code sn}. */
    private void gap(Channel ch, long sn) {
        long missing = ((sn - ch.sn.get()) & ch.sn.mask()) - 1;
        if (missing > 0) {
            sink.onSnGap(missing);
        }
    }

    /** Drops a partly reassembled message (counted once), leaving the buffer empty. */
    private void abandon(Defrag d, String why) {
        if (d.started) {
            sink.onDropped("fragmented message lost: " + why);
        }
        d.clear();
    }

    private void fragment(WireReader r) {
        int h = r.u8();
        boolean rel = (h & 0x20) != 0;
        boolean more = (h & 0x40) != 0;
        long sn = r.vleU32("FRAGMENT sn");
        int priority = DATA_PRIORITY;
        boolean first = false;
        boolean drop = false;
        if ((h & Wire.Z) != 0) {
            do {
                Wire.readExt(r, ext);
                switch (ext.key) {
                    case 0x31 -> priority = (int) (ext.z64 & 0x07);
                    case 0x02 -> first = true;
                    case 0x03 -> drop = true;
                    default -> {
                        if (ext.mandatory()) {
                            throw new ZenohDecodeException("FRAGMENT has unknown mandatory extension 0x"
                                    + Integer.toHexString(ext.key));
                        }
                    }
                }
            } while (ext.more);
        }
        int off = r.position();
        int len = r.remaining();
        r.skip(len);
        Channel ch = channel(rel, priority, "FRAGMENT");
        if (!ch.sn.precedes(sn)) {
            sink.onDropped("FRAGMENT sn " + sn + " outside the window after " + ch.sn.get());
            return;
        }
        boolean next = ((sn - ch.sn.get()) & ch.sn.mask()) == 1;
        gap(ch, sn);
        ch.sn.set(sn);
        Defrag d = ch.defrag;
        if (!next) {
            abandon(d, "a fragment went missing before sn " + sn);
        }
        if (drop) {
            abandon(d, "the sender dropped it part-way (sn " + sn + ")");
            return;
        }
        if (!startOrContinue(d, first, more, sn)) {
            return;
        }
        if (d.size + len > maxMessageSize) {
            sink.onDropped("fragmented message larger than maxMessageSize " + maxMessageSize);
            d.clear();
            d.skipping = more;
            return;
        }
        d.append(r.buffer(), off, len);
        if (!more) {
            deliverReassembled(d, rel);
        }
    }

    /** Applies a fragment's position in its message; false if the fragment is to be skipped. */
    private boolean startOrContinue(Defrag d, boolean first, boolean more, long sn) {
        if (first) {
            abandon(d, "a new fragmented message started at sn " + sn);
            d.started = true;
        } else if (!d.started) {
            if (patch || d.skipping) {
                if (!d.skipping) { // counted once per message, not per fragment
                    sink.onDropped("FRAGMENT sn " + sn + " continues no started message");
                }
                d.skipping = more;
                return false;
            }
            d.started = true;
        }
        return true;
    }

    private void deliverReassembled(Defrag d, boolean rel) {
        WireReader m = new WireReader(d.buf, 0, d.size);
        try {
            if (!m.hasRemaining() || !Wire.isNetworkId(m.peek())) {
                throw new ZenohDecodeException("reassembled fragment is not a network message");
            }
            Wire.readNetwork(m, sink, rel, ext);
            if (m.hasRemaining()) {
                throw new ZenohDecodeException("reassembled fragment has " + m.remaining() + " trailing bytes");
            }
        } finally {
            d.release();
        }
    }

    /** One channel (priority × reliability): its last accepted sequence number and its reassembly. */
    private static final class Channel {
        final SeqNum sn;
        final Defrag defrag = new Defrag();

        Channel(SeqNum sn) {
            this.sn = sn;
        }
    }

    /** Decodes the messages of a rejected FRAME and reports each as dropped. */
    private static final class Discard implements Wire.NetworkSink {
        private final Sink sink;
        String why = "";

        Discard(Sink sink) {
            this.sink = sink;
        }

        @Override
        public void onPush(Wire.Push p, boolean reliable) {
            sink.onDropped(why + ": PUSH");
        }

        @Override
        public void onDeclare(Wire.Declare d) {
            sink.onDropped(why + ": DECLARE");
        }

        @Override
        public void onInterest(Wire.Interest i) {
            sink.onDropped(why + ": INTEREST");
        }

        @Override
        public void onRequest(WireQueries.Request q) {
            sink.onDropped(why + ": REQUEST");
        }

        @Override
        public void onResponse(WireQueries.Response r) {
            sink.onDropped(why + ": RESPONSE");
        }

        @Override
        public void onResponseFinal(long requestId) {
            sink.onDropped(why + ": RESPONSE_FINAL");
        }
    }

    /** Reassembly buffer of one channel; grows only as data arrives, released after use. */
    private static final class Defrag {
        byte[] buf = new byte[0];
        int size;
        boolean started;
        boolean skipping;

        void append(byte[] src, int off, int len) {
            if (size + len > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(size + len, Math.min(buf.length * 2, Integer.MAX_VALUE - 16)));
            }
            System.arraycopy(src, off, buf, size, len);
            size += len;
        }

        void clear() {
            size = 0;
            started = false;
            skipping = false;
        }

        void release() {
            clear();
            if (buf.length > 1 << 20) {
                buf = new byte[0];
            }
        }
    }
}
