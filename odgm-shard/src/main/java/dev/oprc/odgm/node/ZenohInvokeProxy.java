package dev.oprc.odgm.node;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.shard.Ids;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Forwards a gRPC {@code InvokeFn} / {@code InvokeObj} for a collection this node does not serve
 * to the node that does, as a Zenoh get on {@code oprc/{c}/{p}/invokes/{fn}} or
 * {@code oprc/{c}/{p}/objects/{id}/invokes/{fn}} with the request as payload (as upstream's
 * ObjectProxy), within the call's remaining deadline. The first OK reply is the answer; no reply
 * at all means no node serves it (NOT_FOUND naming the function and collection); an ERR reply
 * becomes INTERNAL with its text; no answer before the deadline, DEADLINE_EXCEEDED.
 *
 * <p>Stateless; thread-safe.
 */
final class ZenohInvokeProxy {
  private final NodeTransport transport;
  private final Ids ids;

  ZenohInvokeProxy(NodeTransport transport, Ids ids) {
    this.transport = transport;
    this.ids = ids;
  }

  CompletableFuture<InvocationResponse> invokeFn(InvocationRequest req, Duration timeout) {
    String key = ApiKey.prefix(chunk("cls_id", req.getClsId()), req.getPartitionId()) + "/invokes/"
        + chunk("fn_id", req.getFnId());
    return call(key, req.toByteArray(), timeout, req.getFnId(), req.getClsId());
  }

  CompletableFuture<InvocationResponse> invokeObj(ObjectInvocationRequest req, Duration timeout) {
    String oid = ids.objectId(req.getObjectId());
    String key = ApiKey.prefix(chunk("cls_id", req.getClsId()), req.getPartitionId()) + "/objects/" + oid
        + "/invokes/" + chunk("fn_id", req.getFnId());
    return call(key, req.toBuilder().setObjectId(oid).build().toByteArray(), timeout, req.getFnId(), req.getClsId());
  }

  /** A key chunk: not empty, no '/', no wildcard or reserved character; IllegalArgumentException otherwise. */
  static String chunk(String field, String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException(field + " is required");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '/' || c == '*' || c == '$' || c == '#' || c == '?' || c < 0x20) {
        throw new IllegalArgumentException(field + " '" + value + "' contains '" + c
            + "', which cannot be part of a Zenoh key");
      }
    }
    return value;
  }

  private CompletableFuture<InvocationResponse> call(String key, byte[] payload, Duration timeout, String fn,
      String cls) {
    long start = System.nanoTime();
    return transport.get(key, payload, timeout).thenApply(replies -> answer(replies, key, fn, cls,
        // a router's own timeout arrives as an ERR "Timeout" just before ours
        Duration.ofNanos(System.nanoTime() - start).plusMillis(100).compareTo(timeout) >= 0));
  }

  private static InvocationResponse answer(List<NodeTransport.QueryReply> replies, String key, String fn, String cls,
      boolean timedOut) {
    NodeTransport.QueryReply err = null;
    for (NodeTransport.QueryReply r : replies) {
      if (r.ok()) {
        try {
          return InvocationResponse.parseFrom(r.payload());
        } catch (InvalidProtocolBufferException e) {
          throw Status.INTERNAL.withDescription("malformed InvocationResponse from the node serving '" + key + "': "
              + e.getMessage()).asRuntimeException();
        }
      }
      err = err == null ? r : err;
    }
    if (timedOut) {
      throw Status.DEADLINE_EXCEEDED.withDescription("no reply on '" + key + "' before the deadline")
          .asRuntimeException();
    }
    if (err != null) {
      throw Status.INTERNAL.withDescription("the node serving '" + key + "' replied an error: "
          + new String(err.payload(), StandardCharsets.UTF_8)).asRuntimeException();
    }
    throw Status.NOT_FOUND.withDescription("function '" + fn + "' of collection '" + cls
        + "' is not served by this node, and no node answered on '" + key + "'").asRuntimeException();
  }
}
