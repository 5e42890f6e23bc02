package dev.oprc.odgm.events;

import static dev.oprc.odgm.events.FilterEvents.AUDIT_CREATE;
import static dev.oprc.odgm.events.FilterEvents.AUDIT_DELETE;
import static dev.oprc.odgm.events.FilterEvents.CREATED_BY_FUNCTION;
import static dev.oprc.odgm.events.FilterEvents.ESCAPED;
import static dev.oprc.odgm.events.FilterEvents.FN_ERROR;
import static dev.oprc.odgm.events.FilterEvents.FN_OK;
import static dev.oprc.odgm.events.FilterEvents.PLAIN_NUMBER;
import static dev.oprc.odgm.events.FilterEvents.SHIPPED;
import static dev.oprc.odgm.events.FilterEvents.STILL_SHIPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Filters × events, each row with the verdict the filter language defines. The first block
 * takes the CloudEvents Subscriptions API's own examples (spec §3.2.4.1.1 and the subscription
 * object's examples) in their structure, with ODGM's attribute values in place of GitHub's.
 */
class TriggerFilterTableTest {

  static Stream<Arguments> rows() {
    return Stream.of(
        // --- CloudEvents Subscriptions API examples -------------------------------------------
        // { "exact": { "type": "com.github.push", "subject": "https://github.com/cloudevents/spec" } }
        arguments("{\"exact\": {\"type\": \"data.update\", \"subject\": \"order\"}}", SHIPPED, true),
        arguments("{\"exact\": {\"type\": \"data.update\", \"subject\": \"order\"}}", CREATED_BY_FUNCTION, false),
        arguments("{\"exact\": {\"type\": \"data.update\", \"subject\": \"order\"}}", PLAIN_NUMBER, false),
        // { "prefix": { "type": "com.github.", "subject": "https://github.com/cloudevents" } }
        arguments("{\"prefix\": {\"type\": \"data.\", \"subject\": \"audit.\"}}", AUDIT_CREATE, true),
        arguments("{\"prefix\": {\"type\": \"data.\", \"subject\": \"audit.\"}}", AUDIT_DELETE, true),
        arguments("{\"prefix\": {\"type\": \"data.\", \"subject\": \"audit.\"}}", SHIPPED, false),
        // { "suffix": { "type": ".created", "subject": "/cloudevents/spec" } }
        arguments("{\"suffix\": {\"type\": \".create\", \"subject\": \"-12-01\"}}", AUDIT_CREATE, true),
        arguments("{\"suffix\": {\"type\": \".create\", \"subject\": \"-12-01\"}}", CREATED_BY_FUNCTION, false),
        // { "all": [ { "exact": { "type": "com.github.push" } }, { "exact": { "subject": "..." } } ] }
        arguments("{\"all\": [{\"exact\": {\"type\": \"data.update\"}}, {\"exact\": {\"subject\": \"order\"}}]}",
            SHIPPED, true),
        arguments("{\"all\": [{\"exact\": {\"type\": \"data.update\"}}, {\"exact\": {\"subject\": \"order\"}}]}",
            CREATED_BY_FUNCTION, false),
        // { "any": [ { "exact": { "type": "com.github.push" } }, { "exact": { "subject": "..." } } ] }
        arguments("{\"any\": [{\"exact\": {\"type\": \"data.update\"}}, {\"exact\": {\"subject\": \"order\"}}]}",
            CREATED_BY_FUNCTION, true),
        arguments("{\"any\": [{\"exact\": {\"type\": \"data.update\"}}, {\"exact\": {\"subject\": \"order\"}}]}",
            PLAIN_NUMBER, true),
        arguments("{\"any\": [{\"exact\": {\"type\": \"data.update\"}}, {\"exact\": {\"subject\": \"order\"}}]}",
            FN_OK, false),
        // { "not": { "exact": { "type": "com.github.push" } } }
        arguments("{\"not\": {\"exact\": {\"type\": \"data.update\"}}}", CREATED_BY_FUNCTION, true),
        arguments("{\"not\": {\"exact\": {\"type\": \"data.update\"}}}", SHIPPED, false),
        // "filters": [ { "prefix": { "type": "com.example." } } ]  (the array means all of them)
        arguments("[{\"prefix\": {\"type\": \"data.\"}}]", AUDIT_DELETE, true),
        arguments("[{\"prefix\": {\"type\": \"data.\"}}, {\"exact\": {\"key\": \"order\"}}]", AUDIT_DELETE, false),
        arguments("[{\"prefix\": {\"type\": \"data.\"}}]", FN_OK, false),

        // --- the examples -----------------------------------------------------------------
        // status changed to shipped
        arguments(STATUS_CHANGED_TO_SHIPPED, SHIPPED, true),
        arguments(STATUS_CHANGED_TO_SHIPPED, STILL_SHIPPED, false),
        arguments(STATUS_CHANGED_TO_SHIPPED, CREATED_BY_FUNCTION, false),
        arguments(STATUS_CHANGED_TO_SHIPPED, ESCAPED, false), // a JSON escape of the i spells "shipped": not changed
        // amount > 1000
        arguments("{\"gt\": {\"new/amount\": \"1000\"}}", SHIPPED, true),
        arguments("{\"gt\": {\"new/amount\": \"1000\"}}", CREATED_BY_FUNCTION, false),
        arguments("{\"gt\": {\"new/amount\": \"1000\"}}", PLAIN_NUMBER, false), // not JSON: no member
        arguments("{\"gt\": {\"new/amount\": \"1000\"}}", AUDIT_DELETE, false), // no new value
        // key starts with audit.
        arguments("{\"prefix\": {\"key\": \"audit.\"}}", AUDIT_CREATE, true),
        arguments("{\"prefix\": {\"key\": \"audit.\"}}", AUDIT_DELETE, true),
        arguments("{\"prefix\": {\"key\": \"audit.\"}}", SHIPPED, false),
        arguments("{\"prefix\": {\"key\": \"audit.\"}}", FN_OK, false), // function events have no key
        // not created by depth >= 1
        arguments("{\"not\": {\"ge\": {\"depth\": \"1\"}}}", SHIPPED, true),
        arguments("{\"not\": {\"ge\": {\"depth\": \"1\"}}}", CREATED_BY_FUNCTION, false),
        arguments("{\"not\": {\"ge\": {\"depth\": \"1\"}}}", FN_OK, false),

        // --- values ------------------------------------------------------------------------------
        arguments("{\"gt\": {\"new\": \"1000\"}}", PLAIN_NUMBER, true),
        arguments("{\"gt\": {\"new\": \"1000.5\"}}", PLAIN_NUMBER, false),
        arguments("{\"ge\": {\"new\": \"1000.50\"}}", PLAIN_NUMBER, true),
        arguments("{\"le\": {\"old\": \"999\"}}", PLAIN_NUMBER, true), // surrounding whitespace ignored
        arguments("{\"lt\": {\"old\": \"-1e3\"}}", PLAIN_NUMBER, false),
        arguments("{\"gt\": {\"new\": \"1\"}}", SHIPPED, false), // JSON text is not a number
        arguments("{\"ge\": {\"new/amount\": \"1.5e3\"}}", SHIPPED, true),
        arguments("{\"gt\": {\"new/amount\": \"1.5e3\"}}", SHIPPED, false),
        arguments("{\"exact\": {\"old/status\": \"paid\"}}", SHIPPED, true),
        arguments("{\"exact\": {\"old/status\": \"paid\"}}", CREATED_BY_FUNCTION, false), // no old value
        arguments("{\"not\": {\"exact\": {\"old/status\": \"paid\"}}}", CREATED_BY_FUNCTION, true),
        arguments("{\"exact\": {\"new\": \"login alice\"}}", AUDIT_CREATE, true),
        arguments("{\"suffix\": {\"new\": \"alice\"}}", AUDIT_CREATE, true),
        arguments("{\"prefix\": {\"old\": \"ali\"}}", AUDIT_DELETE, true),
        arguments("{\"exact\": {\"new/amount\": \"1500\"}}", SHIPPED, true), // a number's JSON text
        arguments("{\"exact\": {\"new/status\": \"shipped\"}}", ESCAPED, true), // escapes decoded
        arguments("{\"exact\": {\"new/tags/1/sku\": \"b/c\"}}", ESCAPED, true), // array index
        arguments("{\"exact\": {\"new/tags/2/sku\": \"b/c\"}}", ESCAPED, false), // out of range
        arguments("{\"changed\": \"\"}", STILL_SHIPPED, true),
        arguments("{\"changed\": \"\"}", AUDIT_DELETE, true), // present on one side only
        arguments("{\"changed\": \"/amount\"}", STILL_SHIPPED, false), // whitespace and order of members aside
        arguments("{\"changed\": \"/note\"}", STILL_SHIPPED, true),
        arguments("{\"changed\": \"/missing\"}", STILL_SHIPPED, false),

        // --- attributes --------------------------------------------------------------------------
        arguments("{\"lt\": {\"depth\": \"0.5\"}}", SHIPPED, true),
        arguments("{\"lt\": {\"depth\": \"0.5\"}}", CREATED_BY_FUNCTION, false),
        arguments("{\"exact\": {\"depth\": \"2\"}}", ESCAPED, true),
        arguments("{\"exact\": {\"partition\": \"3\", \"cls\": \"orders\", \"object\": \"order-1\"}}", SHIPPED, true),
        arguments("{\"exact\": {\"fnstatus\": \"OKAY\"}}", FN_OK, true),
        arguments("{\"exact\": {\"fnstatus\": \"OKAY\"}}", FN_ERROR, false),
        arguments("{\"exact\": {\"fnstatus\": \"APP_ERROR\"}}", FN_ERROR, true),
        arguments("{\"prefix\": {\"error\": \"APP_ERROR\"}}", FN_ERROR, true),
        arguments("{\"suffix\": {\"error\": \"declined\"}}", FN_OK, false), // no error on a completion
        arguments("{\"exact\": {\"fn\": \"charge\", \"type\": \"func.complete\"}}", FN_OK, true),
        arguments("{\"exact\": {\"subject\": \"charge\"}}", FN_ERROR, true),
        arguments("{\"exact\": {\"fn\": \"charge\"}}", SHIPPED, false)); // data events have no fn
  }

  static final String STATUS_CHANGED_TO_SHIPPED =
      "{\"all\": [{\"changed\": \"/status\"}, {\"exact\": {\"new/status\": \"shipped\"}}]}";

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("rows")
  void filterGivesTheDefinedVerdict(String filterJson, EventContext event, boolean expected) {
    CompiledFilter f = TriggerFilters.compile(TriggerFilters.fromJson(filterJson), TriggerFilters.Scope.ANY);
    assertThat(f.test(event)).isEqualTo(expected);
  }
}
