package dev.oprc.odgm.tracing;

import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/** The trace variables (OpenTelemetry's standard names), declared once. Immutable. */
public final class TracingSettings {
  /** The value of {@link #PROTOCOL} this node supports. */
  public static final String HTTP_PROTOBUF = "http/protobuf";

  public static final Setting<URI> ENDPOINT = Setting.of("OTEL_EXPORTER_OTLP_ENDPOINT", null, "unset (no traces)",
      TracingSettings::endpoint, "an http:// or https:// URL with a host, e.g. http://collector:4318",
      "OTLP/HTTP collector base URL: when set, spans of writes, outbox dispatches and triggered invocations are "
          + "exported to `<url>/v1/traces` (see [Traces](#traces-opentelemetry)); unset, nothing is traced")
      .blankIsUnset(true);
  public static final Setting<String> SERVICE_NAME = Setting.of("OTEL_SERVICE_NAME", "odgm", "odgm",
      TracingSettings::serviceName, "a non-blank name", "`service.name` of the exported spans").blankIsUnset(true);
  public static final Setting<String> PROTOCOL = Setting.choice("OTEL_EXPORTER_OTLP_PROTOCOL", HTTP_PROTOBUF,
      Map.of(HTTP_PROTOBUF, HTTP_PROTOBUF), "OTLP transport: `http/protobuf` only (`grpc` is refused at start; "
          + "point `OTEL_EXPORTER_OTLP_ENDPOINT` at the collector's OTLP/HTTP port, usually 4318)")
      .blankIsUnset(true);

  /** The trace variables. */
  public static final SettingGroup TRACES = SettingGroup.of("Traces", ENDPOINT, SERVICE_NAME, PROTOCOL);

  private TracingSettings() {}

  private static URI endpoint(String text) {
    URI u = URI.create(text); // IllegalArgumentException: not a URI
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getQuery() != null) {
      throw new IllegalArgumentException("not an http(s) URL with a host");
    }
    return u;
  }

  private static String serviceName(String text) {
    if (text.isBlank()) {
      throw new IllegalArgumentException("blank");
    }
    return text;
  }
}
