package dev.oprc.odgm.node;

import dev.oprc.odgm.events.FilterExpressions;
import dev.oprc.odgm.events.TriggerFilters;
import dev.oprc.odgm.node.CliCommands.Ref;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.TriggerValues;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The trigger commands of {@code odgm cli}: {@code trigger} (a data trigger), {@code on-fn} (a
 * function trigger) and {@code trigger rm}. Each reads the object's trigger configuration, changes
 * it and stores it back (entries are kept). Stateless; each instance serves one command line.
 */
final class TriggerCommands {
  private TriggerCommands() {}

  static final List<String> DATA_EVENTS = List.of("on_create", "on_update", "on_delete");
  static final List<String> FN_EVENTS = List.of("on_complete", "on_error");

  /** The target options shared by {@code trigger} and {@code on-fn}. */
  static final class TargetOptions {
    @Option(names = "--when", paramLabel = "EXPR", description = {"fire only when it holds, e.g. 'status changed to "
        + "shipped', 'amount > 1000', 'key starts with audit.', 'not created by depth >= 1' (README: Trigger filters)"})
    String when;
    @Option(names = "--filter", paramLabel = "JSON", description = "the same as CloudEvents Subscriptions API JSON, "
        + "e.g. '{\"prefix\": {\"key\": \"audit.\"}}'")
    String filter;
    @Option(names = "--with-values", paramLabel = "new|old|both", description = "put the entry's values in the payload")
    String withValues;

    /** Builds the target {@code cls/p/fn[/obj]} with these options; {@code note} gets them for the confirmation. */
    TriggerTarget target(String text, StringBuilder note) {
      TriggerTarget.Builder t = targetOf(CliCommands.ref(text, true));
      if (when != null && filter != null) {
        throw new IllegalArgumentException("give --when or --filter, not both");
      }
      if (when != null) {
        t.setFilter(FilterExpressions.parse(when));
        note.append(" --when '").append(when).append('\'');
      }
      if (filter != null) {
        t.setFilter(TriggerFilters.fromJson(filter));
        note.append(" --filter '").append(filter).append('\'');
      }
      if (withValues != null) {
        t.setIncludeValues(switch (withValues) {
          case "new" -> TriggerValues.TRIGGER_VALUES_NEW;
          case "old" -> TriggerValues.TRIGGER_VALUES_OLD;
          case "both" -> TriggerValues.TRIGGER_VALUES_BOTH;
          default -> throw new IllegalArgumentException("--with-values '" + withValues + "' is not new|old|both");
        });
        note.append(" --with-values '").append(withValues).append('\'');
      }
      return t.build();
    }
  }

  static TriggerTarget.Builder targetOf(Ref t) {
    TriggerTarget.Builder b = TriggerTarget.newBuilder().setClsId(t.cls()).setPartitionId(t.partition())
        .setFnId(t.id());
    if (t.extra() != null) {
      b.setObjectId(t.extra());
    }
    return b;
  }

  /** {@code trigger}: adds a target to the data trigger of one entry key. */
  // the arguments are optional to picocli, checked in call(): it would demand them before 'trigger rm' too
  @Command(name = "trigger", mixinStandardHelpOptions = true, subcommands = TriggerRm.class,
      customSynopsis = {"odgm cli trigger [--node=HOST:PORT] CLS/P/OBJ KEY on_create|on_update|on_delete CLS/P/FN[/OBJ]",
          "                      [--when=EXPR | --filter=JSON] [--with-values=new|old|both]",
          "   or: odgm cli trigger rm [--node=HOST:PORT] CLS/P/OBJ KEY|FN EVENT [CLS/P/FN[/OBJ]]"},
      description = {"Adds a data trigger: when the event happens to entry KEY of the object, the target is invoked.",
          "'trigger rm' removes one (data or function trigger)."})
  static final class Trigger implements Callable<Integer> {
    @ParentCommand
    CliCommands cli;
    @Parameters(index = "0", arity = "0..1", paramLabel = "CLS/P/OBJ", description = "the object")
    String object;
    @Parameters(index = "1", arity = "0..1", paramLabel = "KEY", description = "its entry key")
    String key;
    @Parameters(index = "2", arity = "0..1", paramLabel = "EVENT", description = "on_create|on_update|on_delete")
    String event;
    @Parameters(index = "3", arity = "0..1", paramLabel = "CLS/P/FN[/OBJ]",
        description = "the function to invoke (on an object when given)")
    String target;
    @Mixin
    TargetOptions options;

