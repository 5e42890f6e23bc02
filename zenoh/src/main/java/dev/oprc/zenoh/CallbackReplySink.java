package dev.oprc.zenoh;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one get's replies to a user callback on the session's callback thread, in order, then
 * runs the on-final callback once. Replies wait in a bounded per-get queue; at most one drain task
 * per get is queued on the {@link Dispatcher}. Thread-safe.
 */
final class CallbackReplySink implements ReplySink {
    private static final Logger LOG = LoggerFactory.getLogger(CallbackReplySink.class);

    private final Session session;
    private final Consumer<Reply> callback;
    private final Runnable onFinal;
    private final int capacity;
    private final ConcurrentLinkedQueue<Reply> items = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean finishing;
    private boolean finalRun; // callback thread only

    CallbackReplySink(Session session, Consumer<Reply> callback, Runnable onFinal, int capacity) {
        this.session = session;
        this.callback = callback;
        this.onFinal = onFinal;
        this.capacity = capacity;
    }

    @Override
    public boolean offer(Reply r) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        items.add(r);
        schedule();
        return true;
    }

    @Override
    public void finish() {
        finishing = true;
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true) && !session.dispatcherSubmit(this::drain)) {
            scheduled.set(false); // session closed: nothing will run any more
        }
    }

    private void drain() {
        Reply r;
        while ((r = items.poll()) != null) {
            size.decrementAndGet();
            try {
                callback.accept(r);
            } catch (RuntimeException | Error e) {
                session.queries().handlerErrors.increment();
                LOG.warn("reply callback threw on {}", r, e);
            }
        }
        if (finishing && !finalRun) {
            finalRun = true;
            if (onFinal != null) {
                try {
                    onFinal.run();
                } catch (RuntimeException | Error e) {
                    session.queries().handlerErrors.increment();
                    LOG.warn("get on-final callback threw", e);
                }
            }
        }
        scheduled.set(false);
        if ((!items.isEmpty() || (finishing && !finalRun))) {
            schedule();
        }
    }
}
