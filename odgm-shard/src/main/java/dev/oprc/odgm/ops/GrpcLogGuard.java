package dev.oprc.odgm.ops;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces two of grpc-java's WARNING stack traces that report what a client did, not a fault: a
 * request over the message size limit (logged by Netty's server stream once per request, after
 * the client already got RESOURCE_EXHAUSTED) becomes a count and at most one WARN line per 10 s, so
 * a client cannot flood the log; a reply that could not be written because the client had
 * cancelled the call ({@code Http2Exception$StreamException: Stream closed before write could take
 * place}, logged by Netty's server handler) becomes a count and a DEBUG line. Other gRPC log
 * records pass unchanged. Process-wide (java.util.logging is); thread-safe.
 */
public final class GrpcLogGuard {
  private static final Logger log = LoggerFactory.getLogger(GrpcLogGuard.class);
  static final String STREAM_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerStream";
  // java.util.logging holds loggers weakly: keep ours, or the filter goes with it
  private static final java.util.logging.Logger STREAM = java.util.logging.Logger.getLogger(STREAM_LOGGER);
  static final String HANDLER_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler";
  private static final java.util.logging.Logger HANDLER = java.util.logging.Logger.getLogger(HANDLER_LOGGER);
  private static final LongAdder OVERSIZED = new LongAdder();
  private static final LongAdder CANCELLED = new LongAdder();
  private static final AtomicLong LAST_WARN = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));

  static {
    STREAM.setFilter(GrpcLogGuard::loggable);
    HANDLER.setFilter(GrpcLogGuard::loggableStreamError);
  }

  private GrpcLogGuard() {}

  /** Installs the filter (idempotent). */
  public static void install() {
    // the static initializer did it
  }

  /** Requests refused for their size since the process started. */
  public static long oversized() {
    return OVERSIZED.sum();
  }

  /** Replies not written since the process started because the client had cancelled the call. */
  public static long cancelled() {
    return CANCELLED.sum();
  }

  private static boolean loggableStreamError(LogRecord r) {
    if (!(r.getThrown() instanceof Http2Exception.StreamException e) || e.error() != Http2Error.STREAM_CLOSED
        || e.getMessage() == null || !e.getMessage().startsWith("Stream closed before write")) {
      return true;
    }
    CANCELLED.increment();
    log.debug("reply to stream {} not written: the client cancelled the call", e.streamId());
    return false;
  }

  private static boolean loggable(LogRecord r) {
    if (!(r.getThrown() instanceof StatusRuntimeException e)
        || e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
      return true;
    }
    OVERSIZED.increment();
    long now = System.nanoTime();
    long prev = LAST_WARN.get();
    if (now - prev > TimeUnit.SECONDS.toNanos(10) && LAST_WARN.compareAndSet(prev, now)) {
      log.warn("refused an oversized gRPC request ({}; limit ODGM_GRPC_MAX_MESSAGE_BYTES; {} so far; further ones "
          + "within 10 s are only counted)", e.getStatus().getDescription(), OVERSIZED.sum());
    }
    return false;
  }

}
