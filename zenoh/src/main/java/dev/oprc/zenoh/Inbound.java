package dev.oprc.zenoh;

import java.util.Arrays;

/**
 * Receive-side state machine of one transport link: decodes batches, applies the per-channel
 * sequence-number window, reassembles fragments (bounded by {@code maxMessageSize}) and hands
 * network messages to a sink. A {@link ZenohDecodeException} means the link must be closed.
 * Confined to the link's reader thread; not thread-safe.
 */
final class Inbound {
    /** Receives what the link decoded. */
    interface Sink extends Wire.NetworkSink {
        /** The router closed the link/session. */
        void onClose(int reason);

        /** Something was dropped without closing the link (stale SN, oversized fragment, ...). */
        void onDropped(String why);
    }

    private final Sink sink;
    private final int maxMessageSize;
    private final boolean patch;
    private final SeqNum rxReliable;
    private final SeqNum rxBestEffort;
    private final Defrag defragReliable = new Defrag();
    private final Defrag defragBestEffort = new Defrag();
    private final Wire.Ext ext = new Wire.Ext();
    private boolean closed;

    Inbound(long snMask, long peerInitialSn, int maxMessageSize, boolean patch, Sink sink) {
        this.sink = sink;
        this.maxMessageSize = maxMessageSize;
        this.patch = patch;
        long last = (peerInitialSn - 1) & snMask;
        this.rxReliable = new SeqNum(snMask, last);
        this.rxBestEffort = new SeqNum(snMask, last);
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
        boolean reliable = (h & 0x20) != 0;
        long sn = r.vleU32("FRAME sn");
        if ((h & Wire.Z) != 0) {
            do {
                Wire.readExt(r, ext);
                if (ext.key == 0x31) {
                    if (ext.z64 != Wire.DEFAULT_QOS) {
                        throw new ZenohDecodeException("FRAME priority " + ext.z64 + " without negotiated QoS");
                    }
                } else if (ext.mandatory()) {
                    throw new ZenohDecodeException("FRAME has unknown mandatory extension 0x"
                            + Integer.toHexString(ext.key));
                }
            } while (ext.more);
        }
        SeqNum ch = reliable ? rxReliable : rxBestEffort;
        boolean accept = ch.precedes(sn);
        if (accept) {
            ch.set(sn);
            (reliable ? defragReliable : defragBestEffort).clear();
        } else {
            sink.onDropped("FRAME sn " + sn + " outside the window after " + ch.get());
        }
        Wire.NetworkSink target = accept ? sink : DISCARD;
        int count = 0;
        while (r.hasRemaining() && Wire.isNetworkId(r.peek())) {
            Wire.readNetwork(r, target, reliable, ext);
            count++;
        }
        if (count == 0) {
            throw new ZenohDecodeException("FRAME without network messages");
        }
    }

    private void fragment(WireReader r) {
        int h = r.u8();
        boolean reliable = (h & 0x20) != 0;
        boolean more = (h & 0x40) != 0;
        long sn = r.vleU32("FRAGMENT sn");
        boolean first = false;
        boolean drop = false;
        if ((h & Wire.Z) != 0) {
            do {
                Wire.readExt(r, ext);
                switch (ext.key) {
                    case 0x31 -> {
                        if (ext.z64 != Wire.DEFAULT_QOS) {
                            throw new ZenohDecodeException("FRAGMENT priority " + ext.z64 + " without negotiated QoS");
                        }
                    }
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
        SeqNum ch = reliable ? rxReliable : rxBestEffort;
        Defrag d = reliable ? defragReliable : defragBestEffort;
        long gap = (sn - ch.get()) & ch.mask();
        if (gap == 0 || gap > ch.mask() / 2) {
            sink.onDropped("FRAGMENT sn " + sn + " outside the window after " + ch.get());
            return;
        }
        ch.set(sn);
        if (gap != 1) {
            d.clear(); // a fragment went missing
        }
        if (drop) {
            d.clear();
            return;
        }
        if (first) {
            d.clear();
            d.started = true;
        } else if (!d.started) {
            if (patch || d.skipping) {
                sink.onDropped("FRAGMENT sn " + sn + " continues no started message");
                d.skipping = more;
                return;
            }
            d.started = true;
        }
        if (d.size + len > maxMessageSize) {
            sink.onDropped("fragmented message larger than maxMessageSize " + maxMessageSize);
            d.clear();
            d.skipping = more;
            return;
        }
        d.append(r.buffer(), off, len);
        if (!more) {
            WireReader m = new WireReader(d.buf, 0, d.size);
            try {
                if (!m.hasRemaining() || !Wire.isNetworkId(m.peek())) {
                    throw new ZenohDecodeException("reassembled fragment is not a network message");
                }
                Wire.readNetwork(m, sink, reliable, ext);
                if (m.hasRemaining()) {
                    throw new ZenohDecodeException("reassembled fragment has " + m.remaining() + " trailing bytes");
                }
            } finally {
                d.release();
            }
        }
    }

    private static final Wire.NetworkSink DISCARD = new Wire.NetworkSink() {
        @Override
        public void onPush(Wire.Push p, boolean reliable) {
        }

        @Override
        public void onDeclare(Wire.Declare d) {
        }

        @Override
        public void onInterest(Wire.Interest i) {
        }
    };

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
