package org.apache.ratis.server.impl;

import org.apache.ratis.server.RaftServer;

/**
 * What the replication tests need of Ratis 3.2.2's package-private server internals to hold a race
 * open deterministically: the steps Ratis itself takes, one at a time. Stateless; call each method
 * as Ratis would (any thread; both take the division's own locks).
 */
public final class RatisInternals {
  private RatisInternals() {}

  /**
   * Drops the division's configurations from log index {@code index} on, as
   * {@code SnapshotInstallationHandler.installSnapshotImpl} does for every snapshot chunk it
   * receives ({@code state.truncate(conf index)}) before it sets the leader's configuration.
   */
  public static void dropConfigurationsFrom(RaftServer.Division division, long index) {
    ((RaftServerImpl) division).getState().truncate(index);
  }

  /** What a follower's election timer does when it expires: the division becomes a candidate and starts an election. */
  public static void electionTimeout(RaftServer.Division division) {
    ((RaftServerImpl) division).changeToCandidate(false);
  }
}