    @Override
    public Integer call() {
      if (target == null) {
        throw new IllegalArgumentException("'trigger' needs CLS/P/OBJ KEY EVENT CLS/P/FN[/OBJ]");
      }
      Ref obj = CliCommands.ref(object, false);
      if (!DATA_EVENTS.contains(event)) {
        throw new IllegalArgumentException("'" + event + "' is not on_create|on_update|on_delete");
      }
      StringBuilder note = new StringBuilder();
      TriggerTarget t = options.target(target, note);
      ObjectEvent.Builder ev = cli.currentEvent(obj).toBuilder();
      DataTrigger.Builder dt = ev.getDataTriggerOrDefault(key, DataTrigger.getDefaultInstance()).toBuilder();
      switch (event) {
        case "on_create" -> dt.addOnCreate(t);
        case "on_update" -> dt.addOnUpdate(t);
        default -> dt.addOnDelete(t);
      }
      cli.storeEvent(obj, ev.putDataTrigger(key, dt.build()).build());
      cli.out().println("trigger stored on " + object + ": " + key + " " + event + " -> " + target + note);
      return 0;
    }
  }

  /** {@code on-fn}: adds a target to the function trigger of one function. */
  @Command(name = "on-fn", mixinStandardHelpOptions = true,
      description = "Adds a function trigger: when FN on the object completes or fails, TARGET is invoked.")
  static final class OnFn implements Callable<Integer> {
    @ParentCommand
    CliCommands cli;
    @Parameters(index = "0", paramLabel = "CLS/P/OBJ")
    String object;
    @Parameters(index = "1", paramLabel = "FN")
    String fn;
    @Parameters(index = "2", paramLabel = "on_complete|on_error")
    String event;
    @Parameters(index = "3", paramLabel = "CLS/P/FN[/OBJ]")
    String target;
    @Mixin
    TargetOptions options;

    @Override
    public Integer call() {
      Ref obj = CliCommands.ref(object, false);
      if (!FN_EVENTS.contains(event)) {
        throw new IllegalArgumentException("'" + event + "' is not on_complete|on_error");
      }
      StringBuilder note = new StringBuilder();
      TriggerTarget t = options.target(target, note);
      ObjectEvent.Builder ev = cli.currentEvent(obj).toBuilder();
      FuncTrigger.Builder ft = ev.getFuncTriggerOrDefault(fn, FuncTrigger.getDefaultInstance()).toBuilder();
      if (event.equals("on_complete")) {
        ft.addOnComplete(t);
      } else {
        ft.addOnError(t);
      }
      cli.storeEvent(obj, ev.putFuncTrigger(fn, ft.build()).build());
      cli.out().println("trigger stored on " + object + ": " + fn + " " + event + " -> " + target + note);
      return 0;
    }
  }

  /** {@code trigger rm}: removes targets of one event of a key (data) or function (on_complete, on_error). */
  @Command(name = "rm", mixinStandardHelpOptions = true,
      description = {"Removes a trigger: TARGET (every target when none is given) of EVENT on entry KEY, or on "
          + "function FN for on_complete|on_error. Exit 1 when the object has no such trigger."})
  static final class TriggerRm implements Callable<Integer> {
    @ParentCommand
    Trigger trigger;
    @Parameters(index = "0", paramLabel = "CLS/P/OBJ")
    String object;
    @Parameters(index = "1", paramLabel = "KEY|FN")
    String key;
    @Parameters(index = "2", paramLabel = "EVENT", description = "on_create|on_update|on_delete|on_complete|on_error")
    String event;
    @Parameters(index = "3", arity = "0..1", paramLabel = "CLS/P/FN[/OBJ]")
    String target;

