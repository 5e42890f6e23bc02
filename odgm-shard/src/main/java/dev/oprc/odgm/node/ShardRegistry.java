package dev.oprc.odgm.node;

import dev.oprc.odgm.events.AckRegistry;
import dev.oprc.odgm.events.DeliveryLink;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.DispatchPool;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.shard.NotFoundException;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.storage.ShardStorage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The shards this node serves: one {@link ObjectShard} per (collection, partition), each with its
 * own storage and outbox dispatcher (thread {@code odgm-events-<collection>-<partition>}), plus
 * each collection's function routes.
 *
 * <p>Immutable after construction; thread-safe.
 */
public final class ShardRegistry implements AutoCloseable {
  /** Collection option that makes every trigger of the collection acknowledged end to end. */
  public static final String ACK_OPTION = "odgm.event.ack";

  private final Map<String, CreateCollectionRequest> collections = new LinkedHashMap<>();
  private final Map<String, ObjectShard[]> shards = new LinkedHashMap<>();

  /** Opens one shard's storage. */
  @FunctionalInterface
  public interface StorageFactory {
    ShardStorage open(String collection, int partition, Function<ObjectEvent, TriggerIndex> compiler,
        long outboxMaxBytes);
  }

  /** What every shard of a node shares. */
  public record Wiring(EventConfig events, OutboxConfig outbox, Ids ids, DeliveryLink link, AckRegistry acks,
      StorageFactory storage, LongSupplier clock, DispatchPool pool) {}

  public ShardRegistry(List<CreateCollectionRequest> collections, Wiring w) {
    try {
      build(collections, w);
    } catch (RuntimeException e) {
      close(0); // stop the dispatcher threads already started
      throw e;
    }
  }

  private void build(List<CreateCollectionRequest> collections, Wiring w) {
    long shardId = 0;
    for (CreateCollectionRequest c : collections) {
      if (this.collections.putIfAbsent(c.getName(), c) != null) {
        throw new IllegalArgumentException("collection '" + c.getName() + "' is defined twice");
      }
      boolean ackAll = "true".equalsIgnoreCase(c.getOptionsMap().get(ACK_OPTION));
      ObjectShard[] parts = new ObjectShard[c.getPartitionCount()];
      shards.put(c.getName(), parts);
      for (int p = 0; p < parts.length; p++) {
        parts[p] = shard(c.getName(), p, shardId++, ackAll, w);
      }
    }
  }

  private static ObjectShard shard(String collection, int p, long shardId, boolean ackAll, Wiring w) {
    Function<ObjectEvent, TriggerIndex> compiler = ev -> TriggerIndex.compile(ev, w.ids()::entryKey);
    ShardStorage storage = w.storage().open(collection, p, compiler, w.outbox().maxBytes());
    OutboxDispatcher d = null;
    if (w.events().enabled()) {
      d = OutboxDispatcher.builder().events(w.events()).config(w.outbox()).store(storage.outbox()).link(w.link())
          .gate(storage.durability()).acks(w.acks()).pool(w.pool()).start();
    }
    return new ObjectShard(collection, p, shardId, storage, w.ids(), w.events(), d, w.clock(), ackAll);
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

  /** True when this node serves {@code collection}. */
  public boolean serves(String collection) {
    return shards.containsKey(collection);
  }

  /** Every shard, collection by collection. */
  public List<ObjectShard> all() {
    List<ObjectShard> out = new ArrayList<>();
    for (ObjectShard[] parts : shards.values()) {
      for (ObjectShard s : parts) {
        if (s != null) {
          out.add(s);
        }
      }
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

  /**
   * Stops every dispatcher, sharing {@code drainMillis} among them; true when all of their threads
   * ended (so the storage may be closed).
   */
  public boolean close(long drainMillis) {
    long deadline = System.currentTimeMillis() + drainMillis;
    boolean stopped = true;
    for (ObjectShard s : all()) {
      stopped &= s.close(Math.max(0, deadline - System.currentTimeMillis()));
    }
    return stopped;
  }

  @Override
  public void close() {
    close(5_000);
  }
}
