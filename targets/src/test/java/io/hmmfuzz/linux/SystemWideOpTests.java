package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.CacheDrop;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.ProgramGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * drop-caches (R120) drops the caches of the whole kernel, so the tool never runs it on the local
 * kernel, whichever executor: the local target does not own its kernel, its campaigns never make the op,
 * and a program with it is refused before anything of it runs, naming the guest.
 */
class SystemWideOpTests {
  /** The kernel's counts of drop_caches writes since boot (/proc/vmstat drop_pagecache, drop_slab). */
  private static String drops() throws IOException {
    return String.join(" ", Files.readAllLines(Path.of("/proc/vmstat")).stream()
        .filter(l -> l.startsWith("drop_")).toList());
  }

  @Test
  void theLocalKernelRefusesAProgramWithDropCachesBeforeItRuns() throws Exception {
    Program p = ProgramText.parse("open f0 size=0x1\ndrop-caches what=both\n", "t");
    for (ExecutorKind kind : ExecutorKind.values()) {
      if (kind == ExecutorKind.C && ExecutorBuild.gcc() == null) {
        continue; // no C executor without gcc
      }
      try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS, kind)) {
        assertFalse(t.ownsKernel(), t.describe());
        String before = drops();
        TargetUnavailableException e = assertThrows(TargetUnavailableException.class, () -> new Runner(t, 1).run(p));
        assertTrue(e.getMessage().contains("drop-caches") && e.getMessage().contains("--target vm --kernel BZIMAGE"),
            e.getMessage());
        assertEquals(before, drops(), "the kernel's caches were dropped");
        // A planted bug other than drop-caches' own passes the op on to the real kernel: refused too.
        PlantedBugTarget planted = new PlantedBugTarget(t, PlantedBugKernel.Bug.PWRITE_LEAVES_MAPPING_STALE);
        assertFalse(planted.ownsKernel());
        assertThrows(TargetUnavailableException.class, () -> new Runner(planted, 1).run(p));
        assertEquals(before, drops(), "the kernel's caches were dropped");
        if (kind == ExecutorKind.C) {
          // Asked past the runner, the host's C executor (requests on its stdin, not a guest's channel)
          // still refuses: EPERM.
          try (io.hmmfuzz.core.exec.Target.Session s = t.openSession()) {
            io.hmmfuzz.core.exec.SysResult r = s.kernel().dropCaches(CacheDrop.BOTH);
            assertTrue(r.failed() && r.errno() == io.hmmfuzz.core.Errno.EPERM, r.toString());
          }
          assertEquals(before, drops(), "the kernel's caches were dropped");
        }
      }
    }
    // The JVM's executor has no drop-caches at all: the Kernel interface's default refuses.
    try (LinuxKernel k = new LinuxKernel(Path.of("/dev/shm"))) {
      assertThrows(TargetUnavailableException.class, () -> k.dropCaches(CacheDrop.PAGECACHE));
    }
  }

  @Test
  void aLocalCampaignNeverMakesDropCaches(@TempDir Path out) throws Exception {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      // The device profile weights drop-caches up (2); without test_hmm its device ops are left out.
      ProgramGenerator gen = new ProgramGenerator(Profile.device(), t.capabilities(), t.forks(), t.ownsKernel());
      for (long seed = 0; seed < 300; seed++) {
        Program p = gen.generate(seed);
        assertTrue(p.ops().stream().noneMatch(op -> op.kind().systemWide()), ProgramText.print(p));
      }
      Campaign.Stats stats = new Campaign(t, new Campaign.Settings(Profile.device(), 20261204L,
          Duration.ofSeconds(20), 4, out, 2, Duration.ofHours(1), 200, false, null, List.of(), null))
          .run(new Campaign.Listener() {
            @Override
            public void status(Campaign.Stats s) {}

            @Override
            public void finding(Campaign.Finding f) {}
          }, () -> false);
      assertTrue(stats.programs() > 20, "too few programs ran: " + stats);
      for (Map.Entry<String, Long> e : stats.outcomes().entrySet()) {
        assertFalse(e.getKey().startsWith("drop-caches"), "a local campaign ran " + e);
      }
    }
  }

  @Test
  void thePlantedBugOfDropCachesEmulatesItSoItsHuntsRunHere() {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(t.capabilities().root(), "drop-caches is generated only as root");
      PlantedBugTarget planted = new PlantedBugTarget(t, PlantedBugKernel.Bug.DROP_CACHES_ORPHANS_MAPPED_PAGES);
      assertTrue(planted.ownsKernel(), "emulated in the decorator: the real kernel never gets it");
      ProgramGenerator gen = new ProgramGenerator(Profile.standard(), planted.capabilities(), planted.forks(),
          planted.ownsKernel());
      long drops = 0;
      for (long seed = 0; seed < 100; seed++) {
        drops += gen.generate(seed).ops().stream().filter(op -> op.kind().systemWide()).count();
      }
      assertTrue(drops > 0, "its campaigns make drop-caches");
    }
  }
}
