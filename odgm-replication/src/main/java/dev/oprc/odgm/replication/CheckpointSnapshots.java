package dev.oprc.odgm.replication;

import dev.oprc.odgm.storage.RocksStorageEngine;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * A group's snapshots: RocksDB checkpoints in {@code <group>/sm/snapshot.<term>_<index>/}, the
 * latest {@link #RETAINED} ones. Ratis sends the files of the latest one to a follower that needs entries the
 * log no longer has, and replaces that follower's {@code sm} directory with them (plus one
 * {@code .md5} file per file, which we skip).
 *
 * <p>Thread-safe: taken on the group's apply thread; read by Ratis from other threads.
 */
final class CheckpointSnapshots implements StateMachineStorage {
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  /** Snapshots kept: the latest and two before it, which may still be streaming to a follower. */
  static final int RETAINED = 3;

  private volatile File smDir;
  private volatile FileListSnapshotInfo latest;

  @Override
  public void init(RaftStorage storage) throws IOException {
    smDir = storage.getStorageDir().getStateMachineDir();
    Files.createDirectories(smDir.toPath());
    latest = scan();
  }

  @Override
  public FileListSnapshotInfo getLatestSnapshot() {
    return latest;
  }

  @Override
  public void format() {
    // nothing: a new group has no snapshot yet
  }

  @Override
  public File getSnapshotDir() {
    return smDir;
  }

  /** Re-reads the directory (after Ratis installed a snapshot into it). */
  FileListSnapshotInfo rescan() throws IOException {
    latest = scan();
    return latest;
  }

  /** The directory of the latest snapshot, or null. */
  Path latestDir() {
    FileListSnapshotInfo s = latest;
    return s == null ? null : dirOf(s.getTermIndex());
  }

  private Path dirOf(TermIndex ti) {
    return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex());
  }

  /** Checkpoints {@code engine} as the snapshot at {@code ti}; returns its index. */
  long take(RocksStorageEngine engine, TermIndex ti) throws IOException {
    FileListSnapshotInfo s = latest;
    if (s != null && s.getIndex() >= ti.getIndex()) {
      return s.getIndex();
    }
    Path target = dirOf(ti);
    Path tmp = smDir.toPath().resolve("tmp-" + target.getFileName());
    deleteRecursively(tmp);
    engine.checkpoint(tmp);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    latest = info(target, ti);
    return ti.getIndex();
  }

  private FileListSnapshotInfo scan() throws IOException {
    Path best = null;
    TermIndex bestTi = null;
    try (Stream<Path> dirs = Files.list(smDir.toPath())) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        Matcher m = NAME.matcher(d.getFileName().toString());
        if (Files.isDirectory(d) && m.matches()) {
          TermIndex ti = TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
          if (bestTi == null || ti.getIndex() > bestTi.getIndex()) {
            best = d;
            bestTi = ti;
          }
        }
      }
    }
    return best == null ? null : info(best, bestTi);
  }

  private static FileListSnapshotInfo info(Path dir, TermIndex ti) throws IOException {
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(f) && !f.getFileName().toString().endsWith(".md5")) {
          files.add(new FileInfo(f.toAbsolutePath(), null));
        }
      }
    }
    return new FileListSnapshotInfo(files, ti);
  }

  /**
   * Deletes all but the {@link #RETAINED} newest snapshots (and leftover temporary ones). Older ones
   * are kept because Ratis streams a snapshot's files to a lagging follower for seconds while new
   * snapshots are taken; deleting the one being sent fails that install and restarts it.
   */
  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    List<Path> snapshots = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(smDir.toPath())) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        String n = d.getFileName().toString();
        if (n.startsWith("tmp-")) {
          deleteRecursively(d);
        } else if (NAME.matcher(n).matches() && Files.isDirectory(d)) {
          snapshots.add(d);
        }
      }
    }
    snapshots.sort(Comparator.comparingLong(CheckpointSnapshots::indexOf).reversed());
    for (Path d : snapshots.subList(Math.min(RETAINED, snapshots.size()), snapshots.size())) {
      deleteRecursively(d);
    }
  }

  private static long indexOf(Path dir) {
    Matcher m = NAME.matcher(dir.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(2)) : -1;
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.delete(f);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
