package dev.oprc.zenoh;

import static dev.oprc.zenoh.WireVectorsTest.batch;
import static dev.oprc.zenoh.WireVectorsTest.bytes;
import static dev.oprc.zenoh.WireVectorsTest.hex;
import static dev.oprc.zenoh.WireVectorsTest.hexOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * QoS negotiation (INIT ext 0x01) and the receive side of a QoS link: 8 priority channels with
 * their own sequence numbers, and every undeliverable message or skipped SN reported.
 */
class InboundQosTest {
    private static final long MASK = 0x0FFF_FFFFL;

    /** What a sink saw: delivered payloads, drop reasons, skipped sequence numbers. */
    private static final class Recorder implements Inbound.Sink {
        final List<String> got = new ArrayList<>();
        final List<String> drops = new ArrayList<>();
        long gaps;

        @Override
        public void onClose(int reason) {
        }

        @Override
        public void onDropped(String why) {
            drops.add(why);
        }

        @Override
        public void onSnGap(long missing) {
            gaps += missing;
        }

        @Override
        public void onPush(Wire.Push p, boolean reliable) {
            got.add(new String(p.payload(), StandardCharsets.UTF_8));
        }

        @Override
        public void onDeclare(Wire.Declare d) {
        }

        @Override
        public void onInterest(Wire.Interest i) {
        }
    }

    /** A batch (without length) holding one FRAME at {@code priority} (ext 31 unless Data) with the given pushes. */
    private static byte[] frame(long sn, int priority, String... payloads) {
        byte[] b = batch(w -> {
            w.u8(Wire.T_FRAME | 0x20 | (priority != 5 ? Wire.Z : 0)).vle(sn);
            if (priority != 5) {
                w.u8(0x31).vle(priority);
            }
            for (String p : payloads) {
                Wire.writePush(w, 0, "a/b", 5, true, null, null, null, bytes(p));
            }
        });
        return java.util.Arrays.copyOfRange(b, 2, b.length);
    }

    private static void feed(Inbound in, byte[] b) {
        in.onBatch(b, 0, b.length);
    }

    @Test
    void initCarriesQosBeforePatchAndReadsItBack() {
        String zid = hexOf(WireVectorsTest.ZID);
        byte[] syn = batch(w -> Wire.writeInit(w, new Wire.Init(false, 9, Wire.WHATAMI_CLIENT, WireVectorsTest.ZID,
                0x0A, 65535, null, 1, true)));
        assertThat(hexOf(syn)).isEqualTo(hexOf(hex("16 00 81 09 F2 " + zid + " 81 27 01")));
        assertThat(Wire.readInit(new WireReader(java.util.Arrays.copyOfRange(syn, 2, syn.length))).qos()).isTrue();
        byte[] qosOnly = batch(w -> Wire.writeInit(w, new Wire.Init(false, 9, Wire.WHATAMI_CLIENT, WireVectorsTest.ZID,
                0x0A, 65535, null, 0, true)));
        assertThat(hexOf(qosOnly)).isEqualTo(hexOf(hex("14 00 81 09 F2 " + zid + " 01")));
        assertThat(Wire.readInit(new WireReader(hex("81 09 F2 " + zid + " 27 01"))).qos()).isFalse();
        // QoSLink (z64 0x21): plain QoS accepted, a priority range refused
        assertThat(Wire.readInit(new WireReader(hex("81 09 F2 " + zid + " 21 01"))).qos()).isTrue();
        assertThatThrownBy(() -> Wire.readInit(new WireReader(hex("81 09 F2 " + zid + " 21 AA 05"))))
                .isInstanceOf(ZenohDecodeException.class).hasMessageContaining("QoSLink");
    }

    @Test
    void eachPriorityHasItsOwnSequenceNumbers() {
        Recorder r = new Recorder();
        Inbound in = new Inbound(MASK, 1000, 1 << 20, true, true, r);
        feed(in, frame(1000, 0, "c0"));
        feed(in, frame(1000, 5, "d0"));
        feed(in, frame(1001, 0, "c1"));
        feed(in, frame(1000, 7, "b0"));
        feed(in, frame(1001, 5, "d1"));
        feed(in, frame(1000, 0, "stale-1", "stale-2")); // duplicate on priority 0
        assertThat(r.got).containsExactly("c0", "d0", "c1", "b0", "d1");
        assertThat(r.drops).hasSize(2).allMatch(d -> d.contains("outside the window"));
        assertThat(r.gaps).isZero();
    }

    @Test
    void withoutQosOnlyPriorityDataIsAccepted() {
        Recorder r = new Recorder();
        Inbound in = new Inbound(MASK, 1000, 1 << 20, true, false, r);
        feed(in, frame(1000, 5, "d0"));
        assertThat(r.got).containsExactly("d0");
        assertThatThrownBy(() -> feed(in, frame(1001, 0, "c0")))
                .isInstanceOf(ZenohDecodeException.class).hasMessageContaining("without negotiated QoS");
    }

    @Test
    void skippedSequenceNumbersAndLostFragmentsAreCounted() {
        Recorder r = new Recorder();
        Inbound in = new Inbound(MASK, 1000, 1 << 20, true, true, r);
        feed(in, frame(1000, 5, "a"));
        feed(in, frame(1003, 5, "b")); // 1001, 1002 never arrived
        assertThat(r.gaps).isEqualTo(2);
        byte[] f1 = batch(w -> {
            Wire.writeFragmentHeader(w, true, true, 1004, true);
            w.bytes(new byte[100]);
        });
        in.onBatch(f1, 2, f1.length - 2);
        feed(in, frame(1006, 5, "c")); // the fragment at 1005 went missing: the started message is lost
        assertThat(r.got).containsExactly("a", "b", "c");
        assertThat(r.gaps).isEqualTo(3);
        assertThat(r.drops).hasSize(1).allMatch(d -> d.contains("fragmented message lost"));
        // a continuation without its start (patch: first marker expected) is counted once, not per fragment
        for (long sn = 1007; sn <= 1009; sn++) {
            final long s = sn;
            byte[] f = batch(w -> {
                Wire.writeFragmentHeader(w, true, s < 1009, s, false);
                w.bytes(new byte[10]);
            });
            in.onBatch(f, 2, f.length - 2);
        }
        assertThat(r.drops).hasSize(2);
        assertThat(r.drops.get(1)).contains("continues no started message");
    }
}
