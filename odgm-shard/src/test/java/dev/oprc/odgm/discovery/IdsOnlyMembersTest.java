package dev.oprc.odgm.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.cluster.Member;
import dev.oprc.odgm.node.NodeConfig;
import dev.oprc.odgm.settings.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdsOnlyMembersTest {
  private static final Map<String, String> UPSTREAM = Map.of("ODGM_MEMBERS", "1,2,3", "ODGM_NODE_ID", "2",
      "ODGM_HTTP_PORT", "18002", "ODGM_NODE_ADDR", "http://10.0.0.2:8080", "ODGM_STORAGE", "memory");

  @Test
  void upstreamsIdsOnlyListIsRecognised() {
    assertThat(IdsOnlyMembers.idsOnly(UPSTREAM)).isTrue();
    assertThat(IdsOnlyMembers.idsOnly(Map.of("ODGM_MEMBERS", "1=h:1:2"))).isFalse();
    assertThat(IdsOnlyMembers.idsOnly(Map.of())).isFalse();
  }

  @Test
  void thisNodeAdvertisesTheHostOfNodeAddrItsGrpcPortAndThatPlus1000ForRaft() {
    assertThat(IdsOnlyMembers.self(UPSTREAM)).isEqualTo(new Member(2, "10.0.0.2", 19002, 18002));
  }

  @Test
  void aRaftPortCanBeGiven() {
    Map<String, String> env = new java.util.HashMap<>(UPSTREAM);
    env.put("ODGM_RAFT_PORT", "19002");
    assertThat(IdsOnlyMembers.self(env).raftPort()).isEqualTo(19002);
  }

  @Test
  void theProvisionalConfigurationChecksEverythingElseBeforeAnythingOpens() {
    NodeConfig c = NodeConfig.fromEnv(IdsOnlyMembers.provisional(UPSTREAM));
    assertThat(c.members().ids()).containsExactly(1L, 2L, 3L);
    assertThat(c.port()).isEqualTo(18002);
  }

  @Test
  void idsOnlyWithoutANodeIdIsRefusedNamingBoth() {
    assertThatThrownBy(() -> IdsOnlyMembers.self(Map.of("ODGM_MEMBERS", "1,2")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ODGM_NODE_ID").hasMessageContaining("ODGM_MEMBERS");
  }

  @Test
  void anEntryThatIsNeitherFormIsRefused() {
    assertThatThrownBy(() -> IdsOnlyMembers.provisional(Map.of("ODGM_MEMBERS", "1,two", "ODGM_NODE_ID", "1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'two'");
  }
}
