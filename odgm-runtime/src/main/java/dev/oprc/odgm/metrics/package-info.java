/**
 * The counter registry: every counter and gauge of the node is declared once ({@link
 * dev.oprc.odgm.metrics.MeterSpec}: name, help, unit, merge, the {@code Stats} field) and created
 * once in the {@link dev.oprc.odgm.metrics.NodeMeterRegistry}; a shard's components register the
 * counters they keep with its {@link dev.oprc.odgm.metrics.PartitionMeters} when it opens and
 * close them when it closes. {@code /metrics} and the gRPC {@code Stats} reply both read it.
 */
package dev.oprc.odgm.metrics;
