package dev.oprc.odgm.e2e;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.lincheck.Operation;
import dev.oprc.odgm.lincheck.RegisterState;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Concurrent clients of a few registers (objects with one entry {@code v}, in one partition):
 * each client loops over random GetValue, SetValue (a value no one else writes) and CAS
 * (BatchSetValues with expected_object_version = the version it last read), recording each as
 * an {@link Operation} with its invoke and response times. A write the node refused before
 * replicating it ({@link #refusedBeforeSubmit}) is left out; any other failure (deadline, UNKNOWN,
 * a transport UNAVAILABLE, anything but a CAS's version mismatch or a read's NOT_FOUND) is
 * recorded as of unknown outcome. After a failure the client moves to another member.
 *
 * <p>Thread-safe; {@link #run} blocks its caller while its own pool runs the clients.
 */
final class RegisterClients {
  static final String ENTRY = "v";

  private final LocalCluster cluster;
  private final String collection;
  private final int partition;
  private final List<String> keys;
  private final List<Operation> history = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger unknown = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  RegisterClients(LocalCluster cluster, String collection, int partition, List<String> keys) {
    this.cluster = cluster;
    this.collection = collection;
    this.partition = partition;
    this.keys = List.copyOf(keys);
  }

  /** Creates every register (sequentially, retried until acknowledged) and returns the state each was read at. */
  Map<String, RegisterState> seed(long via) throws Exception {
    Map<String, RegisterState> out = new TreeMap<>();
    for (String k : keys) {
      ValueResponse r = seedOne(via, k);
      out.put(k, new RegisterState(r.getValue().getData().toStringUtf8(), r.getObjectVersion()));
    }
    return out;
  }

  /**
   * Writes and reads back one register before the history starts; UNAVAILABLE (a just elected
   * leader still loading: "retry") is retried for up to 20 s. Re-setting the same value is harmless:
   * the state is what the read returns.
   */
  private ValueResponse seedOne(long via, String k) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        cluster.data(via).withDeadlineAfter(10, TimeUnit.SECONDS).setValue(SetKeyRequest.newBuilder()
            .setClsId(collection).setPartitionId(partition).setObjectId(k).setKey(ENTRY).setValue(val("seed-" + k))
            .build());
        return cluster.data(via).withDeadlineAfter(10, TimeUnit.SECONDS).getValue(readReq(k));
      } catch (io.grpc.StatusRuntimeException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** Runs {@code clients} clients until {@link #stop()}; {@code targets} supplies the members to use. */
  void run(int clients, Supplier<List<Long>> targets, long seed) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients, r -> new Thread(r, "register-client"));
    List<Future<?>> fs = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      fs.add(pool.submit(() -> {
        loop(client, new SplittableRandom(seed * 31 + client), targets);
        return null;
      }));
    }
    pool.shutdown();
    try {
      for (Future<?> f : fs) {
        f.get(300, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  void stop() {
    stop.set(true);
  }

  List<Operation> history() {
    synchronized (history) {
      return new ArrayList<>(history);
    }
  }

  /** Operations with a known outcome (answered, or refused as a CAS mismatch) invoked after {@code sinceNanos}. */
  long answered(long sinceNanos) {
    synchronized (history) {
      return history.stream().filter(o -> o.status() != Operation.Status.UNKNOWN && o.invokedAt() > sinceNanos)
          .count();
    }
  }

  int unknownOutcomes() {
    return unknown.get();
  }

  /** Writes and CAS the nodes refused before replicating them (left out of the history: they did not happen). */
  int refusedBeforeSubmit() {
    return refused.get();
  }

  private void loop(int client, SplittableRandom rnd, Supplier<List<Long>> targets) throws InterruptedException {
    Map<String, Long> lastVersion = new TreeMap<>();
    int node = client;
    for (int n = 0; !stop.get(); n++) {
      List<Long> live = targets.get();
      long via = live.get(Math.floorMod(node, live.size()));
      String key = keys.get(rnd.nextInt(keys.size()));
      int dice = rnd.nextInt(10);
      boolean answered = dice < 4 ? read(client, via, key, lastVersion)
          : dice < 7 ? write(client, via, key, "c" + client + "-" + n)
          : cas(client, via, key, lastVersion.getOrDefault(key, 0L), "c" + client + "-" + n);
      if (!answered) {
        node++; // that member may be gone: try the next one
        Thread.sleep(100);
      } else {
        // paced: a quiet machine otherwise records ~1000 operations per key, more than the checker's
        // search budget covers around a failover (it then cannot decide, which fails the test)
        Thread.sleep(5 + rnd.nextInt(10));
      }
    }
  }

  private boolean read(int client, long via, String key, Map<String, Long> lastVersion) {
    long t0 = System.nanoTime();
    try {
      ValueResponse r = stub(via).getValue(readReq(key));
      long t1 = System.nanoTime();
      history.add(Operation.read(ids.getAndIncrement(), client, key, t0, t1, r.getValue().getData().toStringUtf8(),
          r.getObjectVersion()));
      lastVersion.put(key, r.getObjectVersion());
      return true;
    } catch (StatusRuntimeException e) {
      long t1 = System.nanoTime();
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        history.add(Operation.read(ids.getAndIncrement(), client, key, t0, t1, null, 0));
        return true;
      }
      unknown.incrementAndGet();
      history.add(Operation.unknownRead(ids.getAndIncrement(), client, key, t0));
      return false;
    }
  }

  private boolean write(int client, long via, String key, String value) {
    long t0 = System.nanoTime();
    try {
      stub(via).setValue(SetKeyRequest.newBuilder().setClsId(collection).setPartitionId(partition)
          .setObjectId(key).setKey(ENTRY).setValue(val(value)).build());
      history.add(Operation.write(ids.getAndIncrement(), client, key, t0, System.nanoTime(), value));
      return true;
    } catch (StatusRuntimeException e) {
      if (refusedBeforeSubmit(e)) {
        refused.incrementAndGet();
        return false;
      }
      unknown.incrementAndGet();
      history.add(Operation.unknownWrite(ids.getAndIncrement(), client, key, t0, value));
      return false;
    }
  }

  /**
   * True for the node's own refusals that precede any replication (so the write certainly did not
   * happen): not the ready leader, no ready owner known, a forwarded call landing on a non-owner,
   * shutting down. A transport UNAVAILABLE (a member died mid-call) is not one of them.
   */
  static boolean refusedBeforeSubmit(StatusRuntimeException e) {
    String d = e.getStatus().getDescription();
    return e.getStatus().getCode() == Status.Code.UNAVAILABLE && d != null
        && (d.contains("is not the ready leader of replica group") || d.contains("no ready owner for")
            || d.contains("but does not own it (ownership is changing)") || d.contains("node is shutting down"));
  }

  private boolean cas(int client, long via, String key, long expected, String value) {
    long t0 = System.nanoTime();
    try {
      stub(via).batchSetValues(BatchSetValuesRequest.newBuilder().setClsId(collection).setPartitionId(partition)
          .setObjectId(key).putValues(ENTRY, val(value)).setExpectedObjectVersion(expected).build());
      history.add(Operation.cas(ids.getAndIncrement(), client, key, t0, System.nanoTime(), expected, value, true));
      return true;
    } catch (StatusRuntimeException e) {
      long t1 = System.nanoTime();
      String desc = e.getStatus().getDescription();
      if (e.getStatus().getCode() == Status.Code.ABORTED && desc != null && desc.contains("version mismatch")) {
        history.add(Operation.cas(ids.getAndIncrement(), client, key, t0, t1, expected, value, false));
        return true;
      }
      if (refusedBeforeSubmit(e)) {
        refused.incrementAndGet();
        return false;
      }
      unknown.incrementAndGet();
      history.add(Operation.unknownCas(ids.getAndIncrement(), client, key, t0, expected, value));
      return false;
    }
  }

  private DataServiceGrpc.DataServiceBlockingStub stub(long via) {
    // long enough to ride out a failover on a loaded machine: every timeout is an operation of unknown outcome
    return cluster.data(via).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private SingleKeyRequest readReq(String key) {
    return SingleKeyRequest.newBuilder().setClsId(collection).setPartitionId(partition).setObjectId(key)
        .setKey(ENTRY).build();
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }
}
