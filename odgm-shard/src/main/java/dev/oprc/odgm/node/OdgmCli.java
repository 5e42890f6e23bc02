package dev.oprc.odgm.node;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small command-line client for a node's gRPC API, enough to configure triggers and watch them
 * fire without grpcurl. Objects are written {@code cls/partition/object}; targets
 * {@code cls/partition/fn} (stateless) or {@code cls/partition/fn/object} (stateful).
 *
 * <pre>
 * odgm-cli [--node host:port] trigger  example/0/order-1 status on_update example/0/log
 * odgm-cli [--node host:port] trigger  example/0/order-1 order on_update example/0/ship --when 'status changed to shipped'
 * odgm-cli [--node host:port] put      example/0/order-1 status=paid [key=value ...]
 * odgm-cli [--node host:port] get      example/0/order-1
 * odgm-cli [--node host:port] delete   example/0/order-1 [key]
 * odgm-cli [--node host:port] invoke   example/0/order-1 echo [payload]
 * odgm-cli [--node host:port] on-fn    example/0/order-1 echo on_complete example/0/log
 * odgm-cli [--node host:port] stats
 * </pre>
 */
public final class OdgmCli {
  private final PrintStream out;
  private final DataServiceGrpc.DataServiceBlockingStub data;
  private final OprcFunctionGrpc.OprcFunctionBlockingStub fns;

