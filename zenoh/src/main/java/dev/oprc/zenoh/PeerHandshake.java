package dev.oprc.zenoh;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The accepting side of the Zenoh 1.x INIT/OPEN handshake (zenoh-wire.md §4.1, §4.2, §5), for a
 * peer-mode session's listener: reads INIT Syn, answers INIT Ack (whatami peer, the smaller of both
 * resolutions and batch sizes, patch min(1, theirs), QoS if asked, a random cookie), reads OPEN Syn
 * (cookie must match), answers OPEN Ack. Anything unacceptable is answered with CLOSE and fails
 * with an exception; the caller closes the socket. On a tls listener the TLS handshake runs first,
 * on the accepted face's own thread. Stateless; thread-safe.
 */
final class PeerHandshake {
    private static final int HANDSHAKE_TIMEOUT_MS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PeerHandshake() {
    }

    /** Runs the handshake on {@code s} for {@code face}; returns the established link. */
    static Transport.Link accept(Transport face, Socket s, Config config, byte[] zid) throws IOException {
        s.setTcpNoDelay(true);
        s.setKeepAlive(true);
        s.setSoTimeout(HANDSHAKE_TIMEOUT_MS); // also bounds the TLS handshake
        Socket io = face.tls() != null && face.tls().listens() ? face.tls().accept(s) : s;
        InputStream in = new BufferedInputStream(io.getInputStream(), 1 << 16);
        OutputStream out = io.getOutputStream();
        byte[] buf = new byte[65535];
        Wire.Init syn = Wire.readInit(new WireReader(Transport.readBatch(in, buf)));
        if (syn.ack()) {
            refuse(out, Wire.CLOSE_INVALID, "expected INIT Syn, got INIT Ack");
        }
        if (syn.version() != Wire.VERSION) {
            refuse(out, Wire.CLOSE_INVALID, "peer speaks Zenoh protocol version 0x"
                    + Integer.toHexString(syn.version()) + ", this session 0x09");
        }
        if (Arrays.equals(syn.zid(), zid)) {
            refuse(out, Transport.CLOSE_CONNECTION_TO_SELF, "connection to self");
        }
        int resolution = Math.min(syn.resolution() & 0x03, Wire.DEFAULT_RESOLUTION & 0x03)
                | Math.min(syn.resolution() & 0x0C, Wire.DEFAULT_RESOLUTION & 0x0C);
        int batch = Math.min(config.batchSize(), syn.batchSize());
        if (batch < 64) {
            refuse(out, Wire.CLOSE_INVALID, "batch size " + syn.batchSize() + " too small");
        }
        int patch = Math.min(1, syn.patch());
        byte[] cookie = new byte[16];
        RANDOM.nextBytes(cookie);
        WireWriter w = new WireWriter(64);
        w.u16le(0);
        Wire.writeInit(w, new Wire.Init(true, Wire.VERSION, Wire.WHATAMI_PEER, zid, resolution, batch, cookie, patch,
                syn.qos()));
        Transport.writeBatch(out, w);
        Wire.Open open = Wire.readOpen(new WireReader(Transport.readBatch(in, buf)));
        long mask = SeqNum.maskFor(resolution);
        if (open.ack() || !Arrays.equals(open.cookie(), cookie)) {
            refuse(out, Wire.CLOSE_INVALID, "OPEN Syn without the cookie of our INIT Ack");
        }
        if (open.initialSn() > mask) {
            refuse(out, Wire.CLOSE_INVALID, "initial sn " + open.initialSn() + " exceeds mask " + mask);
        }
        String remote = Wire.zidHex(syn.zid());
        if (!face.admit(remote)) {
            refuse(out, Wire.CLOSE_MAX_LINKS, "already connected to " + remote + " by another link");
        }
        long initialSn = ThreadLocalRandom.current().nextLong(mask);
        w.reset();
        w.u16le(0);
        Wire.writeOpen(w, new Wire.Open(true, config.lease().toMillis(), initialSn, null));
        Transport.writeBatch(out, w);
        long lease = Math.max(100, Math.min(open.leaseMs(), Integer.MAX_VALUE));
        s.setSoTimeout((int) lease);
        Endpoint from = new Endpoint(s.getInetAddress().getHostAddress(), s.getPort(), io != s);
        return face.newLink(from, io, s, in, out, batch, mask, initialSn, open.initialSn(), lease, patch >= 1, syn.qos(),
                remote);
    }

    /** Sends CLOSE(reason) (best effort) and fails the handshake. */
    private static void refuse(OutputStream out, int reason, String why) {
        try {
            WireWriter w = new WireWriter(8);
            w.u16le(0);
            Wire.writeClose(w, reason, true);
            Transport.writeBatch(out, w);
        } catch (IOException ignored) {
            // the peer is gone: nothing to tell it
        }
        throw new ZenohException("handshake refused: " + why);
    }
}
