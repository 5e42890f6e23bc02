/**
 * Cluster members found over Zenoh: with upstream's ids-only {@code ODGM_MEMBERS=1,2,3} each node
 * advertises the addresses it serves as a liveliness token and waits for the others'.
 */
package dev.oprc.odgm.discovery;
