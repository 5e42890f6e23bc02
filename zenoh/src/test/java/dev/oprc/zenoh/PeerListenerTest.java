package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listener of a peer-mode session: bad connections are closed and counted, the session keeps serving. */
@Timeout(120)
class PeerListenerTest {
    private static Config.Builder listening() {
        return Config.builder().mode(Mode.PEER).listenPort(0).listenHost("127.0.0.1");
    }

    private static Socket connect(Session s) throws Exception {
        Socket c = new Socket(InetAddress.getLoopbackAddress(), s.listenPort());
        c.setSoTimeout(30_000);
        return c;
    }

    @Test
    void junkOnTheListeningPortIsClosedAndCountedAndARealPeerStillConnects() throws Exception {
        try (Session b = Zenoh.open(listening().build())) {
            try (Socket junk = connect(b)) {
                junk.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(junk.getInputStream().readAllBytes()).as("closed after at most a CLOSE batch")
                        .hasSizeLessThanOrEqualTo(4);
            }
            PeerInteropTest.await("the junk counted", () -> b.stats().acceptFailures() == 1);
            BlockingSubscriber sub = b.declareSubscriber("l/**", 4);
            try (Session a = Zenoh.open(listening().listenPort(-1).connect("tcp/127.0.0.1:" + b.listenPort())
                    .build())) {
                a.put("l/x", "still serving");
                assertThat(sub.poll(Duration.ofSeconds(30)).payloadAsString()).isEqualTo("still serving");
            }
            assertThat(b.stats().linksAccepted()).isEqualTo(2);
        }
    }

    @Test
    void connectionsBeyondTheAcceptedBoundAreRefusedAndCounted() throws Exception {
        try (Session b = Zenoh.open(listening().build())) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < PeerNet.MAX_ACCEPTED; i++) {
                    idle.add(connect(b));
                }
                PeerInteropTest.await("all handshaking", () -> b.acceptedOpen() == PeerNet.MAX_ACCEPTED);
                try (Socket extra = connect(b)) {
                    InputStream in = extra.getInputStream();
                    assertThat(in.read()).as("refused: closed at once").isEqualTo(-1);
                }
                assertThat(b.stats().acceptsRefused()).isEqualTo(1);
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            PeerInteropTest.await("the idle ones closed and counted", () -> b.acceptedOpen() == 0
                    && b.stats().acceptFailures() == PeerNet.MAX_ACCEPTED);
        }
    }
}
