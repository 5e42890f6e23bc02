package dev.oprc.odgm.node;

import dev.oprc.odgm.proto.InvocationResponse;

/**
 * An in-process function (SPI): the node runs it for invocations routed to {@code local:NAME}.
 * A handler that throws is reported as a SYSTEM_ERROR (and fires on_error triggers); return a
 * response with status APP_ERROR for an application failure.
 *
 * <p>A triggered invocation can arrive a moment before the write that fired it is visible to
 * readers on this node (events are queued inside the object's atomic update, so they stay in
 * version order). A handler that needs that state should compare the
 * {@code odgm-object-version} option with the version it reads.
 *
 * <p>Handlers are called concurrently from the node's invocation threads and must be thread-safe.
 */
@FunctionalInterface
public interface FunctionHandler {
  InvocationResponse invoke(FunctionCall call) throws Exception;
}
