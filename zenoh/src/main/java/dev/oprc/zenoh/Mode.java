package dev.oprc.zenoh;

/**
 * Role of a session. Only client-side connections are implemented: {@link #CLIENT} connects to
 * the configured router endpoints; {@link #PEER} is accepted for compatibility with upstream
 * {@code OPRC_ZENOH_MODE=peer} and behaves exactly like CLIENT (it connects as a client to the
 * configured endpoints and never listens or scouts). With no endpoints either mode is a
 * local-only session. Immutable.
 */
public enum Mode {
    CLIENT,
    PEER
}
