package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.ops.GrpcLogGuard;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.ListValuesRequest;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueEnvelope;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that cancels a call while the node still has reply data to write is expected client
 * behaviour: the node counts it and logs no stack trace (grpc-java logs it as a WARNING "Stream
 * Error" with one); a stream error that is not a cancelled write still gets logged.
 */
class CancelledCallLogTest {
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logged.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final Logger handlerLog = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");
  private OdgmNode node;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    node = OdgmNode.builder().config(NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory")))
        .transport(new LoopbackTransport()).start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
    handlerLog.addHandler(capture);
  }

  @AfterEach
  void stop() throws Exception {
    handlerLog.removeHandler(capture);
    channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    node.close();
  }

  @Test
  void aCallCancelledBeforeItsReplyIsWrittenIsCountedAndNotLoggedAsAnError() throws Exception {
    DataServiceGrpc.DataServiceBlockingStub data = DataServiceGrpc.newBlockingStub(channel);
    ValData tenKb = ValData.newBuilder().setData(ByteString.copyFrom(new byte[10 * 1024])).build();
    for (int batch = 0; batch < 5; batch++) { // 8 MB of entries: far more than the client's 1 MB window
      BatchSetValuesRequest.Builder b = BatchSetValuesRequest.newBuilder().setClsId("example").setObjectId("big");
      for (int i = 0; i < 160; i++) {
        b.putValues("k" + batch + "-" + (1000 + i), tenKb);
      }
      data.batchSetValues(b.build());
    }
    long before = GrpcLogGuard.cancelled();
    // whether a reply write is still pending when the cancel lands is a race the machine's load decides:
    // cancel again until one is counted (each attempt leaves 8 MB of reply behind a 1 MB window)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (GrpcLogGuard.cancelled() == before && System.nanoTime() < deadline) {
      try (Context.CancellableContext ctx = Context.current().withCancellation()) {
        Iterator<ValueEnvelope> page = ctx.call(() -> data.listValues(ListValuesRequest.newBuilder()
            .setClsId("example").setObjectId("big").setLimit(1000).build()));
        assertThat(page.next().getKey()).isEqualTo("k0-1000");
        ctx.cancel(null); // RST_STREAM while most of the reply waits for the window
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (GrpcLogGuard.cancelled() == before && System.nanoTime() < until) {
        Thread.sleep(10);
      }
    }
    assertThat(GrpcLogGuard.cancelled()).as("the unwritten reply is counted").isGreaterThan(before);
    assertThat(logged).as("nothing logged for it, no stack trace").isEmpty();
  }

  @Test
  void otherStreamErrorsAreStillLogged() {
    LogRecord r = new LogRecord(Level.WARNING, "Stream Error");
    r.setThrown(Http2Exception.streamError(3, Http2Error.PROTOCOL_ERROR, "bad frame"));
    handlerLog.log(r);
    assertThat(logged).containsExactly(r);
  }
}
