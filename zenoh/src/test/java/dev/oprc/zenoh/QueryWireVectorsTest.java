package dev.oprc.zenoh;

import static dev.oprc.zenoh.WireVectorsTest.ZID;
import static dev.oprc.zenoh.WireVectorsTest.ascii;
import static dev.oprc.zenoh.WireVectorsTest.assertBytes;
import static dev.oprc.zenoh.WireVectorsTest.bytes;
import static dev.oprc.zenoh.WireVectorsTest.hex;
import static dev.oprc.zenoh.WireVectorsTest.hexOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every example of WIRE-QUERIES.md, encoded and decoded byte for byte. */
final class QueryWireVectorsTest {
    static final String Z = hexOf(ZID);
    static final String REQUEST_Q1 = "BC 01 00 03 61 2F 62 A1 0D B4 01 26 90 4E E3 01 03 78 3D 31 C3 03 08 68 69 45 01 07";
    static final String REPLY_R1 = "BB 01 00 03 61 2F 62 A1 0D 43 12 F0 " + Z + " 00 04 01 02 68 69";
    static final String ERR_E1 = "9B 02 00 A1 0D 43 12 F0 " + Z + " 05 45 02 04 6F 6F 70 73";

    private static final WireQueries.QuerySpec Q1 = new WireQueries.QuerySpec(0x0D, 1, 10_000, 1, "x=1",
            Encoding.TEXT_PLAIN, bytes("hi"), new byte[]{7});

    static byte[] write(java.util.function.Consumer<WireWriter> c) {
        WireWriter w = new WireWriter();
        c.accept(w);
        return w.toByteArray();
    }

    @Test
    void requestWithQueryBodyQ1() {
        assertBytes(write(w -> WireQueries.writeRequest(w, 1, "a/b", Q1)), REQUEST_Q1);
        WireQueries.Request r = WireQueries.readRequest(new WireReader(hex(REQUEST_Q1)), new Wire.Ext());
        assertThat(r.id()).isEqualTo(1);
        assertThat(r.scope()).isZero();
        assertThat(r.suffix()).isEqualTo("a/b");
        assertThat(r.qos()).isEqualTo(0x0D);
        assertThat(r.target()).isEqualTo(1);
        assertThat(r.timeoutMs()).isEqualTo(10_000);
        assertThat(r.consolidation()).isEqualTo(1);
        assertThat(r.parameters()).isEqualTo("x=1");
        assertThat(r.encoding()).isEqualTo(Encoding.TEXT_PLAIN);
        assertThat(r.payload()).isEqualTo(bytes("hi"));
        assertThat(r.attachment()).containsExactly(7);
        assertThat(r.rejected()).isFalse();
    }

    @Test
    void minimalRequestHasNoExtensionsAndNoBody() {
        WireQueries.QuerySpec bare = new WireQueries.QuerySpec(5, 0, 0, 0, "", null, null, null);
        byte[] b = write(w -> WireQueries.writeRequest(w, 300, "k", bare));
        assertBytes(b, "3C AC 02 00 01 6B 03");
        WireQueries.Request r = WireQueries.readRequest(new WireReader(b), new Wire.Ext());
        assertThat(r.id()).isEqualTo(300);
        assertThat(r.payload()).as("no value: null, not empty").isNull();
        assertThat(r.parameters()).isEmpty();
        assertThat(r.consolidation()).isZero();
    }

    @Test
    void rustStyleRequestExtensionsAreReadOrSkipped() {
        // M flag + scope 2 + suffix "/x"; NodeId (33, mandatory, known), Budget 25 = 4, TsStack 47 (zbuf, skipped)
        byte[] known = hex("FC 07 02 02 2F 78 B3 00 A5 04 47 02 AA BB 03");
        WireQueries.Request r = WireQueries.readRequest(new WireReader(known), new Wire.Ext());
        assertThat(r.senderMapping()).isTrue();
        assertThat(r.scope()).isEqualTo(2);
        assertThat(r.suffix()).isEqualTo("/x");
        assertThat(r.budget()).isEqualTo(4);
        assertThat(r.rejected()).isFalse();
        byte[] unknownMandatory = hex("9C 07 00 1E 03");
        assertThat(WireQueries.readRequest(new WireReader(unknownMandatory), new Wire.Ext()).rejected()).isTrue();
        assertThatThrownBy(() -> WireQueries.readRequest(new WireReader(hex("9C 07 00 34 03 03")), new Wire.Ext()))
                .isInstanceOf(ZenohDecodeException.class).hasMessageContaining("target 3");
        assertThatThrownBy(() -> WireQueries.readRequest(new WireReader(hex("9C 07 00 34 FF FF FF FF FF FF FF FF FF 03")),
                new Wire.Ext())).as("a u64 target with the top bit set (fuzz finding)")
                .isInstanceOf(ZenohDecodeException.class).hasMessageContaining("target");
        assertThatThrownBy(() -> WireQueries.readRequest(new WireReader(hex("1C 07 00 04")), new Wire.Ext()))
                .isInstanceOf(ZenohDecodeException.class).hasMessageContaining("REQUEST body");
        // query body ext whose length is shorter than its encoding
        assertThatThrownBy(() -> WireQueries.readRequest(new WireReader(hex("1C 07 00 83 43 00")), new Wire.Ext()))
                .isInstanceOf(ZenohDecodeException.class);
    }

