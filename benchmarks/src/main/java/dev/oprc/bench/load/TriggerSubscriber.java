package dev.oprc.bench.load;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.oprc.odgm.proto.EventInfo;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.TriggerPayload;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.Mode;
import dev.oprc.zenoh.Sample;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Subscriber;
import dev.oprc.zenoh.Zenoh;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Zenoh client session (our Java client) on the same router as the node, subscribed to the
 * stateless trigger keys {@code oprc/{collection}/*}{@code /async/**}. Every sample is decoded as
 * an {@code InvocationRequest} and handed to the current {@link TriggerTracker} as
 * {@code (object, version, target)}: the object from the payload's {@code source_object_id}
 * (JSON, or protobuf {@code TriggerPayload}), the version from the {@code odgm-object-version}
 * option (protobuf payloads: {@code event_info.object_version}), the target index from the
 * {@code bench-target} option the harness put in each target's {@code req_options}.
 *
 * <p>A node that sends no version (upstream ODGM) is matched by order instead: the n-th arrival
 * of {@code (object, target)} since {@link #track} is taken as the object's n-th write after the
 * version it had then (exact while nothing is lost before it; counted in {@link #unversioned()}).
 *
 * <p>The harness opens one per point, so a stalled stream (see {@code benchmarks/README.md}) spoils
 * only that point. Samples arrive on the session's single callback thread, which alone touches the
 * order counters; {@link #track} may be called from any thread. {@link #close()} closes the session.
 */
final class TriggerSubscriber implements AutoCloseable {
  static final String TARGET_OPTION = "bench-target";
  private static final String VERSION_OPTION = "odgm-object-version";
  private static final byte[] OID_FIELD = "\"source_object_id\"".getBytes(StandardCharsets.US_ASCII);

  private final Session session;
  private final Subscriber subscriber;
  private final AtomicReference<Binding> binding = new AtomicReference<>();
  private final LongAdder undecodable = new LongAdder();
  private final LongAdder unversioned = new LongAdder();
  private volatile long lastSampleNanos = System.nanoTime();

  /** The tracker and objects of the point being measured; order-matching state for unversioned nodes. */
  @SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
  private record Binding(TriggerTracker tracker, ObjectSet objects, int targets, long[] base, long[] arrivals) {}

  /** Subscribes to the trigger keys of {@code collection}, for function {@code fn} only unless it is null. */
  TriggerSubscriber(String endpoint, String collection, String fn) {
    this.session = Zenoh.open(Config.builder().mode(Mode.CLIENT).endpoints(List.of(endpoint))
        .connectTimeout(Duration.ofSeconds(10)).build());
    this.subscriber = session.declareSubscriber("oprc/" + collection + "/*/async/" + (fn == null ? "**" : fn + "/*"),
        this::onSample);
  }

  /**
   * Feeds arrivals to {@code tracker} from now on ({@code null}: ignore them). Call with no lane
   * running: it reads the objects' current versions.
   */
  void track(TriggerTracker tracker, ObjectSet objects, int targets) {
    if (tracker == null) {
      binding.set(null);
      return;
    }
    int n = Math.max(1, targets);
    long[] base = new long[objects.size()];
    for (int i = 0; i < base.length; i++) {
      base[i] = objects.version(i);
    }
    binding.set(new Binding(tracker, objects, n, base, new long[objects.size() * n]));
  }

  /** Samples dropped by the session because its delivery queue was full, since it opened. */
  long sessionDrops() {
    return session.stats().subscriberDrops();
  }

  /** Samples the session received from the router since it opened. */
  long samplesReceived() {
    return session.stats().samplesReceived();
  }

  /** {@link System#nanoTime()} of the last sample delivered (or of opening). */
  long lastSampleNanos() {
    return lastSampleNanos;
  }

  /** Samples that were not a trigger envelope of this harness. */
  long undecodable() {
    return undecodable.sum();
  }

  /** Arrivals matched by order because they carried no object version. */
  long unversioned() {
    return unversioned.sum();
  }

  private void onSample(Sample s) {
    long now = System.nanoTime();
    lastSampleNanos = now;
    Binding b = binding.get();
    if (b == null) {
      return;
    }
    try {
      InvocationRequest req = InvocationRequest.parseFrom(s.payload());
      ByteString payload = req.getPayload();
      String oid;
      long version;
      if (!payload.isEmpty() && payload.byteAt(0) == '{') {
        oid = jsonSourceObjectId(payload.toByteArray());
        version = parseLong(req.getOptionsOrDefault(VERSION_OPTION, null));
      } else {
        EventInfo info = TriggerPayload.parseFrom(payload).getEventInfo();
        oid = info.getSourceObjectId();
        version = info.hasObjectVersion() ? info.getObjectVersion() : -1;
      }
      int object = oid == null ? -1 : b.objects.indexOf(oid);
      int target = (int) parseLong(req.getOptionsOrDefault(TARGET_OPTION, "0"));
      if (object < 0 || target < 0 || target >= b.targets) {
        undecodable.increment();
        return;
      }
      if (version < 0) {
        unversioned.increment();
        version = b.base[object] + ++b.arrivals[object * b.targets + target];
      }
      b.tracker.arrived(object, version, target, now);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      undecodable.increment();
    }
  }

  private static long parseLong(String s) {
    if (s == null) {
      return -1;
    }
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The string value of {@code "source_object_id"} in upstream's JSON payload, or null. */
  static String jsonSourceObjectId(byte[] json) {
    int at = indexOf(json, OID_FIELD);
    if (at < 0) {
      return null;
    }
    int i = at + OID_FIELD.length;
    while (i < json.length && (json[i] == ' ' || json[i] == ':')) {
      i++;
    }
    if (i >= json.length || json[i] != '"') {
      return null; // null or not a string
    }
    int end = i + 1;
    while (end < json.length && json[end] != '"') {
      end++;
    }
    return end >= json.length ? null : new String(json, i + 1, end - i - 1, StandardCharsets.UTF_8);
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public void close() {
    try {
      subscriber.close();
    } finally {
      session.close();
    }
  }
}
