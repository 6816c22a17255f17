package io.hmmfuzz.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.exec.InfrastructureException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Measurements that a kernel death interrupts are taken again, whole, a bounded number of times. */
class RemeasureTests {
  static final String OOPS = "BUG: unable to handle page fault for address: ffff888000000000";

  /** A guest whose kernel dies of {@link #OOPS} during each of the first {@code deaths} measurements. */
  static final class DyingGuest {
    int deaths;
    int measured;
    int dropped;

    DyingGuest(int deaths) {
      this.deaths = deaths;
    }

    int measure() {
      measured++;
      if (deaths-- > 0) {
        throw new InfrastructureException("no answer from the executor during FLOOR: the guest was ended 20 s after"
            + " a kernel report on its console");
      }
      return 42;
    }

    Death died(InfrastructureException e) {
      dropped++;
      return Death.of(new Ending.Hung("FLOOR", List.of(FakeBoots.report(OOPS)), FakeBoots.CONSOLE), Duration.ofMinutes(2));
    }
  }

  @Test
  void aMeasurementThatAKernelDeathInterruptsIsTakenAgainAndSaid() {
    DyingGuest g = new DyingGuest(2);
    Remeasure again = new Remeasure(3);
    List<Death> told = new ArrayList<>();
    assertEquals(42, again.take(g::measure, g::died, told::add));
    assertEquals(3, g.measured);
    assertEquals(2, g.dropped, "each death drops the guest");
    assertEquals(2, again.again());
    assertEquals(2, told.size());
    assertTrue(told.get(0).signature().text().contains("unable_to_handle_page_fault"), told.get(0).signature().text());
  }

  @Test
  void theLimitCountsDeathsOverAllMeasurements() {
    Remeasure again = new Remeasure(2);
    DyingGuest first = new DyingGuest(2);
    assertEquals(42, again.take(first::measure, first::died, d -> { }));
    DyingGuest second = new DyingGuest(1);
    InfrastructureException e = assertThrows(InfrastructureException.class,
        () -> again.take(second::measure, second::died, d -> { }));
    assertTrue(e.getMessage().contains("died 3 times") && e.getMessage().contains("unable_to_handle_page_fault"),
        e.getMessage());
    assertEquals(1, second.measured, "not taken again past the limit");
  }

  @Test
  void aLostGuestIsNotTakenAgain() {
    DyingGuest g = new DyingGuest(5);
    InfrastructureException lost = new InfrastructureException("QEMU was killed by signal 9");
    Function<InfrastructureException, Death> died = e -> {
      throw lost;
    };
    assertSame(lost, assertThrows(InfrastructureException.class, () -> new Remeasure(3).take(g::measure, died, d -> { })));
    assertEquals(1, g.measured);
  }
}
