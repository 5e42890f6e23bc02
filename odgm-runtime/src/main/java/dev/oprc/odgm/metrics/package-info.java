/**
 * The counter registry: every counter and gauge of the node is declared and created once here;
 * {@code /metrics} and the gRPC {@code Stats} reply both read it.
 */
package dev.oprc.odgm.metrics;
