package dev.oprc.odgm.node;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Functions every node hosts under {@code local:}: {@code echo} returns its payload, {@code log}
 * logs the invocation (a trigger's JSON payload is readable) and returns it, {@code fail} returns
 * APP_ERROR. They make the embedded example collection useful without a function runtime.
 */
final class BuiltinFunctions {
  private static final Logger log = LoggerFactory.getLogger("odgm.function.log");

  private BuiltinFunctions() {}

  static Map<String, FunctionHandler> all() {
    return Map.of(
        "echo", call -> ok(call.payload()),
        "log", call -> {
          log.info("invoked {}/{}/{}{} id={} options={} payload={}", call.clsId(), call.partitionId(), call.fnId(),
              call.objectId() == null ? "" : " object=" + call.objectId(), call.invocationId(), call.options(),
              new String(call.payload(), StandardCharsets.UTF_8));
          return ok(call.payload());
        },
        "fail", call -> InvocationResponse.newBuilder().setStatus(ResponseStatus.APP_ERROR)
            .setPayload(ByteString.copyFromUtf8("fail: this function always fails")).build());
  }

  private static InvocationResponse ok(byte[] payload) {
    return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).setPayload(ByteString.copyFrom(payload))
        .build();
  }
}
