package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every worked example of zenoh-wire.md §7, encoded and decoded byte for byte, plus VLE/ZID/SN edges. */
class WireVectorsTest {
    static final byte[] ZID = hex("01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10");
    static final byte[] ROUTER_ZID = hex("A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB AC AD AE AF");
    static final byte[] COOKIE = hex("C0 C1 C2 C3");
    static final String KEY123 = "oprc/cls/0/async/fn/123";

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static String hexOf(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02X ", x & 0xFF));
        }
        return sb.toString().trim();
    }

    static String ascii(String s) {
        return hexOf(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Wraps a writer's content (starting at 2) with the u16 LE length. */
    static byte[] batch(java.util.function.Consumer<WireWriter> body) {
        WireWriter w = new WireWriter();
        w.u16le(0);
        body.accept(w);
        w.putU16leAt(0, w.position() - 2);
        return w.toByteArray();
    }

    static void assertBytes(byte[] actual, String expectedHex) {
        assertThat(hexOf(actual)).isEqualTo(hexOf(hex(expectedHex)));
    }

    // ---------------------------------------------------------------- 7.1 .. 7.4 handshake

    @Test
    void initSyn71() {
        String zid = hexOf(ZID);
        assertBytes(batch(w -> Wire.writeInit(w, new Wire.Init(false, 9, Wire.WHATAMI_CLIENT, ZID, 0x0A, 65535, null, 0))),
                "13 00 01 09 F2 " + zid);
        assertBytes(batch(w -> Wire.writeInit(w, new Wire.Init(false, 9, Wire.WHATAMI_CLIENT, ZID, 0x0A, 65535, null, 1))),
                "15 00 81 09 F2 " + zid + " 27 01");
        assertBytes(batch(w -> Wire.writeInit(w, new Wire.Init(false, 9, Wire.WHATAMI_CLIENT, ZID, 0x0A, 8192, null, 0))),
                "16 00 41 09 F2 " + zid + " 0A 00 20");
        Wire.Init back = Wire.readInit(new WireReader(hex("81 09 F2 " + zid + " 27 01")));
        assertThat(back.ack()).isFalse();
        assertThat(back.whatAmI()).isEqualTo(Wire.WHATAMI_CLIENT);
        assertThat(back.zid()).isEqualTo(ZID);
        assertThat(back.patch()).isEqualTo(1);
        assertThat(back.batchSize()).isEqualTo(65535);
        Wire.Init b8192 = Wire.readInit(new WireReader(hex("41 09 F2 " + zid + " 0A 00 20")));
        assertThat(b8192.batchSize()).isEqualTo(8192);
        assertThat(b8192.resolution()).isEqualTo(0x0A);
    }

    @Test
    void initAck72() {
        String bytes = "18 00 21 09 F0 " + hexOf(ROUTER_ZID) + " 04 C0 C1 C2 C3";
        assertBytes(batch(w -> Wire.writeInit(w, new Wire.Init(true, 9, Wire.WHATAMI_ROUTER, ROUTER_ZID, 0x0A, 65535,
                COOKIE, 0))), bytes);
        Wire.Init ack = Wire.readInit(new WireReader(hex(bytes.substring(6))));
        assertThat(ack.ack()).isTrue();
        assertThat(ack.version()).isEqualTo(9);
        assertThat(ack.whatAmI()).isEqualTo(Wire.WHATAMI_ROUTER);
        assertThat(ack.zid()).isEqualTo(ROUTER_ZID);
        assertThat(ack.cookie()).isEqualTo(COOKIE);
        assertThat(ack.resolution()).isEqualTo(0x0A);
        assertThat(ack.batchSize()).isEqualTo(65535);
        assertThat(Wire.zidHex(ack.zid())).isEqualTo("afaeadacabaaa9a8a7a6a5a4a3a2a1a0");
    }

    @Test
    void openSynAndAck73and74() {
        assertBytes(batch(w -> Wire.writeOpen(w, new Wire.Open(false, 10_000, 1000, COOKIE))),
                "09 00 42 0A E8 07 04 C0 C1 C2 C3");
        assertBytes(batch(w -> Wire.writeOpen(w, new Wire.Open(false, 2500, 1000, COOKIE))),
                "0A 00 02 C4 13 E8 07 04 C0 C1 C2 C3");
        assertBytes(batch(w -> Wire.writeOpen(w, new Wire.Open(true, 10_000, 0x0ABCDEF, null))), "06 00 62 0A EF 9B AF 05");
        Wire.Open syn = Wire.readOpen(new WireReader(hex("02 C4 13 E8 07 04 C0 C1 C2 C3")));
        assertThat(syn.leaseMs()).isEqualTo(2500);
        assertThat(syn.initialSn()).isEqualTo(1000);
        assertThat(syn.cookie()).isEqualTo(COOKIE);
        Wire.Open ack = Wire.readOpen(new WireReader(hex("62 0A EF 9B AF 05")));
        assertThat(ack.ack()).isTrue();
        assertThat(ack.leaseMs()).isEqualTo(10_000);
        assertThat(ack.initialSn()).isEqualTo(0x0ABCDEF);
    }

    // ---------------------------------------------------------------- 7.5 .. 7.7 data

    static final String FRAME_75 = "24 00 25 E8 07 3D 00 17 " + ascii(KEY123) + " 01 05 68 65 6C 6C 6F";

    @Test
    void framePushPut75() {
        byte[] b = batch(w -> {
            Wire.writeFrameHeader(w, true, 1000);
            Wire.writePush(w, 0, KEY123, 0x05, true, Encoding.ZENOH_BYTES, null, null, bytes("hello"));
        });
        assertBytes(b, FRAME_75);
        List<Object> got = decode(b, 1000);
        assertThat(got).hasSize(1);
        Wire.Push p = (Wire.Push) got.get(0);
        assertThat(p.suffix()).isEqualTo(KEY123);
        assertThat(p.scope()).isZero();
        assertThat(p.put()).isTrue();
        assertThat(p.payload()).isEqualTo(bytes("hello"));
        assertThat(p.qos()).isEqualTo(5);
        assertThat(p.encoding()).isEqualTo(Encoding.ZENOH_BYTES);
    }

    @Test
    void blockAndJson76() {
        String expected = "27 00 25 E9 07 BD 00 17 " + ascii(KEY123) + " 21 0D 41 0A 05 68 65 6C 6C 6F";
        PutOptions o = PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK)
                .withEncoding(Encoding.APPLICATION_JSON);
        byte[] b = batch(w -> {
            Wire.writeFrameHeader(w, true, 1001);
            Wire.writePush(w, 0, KEY123, o.qos().toWire(), true, o.encoding(), null, null, bytes("hello"));
        });
        assertBytes(b, expected);
        Wire.Push p = (Wire.Push) decode(b, 1001).get(0);
        assertThat(QoS.fromWire(p.qos())).isEqualTo(new QoS(Priority.DATA, CongestionControl.BLOCK, false));
        assertThat(p.encoding()).isEqualTo(Encoding.APPLICATION_JSON);
        assertThat(Encoding.fromString("text/plain;utf-8")).isEqualTo(new Encoding(4, "utf-8"));
        WireWriter w = new WireWriter();
        Wire.writeEncoding(w, Encoding.fromString("text/plain;utf-8"));
        assertBytes(w.toByteArray(), "09 05 75 74 66 2D 38");
    }

    @Test
    void batching77() {
        String expected = "45 00 25 EA 07 3D 00 17 " + ascii("oprc/cls/0/async/fn/123") + " 01 05 68 65 6C 6C 6F 3D 00 17 "
                + ascii("oprc/cls/0/async/fn/124") + " 01 05 77 6F 72 6C 64";
        byte[] b = batch(w -> {
            Wire.writeFrameHeader(w, true, 1002);
            Wire.writePush(w, 0, "oprc/cls/0/async/fn/123", 5, true, null, null, null, bytes("hello"));
            Wire.writePush(w, 0, "oprc/cls/0/async/fn/124", 5, true, null, null, null, bytes("world"));
        });
        assertBytes(b, expected);
        List<Object> got = decode(b, 1002);
        assertThat(got).hasSize(2);
        assertThat(((Wire.Push) got.get(1)).suffix()).isEqualTo("oprc/cls/0/async/fn/124");
        assertThat(((Wire.Push) got.get(1)).payload()).isEqualTo(bytes("world"));
    }

    @Test
    void writerBatchesConsecutivePushesIntoOneFrame77() throws Exception {
        CapturedLink c = new CapturedLink(65535, 1002);
        for (String k : new String[]{"oprc/cls/0/async/fn/123", "oprc/cls/0/async/fn/124"}) {
            WireWriter w = new WireWriter();
            Wire.writePush(w, 0, k, 5, true, null, null, null, bytes(k.endsWith("3") ? "hello" : "world"));
            c.link.appendMsg(new OutMsg(w.toByteArray(), true, false));
        }
        c.link.flush();
        assertBytes(c.out.toByteArray(), "45 00 25 EA 07 3D 00 17 " + ascii("oprc/cls/0/async/fn/123")
                + " 01 05 68 65 6C 6C 6F 3D 00 17 " + ascii("oprc/cls/0/async/fn/124") + " 01 05 77 6F 72 6C 64");
    }

    // ---------------------------------------------------------------- 7.8 .. 7.11 declarations

    @Test
    void declareSubscriber78() {
        String key = "oprc/cls/0/async/**";
        byte[] b = batch(w -> {
            Wire.writeFrameHeader(w, true, 1003);
            Wire.writeDeclareSubscriber(w, 1, key, true, null);
        });
        assertBytes(b, "1D 00 25 EB 07 9E 21 08 22 01 00 13 " + ascii(key));
        WireWriter w = new WireWriter();
        Wire.writeDeclareSubscriber(w, 1, key, false, null);
        assertBytes(w.toByteArray(), "1E 22 01 00 13 " + ascii(key));
        w = new WireWriter();
        Wire.writeUndeclareSubscriber(w, 1);
        assertBytes(w.toByteArray(), "1E 03 01");
        Wire.Declare d = (Wire.Declare) decode(b, 1003).get(0);
        assertThat(d.body()).isEqualTo(Wire.D_SUBSCRIBER);
        assertThat(d.entityId()).isEqualTo(1);
        assertThat(d.suffix()).isEqualTo(key);
        Wire.Declare rustUndeclare = Wire.readDeclare(new WireReader(hex("9E 21 08 83 01 5F 02 02 00")), new Wire.Ext());
        assertThat(rustUndeclare.body()).isEqualTo(Wire.U_SUBSCRIBER);
        assertThat(rustUndeclare.entityId()).isEqualTo(1);
        assertThat(rustUndeclare.rejected()).isFalse();
    }

    @Test
    void keyExprDeclarationAndScopedPush79() {
        WireWriter w = new WireWriter();
        Wire.writeDeclareKeyExpr(w, 1, "oprc/cls/0/async/fn");
        assertBytes(w.toByteArray(), "1E 20 01 00 13 " + ascii("oprc/cls/0/async/fn"));
        WireWriter p = new WireWriter();
        Wire.writePush(p, 1, "/123", 5, true, null, null, null, bytes("hello"));
        assertBytes(p.toByteArray(), "7D 01 04 2F 31 32 33 01 05 68 65 6C 6C 6F");
        Wire.Declare d = Wire.readDeclare(new WireReader(w.toByteArray()), new Wire.Ext());
        assertThat(d.body()).isEqualTo(Wire.D_KEYEXPR);
        assertThat(d.entityId()).isEqualTo(1);
        assertThat(d.suffix()).isEqualTo("oprc/cls/0/async/fn");
        Wire.Push push = Wire.readPush(new WireReader(p.toByteArray()), new Wire.Ext());
        assertThat(push.scope()).isEqualTo(1);
        assertThat(push.senderMapping()).isTrue();
        assertThat(push.suffix()).isEqualTo("/123");
    }

    @Test
    void routerKeyMappingResolvesPushes79() {
        // router declares id 7 -> prefix, then pushes with M=1 scope 7 suffix "/123" to our subscriber
        try (Session s = new Session(Config.localOnly())) {
            BlockingSubscriber sub = s.declareSubscriber("oprc/**", 4);
            Transport t = new Transport(s, Config.localOnly(), List.of(), ZID, "t");
            Transport.Link link = t.new Link(new Endpoint("h", 1), new Socket(), null, new ByteArrayOutputStream(),
                    65535, 0x0FFF_FFFFL, 0, 1000, 10_000, true, "r");
            Inbound in = new Inbound(0x0FFF_FFFFL, 1000, 1 << 20, true, link);
            byte[] b = batch(w -> {
                Wire.writeFrameHeader(w, true, 1000);
                Wire.writeDeclareKeyExpr(w, 7, "oprc/cls/0/async/fn");
                Wire.writePush(w, 7, "/123", 5, true, null, null, null, bytes("hello"));
            });
            in.onBatch(b, 2, b.length - 2);
            Sample smp = sub.poll();
            assertThat(smp).isNotNull();
            assertThat(smp.keyExpr().toString()).isEqualTo(KEY123);
            assertThat(smp.payloadAsString()).isEqualTo("hello");
        }
    }

    @Test
    void interest710() {
        WireWriter w = new WireWriter();
        Wire.writeInterest(w, 1, 3, 0x03, KEY123);
        assertBytes(w.toByteArray(), "79 01 33 00 17 " + ascii(KEY123));
        Wire.Interest i = Wire.readInterest(new WireReader(w.toByteArray()), new Wire.Ext());
        assertThat(i.mode()).isEqualTo(3);
        assertThat(i.id()).isEqualTo(1);
        assertThat(i.options() & 0x03).isEqualTo(0x03);
        assertThat(i.suffix()).isEqualTo(KEY123);
        WireWriter fin = new WireWriter();
        Wire.writeDeclareFinal(fin, 1);
        assertBytes(fin.toByteArray(), "3E 01 1A");
        Wire.Declare d = Wire.readDeclare(new WireReader(fin.toByteArray()), new Wire.Ext());
        assertThat(d.body()).isEqualTo(Wire.D_FINAL);
        assertThat(d.interestId()).isEqualTo(1);
        Wire.Interest finalMode = Wire.readInterest(new WireReader(hex("19 05")), new Wire.Ext());
        assertThat(finalMode.mode()).isZero();
        assertThat(finalMode.id()).isEqualTo(5);
    }

    @Test
    void interestFromRouterIsAnsweredWithDeclareFinal710() throws Exception {
        CapturedLink c = new CapturedLink(65535, 1000);
        Inbound in = new Inbound(0x0FFF_FFFFL, 1000, 1 << 20, true, c.link);
        byte[] b = batch(w -> {
            Wire.writeFrameHeader(w, true, 1000);
            Wire.writeInterest(w, 1, 3, 0x03, KEY123);
        });
        in.onBatch(b, 2, b.length - 2);
        java.lang.reflect.Field f = Transport.class.getDeclaredField("control");
        f.setAccessible(true);
        @SuppressWarnings("unchecked")
        java.util.Queue<byte[]> control = (java.util.Queue<byte[]>) f.get(c.transport);
        assertThat(control).hasSize(1);
        assertBytes(control.peek(), "3E 01 1A");
    }

    @Test
    void deleteKeepAliveClose711() {
        WireWriter w = new WireWriter();
        Wire.writePush(w, 0, KEY123, 5, false, null, null, null, null);
        assertBytes(w.toByteArray(), "3D 00 17 " + ascii(KEY123) + " 02");
        Wire.Push p = Wire.readPush(new WireReader(w.toByteArray()), new Wire.Ext());
        assertThat(p.put()).isFalse();
        assertBytes(batch(Wire::writeKeepAlive), "01 00 04");
        assertBytes(batch(x -> Wire.writeClose(x, 0, true)), "02 00 23 00");
    }

    // ---------------------------------------------------------------- 7.12 fragments

    @Test
    void fragments712EncodedAndReassembled() throws Exception {
        byte[] payload = new byte[100_000];
        new Random(1).nextBytes(payload);
        WireWriter msg = new WireWriter();
        Wire.writePush(msg, 0, KEY123, 5, true, null, null, null, payload);
        CapturedLink c = new CapturedLink(65535, 1004);
        c.link.append(msg.toByteArray(), true);
        c.link.flush();
        byte[] wire = c.out.toByteArray();
        List<byte[]> batches = split(wire);
        assertThat(batches).hasSize(2);
        assertThat(hexOf(java.util.Arrays.copyOf(batches.get(0), 4))).isEqualTo("E6 EC 07 02");
        assertThat(hexOf(java.util.Arrays.copyOf(batches.get(1), 3))).isEqualTo("26 ED 07");
        assertThat(batches.get(0).length).isLessThanOrEqualTo(65533);
        List<Object> got = new ArrayList<>();
        Inbound in = new Inbound(0x0FFF_FFFFL, 1004, 1 << 20, true, recorder(got));
        for (byte[] b : batches) {
            in.onBatch(b, 0, b.length);
        }
        assertThat(got).hasSize(1);
        assertThat(((Wire.Push) got.get(0)).payload()).isEqualTo(payload);
    }

    @Test
    void fragmentBeyondMaxMessageSizeIsDroppedNotBuffered() {
        List<Object> got = new ArrayList<>();
        List<String> drops = new ArrayList<>();
        Inbound in = new Inbound(0x0FFF_FFFFL, 1, 65536, true, recorder(got, drops));
        byte[] chunk = new byte[60_000];
        for (int i = 0; i < 4; i++) {
            final int sn = 1 + i;
            final boolean first = i == 0;
            byte[] b = batch(w -> {
                Wire.writeFragmentHeader(w, true, true, sn, first);
                w.bytes(chunk);
            });
            in.onBatch(b, 2, b.length - 2);
        }
        assertThat(got).isEmpty();
        assertThat(drops).anyMatch(d -> d.contains("maxMessageSize"));
    }

    // ---------------------------------------------------------------- 7.13 timestamp

    @Test
    void timestamp713() {
        Timestamp ts = new Timestamp(0x6B49D200_80000000L, Wire.zidHex(ROUTER_ZID));
        WireWriter w = new WireWriter();
        Wire.writeTimestamp(w, ts);
        assertBytes(w.toByteArray(), "80 80 80 80 88 C0 F4 A4 6B 10 " + hexOf(ROUTER_ZID));
        assertThat(Wire.readTimestamp(new WireReader(w.toByteArray()))).isEqualTo(ts);
        assertThat(ts.toInstant()).isEqualTo(java.time.Instant.ofEpochSecond(1_800_000_000L, 500_000_000L));
        // router-forwarded PUT: 21 <ts> 05 hello, inside a PUSH
        byte[] push = hex("3D 00 17 " + ascii(KEY123) + " 21 80 80 80 80 88 C0 F4 A4 6B 10 " + hexOf(ROUTER_ZID)
                + " 05 68 65 6C 6C 6F");
        Wire.Push p = Wire.readPush(new WireReader(push), new Wire.Ext());
        assertThat(p.timestamp()).isEqualTo(ts);
        assertThat(p.payload()).isEqualTo(bytes("hello"));
    }

    // ---------------------------------------------------------------- primitives

    @Test
    void vleEdgeValues() {
        Object[][] table = {
                {0L, "00"}, {127L, "7F"}, {128L, "80 01"}, {300L, "AC 02"}, {1000L, "E8 07"}, {16383L, "FF 7F"},
                {16384L, "80 80 01"}, {0x0FFF_FFFFL, "FF FF FF 7F"}, {0xFFFF_FFFFL, "FF FF FF FF 0F"},
                {Long.MIN_VALUE, "80 80 80 80 80 80 80 80 80"}, {-1L, "FF FF FF FF FF FF FF FF FF"},
                {1L << 56, "80 80 80 80 80 80 80 80 01"}, {(1L << 56) - 1, "FF FF FF FF FF FF FF 7F"}};
        for (Object[] row : table) {
            long v = (Long) row[0];
            WireWriter w = new WireWriter();
            w.vle(v);
            assertThat(hexOf(w.toByteArray())).as("VLE of %s", Long.toUnsignedString(v)).isEqualTo(row[1]);
            assertThat(WireWriter.vleSize(v)).isEqualTo(w.position());
            byte[] a = new byte[9];
            assertThat(Transport.putVle(a, 0, v)).isEqualTo(w.position());
            WireReader r = new WireReader(w.toByteArray());
            assertThat(r.vle()).isEqualTo(v);
            assertThat(r.hasRemaining()).isFalse();
        }
        assertThatThrownBy(() -> new WireReader(hex("FF FF FF FF 1F")).vleU32("sn"))
                .isInstanceOf(ZenohDecodeException.class).hasMessageContaining("sn");
        assertThatThrownBy(() -> new WireReader(hex("80 80")).vle()).isInstanceOf(ZenohDecodeException.class);
        assertThatThrownBy(() -> new WireReader(hex("05 01 02")).zbytes("payload"))
                .isInstanceOf(ZenohDecodeException.class).hasMessageContaining("payload");
    }

    @Test
    void zidTrimmingAndDisplay() {
        assertThat(Wire.zidLength(ZID)).isEqualTo(16);
        byte[] z = new byte[16];
        z[0] = 0x2A;
        z[3] = 0x01;
        assertThat(Wire.zidLength(z)).isEqualTo(4);
        WireWriter w = new WireWriter();
        Wire.writeInit(w, new Wire.Init(false, 9, Wire.WHATAMI_CLIENT, z, 0x0A, 65535, null, 0));
        assertBytes(w.toByteArray(), "01 09 32 2A 00 00 01");
        Wire.Init back = Wire.readInit(new WireReader(w.toByteArray()));
        assertThat(back.zid()).containsExactly(0x2A, 0, 0, 1);
        assertThat(Wire.zidHex(ZID)).isEqualTo("100f0e0d0c0b0a090807060504030201");
        assertThat(Wire.zidHex(back.zid())).isEqualTo("100002a");
        assertThat(Wire.zidFromHex("100002a")).containsExactly(0x2A, 0, 0, 1);
    }

    @Test
    void sequenceNumbersWrapAtTheMask() {
        long mask = SeqNum.maskFor(0x0A);
        assertThat(mask).isEqualTo(0x0FFF_FFFFL);
        assertThat(SeqNum.maskFor(0)).isEqualTo(0x7F);
        assertThat(SeqNum.maskFor(1)).isEqualTo(0x3FFF);
        SeqNum tx = new SeqNum(mask, mask - 1);
        assertThat(tx.getAndIncrement()).isEqualTo(mask - 1);
        assertThat(tx.getAndIncrement()).isEqualTo(mask);
        assertThat(tx.getAndIncrement()).isZero();
        SeqNum rx = new SeqNum(mask, mask);
        assertThat(rx.precedes(0)).isTrue();
        assertThat(rx.precedes(mask)).as("duplicate").isFalse();
        assertThat(rx.precedes(mask - 1)).as("backwards").isFalse();
        assertThat(rx.precedes(mask / 2 - 1)).isTrue();
        assertThat(rx.precedes(mask / 2 + 1)).as("too far ahead").isFalse();
        // receiver accepts a frame across the wrap and drops the stale one
        List<Object> got = new ArrayList<>();
        List<String> drops = new ArrayList<>();
        Inbound in = new Inbound(mask, mask, 1 << 20, true, recorder(got, drops));
        for (long sn : new long[]{mask, 0, 0, 1}) {
            byte[] b = batch(w -> {
                Wire.writeFrameHeader(w, true, sn);
                Wire.writePush(w, 0, "a/b", 5, true, null, null, null, bytes(Long.toString(sn)));
            });
            in.onBatch(b, 2, b.length - 2);
        }
        assertThat(got).extracting(o -> new String(((Wire.Push) o).payload(), StandardCharsets.UTF_8))
                .containsExactly(Long.toString(mask), "0", "1");
        assertThat(drops).hasSize(1);
        assertThatThrownBy(() -> new SeqNum(mask, mask + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownExtensionsSkippedOrRejectMessageOnly() {
        // PUSH with an unknown non-mandatory z64 ext (0x2E) and an unknown mandatory unit ext (0x1F)
        List<Object> got = new ArrayList<>();
        Inbound in = new Inbound(0x0FFF_FFFFL, 1, 1 << 20, true, recorder(got));
        byte[] b = batch(w -> {
            Wire.writeFrameHeader(w, true, 1);
            w.u8(0x1D | 0x20 | 0x80).vle(0).zstring("a/b").u8(0x2E | 0x80).vle(300).u8(0x4D).zbytes(new byte[]{1, 2})
                    .u8(0x01).zbytes(bytes("ok"));
            w.u8(0x1D | 0x20 | 0x80).vle(0).zstring("a/c").u8(0x1F).u8(0x01).zbytes(bytes("rejected"));
            w.u8(0x1D | 0x20).vle(0).zstring("a/d").u8(0x01).zbytes(bytes("next"));
        });
        in.onBatch(b, 2, b.length - 2);
        assertThat(got).hasSize(3);
        assertThat(((Wire.Push) got.get(0)).rejected()).isFalse();
        assertThat(((Wire.Push) got.get(1)).rejected()).isTrue();
        assertThat(((Wire.Push) got.get(2)).payload()).isEqualTo(bytes("next"));
        assertThatThrownBy(() -> Wire.readPush(new WireReader(hex("BD 00 01 61 61 00")), new Wire.Ext()))
                .isInstanceOf(ZenohDecodeException.class);
        assertThatThrownBy(() -> new Inbound(0x0FFF_FFFFL, 1, 1 << 20, true, recorder(got)).onBatch(hex("07"), 0, 1))
                .isInstanceOf(ZenohDecodeException.class).hasMessageContaining("0x7");
    }

    // ---------------------------------------------------------------- helpers

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<byte[]> split(byte[] wire) {
        List<byte[]> out = new ArrayList<>();
        int p = 0;
        while (p < wire.length) {
            int len = (wire[p] & 0xFF) | ((wire[p + 1] & 0xFF) << 8);
            out.add(java.util.Arrays.copyOfRange(wire, p + 2, p + 2 + len));
            p += 2 + len;
        }
        return out;
    }

    static List<Object> decode(byte[] batchWithLen, long initialSn) {
        List<Object> got = new ArrayList<>();
        Inbound in = new Inbound(0x0FFF_FFFFL, initialSn, 1 << 20, true, recorder(got));
        in.onBatch(batchWithLen, 2, batchWithLen.length - 2);
        return got;
    }

    static Inbound.Sink recorder(List<Object> got) {
        return recorder(got, new ArrayList<>());
    }

    static Inbound.Sink recorder(List<Object> got, List<String> drops) {
        return new Inbound.Sink() {
            @Override
            public void onClose(int reason) {
                got.add("CLOSE " + reason);
            }

            @Override
            public void onDropped(String why) {
                drops.add(why);
            }

            @Override
            public void onPush(Wire.Push p, boolean reliable) {
                got.add(p);
            }

            @Override
            public void onDeclare(Wire.Declare d) {
                got.add(d);
            }

            @Override
            public void onInterest(Wire.Interest i) {
                got.add(i);
            }
        };
    }

    /** A writer-side link whose socket output is captured in memory. */
    static final class CapturedLink {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Transport transport;
        final Transport.Link link;

        CapturedLink(int batchSize, long txInitialSn) {
            Session s = new Session(Config.localOnly());
            transport = new Transport(s, Config.localOnly(), List.of(), ZID, "t");
            link = transport.new Link(new Endpoint("h", 1), new Socket(), null, out, batchSize, 0x0FFF_FFFFL,
                    txInitialSn, 0, 10_000, true, "r");
        }
    }
}
