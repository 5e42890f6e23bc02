package dev.oprc.odgm.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PackedEntriesTest {
  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  static Map<String, ValData> entries(int n) {
    Map<String, ValData> m = new LinkedHashMap<>();
    for (int i = n - 1; i >= 0; i--) { // inserted out of order on purpose
      m.put("key-" + i, val("value-" + i));
    }
    return m;
  }

  @ParameterizedTest(name = "{0} entries")
  @ValueSource(ints = {1, 4, 16, 17, 300})
  void everyEntryIsFoundAndMissingKeysAreNot(int n) {
    PackedEntries p = PackedEntries.of(entries(n));
    assertThat(p.size()).isEqualTo(n);
    for (int i = 0; i < n; i++) {
      assertThat(p.get("key-" + i)).isEqualTo(val("value-" + i));
    }
    assertThat(p.get("key-" + n)).isNull();
    assertThat(p.get("")).isNull();
    assertThat(p.get("key")).isNull();
  }

  @Test
  void entriesComeBackInKeyOrder() {
    java.util.SortedMap<String, ValData> back = PackedEntries.of(entries(20)).toSortedMap();
    assertThat(back).isEqualTo(new TreeMap<>(entries(20)));
    assertThat(back.firstKey()).isEqualTo("key-0");
  }

  @Test
  void valuesKeepTheirTypeAndEmptyValuesSurvive() {
    ValData typed = ValData.newBuilder().setData(ByteString.copyFromUtf8("{}")).setType(ValType.VAL_TYPE_CRDT_MAP).build();
    PackedEntries p = PackedEntries.of(Map.of("j", typed, "e", ValData.getDefaultInstance()));
    assertThat(p.get("j")).isEqualTo(typed);
    assertThat(p.get("e")).isEqualTo(ValData.getDefaultInstance());
  }

  @Test
  void nonAsciiKeysAreComparedByTheirUtf8Bytes() {
    PackedEntries p = PackedEntries.of(Map.of("größe", val("a"), "grosse", val("b"), "€", val("c")));
    assertThat(p.get("größe")).isEqualTo(val("a"));
    assertThat(p.get("grosse")).isEqualTo(val("b"));
    assertThat(p.get("€")).isEqualTo(val("c"));
    assertThat(p.get("gröse")).isNull();
  }

  @Test
  void withSetsAndRemovesWithoutChangingTheOriginal() {
    PackedEntries p = PackedEntries.of(entries(3));
    PackedEntries q = p.with(Map.of("key-1", val("new"), "key-9", val("added")), Set.of("key-0"));
    assertThat(q.toSortedMap()).containsOnlyKeys("key-1", "key-2", "key-9");
    assertThat(q.get("key-1")).isEqualTo(val("new"));
    assertThat(p.get("key-1")).isEqualTo(val("value-1"));
    assertThat(p.get("key-0")).isEqualTo(val("value-0"));
  }

  @Test
  void noChangeReturnsTheSameInstanceAndRemovingEverythingIsEmpty() {
    PackedEntries p = PackedEntries.of(entries(2));
    assertThat(p.with(Map.of(), Set.of())).isSameAs(p);
    PackedEntries none = p.with(Map.of(), List.of("key-0", "key-1"));
    assertThat(none.size()).isZero();
    assertThat(none.get("key-0")).isNull();
    assertThat(PackedEntries.of(Map.of())).isSameAs(PackedEntries.EMPTY);
  }

  @Test
  void aKeyBothSetAndRemovedIsRemoved() {
    PackedEntries p = PackedEntries.of(entries(2)).with(Map.of("key-0", val("x"), "new", val("y")), Set.of("key-0", "new"));
    assertThat(p.toSortedMap()).containsOnlyKeys("key-1");
  }

  @ParameterizedTest(name = "{0} entries")
  @ValueSource(ints = {0, 1, 16, 17, 40})
  void splicingMatchesRebuildingFromAMap(int n) {
    Map<String, ValData> base = entries(n);
    Map<String, ValData> puts = Map.of("key-0", val("changed"), "a-first", val("a"), "zz-last", val("z"),
        "key-10x", val("mid"));
    Set<String> removes = Set.of("key-1", "key-15", "absent");
    TreeMap<String, ValData> expected = new TreeMap<>(base);
    expected.putAll(puts);
    expected.keySet().removeAll(removes);
    PackedEntries spliced = PackedEntries.of(base).with(puts, removes);
    assertThat(spliced.toSortedMap()).isEqualTo(expected);
    assertThat(spliced.size()).isEqualTo(expected.size());
    expected.forEach((k, v) -> assertThat(spliced.get(k)).as(k).isEqualTo(v));
  }
}
