package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.testing.PythonZenohProcess;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.TestCertificates;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's Zenoh links over TLS, as a real process: a peer-mode node listening on {@code tls}
 * with mutual TLS fires its triggers to a real Zenoh peer (eclipse-zenoh, rustls) that joined with
 * a certificate; a client-mode node configured by upstream's {@code OPRC_ZENOH_CONFIG} file fires
 * them through a mutual-TLS router. Each write's trigger arrives once.
 */
class ZenohTlsProcessTest {
  private static final String TRIGGERS = "oprc/sink/0/async/fire/*";
  private static final String COLLECTION = "[{\"name\":\"tlsc\",\"partitionCount\":1}]";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int WRITES = 20;

  @TempDir
  Path dir;

  private static void write(NodeProcess n, String id) {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId("sink").setPartitionId(0).setFnId("fire")).build()).build();
    n.data().set(SetObjectRequest.newBuilder().setClsId("tlsc").setPartitionId(0).setObjectId(id)
        .setObject(ObjData.newBuilder().setEvent(ev)
            .putEntries("k", ValData.newBuilder().setData(ByteString.copyFromUtf8(id)).build())).build());
  }

  /** True for a trigger PUT whose event names source object {@code id}. */
  private static Predicate<ReceivedSample> from(String id) {
    return s -> {
      try {
        return InvocationRequest.parseFrom(s.payload()).getPayload().toString(StandardCharsets.UTF_8)
            .contains("\"source_object_id\":\"" + id + "\"");
      } catch (InvalidProtocolBufferException e) {
        return false;
      }
    };
  }

  /** Writes probe objects until one's trigger arrives: the node's link to {@code sink} is up. */
  private static void awaitLinked(NodeProcess n, PythonZenohProcess sink) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (int i = 0; sink.samples().isEmpty(); i++) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no trigger reached the TLS peer within " + WAIT + ":\n" + n.output()
            + "\nPython: " + sink.stderr());
      }
      write(n, "probe-" + i);
      Thread.sleep(200);
    }
  }

  /** WRITES objects, then each one's trigger, once, at {@code sink}. */
  private static void eachWriteFiresOnce(NodeProcess n, PythonZenohProcess sink) {
    for (int i = 0; i < WRITES; i++) {
      write(n, String.format("obj-%03d", i));
    }
    Predicate<ReceivedSample> ours = s -> false;
    for (int i = 0; i < WRITES; i++) {
      ours = ours.or(from(String.format("obj-%03d", i)));
    }
    sink.awaitSamples(WRITES, ours, WAIT);
    write(n, "marker"); // anything of the writes still on its way arrives before the marker's trigger
    sink.awaitSamples(1, from("marker"), WAIT);
    List<ReceivedSample> got = sink.samples().stream().filter(ours).toList();
    Set<String> keys = got.stream().map(ReceivedSample::key).collect(Collectors.toSet());
    assertThat(got).as("trigger PUTs of the writes").hasSize(WRITES);
    assertThat(keys).as("distinct invocation keys").hasSize(WRITES);
  }

  @Test
  void aPeerNodeListeningOnTlsFiresTriggersToAMutualTlsPeer() throws Exception {
    TestCertificates ca = TestCertificates.authority(dir, "ca");
    TestCertificates.Issued node = ca.issue("node");
    int zenohPort = ZenohRouterProcess.freePort();
    Map<String, String> env = new HashMap<>(Map.of("ODGM_STORAGE", "memory", "ODGM_COLLECTION", COLLECTION,
        "OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", Integer.toString(zenohPort), "OPRC_ZENOH_PROTOCOL", "tls",
        "OPRC_ZENOH_TLS_ENABLE_MTLS", "true"));
    env.put("OPRC_ZENOH_TLS_ROOT_CA_CERTIFICATE", ca.caCert().toString());
    env.put("OPRC_ZENOH_TLS_LISTEN_CERTIFICATE", node.cert().toString());
    env.put("OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY", node.key().toString());
    try (NodeProcess n = NodeProcess.start(env);
         PythonZenohProcess peer = PythonZenohProcess.start("peer", null, List.of("tls/127.0.0.1:" + zenohPort), 0,
             PythonZenohProcess.tlsOptions(ca.caCert(), ca.issue("py"), true), TRIGGERS)) {
      awaitLinked(n, peer);
      eachWriteFiresOnce(n, peer);
      assertThat(n.output()).contains("listening on tls/");
    }
  }

  @Test
  void aClientNodeConfiguredByUpstreamsFileFiresTriggersThroughAMutualTlsRouter() throws Exception {
    TestCertificates ca = TestCertificates.authority(dir, "ca");
    TestCertificates.Issued node = ca.issue("node");
    Path config = Files.writeString(dir.resolve("zenoh.json5"), """
        {
          // upstream's OPRC_ZENOH_CONFIG: only transport.link.tls is read
          transport: { link: { tls: {
            root_ca_certificate: "%s",
            connect_certificate: "%s",
            connect_private_key: "%s",
            enable_mtls: true,
          } } },
        }
        """.formatted(ca.caCert(), node.cert(), node.key()));
    try (ZenohRouterProcess router = ZenohRouterProcess.startTls(ca.issue("router"), true, TRIGGERS);
         NodeProcess n = NodeProcess.start(Map.of("ODGM_STORAGE", "memory", "ODGM_COLLECTION", COLLECTION,
             "OPRC_ZENOH_PEERS", router.endpoint(), "OPRC_ZENOH_CONFIG", config.toString(),
             "ODGM_REQUIRE_ROUTER", "true", "OPRC_ZENOH_CONNECT_TIMEOUT_MS", "60000"))) {
      awaitLinked(n, router);
      eachWriteFiresOnce(n, router);
    }
  }
}
