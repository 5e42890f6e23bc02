package dev.oprc.odgm.node;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ListObjectsRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.ObjectMetaEnvelope;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.security.ClientTls;
import dev.oprc.odgm.security.TlsSettings;
import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.Settings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code odgm cli}: the client commands, each one or a few gRPC calls to a node ({@code --node
 * host:port}, accepted before or after the command name). Objects are written {@code cls/partition/object};
 * targets {@code cls/partition/fn} (stateless) or {@code cls/partition/fn/object} (stateful).
 * Exit codes: 0 done; 1 the call failed (a gRPC error, an invocation answered other than OKAY, a
 * trigger to remove that is not there); 2 bad arguments. The channel is opened on first use and
 * closed by whoever made this object ({@link OdgmCli}). One instance per command line; not thread-safe.
 */
@Command(name = "cli", mixinStandardHelpOptions = true, versionProvider = BuildInfo.Provider.class,
    description = "Talks to a node over gRPC: objects, triggers, invocations, counters.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {HelpCommand.class, CliCommands.Put.class, CliCommands.Get.class, CliCommands.Delete.class,
        CliCommands.ListCmd.class, CliCommands.Invoke.class, TriggerCommands.Trigger.class,
        TriggerCommands.OnFn.class, CliCommands.Stats.class},
    footer = {"", "Exit codes: 0 done, 1 the call failed (gRPC error; invocation not OKAY), 2 bad arguments."})
final class CliCommands implements Callable<Integer> {
  static final long DEADLINE_SECONDS = 30;

  @Spec
  CommandSpec spec;

  @Option(names = "--node", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT",
      description = "the node's gRPC address (default: 127.0.0.1 and ODGM_HTTP_PORT, else 8080)")
  String node = defaultNode();

  @Option(names = "--tls", scope = ScopeType.INHERIT,
      description = "connect over TLS (implied by --ca, --cert and --key, and by their variables)")
  boolean tls;

  @Option(names = "--ca", scope = ScopeType.INHERIT, paramLabel = "FILE", description = "PEM CA certificates the "
      + "node's certificate must chain to (default: ODGM_TLS_CA_FILE, else ODGM_TLS_CLIENT_CA_FILE; none: the JDK's "
      + "trust store)")
  java.nio.file.Path ca = envFile(List.of(TlsSettings.CA_FILE, TlsSettings.CLIENT_CA_FILE));

  @Option(names = "--cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "PEM certificate chain to present, for a node on mutual TLS (default: ODGM_TLS_CERT_FILE)")
  java.nio.file.Path cert = envFile(List.of(TlsSettings.CERT_FILE));

  @Option(names = "--key", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "PKCS#8 PEM key of --cert (default: ODGM_TLS_KEY_FILE)")
  java.nio.file.Path key = envFile(List.of(TlsSettings.KEY_FILE));

  private final BiFunction<String, ClientTls, ManagedChannel> opener;
  private ManagedChannel channel;

  /** Commands whose channel {@code opener} makes from {@code --node} and the TLS options on first use. */
  CliCommands(BiFunction<String, ClientTls, ManagedChannel> opener) {
    this.opener = opener;
  }

  /** The first of {@code settings} set in the environment (the node's own variables), else null. */
  private static java.nio.file.Path envFile(List<Setting<java.nio.file.Path>> settings) {
    Settings env = Settings.ofProcess();
    for (Setting<java.nio.file.Path> s : settings) {
      if (env.isSet(s)) {
        return env.get(s);
      }
    }
    return null;
  }

  /** Plaintext unless {@code --tls} or a TLS file is given. */
  ClientTls clientTls() {
    if (!tls && ca == null && cert == null && key == null) {
      return ClientTls.PLAINTEXT;
    }
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("--cert and --key go together (a client certificate needs its key), were "
          + cert + " and " + key);
    }
    return ClientTls.of(ca, cert, key);
  }

  static String defaultNode() {
    return "127.0.0.1:" + System.getenv().getOrDefault(NodeSettings.HTTP_PORT.name(),
        NodeSettings.HTTP_PORT.defaultText());
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2; // a command is required
  }

  /** The channel opened by this command line, or null. */
  ManagedChannel opened() {
    return channel;
  }

  ManagedChannel channel() {
    if (channel == null) {
      channel = opener.apply(checkedNode(node), clientTls());
    }
    return channel;
  }

