package dev.oprc.odgm.ops;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces grpc-java's WARNING stack trace for a request over the message size limit (logged by
 * Netty's server stream once per request, after the client already got RESOURCE_EXHAUSTED) with a
 * count and at most one WARN line per 10 s, so a client cannot flood the log. Other gRPC log
 * records pass unchanged. Process-wide (java.util.logging is); thread-safe.
 */
public final class GrpcLogGuard {
  private static final Logger log = LoggerFactory.getLogger(GrpcLogGuard.class);
  static final String STREAM_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerStream";
  // java.util.logging holds loggers weakly: keep ours, or the filter goes with it
  private static final java.util.logging.Logger STREAM = java.util.logging.Logger.getLogger(STREAM_LOGGER);
  private static final LongAdder OVERSIZED = new LongAdder();
  private static final AtomicLong LAST_WARN = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));

  static {
    STREAM.setFilter(GrpcLogGuard::loggable);
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
