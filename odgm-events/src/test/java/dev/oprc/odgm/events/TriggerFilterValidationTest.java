package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerFilter;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.TriggerValues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Invalid filters are refused when the triggers are compiled, with the target and the filter's bad part named. */
class TriggerFilterValidationTest {

  private static TriggerTarget target(String filterJson) {
    return Fixtures.stateless("orders", 0, "notify").toBuilder().setFilter(TriggerFilters.fromJson(filterJson))
        .build();
  }

  private static TriggerIndex dataIndex(TriggerTarget t) {
    return TriggerIndex.compile(ObjectEvent.newBuilder()
        .putDataTrigger("status", DataTrigger.newBuilder().addOnUpdate(t).build()).build());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"exact\": {}}                                  | filter.exact names no attribute",
      "{\"exact\": {\"colour\": \"red\"}}               | filter.exact['colour'] unknown attribute 'colour'",
      "{\"prefix\": {\"key\": \"\"}}                    | filter.prefix['key'] has an empty value",
      "{\"all\": []}                                    | filter.all holds no filter",
      "{\"any\": [{\"exact\": {\"key\": \"a\"}}, {\"lt\": {\"key\": \"3\"}}]} | filter.any[1].lt['key'] compares 'key' as a number",
      "{\"gt\": {\"new/amount\": \"lots\"}}             | filter.gt['new/amount'] 'lots' is not a decimal number",
      "{\"exact\": {\"depth\": \"01\"}}                 | filter.exact['depth'] depth '01' is not a non-negative integer",
      "{\"prefix\": {\"depth\": \"1\"}}                 | filter.prefix['depth'] prefix on the number 'depth' is not supported",
      "{\"exact\": {\"type\": \"data.updated\"}}        | filter.exact['type'] type 'data.updated' is not one of",
      "{\"exact\": {\"new/a~2b\": \"x\"}}               | has '~' not followed by 0 or 1",
      "{\"changed\": \"status\"}                        | filter.changed JSON pointer 'status' does not start with '/'",
      "{\"exact\": {\"error\": \"boom\"}}               | attribute 'error' is only set on function events, and this target is a data trigger's",
      "{\"not\": {\"exact\": {\"fnstatus\": \"OKAY\"}}} | filter.not.exact['fnstatus'] attribute 'fnstatus' is only set on function events"})
  void dataTriggerRefusesAnInvalidFilterNamingTargetAndFilter(String filterJson, String problem) {
    assertThatThrownBy(() -> dataIndex(target(filterJson)))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageStartingWith("data_trigger['status'].on_update[0]: target fn 'notify': ")
        .hasMessageContaining(problem);
  }

  @Test
  void aFilterWithNoDialectIsRefused() {
    TriggerTarget t = Fixtures.stateless("orders", 0, "notify").toBuilder()
        .setFilter(TriggerFilter.getDefaultInstance()).build();
    assertThatThrownBy(() -> dataIndex(t)).hasMessageContaining("filter sets no dialect");
  }

  @Test
  void functionTriggerRefusesValueAttributes() {
    TriggerTarget t = target("{\"exact\": {\"new/status\": \"x\"}}");
    assertThatThrownBy(() -> TriggerIndex.compile(ObjectEvent.newBuilder()
        .putFuncTrigger("charge", FuncTrigger.newBuilder().addOnComplete(t).build()).build()))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageStartingWith("func_trigger['charge'].on_complete[0]: target fn 'notify': filter.exact['new/status']")
        .hasMessageContaining("only set on data events");
  }

  @Test
  void functionTriggerRefusesIncludeValues() {
    TriggerTarget t = Fixtures.stateless("orders", 0, "notify").toBuilder()
        .setIncludeValues(TriggerValues.TRIGGER_VALUES_NEW).build();
    assertThatThrownBy(() -> TriggerIndex.compile(ObjectEvent.newBuilder()
        .putFuncTrigger("charge", FuncTrigger.newBuilder().addOnError(t).build()).build()))
        .hasMessageContaining("func_trigger['charge'].on_error[0]: include_values TRIGGER_VALUES_NEW is for data triggers");
  }

  @Test
  void filtersNestedDeeperThanTheLimitAreRefused() {
    TriggerFilter f = TriggerFilters.fromJson("{\"exact\": {\"key\": \"a\"}}");
    for (int i = 0; i < TriggerFilters.MAX_DEPTH; i++) {
      f = TriggerFilter.newBuilder().setNot(f).build();
    }
    TriggerFilter deep = f;
    assertThatThrownBy(() -> TriggerFilters.compile(deep, TriggerFilters.Scope.DATA))
        .hasMessageContaining("nests deeper than " + TriggerFilters.MAX_DEPTH + " levels");
  }

  @Test
  void unsupportedDialectInJsonIsRefused() {
    assertThatThrownBy(() -> TriggerFilters.fromJson("{\"sql\": \"source LIKE '%x%'\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported filter dialect 'sql'");
  }

  @Test
  void validFilterCompilesAndTheTargetAppliesIt() {
    TriggerIndex index = dataIndex(target("{\"exact\": {\"new/status\": \"shipped\"}}"));
    CompiledTarget t = index.match(EventType.DATA_UPDATE, "status").get(0);
    assertThat(t.filter()).isNotNull();
    assertThat(t.filter().readsValues()).isTrue();
    assertThat(t.accepts(FilterEvents.SHIPPED)).isTrue();
    assertThat(t.accepts(FilterEvents.CREATED_BY_FUNCTION)).isFalse();
  }

  @Test
  void targetWithoutFilterAcceptsEveryEvent() {
    CompiledTarget t = CompiledTarget.of(Fixtures.stateless("orders", 0, "notify"));
    assertThat(t.filter()).isNull();
    assertThat(t.accepts(FilterEvents.AUDIT_DELETE)).isTrue();
  }
}
