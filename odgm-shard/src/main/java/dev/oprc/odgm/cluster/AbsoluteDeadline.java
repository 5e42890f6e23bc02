package dev.oprc.odgm.cluster;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import java.util.concurrent.TimeUnit;

/**
 * A call's deadline as an absolute wall-clock time, carried in the {@value #HEADER} header (epoch
 * milliseconds, decimal). gRPC's own deadline travels as a relative timeout that starts when a
 * node reads the request, so a request that waited in a paused node's socket would get a fresh
 * one; the absolute time does not. A forwarding node sets the header to the earlier of the one it
 * received and its own call's deadline; a client may set it itself (then even a request that
 * waited unread in a paused node's socket is not applied after it). The nodes' clocks are
 * assumed to be synchronized (one host, or NTP): a skew of s ms moves the check by s ms.
 *
 * <p>Stateless; thread-safe.
 */
public final class AbsoluteDeadline {
  /** The header name. */
  public static final String HEADER = "odgm-deadline-ms";
  /** No deadline. */
  public static final long NONE = Long.MAX_VALUE;

  static final Metadata.Key<String> KEY = Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private AbsoluteDeadline() {}

  /**
   * The earlier of the header in {@code headers} and the deadline of {@code ctx}, in epoch
   * milliseconds ({@link #NONE} when neither is set).
   *
   * @throws IllegalArgumentException when the header is not a decimal number of milliseconds
   */
  static long of(Context ctx, Metadata headers, long nowMillis) {
    long abs = NONE;
    String h = headers.get(KEY);
    if (h != null) {
      try {
        abs = Long.parseLong(h.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(HEADER + " must be epoch milliseconds (a decimal number), was '" + h
            + "'");
      }
    }
    Deadline d = ctx.getDeadline();
    if (d != null) {
      abs = Math.min(abs, nowMillis + Math.max(0, d.timeRemaining(TimeUnit.MILLISECONDS)));
    }
    return abs;
  }
}
