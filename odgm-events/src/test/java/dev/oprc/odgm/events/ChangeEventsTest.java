package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.ValData;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeEventsTest {
  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  private static String json(byte[] body, long seq) {
    return new String(ChangeEvents.json(body, seq), StandardCharsets.UTF_8);
  }

  @Test
  void anEventHasUpstreamsFieldsThenVersionTimestampAndSeq() {
    byte[] body = ChangeEvents.body("orders", 3, "o1", 7, 1741200000000L, List.of("a", "b"),
        List.of(EventType.DATA_CREATE, EventType.DATA_DELETE), null, 10, new int[1]);
    assertThat(json(body, 42)).isEqualTo("{\"object_id\":\"o1\",\"cls_id\":\"orders\",\"partition_id\":3,"
        + "\"source\":\"local\",\"changes\":[{\"key\":\"a\",\"action\":\"create\"},{\"key\":\"b\",\"action\":\"delete\"}],"
        + "\"version\":7,\"timestamp\":1741200000000,\"seq\":42}");
  }

  @Test
  void valuesAreCarriedBase64AndOneOverTheCapIsCutFlaggedAndCounted() {
    int[] cuts = {0};
    byte[] body = ChangeEvents.body("c", 0, "o", 1, 0, List.of("k", "big"),
        List.of(EventType.DATA_UPDATE, EventType.DATA_UPDATE), Arrays.asList(val("hi"), val("0123456789")), 4, cuts);
    assertThat(json(body, 1)).contains("{\"key\":\"k\",\"action\":\"update\",\"value\":\"aGk=\"}")
        .contains("{\"key\":\"big\",\"action\":\"update\",\"value\":\"MDEyMw==\",\"value_truncated\":true,"
            + "\"value_size\":10}");
    assertThat(cuts[0]).isEqualTo(1);
  }

  @Test
  void keysAreJsonEscaped() {
    byte[] body = ChangeEvents.body("c", 0, "o", 1, 0, List.of("a\"b\\c\n"), List.of(EventType.DATA_CREATE), null, 4,
        new int[1]);
    assertThat(json(body, 1)).contains("\"key\":\"a\\\"b\\\\c\\n\"");
  }

  @Test
  void nonAsciiCharactersAreUtf8AndControlCharactersAreEscapedAnywhereInAString() {
    byte[] body = ChangeEvents.body("c\u00e9", 0, "o", 1, 0, List.of("\u00fcber\u0001\"\ud83d\ude00\t", "x\u0002"),
        List.of(EventType.DATA_CREATE, EventType.DATA_CREATE), null, 4, new int[1]);
    assertThat(json(body, 1)).contains("\"cls_id\":\"c\u00e9\"")
        .contains("{\"key\":\"\u00fcber\\u0001\\\"\ud83d\ude00\\t\",\"action\":\"create\"}")
        .contains("{\"key\":\"x\\u0002\",\"action\":\"create\"}");
  }

  @Test
  void theObjectIdAndKeyAreReadBackFromTheBody() {
    byte[] body = ChangeEvents.body("c", 5, "user.42", 1, 0, List.of("k"), List.of(EventType.DATA_CREATE), null, 4,
        new int[1]);
    assertThat(ChangeEvents.objectId(body)).isEqualTo("user.42");
    assertThat(ChangeEvents.key("c", 5, "user.42")).isEqualTo("oprc/c/5/events/user.42");
    assertThatThrownBy(() -> ChangeEvents.objectId("{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a change event body");
  }
}
