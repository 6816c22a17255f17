package io.hmmfuzz.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.run.Signature;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a guest's ending is classified: crash or hang, and by what signature. */
class DeathTests {
  static final Duration HANG = Duration.ofMinutes(3);

  @Test
  void aGuestEndedByItsWatchdogWithNoReportIsAHangNamingTheRequest() {
    Death d = Death.of(new Ending.Hung("store", List.of(), FakeBoots.CONSOLE), HANG);
    assertEquals(Signature.hang(), d.signature());
    assertEquals(Death.HANG, d.kind());
    assertTrue(d.what().contains("store") && d.what().contains("PT3M"), d.what());
    assertTrue(d.console().containsAll(FakeBoots.CONSOLE));
    assertTrue(d.console().get(d.console().size() - 1).contains("left a store request unanswered"), d.console().toString());
  }

  @Test
  void aKernelReportSignsTheFindingWhetherTheGuestThenDiedOrStalled() {
    String title = "BUG: kernel NULL pointer dereference, address: 0000000000000008";
    Death hung = Death.of(new Ending.Hung("ioctl", List.of(FakeBoots.report(title)), FakeBoots.CONSOLE), HANG);
    Death died = Death.of(new Ending.Died(List.of(FakeBoots.report(title)), -1, FakeBoots.CONSOLE), HANG);
    assertEquals(Signature.kernel(title), hung.signature());
    assertEquals(Signature.kernel(title), died.signature());
    assertEquals(Death.CRASH, hung.kind());
    assertEquals(Death.CRASH, died.kind());
    assertTrue(died.console().contains("Call Trace:"), "the report's excerpt, not the console's tail: " + died.console());
  }

  @Test
  void anExecutorThatDiedWithNoReportIsACrashSignedWithItsExitStatus() {
    Death d = Death.of(new Ending.Died(List.of(), 139, FakeBoots.CONSOLE), HANG);
    assertEquals("crash:exit-139", d.signature().text());
    assertEquals(FakeBoots.CONSOLE, d.console());
  }

  @Test
  void aFinishedOrLostGuestIsNobodysDeath() {
    assertNull(Death.of(Ending.FINISHED, HANG));
    assertNull(Death.of(new Ending.Lost("killed from outside", List.of()), HANG));
  }
}
