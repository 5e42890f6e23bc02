package dev.oprc.odgm.events;

import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The variables of the event pipeline ({@link EventConfig}) and of the outbox ({@link OutboxConfig}),
 * each declared once: name, default, check and the README's one-line doc. Stateless.
 */
public final class EventSettings {
  private EventSettings() {}

  /** About the number of cores: dispatch is CPU work, more threads only add switches. */
  static final int DEFAULT_DISPATCH_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

  public static final Setting<Boolean> ENABLED = Setting.bool("ODGM_EVENTS_ENABLED", true,
      "false: no trigger is matched or dispatched");
  public static final Setting<Integer> MAX_TRIGGER_DEPTH = Setting.integer("ODGM_MAX_TRIGGER_DEPTH", 10, 0, 1_000,
      "events at this depth are not dispatched (counted)");
  public static final Setting<Long> TRIGGER_TIMEOUT_MS = Setting.millis("ODGM_TRIGGER_TIMEOUT_MS", 30_000, 1,
      3_600_000, "deadline of each remote function call (undelivered triggers wait in the outbox, see "
          + "`ODGM_OUTBOX_TTL_MS`)");
  /**
   * 8192 absorbs a burst of 32 full-fan-out writes (256 keys each) while bounding memory to about
   * 8192 queued contexts; upstream's 1024 drops under one large Set with triggers on every key.
   */
  public static final Setting<Integer> QUEUE_BOUND = Setting.integer("ODGM_EVENT_QUEUE_BOUND", 8192, 1, 1 << 24,
      "in-memory fast-path queue per shard; when full, records are read back from the outbox (nothing is dropped)");
  public static final Setting<Integer> MAX_BATCH_FANOUT = Setting.integer("ODGM_MAX_BATCH_TRIGGER_FANOUT", 256, 1,
      Integer.MAX_VALUE, "changed keys with matching triggers dispatched per write; the rest are counted");
  public static final Setting<PayloadFormat> PAYLOAD_FORMAT = Setting.choice("ODGM_EVENT_PAYLOAD_FORMAT",
      PayloadFormat.JSON, formats(), "`json` (upstream's shape) or `protobuf` (adds `object_version`, `depth`)")
      .accepting("json | protobuf");
  public static final Setting<Integer> DISPATCH_THREADS = Setting.integer("ODGM_EVENT_DISPATCH_THREADS",
      DEFAULT_DISPATCH_THREADS, 1, 64, "threads of the pool that delivers every shard's outbox; each shard stays on "
          + "one of them, which keeps per-object order").withDefault(DEFAULT_DISPATCH_THREADS, "cores, at most 4");
  public static final Setting<Boolean> UPDATE_ON_SAME_VALUE = Setting.bool("ODGM_EVENT_UPDATE_ON_SAME_VALUE", false,
      "true: rewriting an identical value emits UPDATE (upstream behaviour)");
  public static final Setting<Integer> MAX_VALUE_BYTES = Setting.integer("ODGM_EVENT_MAX_VALUE_BYTES", 64 * 1024, 0,
      16 << 20, "entry values a target asks for (`include_values`) are cut to this many bytes in its payload "
          + "(flagged in `context`, counted in `values_truncated`)").accepting("bytes 0..16777216");

  public static final Setting<Long> OUTBOX_MAX_BYTES = Setting.bytes("ODGM_OUTBOX_MAX_BYTES", 256L << 20, 1024,
      1L << 40, "outbox bound per shard, in bytes (on disk with RocksDB, in the heap with `memory`: unset, a memory "
          + "node's partitions then share a quarter of the heap, at least 1 MiB each)");
  public static final Setting<OutboxConfig.FullPolicy> OUTBOX_FULL = Setting.choice("ODGM_OUTBOX_FULL",
      OutboxConfig.FullPolicy.BACKPRESSURE, policies(), "when a write's triggers do not fit: `backpressure` (the "
          + "write is retried for up to `ODGM_OUTBOX_FULL_WAIT_MS`, then refused with `RESOURCE_EXHAUSTED`, nothing "
          + "written), `reject-writes` (refused at once) or `drop-new` (written, its triggers dropped and counted)")
      .blankIsUnset(true);
  public static final Setting<Long> OUTBOX_FULL_WAIT_MS = Setting.millis("ODGM_OUTBOX_FULL_WAIT_MS", 1_000, 0, 60_000,
      "`backpressure`: how long a write waits for room in the outbox before it is refused");
  public static final Setting<Long> OUTBOX_MEMORY_BYTES = Setting.bytes("ODGM_OUTBOX_MEMORY_BYTES", 8L << 20, 1024,
      Long.MAX_VALUE, "unsent records kept in memory while the link is down, per shard");
  public static final Setting<Long> OUTBOX_TTL_MS = Setting.millis("ODGM_OUTBOX_TTL_MS", 86_400_000L, 1,
      Long.MAX_VALUE, "a record still undelivered after this long is expired (counted)");
  public static final Setting<Long> OUTBOX_RESUME_DELAY_MS = Setting.millis("ODGM_OUTBOX_RESUME_DELAY_MS", 1_000, 0,
      600_000, "after the router link comes back, records wait this long before they are published again");
  public static final Setting<Long> ACK_TIMEOUT_MS = Setting.millis("ODGM_EVENT_ACK_TIMEOUT_MS", 5_000, 1, 3_600_000,
      "acknowledged targets: first resend delay (doubling per attempt)");
  public static final Setting<Integer> ACK_MAX_ATTEMPTS = Setting.integer("ODGM_EVENT_ACK_MAX_ATTEMPTS", 5, 1, 100,
      "acknowledged targets: sends before the dead-letter key");

  /** The event pipeline's variables. */
  public static final SettingGroup EVENTS = SettingGroup.of("Events", ENABLED, MAX_TRIGGER_DEPTH,
      TRIGGER_TIMEOUT_MS, QUEUE_BOUND, MAX_BATCH_FANOUT, PAYLOAD_FORMAT, DISPATCH_THREADS, UPDATE_ON_SAME_VALUE,
      MAX_VALUE_BYTES);
  /** The outbox's variables. */
  public static final SettingGroup OUTBOX = SettingGroup.of("Outbox", OUTBOX_MAX_BYTES, OUTBOX_FULL, OUTBOX_FULL_WAIT_MS,
      OUTBOX_MEMORY_BYTES, OUTBOX_TTL_MS, OUTBOX_RESUME_DELAY_MS, ACK_TIMEOUT_MS, ACK_MAX_ATTEMPTS);

  private static Map<String, PayloadFormat> formats() {
    Map<String, PayloadFormat> m = new LinkedHashMap<>();
    m.put("json", PayloadFormat.JSON);
    m.put("protobuf", PayloadFormat.PROTOBUF);
    m.put("proto", PayloadFormat.PROTOBUF);
    return m;
  }

  private static Map<String, OutboxConfig.FullPolicy> policies() {
    Map<String, OutboxConfig.FullPolicy> m = new LinkedHashMap<>();
    m.put("drop-new", OutboxConfig.FullPolicy.DROP_NEW);
    m.put("reject-writes", OutboxConfig.FullPolicy.REJECT_WRITES);
    m.put("backpressure", OutboxConfig.FullPolicy.BACKPRESSURE);
    return m;
  }
}
