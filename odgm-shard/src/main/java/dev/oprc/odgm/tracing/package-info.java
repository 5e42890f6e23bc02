/**
 * Traces over OTLP ({@code OTEL_EXPORTER_OTLP_ENDPOINT}): the {@link dev.oprc.odgm.tracing.Tracing}
 * the node starts and closes, one span per write, per outbox dispatch and per triggered
 * invocation, linked by the W3C {@code traceparent} the events already carry. Off (and free) when
 * the endpoint is unset.
 */
package dev.oprc.odgm.tracing;
