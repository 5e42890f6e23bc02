package dev.oprc.odgm.lifecycle;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stack of what a start brought up: each component is pushed as it starts, and
 * {@link #close()} closes them in reverse order, every one of them even when an earlier close
 * failed. A start that fails half-way closes this stack, so exactly what started is released.
 *
 * <p>Thread-safe (pushes and the close are serialized); closing twice closes nothing twice.
 */
public final class Closer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Closer.class);

  /** A step of the stack: its name for logs and what closes it. */
  private record Step(String name, AutoCloseable closeable) {}

  private final Deque<Step> steps = new ArrayDeque<>();
  private boolean closed;

  /**
   * Pushes {@code closeable}, to be closed before everything pushed earlier.
   *
   * @throws IllegalStateException when the stack was already closed (the caller then closes
   *     {@code closeable} itself)
   */
  public synchronized <C extends AutoCloseable> C push(String name, C closeable) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(closeable, "closeable");
    if (closed) {
      throw new IllegalStateException("cannot register '" + name + "': already shutting down");
    }
    steps.push(new Step(name, closeable));
    return closeable;
  }

  /** How many steps are waiting to be closed. */
  public synchronized int size() {
    return steps.size();
  }

  /**
   * Closes every pushed step, newest first. A step that throws is logged and the rest still
   * close; the first failure is returned (null when all closed cleanly).
   */
  public synchronized Exception closeAll() {
    closed = true;
    Exception first = null;
    for (Step s; (s = steps.poll()) != null; ) {
      try {
        s.closeable().close();
      } catch (Exception e) {
        log.warn("closing {} failed: {}", s.name(), e.toString(), e);
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    return first;
  }

  /** {@link #closeAll()}, ignoring (after logging) what failed. */
  @Override
  public void close() {
    Exception unused = closeAll();
  }
}
