package dev.oprc.bench.load;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The workloads of the load harness. Each names the RPC it drives, how many {@code on_update}
 * triggers every written object carries, and whether the node it starts runs with events on
 * ({@code ODGM_EVENTS_ENABLED}). Immutable; thread-safe.
 */
enum Scenario {
  /** {@code DataService.Capabilities}: no shard work, shows the generator's and gRPC's own ceiling. */
  NOOP("noop", Rpc.CAPABILITIES, 0, true, "Capabilities RPC (no-op)"),
  /** {@code SetValue} of a changed value, node started with {@code ODGM_EVENTS_ENABLED=false}. */
  SET_EVENTS_OFF("set-events-off", Rpc.SET_VALUE, 0, false, "SetValue, events off"),
  /** {@code SetValue}, every object has one {@code on_update} trigger. */
  SET_1_TRIGGER("set-1-trigger", Rpc.SET_VALUE, 1, true, "SetValue, 1 trigger per object"),
  /** {@code SetValue}, every object has ten {@code on_update} triggers on the written key. */
  SET_10_TRIGGERS("set-10-triggers", Rpc.SET_VALUE, 10, true, "SetValue, 10 triggers per object"),
  /** {@code GetValue} of an existing entry. */
  GET("get", Rpc.GET_VALUE, 0, true, "GetValue"),
  /** {@code OprcFunction.InvokeObj} of {@code echo} (route {@code local:echo}) on an existing object. */
  INVOKE_ECHO("invoke-echo", Rpc.INVOKE_OBJ, 0, true, "InvokeObj local:echo");

  /** The RPC a scenario issues. */
  enum Rpc { CAPABILITIES, SET_VALUE, GET_VALUE, INVOKE_OBJ }

  private final String id;
  private final Rpc rpc;
  private final int triggers;
  private final boolean eventsEnabled;
  private final String description;

  Scenario(String id, Rpc rpc, int triggers, boolean eventsEnabled, String description) {
    this.id = id;
    this.rpc = rpc;
    this.triggers = triggers;
    this.eventsEnabled = eventsEnabled;
    this.description = description;
  }

  String id() {
    return id;
  }

  Rpc rpc() {
    return rpc;
  }

  /** Triggers per object (each fires once per write); 0 for no trigger. */
  int triggers() {
    return triggers;
  }

  boolean eventsEnabled() {
    return eventsEnabled;
  }

  String description() {
    return description;
  }

  /** Whether the scenario needs objects created before the measured phase. */
  boolean needsObjects() {
    return rpc != Rpc.CAPABILITIES;
  }

  /** Parses an id such as {@code set-1-trigger}. */
  static Scenario of(String id) {
    for (Scenario s : values()) {
      if (s.id.equals(id.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException("--scenarios: unknown scenario '" + id + "'; accepted: " + ids());
  }

  static String ids() {
    return Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(","));
  }

  static List<Scenario> standardSuite() {
    return List.of(values());
  }
}
