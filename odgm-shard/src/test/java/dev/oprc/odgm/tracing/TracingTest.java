package dev.oprc.odgm.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.settings.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingTest {
  @Test
  void withTheEndpointUnsetNoSdkOrExporterIsCreated() {
    TracingConfig config = TracingConfig.fromEnv(Map.of("OTEL_SERVICE_NAME", "svc"));
    assertThat(config.enabled()).isFalse();
    try (Tracing t = Tracing.start(config, 1)) {
      assertThat(t).isSameAs(Tracing.OFF).isNotInstanceOf(OtelTracing.class);
    }
  }

  @Test
  void tracingOffHandsOutTheNoSpanFromEveryCall() {
    assertThat(Tracing.OFF.enabled()).isFalse();
    assertThat(Tracing.OFF.startWrite("w", "c", 0, null)).isSameAs(TraceSpan.NONE);
    assertThat(Tracing.OFF.startDispatch("k", null)).isSameAs(TraceSpan.NONE);
    assertThat(Tracing.OFF.startInvocation("c", 0, "f", "id", null)).isSameAs(TraceSpan.NONE);
    assertThat(TraceSpan.NONE.traceparent()).isNull();
  }

  @Test
  void aBlankEndpointIsUnset() {
    assertThat(TracingConfig.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " ")).enabled()).isFalse();
  }

  @Test
  void spansArePostedToTheEndpointsV1TracesPath() {
    assertThat(TracingConfig.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")).tracesUrl())
        .hasToString("http://collector:4318/v1/traces");
    assertThat(TracingConfig.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c/otlp/")).tracesUrl())
        .hasToString("https://c/otlp/v1/traces");
  }

  @Test
  void anEndpointThatIsNotAnHttpUrlIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> TracingConfig.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")))
        .isExactlyInstanceOf(ConfigException.class).hasMessageStartingWith("OTEL_EXPORTER_OTLP_ENDPOINT='collector:4318'");
  }

  @Test
  void theGrpcProtocolIsRefusedSayingWhatIsAccepted() {
    assertThatThrownBy(() -> TracingConfig.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))).isExactlyInstanceOf(ConfigException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_PROTOCOL='grpc'").hasMessageContaining("http/protobuf");
  }
}
