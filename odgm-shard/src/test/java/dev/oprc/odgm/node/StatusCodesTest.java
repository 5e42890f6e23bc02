package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Status codes where upstream is right, and validation where upstream is wrong (issue 9 §3). */
class StatusCodesTest {
  private final LoopbackTransport transport = new LoopbackTransport();
  private final AtomicInteger runs = new AtomicInteger();
  private final List<LogRecord> grpcLogs = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      grpcLogs.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final java.util.logging.Logger grpcLogger = java.util.logging.Logger.getLogger("io.grpc");
  private OdgmNode node;
  private ManagedChannel channel;
  private DataServiceGrpc.DataServiceBlockingStub data;
  private OprcFunctionGrpc.OprcFunctionBlockingStub fns;

  @BeforeEach
  void start() throws Exception {
    grpcLogger.addHandler(capture);
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(2)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("count", FuncInvokeRoute.newBuilder().setUrl("local:count").build())
            .putFnRoutes("crash", FuncInvokeRoute.newBuilder().setUrl("local:crash").build()))
        .build();
    NodeConfig cfg = NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"))
        .withCollections(List.of(orders));
    node = OdgmNode.builder().config(cfg).transport(transport)
        .ops(OpsConfig.embedded().withGrpcMaxMessageBytes(64 * 1024))
        .handler("count", call -> {
          runs.incrementAndGet();
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
        })
        .handler("crash", call -> {
          throw new IllegalStateException("the handler gave up");
        })
        .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext()
        .maxInboundMessageSize(16 << 20).build();
    data = DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    fns = OprcFunctionGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    grpcLogger.removeHandler(capture);
    channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    node.close();
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  private static Status status(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("expected an error status");
  }

  @Test
  void getValueOfAMissingKeyIsOkWithNoValueAndTheObjectVersion() {
    data.setValue(SetKeyRequest.newBuilder().setClsId("orders").setObjectId("o").setKey("a").setValue(val("1"))
        .build());
    ValueResponse r = data.getValue(SingleKeyRequest.newBuilder().setClsId("orders").setObjectId("o").setKey("b")
        .build());
    assertThat(r.hasValue()).isFalse();
    assertThat(r.getKey()).isEqualTo("b");
    assertThat(r.getObjectVersion()).isEqualTo(1);
  }

  @Test
  void getValueOfAMissingObjectIsOkWithNoValueAndNoVersion() {
    ValueResponse r = data.getValue(SingleKeyRequest.newBuilder().setClsId("orders").setObjectId("ghost").setKey("b")
        .build());
    assertThat(r.hasValue()).isFalse();
    assertThat(r.hasObjectVersion()).isFalse();
  }

