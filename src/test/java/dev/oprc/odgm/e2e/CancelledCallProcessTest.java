package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.ListValuesRequest;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueEnvelope;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import io.grpc.Context;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that cancels a call while the node process still has reply data to write: the node
 * counts it ({@code odgm_grpc_server_cancelled_writes_total}) and its log has no stack trace. The
 * node is stopped and has exited before its log is read, so the log is complete.
 */
class CancelledCallProcessTest {
  private static String metrics(int port) throws Exception {
    HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/metrics").toURL()
        .openConnection();
    try (InputStream in = c.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }

  @Test
  void aCancelledCallLeavesNoStackTraceInTheNodeLog() throws Exception {
    int metricsPort = ZenohRouterProcess.freePort();
    NodeProcess n = NodeProcess.start(Map.of("ODGM_STORAGE", "memory", "ODGM_METRICS_PORT",
        Integer.toString(metricsPort)));
    try (n) {
      ValData tenKb = ValData.newBuilder().setData(ByteString.copyFrom(new byte[10 * 1024])).build();
      for (int batch = 0; batch < 5; batch++) { // 8 MB of entries: far more than the client's 1 MB window
        BatchSetValuesRequest.Builder b = BatchSetValuesRequest.newBuilder().setClsId("example").setObjectId("big");
        for (int i = 0; i < 160; i++) {
          b.putValues("k" + batch + "-" + (1000 + i), tenKb);
        }
        n.data().batchSetValues(b.build());
      }
      // whether a reply write is still pending when the cancel lands is a race the machine's load decides:
      // cancel again until the node counts one (each attempt leaves 8 MB of reply behind a 1 MB window)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      java.util.regex.Pattern counted = java.util.regex.Pattern.compile(
          "(?m)^odgm_grpc_server_cancelled_writes_total(\\{\\})? [1-9]");
      while (!counted.matcher(metrics(metricsPort)).find()) {
        assertThat(System.nanoTime()).as("an unwritten reply is counted:\n" + n.output()).isLessThan(deadline);
        try (Context.CancellableContext ctx = Context.current().withCancellation()) {
          Iterator<ValueEnvelope> page = ctx.call(() -> n.data().listValues(ListValuesRequest.newBuilder()
              .setClsId("example").setObjectId("big").setLimit(1000).build()));
          assertThat(page.next().getKey()).isEqualTo("k0-1000");
          ctx.cancel(null); // RST_STREAM while most of the reply waits for the window
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < until && !counted.matcher(metrics(metricsPort)).find()) {
          Thread.sleep(50);
        }
      }
    }
    assertThat(n.exited()).as("the node exited, so its log is complete").isTrue();
    assertThat(n.output()).contains("shutting down").doesNotContain("StreamException", "Stream Error")
        .doesNotContainPattern("(?m)^\\s+at ");
  }
}
