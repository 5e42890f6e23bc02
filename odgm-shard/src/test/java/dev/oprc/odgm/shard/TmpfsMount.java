package dev.oprc.odgm.shard;

import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A small tmpfs mounted for a test (the test machines run as root), unmounted on close. */
final class TmpfsMount implements AutoCloseable {
  private final Path path;

  private TmpfsMount(Path path) {
    this.path = path;
  }

  static TmpfsMount of(Path path, String size) throws IOException, InterruptedException {
    Files.createDirectories(path);
    run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path.toString());
    return new TmpfsMount(path);
  }

  Path path() {
    return path;
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      run("umount", path.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unmounting " + path, e);
    }
  }
}
