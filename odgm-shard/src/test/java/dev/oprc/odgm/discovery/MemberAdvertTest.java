package dev.oprc.odgm.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.cluster.Member;
import dev.oprc.zenoh.KeyExpr;
import org.junit.jupiter.api.Test;

class MemberAdvertTest {
  private static final Member M = new Member(3, "10.1.2.3", 18004, 18003);

  @Test
  void anAdvertKeyReadsBackAsTheMember() {
    assertThat(MemberAdvert.parse("c1", MemberAdvert.key("c1", M))).contains(M);
  }

  @Test
  void theWildcardOfAClusterMatchesItsAdvertsOnly() {
    KeyExpr all = KeyExpr.of(MemberAdvert.all("c1"));
    assertThat(all.intersects(KeyExpr.of(MemberAdvert.key("c1", M)))).isTrue();
    assertThat(all.intersects(KeyExpr.of(MemberAdvert.key("c2", M)))).isFalse();
  }

  @Test
  void keysThatAreNotAdvertsAreSkipped() {
    assertThat(MemberAdvert.parse("c1", "oprc/_odgm/c1/members/3/h/0/1")).isEmpty();
    assertThat(MemberAdvert.parse("c1", "oprc/_odgm/c1/members/x/h/1/1")).isEmpty();
    assertThat(MemberAdvert.parse("c1", "oprc/_odgm/c1/members/3/h/1")).isEmpty();
    assertThat(MemberAdvert.parse("c1", "oprc/_odgm/c2/members/3/h/1/1")).isEmpty();
  }
}
