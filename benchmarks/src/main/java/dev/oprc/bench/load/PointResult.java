package dev.oprc.bench.load;

/**
 * The figures of one point (variant × scenario × concurrency). Latencies in microseconds; a
 * {@code null} field was not measurable (no pid, no trigger, no subscriber). Immutable; thread-safe.
 *
 * @param variant                    the node variant's name
 * @param scenario                   the scenario id
 * @param concurrency                outstanding calls
 * @param calls                      successful calls completed in the measured window
 * @param errors                     failed calls in the window
 * @param seconds                    length of the window
 * @param callsPerSecond             calls / seconds
 * @param p50Us                      median call latency
 * @param p99Us                      99th percentile
 * @param p999Us                     99.9th percentile
 * @param maxUs                      slowest call
 * @param nodeCpuSecondsPer10k       node utime+stime over the window, per 10,000 calls
 * @param generatorCpuSecondsPer10k  the harness JVM's CPU (generator + subscriber), per 10,000 calls
 * @param routerCpuSecondsPer10k     the Zenoh router's CPU, per 10,000 calls
 * @param nodeRssMib                 node VmRSS at the end of the point
 * @param nodeThreads                node thread count at the end of the point
 * @param watchedTriggers            trigger targets per write the subscriber watched (the last ones)
 * @param triggersExpected           acknowledged writes in the window × watched triggers per write
 * @param triggersReceived           distinct trigger PUTs the subscriber matched to those writes
 * @param lostTriggers               expected − received, after the drain wait
 * @param duplicateTriggers          repeated arrivals of an already seen (object, version, target)
 * @param unmatchedTriggers          arrivals matching no write of the window (warm-up writes, or not decodable)
 * @param triggerP50Us               write sent → trigger PUT at the subscriber, median
 * @param triggerP99Us               same, 99th percentile
 * @param triggerMaxUs               same, slowest
 * @param subscriberDrops            samples our subscriber session dropped (delivery queue full)
 * @param subscriberSamples          samples our subscriber session received during the point (incl. warm-up)
 * @param subscriberStalled          no sample arrived in the last second of the window: the router→subscriber
 *                                   stream stopped, so lost triggers are (also) the subscriber's
 * @param nodeDispatched             node Stats delta: trigger PUTs handed to Zenoh (incl. warm-up)
 * @param nodeQueueDrops             node Stats delta: events dropped, dispatch queue full
 * @param nodePublishFailures        node Stats delta: PUTs that failed or Zenoh dropped
 * @param firstError                 the first error seen, or null
 */
record PointResult(
    String variant,
    String scenario,
    int concurrency,
    long calls,
    long errors,
    double seconds,
    double callsPerSecond,
    double p50Us,
    double p99Us,
    double p999Us,
    double maxUs,
    Double nodeCpuSecondsPer10k,
    Double generatorCpuSecondsPer10k,
    Double routerCpuSecondsPer10k,
    Double nodeRssMib,
    Integer nodeThreads,
    Integer watchedTriggers,
    Long triggersExpected,
    Long triggersReceived,
    Long lostTriggers,
    Long duplicateTriggers,
    Long unmatchedTriggers,
    Double triggerP50Us,
    Double triggerP99Us,
    Double triggerMaxUs,
    Long subscriberDrops,
    Long subscriberSamples,
    Boolean subscriberStalled,
    Long nodeDispatched,
    Long nodeQueueDrops,
    Long nodePublishFailures,
    String firstError) {}
