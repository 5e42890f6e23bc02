package dev.oprc.bench.load;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.CapabilitiesRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@link ClosedLoop.Operation}s of the scenarios, over gRPC async stubs. Lane {@code l} uses
 * channel {@code l mod channels}; every call has a 10 s deadline. The key written and read is
 * {@value #KEY}. Thread-safety: an operation is called by many lanes at once; per-object state
 * lives in {@link ObjectSet} (one lane per object) and {@link TriggerTracker}.
 */
final class Workloads {
  static final String KEY = "v";
  private static final long DEADLINE_MS = 10_000;
  private static final ByteString ECHO_PAYLOAD = ByteString.copyFromUtf8("load-harness-echo");

  private final DataServiceGrpc.DataServiceStub[] data;
  private final OprcFunctionGrpc.OprcFunctionStub[] fns;
  private final String collection;

  Workloads(List<ManagedChannel> channels, String collection) {
    this.data = channels.stream().map(DataServiceGrpc::newStub).toArray(DataServiceGrpc.DataServiceStub[]::new);
    this.fns = channels.stream().map(OprcFunctionGrpc::newStub).toArray(OprcFunctionGrpc.OprcFunctionStub[]::new);
    this.collection = collection;
  }

  /** The operation of {@code scenario}'s RPC. */
  ClosedLoop.Operation forScenario(Scenario scenario, ObjectSet objects, TriggerTracker tracker) {
    return switch (scenario.rpc()) {
      case CAPABILITIES -> this::capabilities;
      case SET_VALUE -> (lane, done) -> setValue(objects, tracker, lane, done);
      case GET_VALUE -> (lane, done) -> getValue(objects, lane, done);
      case INVOKE_OBJ -> (lane, done) -> invokeEcho(objects, lane, done);
    };
  }

  private DataServiceGrpc.DataServiceStub data(int lane) {
    return data[lane % data.length].withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS);
  }

  private void capabilities(int lane, ClosedLoop.Completion done) {
    data(lane).capabilities(CapabilitiesRequest.getDefaultInstance(), new Unary<>(done, null));
  }

  /** Writes the object's next version number as the value, so every write changes it. */
  private void setValue(ObjectSet objects, TriggerTracker tracker, int lane, ClosedLoop.Completion done) {
    int obj = objects.next(lane);
    long version = objects.version(obj) + 1;
    SetKeyRequest req = SetKeyRequest.newBuilder().setClsId(collection).setPartitionId(objects.partition(obj))
        .setObjectId(objects.id(obj)).setKey(KEY)
        .setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(Long.toString(version)))).build();
    tracker.sent(obj, version, System.nanoTime());
    data(lane).setValue(req, new Unary<>(err -> {
      if (err == null) {
        objects.acknowledged(obj, version);
      }
      tracker.acknowledged(obj, version, err == null);
      done.done(err);
    }, null));
  }

  private void getValue(ObjectSet objects, int lane, ClosedLoop.Completion done) {
    int obj = objects.next(lane);
    data(lane).getValue(SingleKeyRequest.newBuilder().setClsId(collection).setPartitionId(objects.partition(obj))
        .setObjectId(objects.id(obj)).setKey(KEY).build(), new Unary<>(done, null));
  }

  private void invokeEcho(ObjectSet objects, int lane, ClosedLoop.Completion done) {
    int obj = objects.next(lane);
    ObjectInvocationRequest req = ObjectInvocationRequest.newBuilder().setClsId(collection)
        .setPartitionId(objects.partition(obj)).setObjectId(objects.id(obj)).setFnId("echo")
        .setPayload(ECHO_PAYLOAD).build();
    fns[lane % fns.length].withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)
        .invokeObj(req, new Unary<>(done, r -> {
          if (r.getStatus() != dev.oprc.odgm.proto.ResponseStatus.OKAY) {
            throw new IllegalStateException("echo returned " + r.getStatus() + ": " + r.getPayload().toStringUtf8());
          }
        }));
  }

  /**
   * Adapts a unary response to a {@link ClosedLoop.Completion}: success on {@code onCompleted},
   * unless {@code check} threw on the response; failure on {@code onError}. Used by one call.
   */
  private static final class Unary<T> implements StreamObserver<T> {
    private final ClosedLoop.Completion done;
    private final Consumer<T> check;
    private Throwable failure;

    Unary(ClosedLoop.Completion done, Consumer<T> check) {
      this.done = done;
      this.check = check;
    }

    @Override
    public void onNext(T value) {
      if (check != null) {
        try {
          check.accept(value);
        } catch (RuntimeException e) {
          failure = e;
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      done.done(t);
    }

    @Override
    public void onCompleted() {
      done.done(failure);
    }
  }
}