  OdgmCli(ManagedChannel channel, PrintStream out) {
    this.out = out;
    this.data = DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    this.fns = OprcFunctionGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public static void main(String[] argv) throws Exception {
    List<String> args = Arrays.asList(argv);
    String node = "127.0.0.1:" + System.getenv().getOrDefault(NodeSettings.HTTP_PORT.name(),
        NodeSettings.HTTP_PORT.defaultText());
    if (args.size() >= 2 && args.get(0).equals("--node")) {
      node = args.get(1);
      args = args.subList(2, args.size());
    }
    if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help")) {
      usage(System.out);
      return;
    }
    ManagedChannel ch = ManagedChannelBuilder.forTarget(node).usePlaintext().build();
    int code;
    try {
      code = new OdgmCli(ch, System.out).run(args);
    } catch (StatusRuntimeException e) {
      System.err.println("odgm-cli: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription()
          + (e.getStatus().getCode() == Status.Code.UNAVAILABLE ? " (is a node running on " + node + "?)" : ""));
      code = 1;
    } catch (IllegalArgumentException e) {
      System.err.println("odgm-cli: " + e.getMessage());
      usage(System.err);
      code = 2;
    } finally {
      ch.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
    System.exit(code);
  }

  static void usage(PrintStream p) {
    p.println("usage: odgm-cli [--node host:port] <command> ...");
    p.println("  trigger <cls/p/obj> <key> <on_create|on_update|on_delete> <cls/p/fn[/obj]> [target options]");
    p.println("  on-fn   <cls/p/obj> <fn> <on_complete|on_error> <cls/p/fn[/obj]> [target options]");
    p.println("    --when '<expr>'     fire only when it holds, e.g. 'status changed to shipped', 'amount > 1000',");
    p.println("                        'key starts with audit.', 'not created by depth >= 1' (README: Trigger filters)");
    p.println("    --filter '<json>'   the same as CloudEvents Subscriptions API JSON, e.g. '{\"prefix\": {\"key\": \"audit.\"}}'");
    p.println("    --with-values new|old|both   put the entry's values in the payload");
    p.println("  put     <cls/p/obj> key=value [key=value ...]");
    p.println("  get     <cls/p/obj>");
    p.println("  delete  <cls/p/obj> [key]");
    p.println("  invoke  <cls/p/obj> <fn> [payload]");
    p.println("  stats");
  }

  record Ref(String cls, int partition, String id, String extra) {}

  static Ref ref(String s, boolean allowExtra) {
    String[] p = s.split("/", -1);
    if (p.length < 3 || p.length > (allowExtra ? 4 : 3)) {
      throw new IllegalArgumentException("'" + s + "' is not cls/partition/" + (allowExtra ? "fn[/object]" : "object"));
    }
    int partition;
    try {
      partition = Integer.parseInt(p[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("partition '" + p[1] + "' in '" + s + "' is not a number");
    }
    return new Ref(p[0], partition, p[2], p.length == 4 ? p[3] : null);
  }

  int run(List<String> a) {
    String cmd = a.get(0);
    switch (cmd) {
      case "trigger", "on-fn" -> {
        need(a, 5);
        Ref obj = ref(a.get(1), false);
        Ref t = ref(a.get(4), true);
        TriggerTarget.Builder target = TriggerTarget.newBuilder().setClsId(t.cls()).setPartitionId(t.partition())
            .setFnId(t.id());
        if (t.extra() != null) {
          target.setObjectId(t.extra());
        }
        String options = targetOptions(a.subList(5, a.size()), target);
        ObjectEvent.Builder ev = currentEvent(obj).toBuilder();
        String key = a.get(2);
        if (cmd.equals("trigger")) {
          DataTrigger.Builder dt = ev.getDataTriggerOrDefault(key, DataTrigger.getDefaultInstance()).toBuilder();
          switch (a.get(3)) {
            case "on_create" -> dt.addOnCreate(target);
            case "on_update" -> dt.addOnUpdate(target);
            case "on_delete" -> dt.addOnDelete(target);
            default -> throw new IllegalArgumentException("'" + a.get(3) + "' is not on_create|on_update|on_delete");
          }
          ev.putDataTrigger(key, dt.build());
        } else {
          FuncTrigger.Builder ft = ev.getFuncTriggerOrDefault(key, FuncTrigger.getDefaultInstance()).toBuilder();
          switch (a.get(3)) {
            case "on_complete" -> ft.addOnComplete(target);
            case "on_error" -> ft.addOnError(target);
            default -> throw new IllegalArgumentException("'" + a.get(3) + "' is not on_complete|on_error");
          }
          ev.putFuncTrigger(key, ft.build());
        }
        data.set(SetObjectRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
            .setObjectId(obj.id()).setObject(ObjData.newBuilder().setEvent(ev)).build());
        out.println("trigger stored on " + a.get(1) + ": " + a.get(2) + " " + a.get(3) + " -> " + a.get(4) + options);
      }
      case "put" -> {
        need(a, 3);
        Ref obj = ref(a.get(1), false);
        for (String kv : a.subList(2, a.size())) {
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("'" + kv + "' is not key=value");
          }
          data.setValue(SetKeyRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
              .setObjectId(obj.id()).setKey(kv.substring(0, eq))
              .setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(kv.substring(eq + 1)))).build());
          out.println("set " + a.get(1) + " " + kv);
        }
      }
      case "get" -> {
        need(a, 2);
        Ref obj = ref(a.get(1), false);
        ObjData o = data.get(SingleObjectRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
            .setObjectId(obj.id()).build()).getObj();
        out.println("version " + o.getMetadata().getObjectVersion());
        o.getEntriesMap().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e ->
            out.println("  " + e.getKey() + " = " + e.getValue().getData().toString(StandardCharsets.UTF_8)));
        if (o.hasEvent()) {
          out.println("triggers " + print(o.getEvent()));
        }
      }
      case "delete" -> {
        need(a, 2);
        Ref obj = ref(a.get(1), false);
        if (a.size() >= 3) {
          data.deleteValue(SingleKeyRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
              .setObjectId(obj.id()).setKey(a.get(2)).build());
        } else {
          data.delete(SingleObjectRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
              .setObjectId(obj.id()).build());
        }
        out.println("deleted " + String.join(" ", a.subList(1, a.size())));
      }
      case "invoke" -> {
        need(a, 3);
        Ref obj = ref(a.get(1), false);
        InvocationResponse r = fns.invokeObj(ObjectInvocationRequest.newBuilder().setClsId(obj.cls())
            .setPartitionId(obj.partition()).setObjectId(obj.id()).setFnId(a.get(2))
            .setPayload(ByteString.copyFromUtf8(a.size() > 3 ? a.get(3) : "")).build());
        out.println(r.getStatus() + " " + r.getPayload().toString(StandardCharsets.UTF_8));
      }
      case "stats" -> out.println(print(data.stats(StatsRequest.getDefaultInstance())));
      default -> throw new IllegalArgumentException("unknown command '" + cmd + "'");
    }
    return 0;
  }

  /** Applies --when / --filter / --with-values to {@code target}; returns a note for the confirmation line. */
  static String targetOptions(List<String> opts, TriggerTarget.Builder target) {
    StringBuilder note = new StringBuilder();
    for (int i = 0; i < opts.size(); i += 2) {
      String opt = opts.get(i);
      if (i + 1 >= opts.size()) {
        throw new IllegalArgumentException("'" + opt + "' needs a value");
      }
      String v = opts.get(i + 1);
      switch (opt) {
        case "--when" -> target.setFilter(dev.oprc.odgm.events.FilterExpressions.parse(v));
        case "--filter" -> target.setFilter(dev.oprc.odgm.events.TriggerFilters.fromJson(v));
        case "--with-values" -> target.setIncludeValues(switch (v) {
          case "new" -> dev.oprc.odgm.proto.TriggerValues.TRIGGER_VALUES_NEW;
          case "old" -> dev.oprc.odgm.proto.TriggerValues.TRIGGER_VALUES_OLD;
          case "both" -> dev.oprc.odgm.proto.TriggerValues.TRIGGER_VALUES_BOTH;
          default -> throw new IllegalArgumentException("--with-values '" + v + "' is not new|old|both");
        });
        default -> throw new IllegalArgumentException("unknown target option '" + opt
            + "' (--when, --filter, --with-values)");
      }
      note.append(' ').append(opt).append(" '").append(v).append('\'');
    }
    return note.toString();
  }

  private ObjectEvent currentEvent(Ref obj) {
    try {
      return data.get(SingleObjectRequest.newBuilder().setClsId(obj.cls()).setPartitionId(obj.partition())
          .setObjectId(obj.id()).build()).getObj().getEvent();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return ObjectEvent.getDefaultInstance();
      }
      throw e;
    }
  }

  private static void need(List<String> a, int n) {
    if (a.size() < n) {
      throw new IllegalArgumentException("'" + a.get(0) + "' needs " + (n - 1) + " argument(s)");
    }
  }

  private static String print(com.google.protobuf.MessageOrBuilder m) {
    try {
      return JsonFormat.printer().preservingProtoFieldNames().print(m);
    } catch (Exception e) {
      return m.toString();
    }
  }
}