  @Test
  void getValueOfAMissingCollectionIsStillNotFound() {
    assertThat(status(() -> data.getValue(SingleKeyRequest.newBuilder().setClsId("nope").setObjectId("o").setKey("k")
        .build())).getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void setWithoutObjectIsInvalidArgumentAndCreatesNothing() {
    Status s = status(() -> data.set(SetObjectRequest.newBuilder().setClsId("orders").setObjectId("o").build()));
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).contains("object is required");
    assertThat(node.shards().shard("orders", 0).count()).isZero();
  }

  @Test
  void mergeWithoutObjectIsInvalidArgument() {
    assertThat(status(() -> data.merge(SetObjectRequest.newBuilder().setClsId("orders").setObjectId("o").build()))
        .getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void invokeObjWithNoRouteIsNotFoundNamingTheFunctionAndCollection() {
    Status s = status(() -> fns.invokeObj(ObjectInvocationRequest.newBuilder().setClsId("orders").setObjectId("o")
        .setFnId("nope").build()));
    assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(s.getDescription()).contains("'nope'", "'orders'");
  }

  @Test
  void invokeFnWithNoRouteIsNotFound() {
    assertThat(status(() -> fns.invokeFn(InvocationRequest.newBuilder().setClsId("orders").setFnId("nope").build()))
        .getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void invokeObjOnAPartitionOutsideTheCollectionIsNotFoundAndDoesNotRun() {
    Status s = status(() -> fns.invokeObj(ObjectInvocationRequest.newBuilder().setClsId("orders").setPartitionId(9)
        .setObjectId("o").setFnId("count").build()));
    assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(s.getDescription()).contains("partition 9");
    assertThat(runs).hasValue(0);
  }

  @Test
  void invokeFnOnAPartitionOutsideTheCollectionIsNotFound() {
    assertThat(status(() -> fns.invokeFn(InvocationRequest.newBuilder().setClsId("orders").setPartitionId(2)
        .setFnId("count").build())).getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void aHandlerExceptionIsReportedWithoutItsJavaClassName() {
    InvocationResponse r = fns.invokeFn(InvocationRequest.newBuilder().setClsId("orders").setFnId("crash").build());
    assertThat(r.getStatus()).isEqualTo(ResponseStatus.SYSTEM_ERROR);
    assertThat(r.getPayload().toStringUtf8()).contains("the handler gave up").doesNotContain("Exception", "java.");
  }

  private InvocationResponse awaitResult(String key) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      for (LoopbackTransport.Put p : transport.puts) {
        if (p.key().equals(key)) {
          return InvocationResponse.parseFrom(p.payload());
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no result on " + key);
  }

  @Test
  void asyncPutWithAnInvalidObjectIdGetsInvalidRequestAndIsNotRun() throws Exception {
    transport.put("oprc/orders/0/objects/BAD ID!/async/count/i1",
        ObjectInvocationRequest.newBuilder().setFnId("count").build().toByteArray());
    InvocationResponse r = awaitResult("oprc/orders/0/objects/BAD ID!/results/count/async/i1");
    assertThat(r.getStatus()).isEqualTo(ResponseStatus.INVALID_REQUEST);
    assertThat(r.getInvocationId()).isEqualTo("i1");
    assertThat(runs).hasValue(0); // the result is published instead of running: nothing ran before it
  }

  @Test
  void asyncPutOnAPartitionOutsideTheCollectionGetsInvalidRequestAndIsNotRun() throws Exception {
    transport.put("oprc/orders/9/async/count/i2", InvocationRequest.newBuilder().setFnId("count").build()
        .toByteArray());
    InvocationResponse r = awaitResult("oprc/orders/9/results/count/async/i2");
    assertThat(r.getStatus()).isEqualTo(ResponseStatus.INVALID_REQUEST);
    assertThat(r.getPayload().toStringUtf8()).contains("partition 9", "0..1");
    assertThat(runs).hasValue(0);
  }

  /** Sends raw bytes as the request of DataService/SetValue. */
  private Status raw(byte[] body) {
    MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    };
    MethodDescriptor<byte[], byte[]> m = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("oprc.DataService/SetValue")
        .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
    ClientCall<byte[], byte[]> call = channel.newCall(m, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    return status(() -> ClientCalls.blockingUnaryCall(call, body));
  }

  @Test
  void aMalformedProtobufRequestIsInvalidArgumentWithoutAStackTrace() {
    for (int i = 0; i < 3; i++) {
      Status s = raw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("oprc.DataService/SetValue").doesNotContain("Exception", "java.");
    }
    assertThat(grpcLogs).noneMatch(r -> r.getThrown() != null || r.getLevel().intValue() >= Level.WARNING.intValue());
    // the node still serves
    data.setValue(SetKeyRequest.newBuilder().setClsId("orders").setObjectId("o").setKey("a").setValue(val("1"))
        .build());
  }

  @Test
  void anOversizedRequestIsResourceExhaustedWithoutAStackTrace() {
    SetKeyRequest big = SetKeyRequest.newBuilder().setClsId("orders").setObjectId("o").setKey("a")
        .setValue(ValData.newBuilder().setData(ByteString.copyFrom(new byte[100 * 1024]))).build();
    Status s = status(() -> data.setValue(big));
    assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(s.getDescription()).doesNotContain("Exception", "java.");
    assertThat(grpcLogs).noneMatch(r -> r.getThrown() != null || r.getLevel().intValue() >= Level.WARNING.intValue());
    data.setValue(SetKeyRequest.newBuilder().setClsId("orders").setObjectId("o").setKey("a").setValue(val("1"))
        .build());
  }
}