    @Test
    void replyAndErrR1E1() {
        assertBytes(write(w -> WireQueries.writeReply(w, 1, "a/b", 0x0D, ZID, 0, true, Encoding.ZENOH_BYTES, null,
                null, bytes("hi"))), REPLY_R1);
        WireQueries.Response r = WireQueries.readResponse(new WireReader(hex(REPLY_R1)), new Wire.Ext());
        assertThat(r.requestId()).isEqualTo(1);
        assertThat(r.kind()).isEqualTo(WireQueries.Z_REPLY);
        assertThat(r.put()).isTrue();
        assertThat(r.suffix()).isEqualTo("a/b");
        assertThat(r.responderZid()).isEqualTo(Wire.zidHex(ZID));
        assertThat(r.responderEid()).isZero();
        assertThat(r.payload()).isEqualTo(bytes("hi"));

        assertBytes(write(w -> WireQueries.writeErr(w, 2, 0x0D, ZID, 5, Encoding.ZENOH_STRING, bytes("oops"))), ERR_E1);
        WireQueries.Response e = WireQueries.readResponse(new WireReader(hex(ERR_E1)), new Wire.Ext());
        assertThat(e.kind()).isEqualTo(WireQueries.Z_ERR);
        assertThat(e.responderEid()).isEqualTo(5);
        assertThat(e.encoding()).isEqualTo(Encoding.ZENOH_STRING);
        assertThat(e.payload()).isEqualTo(bytes("oops"));
    }

    @Test
    void replyWithDeleteConsolidationTimestampAndAttachment() {
        byte[] del = write(w -> WireQueries.writeReply(w, 9, "a/b", 5, ZID, 1, false, null, null, new byte[]{1},
                null));
        assertBytes(del, "BB 09 00 03 61 2F 62 43 12 F0 " + Z + " 01 04 82 42 01 01");
        WireQueries.Response d = WireQueries.readResponse(new WireReader(del), new Wire.Ext());
        assertThat(d.put()).isFalse();
        assertThat(d.attachment()).containsExactly(1);
        // Rust may set C (consolidation Latest = 3) on REPLY and a timestamp on the PUT
        Timestamp ts = new Timestamp(0x6B49D200_80000000L, Wire.zidHex(WireVectorsTest.ROUTER_ZID));
        byte[] withTs = hex("1B 03 00 24 03 21 80 80 80 80 88 C0 F4 A4 6B 10 "
                + hexOf(WireVectorsTest.ROUTER_ZID) + " 01 61");
        WireQueries.Response t = WireQueries.readResponse(new WireReader(withTs), new Wire.Ext());
        assertThat(t.timestamp()).isEqualTo(ts);
        assertThat(t.payload()).isEqualTo(bytes("a"));
        assertThat(t.responderZid()).isNull();
    }

    @Test
    void responseFinal() {
        assertBytes(write(w -> WireQueries.writeResponseFinal(w, 1, 0x0D)), "9A 01 21 0D");
        assertBytes(write(w -> WireQueries.writeResponseFinal(w, 1, 5)), "1A 01");
        assertThat(WireQueries.readResponseFinal(new WireReader(hex("9A 01 21 0D")), new Wire.Ext())).isEqualTo(1);
    }

