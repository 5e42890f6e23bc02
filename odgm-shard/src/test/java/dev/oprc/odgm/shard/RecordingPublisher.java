package dev.oprc.odgm.shard;

import dev.oprc.odgm.events.DeliveryLink;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.TriggerPayload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Test link: always up, settles at once; records every dispatch and decodes it for assertions. */
final class RecordingPublisher implements DeliveryLink {
  @SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
  record Published(String key, byte[] envelope) {
    boolean stateful() {
      return key.contains("/objects/");
    }

    java.util.Map<String, String> options() {
      try {
        return stateful() ? ObjectInvocationRequest.parseFrom(envelope).getOptionsMap()
            : InvocationRequest.parseFrom(envelope).getOptionsMap();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }

    /** The trigger payload (published as protobuf in these tests). */
    TriggerPayload payload() {
      try {
        var bytes = stateful() ? ObjectInvocationRequest.parseFrom(envelope).getPayload()
            : InvocationRequest.parseFrom(envelope).getPayload();
        return TriggerPayload.parseFrom(bytes);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }

    String fn() {
      String[] s = key.split("/", -1);
      return s[s.length - 2];
    }
  }

  final List<Published> published = new CopyOnWriteArrayList<>();

  @Override
  public boolean tryPublish(String keyExpr, byte[] envelope) {
    published.add(new Published(keyExpr, envelope));
    return true;
  }

  @Override
  public long epoch() {
    return 0;
  }

  @Override
  public boolean up() {
    return true;
  }

  @Override
  public long settleMillis() {
    return 0;
  }

  /** Waits up to 5 s for {@code n} publications matching {@code p}; returns them. */
  List<Published> await(int n, Predicate<Published> p) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (true) {
      List<Published> out = new ArrayList<>();
      for (Published x : published) {
        if (p.test(x)) {
          out.add(x);
        }
      }
      if (out.size() >= n || System.currentTimeMillis() > deadline) {
        return out;
      }
      Thread.sleep(5);
    }
  }

  List<Published> await(int n) throws InterruptedException {
    return await(n, x -> true);
  }


  /** A link that is down for good: nothing is ever delivered. */
  static final class Down implements DeliveryLink {
    @Override
    public boolean tryPublish(String key, byte[] envelope) {
      return false;
    }

    @Override
    public long epoch() {
      return 0;
    }

    @Override
    public boolean up() {
      return false;
    }

    @Override
    public long settleMillis() {
      return 0;
    }
  }
}
