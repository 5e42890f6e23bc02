package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.testing.PythonZenohProcess;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression test for the subscriber stall: a Zenoh 1.x router (eclipse-zenoh 1.10.2) that had to
 * drop DROP samples for a session whose link was opened <em>without</em> QoS never cleared its
 * congestion flag for that link (it sets the flag for priority Data but clears it for the queue
 * index 0 = Control), so it silently dropped every later DROP sample for the session while the
 * link stayed up. The client now negotiates QoS, whose per-priority queues clear the flag they set.
 */
@Timeout(60)
class SubscriberCongestionInteropTest {
    private static final int BURST = 200_000;
    private static final int AFTER = 200;

    @Test
    @SuppressWarnings("try") // the subscriber is held open for the block's duration, not called
    void subscriberStillReceivesAfterTheRouterDroppedPartOfABurst() throws InterruptedException {
        LongAdder burst = new LongAdder();
        LongAdder after = new LongAdder();
        try (ZenohRouterProcess router = ZenohRouterProcess.start();
             PythonZenohProcess pub = PythonZenohProcess.client(router.endpoint());
             Session s = Zenoh.open(Config.client(router.endpoint()));
             Subscriber sub = s.declareSubscriber("bench/**", smp -> {
                 if (smp.keyExpr().toString().equals("bench/burst")) {
                     burst.increment();
                 } else {
                     after.increment();
                 }
             })) {
            assertThat(pub.awaitMatching("bench/after", Duration.ofSeconds(10))).isTrue();
            long published = 0;
            for (int round = 0; round < 3 && burst.sum() == published; round++) {
                pub.publishBench("bench/burst", 200, BURST, false); // flat out, DROP: the router must drop some
                published += BURST;
                awaitQuiet(burst::sum, Duration.ofSeconds(10));
            }
            long routerDrops = published - burst.sum();
            pub.putMany("bench/after", "a", AFTER, true);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (after.sum() < AFTER && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            SessionStats st = s.stats();
            System.out.printf("burst: %,d published, %,d received (%,d dropped upstream); after: %d of %d; %s%n",
                    published, burst.sum(), routerDrops, after.sum(), AFTER, st);
            assertThat(after.sum()).as("DROP samples after a burst the router had to thin out (%,d dropped)",
                    routerDrops).isEqualTo(AFTER);
            assertThat(st.connected()).isTrue();
            assertThat(st.decodeErrors()).isZero();
            assertThat(st.samplesReceived()).as("every sample the session received is delivered or counted")
                    .isEqualTo(burst.sum() + after.sum() + st.subscriberDrops() + st.callbackErrors());
        }
    }

    /** Waits until {@code value} has not changed for 500 ms (at most {@code max}). */
    private static void awaitQuiet(LongSupplier value, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long v = value.getAsLong();
            if (v != last) {
                last = v;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > 500_000_000L) {
                return;
            }
            Thread.sleep(20);
        }
    }
}
