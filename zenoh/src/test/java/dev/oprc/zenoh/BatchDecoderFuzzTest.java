package dev.oprc.zenoh;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.util.List;

/**
 * Fuzzes the receive path: a stream of length-prefixed batches goes through {@link Inbound}
 * (SN window, fragment reassembly, network decoding) into a real link sink and session delivery.
 * The only failure allowed is {@link ZenohDecodeException} (which closes the link in production);
 * any other exception, a hang or an allocation beyond the bounds fails. Plain {@code mvn test}
 * replays the inputs under {@code src/test/resources/dev/oprc/zenoh/BatchDecoderFuzzTestInputs};
 * {@code JAZZER_FUZZ=1} fuzzes for 60 s.
 */
class BatchDecoderFuzzTest {
    private static final Session SESSION = new Session(Config.localOnly());
    private static final BlockingSubscriber SUB = SESSION.declareSubscriber("**", 16);

    static {
        // Queries and token changes from the fuzzed router reach a queryable and a liveliness subscriber;
        // both stay declared for the whole run (no handle needed: nothing closes them before the JVM exits).
        SESSION.declareQueryable(KeyExpr.of("**"), q -> q.replyErr("fuzz"), false);
        SESSION.liveliness().declareSubscriber("**", s -> { });
    }

    private static final Transport TRANSPORT = new Transport(SESSION, Config.localOnly(), List.of(),
            WireVectorsTest.ZID, "fuzz");

    @FuzzTest(maxDuration = "60s")
    void decodeBatches(byte[] data) {
        Transport.Link link = TRANSPORT.new Link(new Endpoint("fuzz", 1), new Socket(), null,
                new ByteArrayOutputStream(), 65535, 0x0FFF_FFFFL, 0, 1000, 10_000, data.length % 2 == 0, "r");
        Inbound in = new Inbound(0x0FFF_FFFFL, 1000, 1 << 20, data.length % 2 == 0, data.length % 3 == 0, link);
        int p = 0;
        try {
            // the input is a byte stream as read from the socket: u16 LE length + batch, repeated
            while (p + 2 <= data.length && !in.closed()) {
                int len = Math.min((data[p] & 0xFF) | ((data[p + 1] & 0xFF) << 8), data.length - p - 2);
                in.onBatch(data, p + 2, len);
                p += 2 + len;
            }
        } catch (ZenohDecodeException expected) {
            // a hostile batch: the production reader closes the link
        }
        while (SUB.poll() != null) {
            // keep the bounded handler queue draining
        }
        SESSION.onLinkDown(TRANSPORT); // as after a real link: router tokens and pending gets are dropped
    }
}