  DataServiceGrpc.DataServiceBlockingStub data() {
    return DataServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  OprcFunctionGrpc.OprcFunctionBlockingStub fns() {
    return OprcFunctionGrpc.newBlockingStub(channel()).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** {@code host:port} with a port 1..65535, as given. */
  static String checkedNode(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    boolean ok = colon > 0;
    if (ok) {
      try {
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        ok = port > 0 && port <= 65535;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new IllegalArgumentException("--node '" + hostPort + "' is not host:port");
    }
    return hostPort;
  }

  /** A parsed {@code cls/partition/id[/extra]}. */
  record Ref(String cls, int partition, String id, String extra) {}

  static Ref ref(String s, boolean allowExtra) {
    String[] p = s.split("/", -1);
    if (p.length < 3 || p.length > (allowExtra ? 4 : 3)) {
      throw new IllegalArgumentException("'" + s + "' is not cls/partition/" + (allowExtra ? "fn[/object]" : "object"));
    }
    return new Ref(p[0], partition(p[1], s), p[2], p.length == 4 ? p[3] : null);
  }

  static int partition(String text, String in) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("partition '" + text + "' in '" + in + "' is not a number");
    }
  }

  static SingleObjectRequest objectRequest(Ref obj) {
    return SingleObjectRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition()).setObjectId(obj.id())
        .build();
  }

