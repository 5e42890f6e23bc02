/**
 * The node's logging setup: {@code ODGM_LOG} (upstream's {@code RUST_LOG}-style level directives)
 * and {@code LOG_FORMAT} (text or JSON lines) applied to the logback backend at start.
 */
package dev.oprc.odgm.logging;
