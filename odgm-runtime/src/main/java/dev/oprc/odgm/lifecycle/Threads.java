package dev.oprc.odgm.lifecycle;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's thread factories: daemon threads with a name that says whose they are. Every thread
 * the node starts comes from one of these (or from a factory an embedder passes in instead).
 *
 * <p>Thread-safe.
 */
public final class Threads {
  private Threads() {}

  /**
   * Daemon threads named {@code prefix} followed by 0, 1, ... when {@code prefix} ends with
   * {@code '-'}, else exactly {@code prefix}.
   */
  public static ThreadFactory daemon(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException("a thread name prefix must not be empty");
    }
    boolean numbered = prefix.endsWith("-");
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, numbered ? prefix + n.getAndIncrement() : prefix);
      t.setDaemon(true);
      return t;
    };
  }
}
