package dev.oprc.odgm.discovery;

import dev.oprc.odgm.cluster.Member;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.SampleKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the addresses of an ids-only member list ({@code ODGM_MEMBERS=1,2,3}, upstream's form):
 * this node declares its {@link MemberAdvert} as a liveliness token on the Zenoh session, listens
 * for the others' (with history, so adverts declared earlier count) and waits until every listed
 * id has one. A member that has not started yet is waited for, and named in a log line every
 * {@code reportEvery}. Used once per start, from the starting thread.
 */
public final class MemberDiscovery {
  private static final Logger log = LoggerFactory.getLogger(MemberDiscovery.class);

  private MemberDiscovery() {}

  /**
   * Advertises {@code self} and returns every member of {@code ids}, sorted by id, once all are
   * known. The token stays declared for the session's life.
   *
   * @throws InterruptedException when the start is abandoned while waiting
   */
  public static List<Member> await(Session session, String cluster, Member self, List<Long> ids, Duration reportEvery)
      throws InterruptedException {
    Map<Long, Member> found = new TreeMap<>(Long::compareUnsigned);
    Object lock = new Object();
    session.liveliness().declareToken(MemberAdvert.key(cluster, self));
    var subscriber = session.liveliness().declareSubscriber(dev.oprc.zenoh.KeyExpr.of(MemberAdvert.all(cluster)),
        s -> MemberAdvert.parse(cluster, s.keyExpr().toString()).filter(m -> ids.contains(m.id())).ifPresent(m -> {
          synchronized (lock) {
            if (s.kind() == SampleKind.PUT) {
              found.put(m.id(), m);
            } else {
              found.remove(m.id(), m); // a member that left; its successor advertises again
            }
            lock.notifyAll();
          }
        }), true);
    try {
      synchronized (lock) {
        found.put(self.id(), self);
        long nextReport = System.nanoTime() + reportEvery.toNanos();
        while (found.size() < ids.size()) {
          long left = nextReport - System.nanoTime();
          if (left <= 0) {
            log.info("waiting for cluster members {} to advertise their addresses on Zenoh ({}); found {}",
                missing(ids, found), MemberAdvert.all(cluster), found.values());
            nextReport = System.nanoTime() + reportEvery.toNanos();
            continue;
          }
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
        return List.copyOf(found.values());
      }
    } finally {
      subscriber.close();
    }
  }

  private static List<String> missing(List<Long> ids, Map<Long, Member> found) {
    return ids.stream().filter(id -> !found.containsKey(id)).map(Long::toUnsignedString).toList();
  }
}
