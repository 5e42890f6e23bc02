package dev.oprc.odgm.lincheck;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A history as a tab-separated file, one operation per line ({@code id client key kind value
 * version invokedAt returnedAt status}; value {@code -} = none, returnedAt {@code ?} = unknown),
 * after one {@code #initial key value version} line per key that did not start absent,
 * so a kept failing history can be checked again: {@code java -cp <test classpath>
 * dev.oprc.odgm.lincheck.HistoryFile <file> [maxConfigurations]}. Keys and values must not hold
 * tabs or newlines. Stateless.
 */
public final class HistoryFile {
  private HistoryFile() {}

  /** A history and the initial state of its keys. */
  public record Loaded(List<Operation> history, Map<String, RegisterState> initial) {}

  public static void write(Path file, List<Operation> history, Map<String, RegisterState> initial)
      throws IOException {
    StringBuilder b = new StringBuilder();
    initial.forEach((k, st) -> b.append("#initial\t").append(k).append('\t')
        .append(st.value() == null ? "-" : st.value()).append('\t').append(st.version()).append('\n'));
    b.append("# id\tclient\tkey\tkind\tvalue\tversion\tinvokedAt\treturnedAt\tstatus\n");
    for (Operation op : history) {
      b.append(op.id()).append('\t').append(op.client()).append('\t').append(op.key()).append('\t')
          .append(op.kind()).append('\t').append(op.value() == null ? "-" : op.value()).append('\t')
          .append(op.version()).append('\t').append(op.invokedAt()).append('\t')
          .append(op.unknown() ? "?" : Long.toString(op.returnedAt())).append('\t').append(op.status()).append('\n');
    }
    Files.writeString(file, b, StandardCharsets.UTF_8);
  }

  public static Loaded read(Path file) throws IOException {
    List<Operation> out = new ArrayList<>();
    Map<String, RegisterState> initial = new TreeMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("#initial\t")) {
        String[] f = line.split("\t", -1);
        initial.put(f[1], new RegisterState(f[2].equals("-") ? null : f[2], Long.parseLong(f[3])));
        continue;
      }
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != 9) {
        throw new IllegalArgumentException(file + ": not 9 tab-separated fields: '" + line + "'");
      }
      out.add(new Operation(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], Operation.Kind.valueOf(f[3]),
          f[4].equals("-") ? null : f[4], Long.parseLong(f[5]), Long.parseLong(f[6]),
          f[7].equals("?") ? Operation.UNKNOWN_RETURN : Long.parseLong(f[7]), Operation.Status.valueOf(f[8])));
    }
    return new Loaded(out, initial);
  }

  /** Checks a history file and prints the report; exit code 1 when it is not linearizable. */
  public static void main(String[] args) throws IOException {
    Loaded h = read(Path.of(args[0]));
    LinearizabilityChecker.Verdict v = LinearizabilityChecker.check(h.history(), h.initial());
    System.out.print(v.report());
    System.exit(v.linearizable() ? 0 : 1);
  }
}