    @Test
    void queryableAndTokenDeclarations() {
        assertBytes(write(w -> WireQueries.writeDeclareQueryable(w, 1, "a/**", true, 0)),
                "9E 21 08 A4 01 00 04 61 2F 2A 2A 21 01");
        assertBytes(write(w -> WireQueries.writeDeclareQueryable(w, 1, "a/**", false, 2)),
                "9E 21 08 A4 01 00 04 61 2F 2A 2A 21 80 04");
        assertBytes(write(w -> WireQueries.writeDeclareQueryable(w, 1, "a", false, 0)), "9E 21 08 24 01 00 01 61");
        assertBytes(write(w -> WireQueries.writeUndeclare(w, Wire.U_QUERYABLE, 1)), "9E 21 08 05 01");
        assertBytes(write(w -> WireQueries.writeDeclareToken(w, 1, "a/b")), "9E 21 08 26 01 00 03 61 2F 62");
        assertBytes(write(w -> WireQueries.writeUndeclare(w, Wire.U_TOKEN, 1)), "9E 21 08 07 01");
        Wire.Declare q = Wire.readDeclare(new WireReader(hex("9E 21 08 A4 01 00 04 61 2F 2A 2A 21 01")), new Wire.Ext());
        assertThat(q.body()).isEqualTo(Wire.D_QUERYABLE);
        assertThat(q.suffix()).isEqualTo("a/**");
        assertThat(q.rejected()).isFalse();
        Wire.Declare t = Wire.readDeclare(new WireReader(hex("3E 04 26 05 00 03 61 2F 62")), new Wire.Ext());
        assertThat(t.interestId()).isEqualTo(4);
        assertThat(t.body()).isEqualTo(Wire.D_TOKEN);
        assertThat(t.entityId()).isEqualTo(5);
        assertThat(t.suffix()).isEqualTo("a/b");
        // U_TOKEN for a token this face never saw: id 0 + WireExprExt (N, scope 0, "a/b")
        Wire.Declare u = Wire.readDeclare(new WireReader(hex("9E 21 08 87 00 5F 05 01 00 61 2F 62")), new Wire.Ext());
        assertThat(u.body()).isEqualTo(Wire.U_TOKEN);
        assertThat(u.entityId()).isZero();
        assertThat(u.suffix()).isEqualTo("a/b");
        assertThat(u.senderMapping()).isFalse();
    }

    @Test
    void livelinessInterests() {
        assertBytes(write(w -> Wire.writeInterest(w, 5, 2, 0x08, "a/**")), "59 05 38 00 04 61 2F 2A 2A");
        assertBytes(write(w -> Wire.writeInterest(w, 5, 3, 0x08, "a/**")), "79 05 38 00 04 61 2F 2A 2A");
        assertBytes(write(w -> Wire.writeInterest(w, 6, 1, 0x08, "a/b")), "39 06 38 00 03 61 2F 62");
        assertBytes(write(w -> Wire.writeInterest(w, 5, 0, 0, null)), "19 05");
    }

    @Test
    void queryMessagesDecodeInsideAFrame() {
        List<Object> got = new ArrayList<>();
        Inbound in = new Inbound(0x0FFF_FFFFL, 1000, 1 << 20, true, new Inbound.Sink() {
            @Override
            public void onClose(int reason) {
            }

            @Override
            public void onDropped(String why) {
                got.add(why);
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

            @Override
            public void onRequest(WireQueries.Request q) {
                got.add(q);
            }

            @Override
            public void onResponse(WireQueries.Response r) {
                got.add(r);
            }

            @Override
            public void onResponseFinal(long requestId) {
                got.add(requestId);
            }
        });
        byte[] b = WireVectorsTest.batch(w -> {
            Wire.writeFrameHeader(w, true, 1000);
            w.bytes(hex(REQUEST_Q1));
            w.bytes(hex(REPLY_R1));
            w.bytes(hex(ERR_E1));
            w.bytes(hex("9A 01 21 0D"));
            w.bytes(hex("3D 00 03 61 2F 62 01 02 68 69")); // a PUSH after them: nothing desynchronised
        });
        in.onBatch(b, 2, b.length - 2);
        assertThat(got).hasSize(5);
        assertThat(got.get(0)).isInstanceOf(WireQueries.Request.class);
        assertThat(got.get(1)).isInstanceOf(WireQueries.Response.class);
        assertThat(((WireQueries.Response) got.get(2)).kind()).isEqualTo(WireQueries.Z_ERR);
        assertThat(got.get(3)).isEqualTo(1L);
        assertThat(((Wire.Push) got.get(4)).suffix()).isEqualTo("a/b");
        assertThat(ascii("a/b")).isEqualTo("61 2F 62");
    }
}
