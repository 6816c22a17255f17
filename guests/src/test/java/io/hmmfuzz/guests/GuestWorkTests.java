package io.hmmfuzz.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.InFlight;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.linux.ExecutorKind;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.linux.LinuxTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The work a guest takes, done against the local kernel's tmpfs instead of a guest's: the same code a
 * QEMU guest runs, end to end through a campaign across boots, without QEMU.
 */
class GuestWorkTests {
  /** A "guest" that is the local kernel: a fresh tmpfs target per piece of work, and it never dies. */
  static final class LocalGuest implements Guest {
    /** Campaign parts finished, by all local guests. */
    final java.util.concurrent.atomic.AtomicInteger parts;

    LocalGuest(java.util.concurrent.atomic.AtomicInteger parts) {
      this.parts = parts;
    }

    @Override
    public double bootSeconds() {
      return 0.1;
    }

    @Override
    public CampaignRun campaign(CampaignPart part, Campaign.Listener listener, Consumer<String> notes,
        BooleanSupplier stop) {
      GuestWork.CampaignWork work = new GuestWork.CampaignWork(part, listener, notes, stop);
      try (KernelTarget t = LinuxTarget.create(part.fs(), ExecutorKind.JNA)) {
        CampaignSummary s = work.run(t);
        assertNull(work.inFlight(), "no program in flight after the part finished");
        parts.incrementAndGet();
        return new CampaignRun(s, null, Ending.FINISHED);
      }
    }

    @Override
    public ShrinkRun shrink(ShrinkPart part) {
      GuestWork.ShrinkWork work = new GuestWork.ShrinkWork(part);
      try (KernelTarget t = LinuxTarget.create(FsKind.TMPFS, ExecutorKind.JNA)) {
        return new ShrinkRun(work.run(t), work.notReproduced(), work.inFlight(), Ending.FINISHED);
      }
    }

    @Override
    public Ending replay(Reproducer reproducer, FsKind fs) {
      try (KernelTarget t = LinuxTarget.create(FsKind.TMPFS, ExecutorKind.JNA)) {
        GuestWork.replay(t, reproducer);
        return Ending.FINISHED;
      }
    }

    @Override
    public void close() {}
  }

  @Test
  void aCampaignAcrossBootsOfTheLocalKernelMergesRealBoots(@TempDir Path out) throws Exception {
    java.util.concurrent.atomic.AtomicInteger parts = new java.util.concurrent.atomic.AtomicInteger();
    List<Program> started = new ArrayList<>();
    GuestCampaignTests.Told told = new GuestCampaignTests.Told() {
      @Override
      public void starting(Program program, int viewEvery) {
        started.add(program);
      }
    };
    GuestCampaign.Result r = GuestCampaign.run(new GuestCampaign.Settings(FsKind.TMPFS, Profile.standard(), List.of(),
        7, Duration.ofMinutes(5), 8, 2, 20, Duration.ofMinutes(3), out, null), () -> new LocalGuest(parts), told,
        () -> parts.get() >= 2);

    CampaignSummary s = r.summary();
    assertFalse(r.infrastructureFailure());
    assertEquals(2, s.vm().boots());
    assertEquals(40, s.programs(), "20 programs per boot");
    assertTrue(s.ops() > 40, s.toString());
    assertTrue(s.target().startsWith("vm: linux "), s.target());
    assertEquals(0, s.divergences(), s.findings().toString());
    assertTrue(started.size() >= 40, "every program is announced before it runs: " + started.size());
    assertTrue(told.progress.stream().anyMatch(l -> l.startsWith("hmmfuzz fuzz: linux ")), told.progress.toString());
    assertEquals(s, SummaryFile.read(out));
  }

  @Test
  void aShrinkInAGuestThatLivesKeepsTheProgramAndNamesTheCandidatesThatRanHarmlessly() throws Exception {
    Program p = FakeBoots.program("open f0 size=0x2000\nftruncate f0 size=0x1000\npwrite f0 offset=0x0 length=0x10\n");
    Reproducer crash = InFlight.reproducer(p, 1, FakeBoots.CAPS);
    Guest.ShrinkRun run = new LocalGuest(new java.util.concurrent.atomic.AtomicInteger()).shrink(new Guest.ShrinkPart(crash, null,
        Signature.kernel("BUG: never on this kernel"), Set.of()));
    assertEquals(ProgramText.print(p), ProgramText.print(run.shrunk()), "no candidate reproduced");
    assertFalse(run.notReproduced().isEmpty());
    assertTrue(run.ending() instanceof Ending.Finished);
  }
}
