package dev.oprc.odgm.e2e;

import java.util.HashMap;
import java.util.Map;

/** {@link OdgmEndToEndTest} with {@code ODGM_STORAGE=memory}: the same behaviour on both storage kinds. */
class InMemoryEndToEndTest extends OdgmEndToEndTest {
  @Override
  Map<String, String> env(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("ODGM_STORAGE", "memory");
    return env;
  }
}
