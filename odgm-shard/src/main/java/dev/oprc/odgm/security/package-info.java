/**
 * TLS on the node's gRPC port, its calls to the other members and its Raft links
 * ({@code ODGM_TLS_*}, {@link dev.oprc.odgm.security.TlsSettings}): the PEM files are read and
 * checked at start ({@link dev.oprc.odgm.security.TlsConfig}), and clients (the CLI, the load
 * harness, tests) build their channel credentials with {@link dev.oprc.odgm.security.ClientTls}.
 */
package dev.oprc.odgm.security;
