package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyExprTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "oprc/cls/0/async/fn/123", "a/*/c", "a/**", "**", "*", "*/**", "a/@v/b", "é/ü"})
    void acceptsCanonical(String k) {
        assertThat(KeyExpr.of(k).toString()).isEqualTo(k);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|must not be empty",
            "/a|must not start or end",
            "a/|must not start or end",
            "a//b|empty chunk",
            "a/b*|mixes '*'",
            "a/**/**|'**/**' must be written '**'",
            "a/**/*|'**/*' must be written '*/**'",
            "a/b#c|forbidden character '#'",
            "a?b|forbidden character '?'",
            "a/$*|'$*' are not supported"})
    void rejectsWithMessageNamingTheExpression(String k, String why) {
        assertThatThrownBy(() -> KeyExpr.of(k)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why).hasMessageContaining(k.isEmpty() ? "empty" : "'" + k + "'");
    }

    @ParameterizedTest
    @CsvSource({
            "a/b, a/b, true, true",
            "a/b, a/c, false, false",
            "a/*, a/b, true, true",
            "a/*, a/b/c, false, false",
            "a/**, a, true, true",
            "a/**, a/b/c, true, true",
            "**, x/y/z, true, true",
            "a/*/c, a/b/c, true, true",
            "a/*/c, a/b/d, false, false",
            "a/**/c, a/c, true, true",
            "a/**/c, a/x/y/c, true, true",
            "a/**/c, a/x/y/d, false, false",
            "a/*, a/**, true, false",
            "a/**, a/*, true, true",
            "*/b, a/*, true, false",
            "a/**, b/**, false, false",
            "*, @v, false, false",
            "**, a/@v, false, false",
            "a/@v/**, a/@v/x, true, true",
            "oprc/*/0/async/**, oprc/cls/0/async/fn/123, true, true",
            "*/**, a, true, true",
            "**/c, a/b/c, true, true"})
    void intersectsAndIncludes(String a, String b, boolean intersects, boolean includes) {
        KeyExpr ka = KeyExpr.of(a);
        KeyExpr kb = KeyExpr.of(b);
        assertThat(ka.intersects(kb)).as("%s intersects %s", a, b).isEqualTo(intersects);
        assertThat(kb.intersects(ka)).as("%s intersects %s (symmetric)", b, a).isEqualTo(intersects);
        assertThat(ka.includes(kb)).as("%s includes %s", a, b).isEqualTo(includes);
    }

    @org.junit.jupiter.api.Test
    void manyDoubleStarsStayFast() {
        KeyExpr a = KeyExpr.of("**/a/**/a/**/a/**/a/**/a/**/a/**/b");
        KeyExpr b = KeyExpr.of("a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/c");
        long t0 = System.nanoTime();
        assertThat(a.intersects(b)).isFalse();
        assertThat(a.includes(b)).isFalse();
        // a backtracking matcher takes minutes on these; a loaded machine's stall takes at most seconds
        assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
        assertThat(KeyExpr.of("a/b")).isEqualTo(KeyExpr.of("a/b")).hasSameHashCodeAs(KeyExpr.of("a/b"));
    }
}
