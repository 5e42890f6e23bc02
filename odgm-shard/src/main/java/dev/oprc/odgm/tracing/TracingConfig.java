package dev.oprc.odgm.tracing;

import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Settings;
import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * Whether and where the node exports traces: {@code endpoint} null means off ({@link #OFF}).
 * Immutable and thread-safe.
 *
 * @param endpoint    the OTLP/HTTP base URL ({@code OTEL_EXPORTER_OTLP_ENDPOINT}); spans go to
 *                    {@code <endpoint>/v1/traces}; null: no traces
 * @param serviceName the exported {@code service.name}
 */
public record TracingConfig(URI endpoint, String serviceName) {
  /** No traces: nothing of the OpenTelemetry SDK is created. */
  public static final TracingConfig OFF = new TracingConfig(null, TracingSettings.SERVICE_NAME.defaultValue());

  public TracingConfig {
    Objects.requireNonNull(serviceName, "serviceName");
  }

  /** True when traces are exported. */
  public boolean enabled() {
    return endpoint != null;
  }

  /**
   * Reads {@code env}.
   *
   * @throws ConfigException naming the first invalid variable and what it accepts
   */
  public static TracingConfig fromEnv(Map<String, String> env) {
    Settings s = Settings.of(env);
    s.get(TracingSettings.PROTOCOL); // only http/protobuf: anything else is refused here, naming the variable
    return new TracingConfig(s.get(TracingSettings.ENDPOINT), s.get(TracingSettings.SERVICE_NAME));
  }

  /** The URL spans are posted to: the base with {@code v1/traces} appended, as OpenTelemetry's exporters do. */
  public URI tracesUrl() {
    if (endpoint == null) {
      throw new IllegalStateException("traces are off");
    }
    String base = endpoint.toString();
    return URI.create(base.endsWith("/") ? base + "v1/traces" : base + "/v1/traces");
  }
}
