package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.ProgramRun;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Profile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the C executor a campaign queues programs (the executor runs program i+1 while program i is
 * checked); with an in-flight file, which must name the program that runs, it runs them one at a time.
 */
class InFlightCampaignTests {
  /** Programs started and not yet closed, and the most there ever were. */
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger most = new AtomicInteger();

  private long campaign(LinuxTarget real, Path out, Path inFlight) {
    Target counting = new Target() {
      @Override
      public Capabilities capabilities() {
        return real.capabilities();
      }

      @Override
      public Session openSession() {
        Session s = real.openSession();
        return new Session() {
          @Override
          public Kernel kernel() {
            return s.kernel();
          }

          @Override
          public ProgramRun runWhole(List<Op> ops, int viewEvery, boolean deviceViews) {
            ProgramRun run = s.runWhole(ops, viewEvery, deviceViews);
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            return new ProgramRun() {
              @Override
              public Step next() {
                return run.next();
              }

              @Override
              public void close() {
                running.decrementAndGet();
                run.close();
              }

              @Override
              public List<KernelReport> released() {
                return run.released();
              }
            };
          }

          @Override
          public void close() {
            s.close();
          }
        };
      }

      @Override
      public boolean queuesPrograms() {
        return real.queuesPrograms();
      }

      @Override
      public String describe() {
        return real.describe();
      }

      @Override
      public void close() {}
    };
    return new Campaign(counting, new Campaign.Settings(Profile.eof(), 20261202, Duration.ofMinutes(1), 8, out, 2,
        Duration.ofHours(1), 200, false, inFlight, List.of(), null)).run(new Campaign.Listener() {
          @Override
          public void status(Campaign.Stats s) {}

          @Override
          public void finding(Campaign.Finding f) {}
        }, () -> false).programs();
  }

  @Test
  void anInFlightFileKeepsOneProgramRunningAtATime(@TempDir Path dir) {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS, ExecutorKind.C)) {
      assertTrue(real.queuesPrograms(), "the C executor queues programs");
      assertEquals(200, campaign(real, dir.resolve("queued"), null));
      assertEquals(2, most.get(), "without an in-flight file the next program runs while one is checked");
      most.set(0);
      assertEquals(200, campaign(real, dir.resolve("one"), dir.resolve("in-flight.repro")));
      assertEquals(1, most.get(), "with an in-flight file two programs were in flight at once");
    }
  }
}
