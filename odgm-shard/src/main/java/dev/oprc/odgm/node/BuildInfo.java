package dev.oprc.odgm.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version and git commit this build was made from, read from {@code dev/oprc/odgm/build.properties}
 * (written by the odgm-shard build; the commit is {@code unknown} outside a git checkout and ends in
 * {@code -dirty} when tracked files had uncommitted changes). Immutable.
 */
public record BuildInfo(String version, String commit) {
  static final String RESOURCE = "/dev/oprc/odgm/build.properties";

  /** This build's; {@code unknown} for what the resource does not say (classes run without the build). */
  public static BuildInfo current() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return new BuildInfo(p.getProperty("version", "unknown"), p.getProperty("commit", "unknown"));
  }

  /** One line, e.g. {@code odgm 0.1.0-SNAPSHOT (commit 1a2b3c4d5e6f)}. */
  public String line() {
    return "odgm " + version + " (commit " + commit + ")";
  }

  /** picocli's {@code --version}: {@link #line()} of the current build. Stateless. */
  static final class Provider implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {current().line()};
    }
  }
}
