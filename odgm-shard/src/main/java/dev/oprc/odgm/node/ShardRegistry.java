package dev.oprc.odgm.node;

import dev.oprc.odgm.events.AckRegistry;
import dev.oprc.odgm.events.DeliveryLink;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.DispatchPool;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.metrics.NodeMeterRegistry;
import dev.oprc.odgm.metrics.PartitionMeters;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.shard.NotFoundException;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.ShardMeters;
import dev.oprc.odgm.storage.ShardStorage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The shards this node serves: one {@link ObjectShard} per (collection, partition) it owns, each
 * with its own storage and outbox dispatcher (thread {@code odgm-events-<collection>-<partition>}),
 * plus each collection's function routes. An open shard's counters and gauges are registered
 * with the node's {@link NodeMeterRegistry} ({@link ShardMeters}) and removed when it closes. In a cluster, partitions are opened and released as
 * this node gains and loses their ownership; {@link #shard} of a partition not open here throws
 * {@link dev.oprc.odgm.cluster.NotOwnerException}.
 *
 * <p>Thread-safe: the collections are fixed at construction, open and release are serialized.
 */
public final class ShardRegistry implements AutoCloseable {
  /** Collection option that makes every trigger of the collection acknowledged end to end. */
  public static final String ACK_OPTION = "odgm.event.ack";

  private final Map<String, CreateCollectionRequest> collections = new LinkedHashMap<>();
  private final UnroutedTargets unrouted = new UnroutedTargets(collections::containsKey, (c, fn) -> route(c, fn) != null);
  private final Map<String, AtomicReferenceArray<ObjectShard>> shards = new LinkedHashMap<>();
  private final Map<String, Long> firstShardId = new LinkedHashMap<>();
  private final Map<ObjectShard, PartitionMeters> meters = new HashMap<>(); // guarded by this
  private final Wiring wiring;
  private boolean closed; // guarded by this
  private volatile boolean closedStopped = true; // what the first close returned

  /** Opens one shard's storage. */
  @FunctionalInterface
  public interface StorageFactory {
    ShardStorage open(String collection, int partition, Function<ObjectEvent, TriggerIndex> compiler,
        long outboxMaxBytes);
  }

  /** What every shard of a node shares; {@code changes} is null when change streams are off. */
  public record Wiring(EventConfig events, OutboxConfig outbox, Ids ids, DeliveryLink link, AckRegistry acks,
      StorageFactory storage, LongSupplier clock, DispatchPool pool, NodeMeterRegistry meters,
      dev.oprc.odgm.events.ChangePublisher changes) {
    /** The wiring without change streams. */
    public Wiring(EventConfig events, OutboxConfig outbox, Ids ids, DeliveryLink link, AckRegistry acks,
        StorageFactory storage, LongSupplier clock, DispatchPool pool, NodeMeterRegistry meters) {
      this(events, outbox, ids, link, acks, storage, clock, pool, meters, null);
    }
  }

  /** Which partitions get a shard at start: in a cluster only those this node owns. */
  @FunctionalInterface
  public interface Placement {
    boolean openAtStart(String collection, int partition);
  }

  /** A registry opening every partition (a standalone node). */
  public ShardRegistry(List<CreateCollectionRequest> collections, Wiring w) {
    this(collections, w, (c, p) -> true);
  }

  /** A registry opening the partitions {@code placement} names; others are {@link #open}ed later. */
  public ShardRegistry(List<CreateCollectionRequest> collections, Wiring w, Placement placement) {
    this.wiring = w;
    try {
      build(collections, placement);
    } catch (RuntimeException e) {
      close(0); // stop the dispatcher threads already started
      throw e;
    }
  }

  private void build(List<CreateCollectionRequest> collections, Placement placement) {
    long shardId = 0;
    for (CreateCollectionRequest c : collections) {
      if (this.collections.putIfAbsent(c.getName(), c) != null) {
        throw new IllegalArgumentException("collection '" + c.getName() + "' is defined twice");
      }
      shards.put(c.getName(), new AtomicReferenceArray<>(c.getPartitionCount()));
      firstShardId.put(c.getName(), shardId);
      shardId += c.getPartitionCount();
      for (int p = 0; p < c.getPartitionCount(); p++) {
        if (placement.openAtStart(c.getName(), p)) {
          open(c.getName(), p);
        }
      }
    }
  }

  /**
   * Opens the shard of a configured partition (its storage and, with events on, its dispatcher,
   * which recovers the partition's outbox backlog); a no-op when it is open. Called at start and
   * when this node becomes a partition's leader.
   */
  public synchronized void open(String collection, int partition) {
    AtomicReferenceArray<ObjectShard> parts = slots(collection, partition);
    if (!closed && parts.get(partition) == null) {
      boolean ackAll = "true".equalsIgnoreCase(collections.get(collection).getOptionsMap().get(ACK_OPTION));
      ObjectShard s = shard(collection, partition, firstShardId.get(collection) + partition, ackAll, wiring);
      s.onTriggersStored(unrouted);
      PartitionMeters m = wiring.meters().openPartition(collection, partition);
      meters.put(s, m);
      ShardMeters.bind(m, s);
      parts.set(partition, s);
    }
  }

  /**
   * Closes the shard of a partition this node stops owning: its dispatcher stops without draining
   * (the new owner resumes from the replicated outbox) and its storage facade is closed; true
   * when the dispatcher thread ended. A no-op (true) when it is not open.
   */
  public synchronized boolean release(String collection, int partition) {
    ObjectShard s = slots(collection, partition).getAndSet(partition, null);
    if (s == null) {
      return true;
    }
    boolean stopped = s.close(0);
    closeMeters(s); // after the dispatcher stopped: its last counts are kept
    return stopped;
  }

  private synchronized void closeMeters(ObjectShard s) {
    PartitionMeters m = meters.remove(s);
    if (m != null) {
      m.close();
    }
  }

  /** The node's meter registry, which holds every open shard's counters (Stats reads them there). */
  public NodeMeterRegistry meters() {
    return wiring.meters();
  }

  private AtomicReferenceArray<ObjectShard> slots(String collection, int partition) {
    AtomicReferenceArray<ObjectShard> parts = shards.get(collection);
    if (parts == null || partition < 0 || partition >= parts.length()) {
      throw new IllegalArgumentException("no partition " + partition + " of collection '" + collection + "'");
    }
    return parts;
  }

  private static ObjectShard shard(String collection, int p, long shardId, boolean ackAll, Wiring w) {
    Function<ObjectEvent, TriggerIndex> compiler = ev -> TriggerIndex.compile(ev, w.ids()::entryKey);
    ShardStorage storage = w.storage().open(collection, p, compiler, w.outbox().maxBytes());
    OutboxDispatcher d = null;
    if (w.events().enabled()) {
      d = OutboxDispatcher.builder().events(w.events()).config(w.outbox()).store(storage.outbox()).link(w.link())
          .gate(storage.durability()).acks(w.acks()).pool(w.pool()).start();
    }
    return new ObjectShard(collection, p, shardId, storage, w.ids(), w.events(), d, w.clock(), ackAll, w.changes());
  }

  /** The shard for {@code collection}/{@code partition}, or NOT_FOUND naming what is missing. */
  public ObjectShard shard(String collection, int partition) {
    AtomicReferenceArray<ObjectShard> parts = shards.get(collection);
    if (parts == null) {
      throw new NotFoundException("collection '" + collection + "' is not served by this node (serving: "
          + shards.keySet() + ")");
    }
    if (partition < 0 || partition >= parts.length()) {
      throw new NotFoundException("partition " + Integer.toUnsignedString(partition) + " of collection '"
          + collection + "' does not exist (partitions 0.." + (parts.length() - 1) + ")");
    }
    ObjectShard s = parts.get(partition);
    if (s == null) {
      throw new dev.oprc.odgm.cluster.NotOwnerException(collection, partition);
    }
    return s;
  }

  /** True when this node has the partition's shard open (it owns or leads it). */
  public boolean isOpen(String collection, int partition) {
    AtomicReferenceArray<ObjectShard> parts = shards.get(collection);
    return parts != null && partition >= 0 && partition < parts.length() && parts.get(partition) != null;
  }

  /** The shard id of a configured partition (the same on every node, open here or not). */
  public long shardId(String collection, int partition) {
    slots(collection, partition);
    return firstShardId.get(collection) + partition;
  }

  /** True when this node serves {@code collection}. */
  public boolean serves(String collection) {
    return shards.containsKey(collection);
  }

  /** Every shard, collection by collection. */
  public List<ObjectShard> all() {
    List<ObjectShard> out = new ArrayList<>();
    for (AtomicReferenceArray<ObjectShard> parts : shards.values()) {
      for (int p = 0; p < parts.length(); p++) {
        ObjectShard s = parts.get(p);
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

  /** Trigger targets stored naming a function that a collection served here has no route for. */
  public long unroutedTargets() {
    return unrouted.count();
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
    List<ObjectShard> open;
    synchronized (this) {
      if (closed) {
        return closedStopped; // closing twice closes nothing twice
      }
      closed = true; // a late leadership change opens nothing more
      open = all();
    }
    for (ObjectShard s : open) {
      stopped &= s.close(Math.max(0, deadline - System.currentTimeMillis()));
      closeMeters(s);
    }
    closedStopped = stopped;
    return stopped;
  }

  @Override
  public void close() {
    close(5_000);
  }
}
