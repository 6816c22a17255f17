package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The floor's breakdown is a map by slot name: no two slots may share one (an op's time would vanish). */
class FloorSlotTests {
  @Test
  void everySlotOfAFloorsAnswerHasItsOwnName() {
    Set<String> names = new HashSet<>();
    int slots = ExecutorProtocol.FloorSlot.slots();
    for (int i = 0; i < slots; i++) {
      names.add(ExecutorProtocol.FloorSlot.name(i));
    }
    assertEquals(slots, names.size(), "slot names: " + names);
  }
}
