package dev.oprc.odgm.logging;

import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;
import java.util.LinkedHashMap;
import java.util.Map;

/** The logging variables, declared once. Immutable. */
public final class LogSettings {
  public static final Setting<LogFilter> LOG = Setting.of("ODGM_LOG", LogFilter.DEFAULT,
      "`info`; Ratis, Netty, gRPC, RocksDB `warn`", LogFilter::parse,
      "comma-separated `level` or `target=level` directives (levels trace|debug|info|warn|error|off)",
      "log levels as upstream writes them (`info,openraft=info,zenoh=info,oprc_odgm=debug`): `oprc_odgm`, `zenoh`, "
          + "`openraft`, `tonic`/`h2`/`hyper`, `rocksdb` or a Java logger name; other targets are ignored with one "
          + "warning").blankIsUnset(true);
  public static final Setting<LogFormat> FORMAT = Setting.choice("LOG_FORMAT", LogFormat.TEXT, formats(),
      "`text` (time, level, thread, logger, message) or `json` (one JSON object per line)").blankIsUnset(true);

  /** The logging variables. */
  public static final SettingGroup LOGGING = SettingGroup.of("Logging", LOG, FORMAT);

  private LogSettings() {}

  private static Map<String, LogFormat> formats() {
    Map<String, LogFormat> m = new LinkedHashMap<>();
    m.put("text", LogFormat.TEXT);
    m.put("json", LogFormat.JSON);
    return m;
  }
}
