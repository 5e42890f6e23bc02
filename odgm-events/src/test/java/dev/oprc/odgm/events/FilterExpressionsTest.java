package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The readable --when form parses into the CloudEvents-style filter it stands for. */
class FilterExpressionsTest {

  private static void assertParses(String text, String json) {
    assertThat(FilterExpressions.parse(text)).isEqualTo(TriggerFilters.fromJson(json));
  }

  @Test
  void statusChangedToShipped() {
    assertParses("status changed to shipped",
        "{\"all\": [{\"changed\": \"/status\"}, {\"exact\": {\"new/status\": \"shipped\"}}]}");
  }

  @Test
  void statusChangedFromPaidToShipped() {
    assertParses("status changed from paid to shipped", "{\"all\": [{\"changed\": \"/status\"}, "
        + "{\"exact\": {\"old/status\": \"paid\"}}, {\"exact\": {\"new/status\": \"shipped\"}}]}");
  }

  @Test
  void amountGreaterThan1000() {
    assertParses("amount > 1000", "{\"gt\": {\"new/amount\": \"1000\"}}");
  }

  @Test
  void keyStartsWithAudit() {
    assertParses("key starts with audit.", "{\"prefix\": {\"key\": \"audit.\"}}");
  }

  @Test
  void notCreatedByDepthAtLeastOne() {
    assertParses("not created by depth ≥ 1", "{\"not\": {\"ge\": {\"depth\": \"1\"}}}");
    assertParses("not created by depth >= 1", "{\"not\": {\"ge\": {\"depth\": \"1\"}}}");
  }

  @Test
  void quotedNewValueMemberEquality() {
    assertParses("new.status == \"shipped\"", "{\"exact\": {\"new/status\": \"shipped\"}}");
  }

  @Test
  void numberEqualityOnValuesIsNumeric() {
    assertParses("old.amount == 1000",
        "{\"all\": [{\"ge\": {\"old/amount\": \"1000\"}}, {\"le\": {\"old/amount\": \"1000\"}}]}");
  }

  @Test
  void andBindsTighterThanOrAndParenthesesGroup() {
    assertParses("type == update and (a > 1 or b != x)", "{\"all\": [{\"exact\": {\"type\": \"data.update\"}}, "
        + "{\"any\": [{\"gt\": {\"new/a\": \"1\"}}, {\"not\": {\"exact\": {\"new/b\": \"x\"}}}]}]}");
    assertParses("key == a or key == b and depth == 0", "{\"any\": [{\"exact\": {\"key\": \"a\"}}, "
        + "{\"all\": [{\"exact\": {\"key\": \"b\"}}, {\"exact\": {\"depth\": \"0\"}}]}]}");
  }

  @Test
  void nestedNamesBecomeJsonPointersWithEscapes() {
    assertParses("new.items.0.sku ends with -x", "{\"suffix\": {\"new/items/0/sku\": \"-x\"}}");
    assertParses("a/b == 1", "{\"all\": [{\"ge\": {\"new/a~1b\": \"1\"}}, {\"le\": {\"new/a~1b\": \"1\"}}]}");
  }

  @Test
  void functionAttributes() {
    assertParses("fnstatus == APP_ERROR and error starts with 'APP_ERROR: card'",
        "{\"all\": [{\"exact\": {\"fnstatus\": \"APP_ERROR\"}}, {\"prefix\": {\"error\": \"APP_ERROR: card\"}}]}");
  }

  @Test
  void everyParsedExampleCompiles() {
    for (String text : new String[] {"status changed to shipped", "amount > 1000", "key starts with audit.",
        "not created by depth ≥ 1", "new changed", "old.x <= -2.5e3"}) {
      TriggerFilters.compile(FilterExpressions.parse(text), TriggerFilters.Scope.DATA);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "amount >                | expected a value at the end",
      "amount > lots           | expected a number at column 10 ('lots')",
      "key changed             | 'changed' compares values",
      "status ~ shipped        | expected an operator",
      "(amount > 1             | expected ')' at the end",
      "amount > 1 amount       | expected 'and', 'or' or the end at column 12",
      "'status' == x           | expected a name",
      "created by key == 1     | expected 'depth' after 'created by'"})
  void malformedExpressionNamesTheColumn(String text, String problem) {
    assertThatThrownBy(() -> FilterExpressions.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("filter '" + text + "': ")
        .hasMessageContaining(problem);
  }
}
