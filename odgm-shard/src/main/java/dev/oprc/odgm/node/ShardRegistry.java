package dev.oprc.odgm.node;

import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.EventDispatcher;
import dev.oprc.odgm.events.EventPublisher;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.shard.InMemoryShardStorage;
import dev.oprc.odgm.shard.NotFoundException;
import dev.oprc.odgm.shard.ObjectShard;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The shards this node serves: one {@link ObjectShard} per (collection, partition), each with its
 * own event dispatcher (thread {@code odgm-events-<collection>-<partition>-0}), plus each
 * collection's function routes.
 *
 * <p>Immutable after construction; thread-safe.
 */
public final class ShardRegistry implements AutoCloseable {
  private final Map<String, CreateCollectionRequest> collections = new LinkedHashMap<>();
  private final Map<String, ObjectShard[]> shards = new LinkedHashMap<>();

  public ShardRegistry(List<CreateCollectionRequest> collections, EventConfig events, Ids ids,
      EventPublisher publisher, LongSupplier clock) {
    try {
      build(collections, events, ids, publisher, clock);
    } catch (RuntimeException e) {
      close(0); // stop the dispatcher threads already started
      throw e;
    }
  }

  private void build(List<CreateCollectionRequest> collections, EventConfig events, Ids ids,
      EventPublisher publisher, LongSupplier clock) {
    long shardId = 0;
    for (CreateCollectionRequest c : collections) {
      if (this.collections.putIfAbsent(c.getName(), c) != null) {
        throw new IllegalArgumentException("collection '" + c.getName() + "' is defined twice");
      }
      ObjectShard[] parts = new ObjectShard[c.getPartitionCount()];
      for (int p = 0; p < parts.length; p++) {
        EventDispatcher d = events.enabled()
            ? EventDispatcher.start(events, publisher, dev.oprc.odgm.events.InvocationIdGenerator.unique(),
                "odgm-events-" + c.getName() + "-" + p)
            : null;
        parts[p] = new ObjectShard(c.getName(), p, shardId++, new InMemoryShardStorage(), ids, events, d, clock);
      }
      shards.put(c.getName(), parts);
    }
  }

  /** The shard for {@code collection}/{@code partition}, or NOT_FOUND naming what is missing. */
  public ObjectShard shard(String collection, int partition) {
    ObjectShard[] parts = shards.get(collection);
    if (parts == null) {
      throw new NotFoundException("collection '" + collection + "' is not served by this node (serving: "
          + shards.keySet() + ")");
    }
    if (partition < 0 || partition >= parts.length) {
      throw new NotFoundException("partition " + Integer.toUnsignedString(partition) + " of collection '"
          + collection + "' does not exist (partitions 0.." + (parts.length - 1) + ")");
    }
    return parts[partition];
  }

  /** Every shard, collection by collection. */
  public List<ObjectShard> all() {
    List<ObjectShard> out = new ArrayList<>();
    for (ObjectShard[] parts : shards.values()) {
      out.addAll(List.of(parts));
    }
    return out;
  }

  public List<CreateCollectionRequest> collections() {
    return List.copyOf(collections.values());
  }

  /** The route of {@code fn} in {@code collection}, or null when it has none or it is disabled. */
  public FuncInvokeRoute route(String collection, String fn) {
    CreateCollectionRequest c = collections.get(collection);
    if (c == null || !c.hasInvocations() || c.getInvocations().getDisabledFnList().contains(fn)) {
      return null;
    }
    return c.getInvocations().getFnRoutesMap().get(fn);
  }

  /** Stops every dispatcher, sharing {@code drainMillis} among them. */
  public void close(long drainMillis) {
    long deadline = System.currentTimeMillis() + drainMillis;
    for (ObjectShard s : all()) {
      s.close(Math.max(0, deadline - System.currentTimeMillis()));
    }
  }

  @Override
  public void close() {
    close(5_000);
  }
}
