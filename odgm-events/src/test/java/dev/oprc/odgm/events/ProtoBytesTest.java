package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProtoBytesTest {

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, Integer.MAX_VALUE, 1L << 35,
      1L << 49, 1L << 56, 1L << 62, Long.MAX_VALUE, -1L, Long.MIN_VALUE, 1_741_200_000_000L})
  void varintsMatchProtobuf(long v) throws Exception {
    byte[] expected = new byte[CodedOutputStream.computeUInt64SizeNoTag(v)];
    CodedOutputStream.newInstance(expected).writeUInt64NoTag(v);
    byte[] actual = new byte[10];

    int end = ProtoBytes.putVarint(actual, 0, v);

    assertThat(ProtoBytes.varintSize(v)).isEqualTo(expected.length);
    assertThat(java.util.Arrays.copyOf(actual, end)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ascii", "\u00e9", "\u07ff\u0800", "\uffff", "\uD83D\uDE00", "a\uD800", "\uDC00b",
      "\uD800\uD800", "x\uD83D", "mixed é 😀 end"})
  void utf8LengthMatchesWhatIsWritten(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);

    assertThat(ProtoBytes.utf8Length(s)).isEqualTo(utf8.length)
        .isEqualTo(CodedOutputStream.computeStringSizeNoTag(s) - CodedOutputStream.computeUInt32SizeNoTag(utf8.length));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ascii", "\uD800", "a\uDC00", "\uD800\uDC00", "é", "x\uD83Dy", "😀"})
  void stringsAreWrittenAsProtobufWritesThem(String s) throws Exception {
    byte[] expected = new byte[CodedOutputStream.computeStringSize(3, s)];
    CodedOutputStream.newInstance(expected).writeString(3, s);
    byte[] actual = new byte[expected.length];

    int end = ProtoBytes.putString(actual, 0, 3, s, ProtoBytes.utf8Length(s));

    assertThat(end).isEqualTo(expected.length);
    assertThat(actual).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 7, 9, 10, 99, 100, 12_345, 999_999_999_999L, Long.MAX_VALUE})
  void decimalsAreWrittenAsAsciiDigits(long v) {
    int len = ProtoBytes.decimalLength(v);
    byte[] b = new byte[len];

    assertThat(ProtoBytes.putDecimal(b, 0, v, len)).isEqualTo(len);
    assertThat(new String(b, StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v));
  }
}
