package io.hmmfuzz.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.linux.LinuxTarget;
import io.hmmfuzz.linux.PlantedBugKernel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A planted-bug hunt whose target dies under it: the error carries the program that was running. */
class PlantedBugHuntTests {
  /** The local tmpfs kernel, whose {@code dieAt}-th session fails as a guest's watchdog does. */
  private static final class DyingTarget implements KernelTarget {
    private final LinuxTarget real = LinuxTarget.create(FsKind.TMPFS);
    private final int dieAt;
    private int sessions;

    DyingTarget(int dieAt) {
      this.dieAt = dieAt;
    }

    @Override
    public Capabilities capabilities() {
      return real.capabilities();
    }

    @Override
    public Session openSession() {
      if (++sessions == dieAt) {
        throw new InfrastructureException("no answer from the executor during MMAP: the guest was ended 20 s after");
      }
      return real.openSession();
    }

    @Override
    public List<String> evidence() {
      return real.evidence();
    }

    @Override
    public boolean kernelLogWatched() {
      return false;
    }

    @Override
    public void logToKernel(String line) {}

    @Override
    public String describe() {
      return "dying " + real.describe();
    }

    @Override
    public void close() {
      real.close();
    }
  }

  @Test
  void aTargetThatDiesUnderTheHuntNamesTheProgramItWasRunning() throws Exception {
    try (DyingTarget t = new DyingTarget(7)) {
      InfrastructureException e = assertThrows(InfrastructureException.class,
          () -> PlantedBugHunt.run(t, PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL, 1, 50, Duration.ofMinutes(1), List.of(),
              s -> { }));
      String m = e.getMessage();
      assertTrue(m.startsWith("no answer from the executor during MMAP"), "the cause comes first: " + m);
      String marker = "the program running then (views every ";
      int at = m.indexOf(marker);
      assertTrue(at > 0, "no program in: " + m);
      assertTrue(m.contains("TRUNCATE_KEEPS_TAIL seed 1: "), m);
      String text = m.substring(m.indexOf('\n', at) + 1);
      Program p = ProgramText.parse(text, "message");
      assertTrue(p.ops().size() > 0, "the program printed is empty");
      assertEquals(text, ProgramText.print(p), "the program is printed whole, as a reproducer's body");
    }
  }
}
