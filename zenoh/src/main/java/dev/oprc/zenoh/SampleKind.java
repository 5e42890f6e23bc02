package dev.oprc.zenoh;

/** Whether a {@link Sample} is a put (carries a payload) or a delete. Immutable. */
public enum SampleKind {
    PUT,
    DELETE
}
