package dev.oprc.odgm.tracing;

/**
 * One started span of {@link Tracing}: the W3C {@code traceparent} naming it (to carry into the
 * events of a write or the options of an invocation) and its end. {@link #NONE}, what
 * {@link Tracing#OFF} hands out, has no traceparent and ends as a no-op. Thread-safe; ending twice
 * is harmless.
 */
public interface TraceSpan {
  /** No span (traces off). */
  TraceSpan NONE = new TraceSpan() {
    @Override
    public String traceparent() {
      return null;
    }

    @Override
    public void end(String error) {}
  };

  /** {@code 00-<trace id>-<span id>-<flags>}, or null for {@link #NONE}. */
  String traceparent();

  /** Ends the span: successfully when {@code error} is null, else with status ERROR and that description. */
  void end(String error);
}