  /** The object's triggers; none when the object does not exist yet. */
  ObjectEvent currentEvent(Ref obj) {
    try {
      return data().get(objectRequest(obj)).getObj().getEvent();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return ObjectEvent.getDefaultInstance();
      }
      throw e;
    }
  }

  /** Replaces the object's triggers with {@code event} (entries are kept; an empty event clears them). */
  void storeEvent(Ref obj, ObjectEvent event) {
    data().set(SetObjectRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
        .setObjectId(obj.id()).setObject(ObjData.newBuilder().setEvent(event)).build());
  }

  static String print(MessageOrBuilder m, boolean withDefaults) {
    try {
      JsonFormat.Printer p = JsonFormat.printer().preservingProtoFieldNames();
      return (withDefaults ? p.alwaysPrintFieldsWithNoPresence() : p).print(m);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return m.toString();
    }
  }

  /** {@code put}: sets entries. */
  @Command(name = "put", mixinStandardHelpOptions = true, description = "Sets entries of an object (creating it).")
  static final class Put implements Callable<Integer> {
    @ParentCommand
    CliCommands cli;
    @Parameters(index = "0", paramLabel = "CLS/P/OBJ")
    String object;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE")
    List<String> entries;

    @Override
    public Integer call() {
      Ref obj = ref(object, false);
      for (String kv : entries) {
        if (kv.indexOf('=') <= 0) {
          throw new IllegalArgumentException("'" + kv + "' is not key=value");
        }
      }
      for (String kv : entries) {
        int eq = kv.indexOf('=');
        cli.data().setValue(SetKeyRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
            .setObjectId(obj.id()).setKey(kv.substring(0, eq))
            .setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(kv.substring(eq + 1)))).build());
        cli.out().println("set " + object + " " + kv);
      }
      return 0;
    }
  }

  /** {@code get}: an object's version, entries and triggers. */
  @Command(name = "get", mixinStandardHelpOptions = true, description = "Shows an object: version, entries, triggers.")
  static final class Get implements Callable<Integer> {
    @ParentCommand
    CliCommands cli;
    @Parameters(index = "0", paramLabel = "CLS/P/OBJ")
    String object;

    @Override
    public Integer call() {
      ObjData o = cli.data().get(objectRequest(ref(object, false))).getObj();
      PrintWriter out = cli.out();
      out.println("version " + o.getMetadata().getObjectVersion());
      o.getEntriesMap().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
          out.println("  " + e.getKey() + " = " + e.getValue().getData().toString(StandardCharsets.UTF_8)));
      if (o.hasEvent()) {
        out.println("triggers " + print(o.getEvent(), false));
      }
      return 0;
    }
  }

  /** {@code delete}: an object or one entry. */
  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes an object, or one entry of it.")
  static final class Delete implements Callable<Integer> {
    @ParentCommand
    CliCommands cli;
    @Parameters(index = "0", paramLabel = "CLS/P/OBJ")
    String object;
    @Parameters(index = "1", arity = "0..1", paramLabel = "KEY")
    String key;

    @Override
    public Integer call() {
      Ref obj = ref(object, false);
      if (key != null) {
        cli.data().deleteValue(SingleKeyRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
            .setObjectId(obj.id()).setKey(key).build());
      } else {
        cli.data().delete(objectRequest(obj));
      }
      cli.out().println("deleted " + object + (key == null ? "" : " " + key));
      return 0;
    }
  }

  /** {@code list}: the objects of a partition, in id order, following the node's pages. */
  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Lists the objects of a partition (id, version, entries), in id order.")
  static final class ListCmd implements Callable<Integer> {
    @ParentCommand
    CliCommands cli;
    @Parameters(index = "0", paramLabel = "CLS/P")
    String partition;
    @Option(names = "--prefix", paramLabel = "ID_PREFIX", description = "only ids starting with it")
    String prefix;
    @Option(names = "--after", paramLabel = "ID", description = "start after this id (the last one of a listing)")
    String after;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
        description = "at most N objects (default: ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() {
      String[] p = partition.split("/", -1);
      if (p.length != 2 || p[0].isEmpty()) {
        throw new IllegalArgumentException("'" + partition + "' is not cls/partition");
      }
      if (limit < 1) {
        throw new IllegalArgumentException("--limit " + limit + " is not a positive number");
      }
      return list(p[0], partition(p[1], partition));
    }

    private int list(String cls, int part) {
      String cursor = after;
      int shown = 0;
      boolean more = true;
      while (more && shown < limit) {
        ListObjectsRequest.Builder req = ListObjectsRequest.newBuilder().setClsId(cls).setPartitionId(part)
            .setLimit(Math.min(limit - shown, 1000));
        if (prefix != null) {
          req.setObjectIdPrefix(prefix);
        }
        if (cursor != null) {
          req.setCursor(ByteString.copyFromUtf8(cursor));
        }
        more = false;
        for (Iterator<ObjectMetaEnvelope> it = cli.data().listObjects(req.build()); it.hasNext(); ) {
          ObjectMetaEnvelope o = it.next();
          cli.out().println(o.getObjectId() + "  version " + o.getVersion() + "  entries " + o.getEntryCount());
          shown++;
          cursor = o.getObjectId();
          more = o.hasNextCursor();
        }
      }
      cli.out().println(shown + " object(s)" + (more ? "; more after '" + cursor + "' (--after " + cursor + ")" : ""));
      return 0;
    }
  }

  /** {@code invoke}: calls a function of an object; exit 1 unless it answers OKAY. */
  @Command(name = "invoke", mixinStandardHelpOptions = true,
      description = "Invokes a function on an object and prints STATUS PAYLOAD; exit 1 unless the status is OKAY.")
  static final class Invoke implements Callable<Integer> {
    @ParentCommand
    CliCommands cli;
    @Parameters(index = "0", paramLabel = "CLS/P/OBJ")
    String object;
    @Parameters(index = "1", paramLabel = "FN")
    String fn;
    @Parameters(index = "2", arity = "0..1", paramLabel = "PAYLOAD")
    String payload;

    @Override
    public Integer call() {
      Ref obj = ref(object, false);
      InvocationResponse r = cli.fns().invokeObj(ObjectInvocationRequest.newBuilder().setClsId(obj.cls())
          .setPartitionId(obj.partition()).setObjectId(obj.id()).setFnId(fn)
          .setPayload(ByteString.copyFromUtf8(payload == null ? "" : payload)).build());
      cli.out().println(r.getStatus() + " " + r.getPayload().toString(StandardCharsets.UTF_8));
      return r.getStatus() == ResponseStatus.OKAY ? 0 : 1;
    }
  }

  /** {@code stats}: every shard's counters and the node's view of its partitions, as JSON. */
  @Command(name = "stats", mixinStandardHelpOptions = true,
      description = "Prints the node's shards (every partition, with its event counters) as JSON.")
  static final class Stats implements Callable<Integer> {
    @ParentCommand
    CliCommands cli;

    @Override
    public Integer call() {
      // with the fields at their defaults: partition_id 0 and zero counters are shown, not left out
      cli.out().println(print(cli.data().stats(StatsRequest.getDefaultInstance()), true));
      return 0;
    }
  }
}
