package dev.oprc.odgm.e2e;

import dev.oprc.odgm.changes.ChangeStream;
import dev.oprc.odgm.node.ZenohTransport;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A subscriber process: follows partition {@code CHANGE_PARTITION} of {@code CHANGE_CLASS} with a
 * {@link ChangeStream} through the router in {@code OPRC_ZENOH_PEERS} and appends each handed-over
 * seq as one line to {@code CHANGE_FILE} (one write per event: a kill leaves whole lines). At start
 * its token is the file's last seq, so a restarted subscriber continues where it stopped.
 */
public final class ChangeSubscriberMain {
  private ChangeSubscriberMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    Path file = Path.of(env.get("CHANGE_FILE"));
    long token = lastSeq(file);
    ZenohTransport t = ZenohTransport.open(env);
    FileOutputStream out = new FileOutputStream(file.toFile(), true);
    ChangeStream.builder(t.session(), env.get("CHANGE_CLASS"), Integer.parseInt(env.get("CHANGE_PARTITION")))
        .from(token)
        .listener(c -> out.write((c.seq() + "\n").getBytes(StandardCharsets.US_ASCII)))
        .start();
    System.out.println("subscriber started from token " + token);
    Thread.currentThread().join(); // until killed
  }

  /** The last whole line's seq (0 for no file); a partial last line is cut off. */
  static long lastSeq(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    byte[] b = Files.readAllBytes(file);
    int end = b.length;
    while (end > 0 && b[end - 1] != '\n') {
      end--;
    }
    if (end != b.length) {
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
        f.setLength(end);
      }
    }
    if (end == 0) {
      return 0;
    }
    int start = end - 1;
    while (start > 0 && b[start - 1] != '\n') {
      start--;
    }
    return Long.parseLong(new String(b, start, end - 1 - start, StandardCharsets.US_ASCII));
  }
}
