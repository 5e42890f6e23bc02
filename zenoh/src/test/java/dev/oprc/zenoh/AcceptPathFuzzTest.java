package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;

/**
 * Fuzzes the accept path of a peer-mode session: hostile bytes arrive on its listening port over a
 * real TCP connection. The first input byte picks how: odd, the bytes follow a correct INIT/OPEN
 * handshake (so they reach the accepted link's receive path as the fuzzer's batches); even, they
 * are the whole conversation (the handshake itself is fuzzed). Every connection must be closed by
 * the session, counted (a failed handshake in {@code acceptFailures}, a broken link in
 * {@code linkFailures}), and the session must keep accepting. Plain {@code mvn test} replays the
 * inputs under {@code src/test/resources/dev/oprc/zenoh/AcceptPathFuzzTestInputs};
 * {@code JAZZER_FUZZ=1} fuzzes for 60 s.
 */
class AcceptPathFuzzTest {
    private static final Session SESSION = Zenoh.open(Config.builder().mode(Mode.PEER).listenPort(0)
            .listenHost("127.0.0.1").lease(Duration.ofSeconds(30)).build());
    private static final byte[] PEER_ZID = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    static {
        SESSION.declareSubscriber("**", 16);
        SESSION.declareQueryable(KeyExpr.of("**"), q -> q.replyErr("fuzz"), false);
        SESSION.liveliness().declareToken("fuzz/token");
        SESSION.liveliness().declareSubscriber("**", s -> { });
    }

    @FuzzTest(maxDuration = "60s")
    void hostileBytesOnTheListeningPort(byte[] data) throws Exception {
        // the test itself connects to the session's listener; nothing else may be dialed
        SilentCloseable allowed = BugDetectors.allowNetworkConnections((host, port) -> port == SESSION.listenPort());
        try {
            connectAndSend(data);
        } finally {
            allowed.close();
        }
    }

    private static void connectAndSend(byte[] data) throws Exception {
        SessionStats before = SESSION.stats();
        boolean handshake = data.length > 0 && (data[0] & 1) == 1;
        byte[] rest = data.length > 0 ? Arrays.copyOfRange(data, 1, data.length) : data;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), SESSION.listenPort()), 10_000);
            s.setSoTimeout(60_000); // a session that never closes the connection fails the run
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            boolean linked = !handshake || openLink(in, out);
            try {
                out.write(rest);
                out.flush();
                s.shutdownOutput();
            } catch (IOException closedAlready) {
                // the session refused early: fine
            }
            drainUntilClosed(in);
            awaitAllAcceptedClosed();
            SessionStats after = SESSION.stats();
            assertThat(after.linksAccepted()).isEqualTo(before.linksAccepted() + 1);
            long failed = (after.acceptFailures() - before.acceptFailures())
                    + (after.linkFailures() - before.linkFailures());
            assertThat(failed).as("each bad connection counted once (handshake=%s, linked=%s)", handshake, linked)
                    .isEqualTo(1);
        }
    }

    /** A correct INIT/OPEN handshake as the dialing side; false if the session refused it. */
    private static boolean openLink(InputStream in, OutputStream out) throws IOException {
        WireWriter w = new WireWriter(64);
        w.u16le(0);
        Wire.writeInit(w, new Wire.Init(false, Wire.VERSION, Wire.WHATAMI_PEER, PEER_ZID, Wire.DEFAULT_RESOLUTION,
                65535, null, 1, true));
        Transport.writeBatch(out, w);
        Wire.Init ack = Wire.readInit(new WireReader(Transport.readBatch(in, new byte[65535])));
        w.reset();
        w.u16le(0);
        Wire.writeOpen(w, new Wire.Open(false, 30_000, 0, ack.cookie()));
        Transport.writeBatch(out, w);
        Wire.Open openAck = Wire.readOpen(new WireReader(Transport.readBatch(in, new byte[65535])));
        return openAck.ack();
    }

    private static void drainUntilClosed(InputStream in) throws IOException {
        byte[] buf = new byte[65536];
        try {
            while (in.read(buf) >= 0) {
                // the session's declarations, replies, keep-alives: discarded
            }
        } catch (java.net.SocketException reset) {
            // closed with a reset: closed all the same
        }
    }

    private static void awaitAllAcceptedClosed() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (SESSION.acceptedOpen() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("an accepted connection was never closed");
            }
            Thread.sleep(1);
        }
    }
}
