package dev.oprc.zenoh;

/**
 * Role of a session. {@link #CLIENT} connects to the configured router endpoints (one link at a
 * time, the first that answers). {@link #PEER} listens on {@link Config#listenPort()} (accepting
 * sessions from peers and routers), connects to every configured endpoint at once, and sends its
 * declarations and data to every directly connected peer or router; it does not forward between
 * two other peers and does no multicast scouting. With no endpoints and no listener either mode is
 * a local-only session. Immutable.
 */
public enum Mode {
    CLIENT,
    PEER
}