    @Override
    public Integer call() {
      CliCommands cli = trigger.cli;
      Ref obj = CliCommands.ref(object, false);
      Ref t = target == null ? null : CliCommands.ref(target, true);
      if (!DATA_EVENTS.contains(event) && !FN_EVENTS.contains(event)) {
        throw new IllegalArgumentException("'" + event + "' is not one of " + String.join("|", DATA_EVENTS) + "|"
            + String.join("|", FN_EVENTS));
      }
      ObjectEvent.Builder ev = cli.currentEvent(obj).toBuilder();
      int removed = DATA_EVENTS.contains(event) ? removeData(ev, t) : removeFn(ev, t);
      String what = key + " " + event + " -> " + (target == null ? "any target" : target);
      if (removed == 0) {
        cli.err().println("odgm: no trigger " + what + " on " + object);
        return 1;
      }
      cli.storeEvent(obj, ev.build());
      cli.out().println("trigger removed from " + object + ": " + what + " (" + removed + " target(s))");
      return 0;
    }

    private int removeData(ObjectEvent.Builder ev, Ref t) {
      DataTrigger dt = ev.getDataTriggerOrDefault(key, DataTrigger.getDefaultInstance());
      List<TriggerTarget> list = switch (event) {
        case "on_create" -> dt.getOnCreateList();
        case "on_update" -> dt.getOnUpdateList();
        default -> dt.getOnDeleteList();
      };
      List<TriggerTarget> kept = without(list, t);
      DataTrigger.Builder b = dt.toBuilder();
      switch (event) {
        case "on_create" -> b.clearOnCreate().addAllOnCreate(kept);
        case "on_update" -> b.clearOnUpdate().addAllOnUpdate(kept);
        default -> b.clearOnDelete().addAllOnDelete(kept);
      }
      if (b.getOnCreateCount() + b.getOnUpdateCount() + b.getOnDeleteCount() == 0) {
        ev.removeDataTrigger(key);
      } else {
        ev.putDataTrigger(key, b.build());
      }
      return list.size() - kept.size();
    }

    private int removeFn(ObjectEvent.Builder ev, Ref t) {
      FuncTrigger ft = ev.getFuncTriggerOrDefault(key, FuncTrigger.getDefaultInstance());
      boolean complete = event.equals("on_complete");
      List<TriggerTarget> list = complete ? ft.getOnCompleteList() : ft.getOnErrorList();
      List<TriggerTarget> kept = without(list, t);
      FuncTrigger.Builder b = ft.toBuilder();
      if (complete) {
        b.clearOnComplete().addAllOnComplete(kept);
      } else {
        b.clearOnError().addAllOnError(kept);
      }
      if (b.getOnCompleteCount() + b.getOnErrorCount() == 0) {
        ev.removeFuncTrigger(key);
      } else {
        ev.putFuncTrigger(key, b.build());
      }
      return list.size() - kept.size();
    }

    /** {@code list} without the targets naming {@code t} (function and object; any filter); empty when t is null. */
    static List<TriggerTarget> without(List<TriggerTarget> list, Ref t) {
      if (t == null) {
        return List.of();
      }
      TriggerTarget want = targetOf(t).build();
      return list.stream().filter(x -> !(x.getClsId().equals(want.getClsId())
          && x.getPartitionId() == want.getPartitionId() && x.getFnId().equals(want.getFnId())
          && x.hasObjectId() == want.hasObjectId() && x.getObjectId().equals(want.getObjectId()))).toList();
    }
  }
}
