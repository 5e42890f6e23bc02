package dev.oprc.odgm.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.settings.ConfigException;
import org.junit.jupiter.api.Test;

class MembershipTest {
  private static final String THREE = "1=127.0.0.1:7101:8081,2=127.0.0.1:7102:8082,3=127.0.0.1:7103:8083";

  @Test
  void parsesIdHostRaftPortAndGrpcPortSortedById() {
    Membership m = Membership.parse("3=h3:7103:8083, 1=h1:7101:8081,2=h2:7102:8082", 2, null);
    assertThat(m.ids()).containsExactly(1L, 2L, 3L);
    assertThat(m.member(3).orElseThrow()).isEqualTo(new Member(3, "h3", 7103, 8083));
    assertThat(m.clustered()).isTrue();
  }

  @Test
  void unsetIsStandalone() {
    assertThat(Membership.parse(null, 5, null).clustered()).isFalse();
    assertThat(Membership.parse("  ", 5, 8080).clustered()).isFalse();
  }

  @Test
  void anEntryWithoutTheGrpcPortIsRefusedByName() {
    assertThatThrownBy(() -> Membership.parse("1=127.0.0.1:7101:8081,2=127.0.0.1:7102", 1, null))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("ODGM_MEMBERS=1=127.0.0.1:7101:8081,2=127.0.0.1:7102: ")
        .hasMessageContaining("entry '2=127.0.0.1:7102' is not id=host:raftPort:grpcPort");
  }

  @Test
  void aBadPortIsRefusedByName() {
    assertThatThrownBy(() -> Membership.parse("1=h:7101:99999", 1, null))
        .hasMessageContaining("entry '1=h:7101:99999' has an invalid port '99999'");
  }

  @Test
  void aBadNodeIdIsRefusedByName() {
    assertThatThrownBy(() -> Membership.parse("x=h:1:2", 1, null))
        .hasMessageContaining("entry 'x=h:1:2' has an invalid node id");
  }

  @Test
  void aDuplicateIdIsRefused() {
    assertThatThrownBy(() -> Membership.parse("1=h:1:2,1=g:3:4", 1, null)).hasMessageContaining("listed twice");
  }

  @Test
  void theOwnNodeMustBeListed() {
    assertThatThrownBy(() -> Membership.parse(THREE, 4, null))
        .hasMessageContaining("this node's ODGM_NODE_ID 4 is not listed");
  }

  @Test
  void theOwnGrpcPortMustMatchTheHttpPortWhenSet() {
    assertThat(Membership.parse(THREE, 2, 8082).self()).isEqualTo(2);
    assertThatThrownBy(() -> Membership.parse(THREE, 2, 9000))
        .hasMessageContaining("grpcPort 8082 differs from ODGM_HTTP_PORT=9000");
  }
}
