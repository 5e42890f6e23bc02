package dev.oprc.odgm.events;

import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;

/**
 * The variables of change streams ({@link ChangeConfig}), each declared once: name, default, check
 * and the README's one-line doc. Stateless.
 */
public final class ChangeSettings {
  private ChangeSettings() {}

  public static final Setting<Boolean> PUBLISH = Setting.bool("ODGM_ZENOH_EVENT_PUBLISH", false,
      "true: every committed write publishes one JSON change event on `oprc/{cls}/{pid}/events/{oid}` (upstream's "
          + "key and fields plus `version`, `seq`, `timestamp`) and keeps it in the partition's change log");
  public static final Setting<Boolean> VALUES = Setting.bool("ODGM_CHANGE_EVENT_VALUES", false,
      "true: change events carry each created or updated entry's new value (`value`, base64)");
  public static final Setting<Integer> MAX_VALUE_BYTES = Setting.integer("ODGM_CHANGE_EVENT_MAX_VALUE_BYTES", 4096, 0,
      16 << 20, "values in change events are cut to this many bytes (flagged `value_truncated`, counted in "
          + "`odgm_changes_values_truncated_total`)").accepting("bytes 0..16777216");
  public static final Setting<Integer> QUEUE_BOUND = Setting.integer("ODGM_CHANGE_QUEUE_BOUND", 65_536, 1, 1 << 22,
      "committed change events waiting to be published (node-wide); when full, live events are dropped and counted "
          + "(they stay in the change log for resume)");

  /**
   * 100k events of about 200 bytes are 20 MiB per partition: a client may be away for a while
   * without a memory node's heap filling up (with `memory` the log is in the heap).
   */
  public static final Setting<Long> LOG_MAX_COUNT = Setting.longInteger("ODGM_CHANGE_LOG_MAX_COUNT", 100_000L, 1L,
      Long.MAX_VALUE, "change events retained per partition for resume; older ones are trimmed (a resume from "
          + "before them gets the gap reply)");
  public static final Setting<Long> LOG_MAX_BYTES = Setting.bytes("ODGM_CHANGE_LOG_MAX_BYTES", 64L << 20, 1024,
      1L << 40, "about this many bytes of change events retained per partition (on disk with RocksDB, in the heap "
          + "with `memory`)");
  public static final Setting<Long> LOG_MAX_AGE_MS = Setting.millis("ODGM_CHANGE_LOG_MAX_AGE_MS", 86_400_000L, 1,
      Long.MAX_VALUE, "change events older than this are trimmed");

  /** The change-stream variables. */
  public static final SettingGroup CHANGES = SettingGroup.of("Change streams", PUBLISH, VALUES, MAX_VALUE_BYTES,
      QUEUE_BOUND, LOG_MAX_COUNT, LOG_MAX_BYTES, LOG_MAX_AGE_MS);
}
