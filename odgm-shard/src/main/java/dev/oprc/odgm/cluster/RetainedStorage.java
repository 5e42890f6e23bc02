package dev.oprc.odgm.cluster;

import dev.oprc.odgm.events.DurabilityGate;
import dev.oprc.odgm.events.OutboxStore;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.storage.CommitListener;
import dev.oprc.odgm.storage.Committed;
import dev.oprc.odgm.storage.ObjectMeta;
import dev.oprc.odgm.storage.ShardStorage;
import java.util.List;
import java.util.Map;

/**
 * A replicated partition's storage as one leadership term's shard sees it: everything delegates,
 * but {@link #close()} does nothing, because the partition stays a replica (applying the log)
 * after this node steps down; the group closes it with the node. Thread-safe as the delegate.
 */
final class RetainedStorage implements ShardStorage {
  private final ShardStorage inner;

  RetainedStorage(ShardStorage inner) {
    this.inner = inner;
  }

  @Override
  public ObjectMeta meta(String objectId) {
    return inner.meta(objectId);
  }

  @Override
  public ValData entry(String objectId, String key) {
    return inner.entry(objectId, key);
  }

  @Override
  public EntryRead read(String objectId, String key) {
    return inner.read(objectId, key);
  }

  @Override
  public ObjectView view(String objectId) {
    return inner.view(objectId);
  }

  @Override
  public List<Map.Entry<String, ValData>> entries(String objectId, String prefix, String afterExclusive, int limit) {
    return inner.entries(objectId, prefix, afterExclusive, limit);
  }

  @Override
  public List<Map.Entry<String, ObjectMeta>> list(String prefix, String afterExclusive, int limit) {
    return inner.list(prefix, afterExclusive, limit);
  }

  @Override
  public long count() {
    return inner.count();
  }

  @Override
  public void onChanges(dev.oprc.odgm.storage.ChangeSink sink) {
    inner.onChanges(sink);
  }

  @Override
  public dev.oprc.odgm.storage.ChangeLog changeLog() {
    return inner.changeLog();
  }

  @Override
  public <R> Committed<R> write(String objectId, Mutation<R> mutation, CommitListener listener) {
    return inner.write(objectId, mutation, listener);
  }

  @Override
  public OutboxStore outbox() {
    return inner.outbox();
  }

  @Override
  public DurabilityGate durability() {
    return inner.durability();
  }

  @Override
  public void close() {
    // the replica lives on; RaftReplication closes it
  }
}
