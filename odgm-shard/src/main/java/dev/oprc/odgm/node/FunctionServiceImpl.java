package dev.oprc.odgm.node;

import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import io.grpc.stub.StreamObserver;
import java.util.UUID;

/**
 * ODGM's own {@code oprc.OprcFunction}: a synchronous invocation of a function hosted by this
 * node. The function's outcome is returned and, for object invocations, fires the object's
 * function triggers (see {@link FunctionInvoker}).
 */
final class FunctionServiceImpl extends OprcFunctionGrpc.OprcFunctionImplBase {
  private final FunctionInvoker invoker;

  FunctionServiceImpl(FunctionInvoker invoker) {
    this.invoker = invoker;
  }

  @Override
  public void invokeFn(InvocationRequest req, StreamObserver<InvocationResponse> out) {
    try {
      out.onNext(invoker.invoke(req.getClsId(), req.getPartitionId(), req.getFnId(), null, req.getOptionsMap(),
          req.getPayload().toByteArray(), UUID.randomUUID().toString()));
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(DataServiceImpl.toStatus(e));
    }
  }

  @Override
  public void invokeObj(ObjectInvocationRequest req, StreamObserver<InvocationResponse> out) {
    try {
      if (!req.hasObjectId() || req.getObjectId().isEmpty()) {
        throw new IllegalArgumentException("object_id is required for InvokeObj");
      }
      out.onNext(invoker.invoke(req.getClsId(), req.getPartitionId(), req.getFnId(), req.getObjectId(),
          req.getOptionsMap(), req.getPayload().toByteArray(), UUID.randomUUID().toString()));
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(DataServiceImpl.toStatus(e));
    }
  }
}
