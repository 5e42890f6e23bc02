package dev.oprc.odgm.ops;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: scrapes {@code /metrics} over HTTP and parses it with the reference Python parser
 * ({@code prometheus_client.parser}), returning every sample as {@code name{k="v",...}} (labels
 * sorted) to value. A text the parser rejects fails the test.
 */
public final class PrometheusText {
  private static final String PARSER = """
      import sys
      from prometheus_client.parser import text_string_to_metric_families
      for fam in text_string_to_metric_families(sys.stdin.read()):
          for s in fam.samples:
              labels = ','.join('%s="%s"' % (k, s.labels[k]) for k in sorted(s.labels))
              print('%s{%s} %r' % (s.name, labels, s.value))
              print('#family %s{%s} 0' % (fam.name, labels))
      """;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private PrometheusText() {}

  /** GET {@code path} on {@code port}: status and body. */
  public static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Scrapes and parses. */
  public static Map<String, Double> scrape(int port) throws IOException, InterruptedException {
    Map<String, Double> all = parseAll(body(port));
    all.keySet().removeIf(k -> k.startsWith(FAMILY));
    return all;
  }

  /**
   * Scrapes and returns the names of the metric families (as prometheus_client names them:
   * {@code odgm_events_matched} for {@code odgm_events_matched_total}) with a sample carrying
   * the label {@code name="value"}.
   */
  public static java.util.Set<String> familiesLabelled(int port, String name, String value)
      throws IOException, InterruptedException {
    String label = name + "=\"" + value + "\"";
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (String k : parseAll(body(port)).keySet()) {
      if (k.startsWith(FAMILY) && (k.contains("{" + label) || k.contains("," + label))) {
        out.add(k.substring(FAMILY.length(), k.indexOf('{')));
      }
    }
    return out;
  }

  private static final String FAMILY = "#family ";

  private static String body(int port) throws IOException, InterruptedException {
    HttpResponse<String> r = get(port, "/metrics");
    if (r.statusCode() != 200) {
      throw new AssertionError("/metrics answered " + r.statusCode());
    }
    return r.body();
  }

  /** Parses Prometheus text with prometheus_client. */
  public static Map<String, Double> parse(String text) throws IOException, InterruptedException {
    Map<String, Double> all = parseAll(text);
    all.keySet().removeIf(k -> k.startsWith(FAMILY));
    return all;
  }

  private static Map<String, Double> parseAll(String text) throws IOException, InterruptedException {
    Path script = Files.createTempFile("prom-parse-", ".py");
    try {
      Files.writeString(script, PARSER, StandardCharsets.UTF_8);
      Process p = new ProcessBuilder("python3", script.toString()).redirectErrorStream(true).start();
      p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("prometheus_client rejected the scrape:\n" + out);
      }
      Map<String, Double> samples = new HashMap<>();
      for (String line : out.split("\n", -1)) {
        int sp = line.lastIndexOf(' ');
        if (sp > 0) {
          String v = line.substring(sp + 1).replace("inf", "Infinity").replace("nan", "NaN");
          samples.put(line.substring(0, sp), Double.parseDouble(v));
        }
      }
      return samples;
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
