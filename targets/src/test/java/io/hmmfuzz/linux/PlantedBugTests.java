package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.Reduction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.KnownFindings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzzer must find each planted bug by generating programs, and shrink it to its known minimal
 * length (Jazzer's verify_crash_reproducer, applied to our differential setup). The device bug needs
 * test_hmm: 'hmmfuzz selftest --target vm' runs it in the guest.
 */
class PlantedBugTests {

  private static Reduction findAndShrink(LinuxTarget real, PlantedBugKernel.Bug bug, Profile profile) {
    return findAndShrink(real, bug, profile, bug.minimalOps());
  }

  /** The first divergent program shrunk to at least the bug's known minimum and at most {@code atMost} ops. */
  private static Reduction findAndShrink(LinuxTarget real, PlantedBugKernel.Bug bug, Profile profile, int atMost) {
    PlantedBugTarget t = new PlantedBugTarget(real, bug);
    long t0 = System.nanoTime();
    Reduction red = Campaign.findFirst(t, profile, 2000, 3);
    assertNotNull(red, "the planted bug " + bug + " was not found in 2000 programs");
    System.out.printf("planted %s on %s: shrunk to %d ops in %.2f s (%d runs):%n%s%n", bug, real.describe(),
        red.program().size(), (System.nanoTime() - t0) / 1e9, red.candidates(),
        red.divergence().render("hmmfuzz replay <file>"));
    assertTrue(red.program().size() >= bug.minimalOps() && red.program().size() <= atMost,
        red.program().size() + " ops, known minimum " + bug.minimalOps() + ":\n" + ProgramText.print(red.program()));
    assertEquals(3, red.reproduced());
    return red;
  }

  private static io.hmmfuzz.core.Capabilities caps(String kernel, FsKind fs, boolean madvise) {
    return new io.hmmfuzz.core.Capabilities(io.hmmfuzz.core.KernelVersion.parse(kernel), fs, 4096, 4096, fs.xfs(),
        false, false, true, true, true, madvise);
  }

  /** Only the coherent bug's hunt sees test_hmm's device-coherent devices (a RELEASE of one may hang). */
  @Test
  void onlyTheCoherentBugsHuntSeesTheCoherentDevices() {
    io.hmmfuzz.core.Capabilities coherent = new io.hmmfuzz.core.Capabilities(
        io.hmmfuzz.core.KernelVersion.parse("6.1.192"), FsKind.TMPFS, 4096, 4096, false, false, false, false, true, true, true, true);
    KernelTarget real = new KernelTarget() {
      @Override
      public io.hmmfuzz.core.Capabilities capabilities() {
        return coherent;
      }

      @Override
      public Session openSession() {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<String> evidence() {
        return List.of();
      }

      @Override
      public boolean kernelLogWatched() {
        return false;
      }

      @Override
      public void logToKernel(String line) {}

      @Override
      public String describe() {
        return "capabilities only";
      }

      @Override
      public void close() {}
    };
    for (PlantedBugKernel.Bug bug : PlantedBugKernel.Bug.values()) {
      boolean seen = new PlantedBugTarget(real, bug).capabilities().coherentDevices();
      assertEquals(bug == PlantedBugKernel.Bug.COHERENT_MIGRATE_BACK_TAKES_OTHERS, seen, bug.name());
    }
  }

  @Test
  void plantedBugsTheKernelCannotTellApartAreSkippedSayingWhy() {
    PlantedBugKernel.Bug fallocate = PlantedBugKernel.Bug.FALLOCATE_KEEPS_POST_EOF;
    // 6.1's xfs leaks post-EOF bytes on extension itself (R14, fixed in 6.12): skipped, naming the fix.
    String why = fallocate.unavailable(caps("6.1.192", FsKind.XFS, true), true);
    assertNotNull(why);
    assertTrue(why.contains("predates the fix"), why);
    assertEquals(null, fallocate.unavailable(caps("6.12.117", FsKind.XFS, true), true));
    assertNotNull(fallocate.unavailable(caps("6.12.117", FsKind.EXT4, true), true), "ext4's fix is in 6.13");
    assertEquals(null, fallocate.unavailable(caps("6.18.44", FsKind.EXT4, true), true));
    assertNotNull(fallocate.unavailable(caps("6.18.44", FsKind.TMPFS, true), true), "tmpfs keeps them by design (U2)");
    PlantedBugKernel.Bug dontneed = PlantedBugKernel.Bug.DONTNEED_KEEPS_PRIVATE_COPY;
    assertTrue(dontneed.unavailable(caps("6.1.192", FsKind.XFS, false), true).contains("CONFIG_ADVISE_SYSCALLS"));
    assertEquals(null, dontneed.unavailable(caps("6.1.192", FsKind.XFS, true), true));
    PlantedBugKernel.Bug release = PlantedBugKernel.Bug.RELEASE_KEEPS_MIRROR;
    assertEquals(null, release.unavailable(caps("6.1.192", FsKind.XFS, true), true));
    assertTrue(release.unavailable(caps("5.15.0", FsKind.XFS, true), true).contains("RELEASE"), "R90: not before 6.1");
    io.hmmfuzz.core.Capabilities dax = new io.hmmfuzz.core.Capabilities(io.hmmfuzz.core.KernelVersion.parse("6.1.192"),
        FsKind.XFS_DAX, 4096, 4096, true, true, true, true, true, true, true);
    assertTrue(release.unavailable(dax, true).contains("DAX"), "R38: nothing migrates off DAX files");
    assertEquals(null, PlantedBugKernel.Bug.SECOND_EXCLUSIVE_KEEPS_FIRST.unavailable(dax, true),
        "private copies of DAX files are anonymous: exclusive access works");
    io.hmmfuzz.core.Capabilities noHmm = new io.hmmfuzz.core.Capabilities(io.hmmfuzz.core.KernelVersion.parse("6.18.44"),
        FsKind.XFS, 4096, 4096, true, false, false, true, true, false, true);
    assertNotNull(release.unavailable(noHmm, true));
    assertNotNull(PlantedBugKernel.Bug.SECOND_EXCLUSIVE_KEEPS_FIRST.unavailable(noHmm, true));
    PlantedBugKernel.Bug direct = PlantedBugKernel.Bug.DIRECT_WRITE_LEAVES_MAPPING_STALE;
    assertTrue(direct.unavailable(caps("6.1.192", FsKind.TMPFS, true), true).contains("O_DIRECT"),
        "R100: no O_DIRECT on tmpfs before 6.6");
    assertEquals(null, direct.unavailable(caps("6.12.117", FsKind.TMPFS, true), true));
    assertEquals(null, direct.unavailable(caps("6.1.192", FsKind.XFS, true), true));
    assertEquals(null, PlantedBugKernel.Bug.MLOCK_FORGETS_LOCK.unavailable(caps("6.1.192", FsKind.XFS, true), true));
    // The mirror's bug of mremap needs the mirror; the CPU's needs nothing but mremap, which every kernel has.
    io.hmmfuzz.core.Capabilities host = new io.hmmfuzz.core.Capabilities(io.hmmfuzz.core.KernelVersion.parse("6.18.44"),
        FsKind.XFS, 4096, 4096, true, false, false, true, true, false, true);
    assertEquals("no test_hmm", PlantedBugKernel.Bug.MREMAP_LEAVES_MIRROR_STALE.unavailable(host, true));
    assertEquals(null, PlantedBugKernel.Bug.MREMAP_LEAVES_MIRROR_STALE.unavailable(caps("6.1.192", FsKind.XFS, true),
        true));
    assertEquals(null, PlantedBugKernel.Bug.MREMAP_KEEPS_OLD_PAGES.unavailable(caps("6.1.192", FsKind.TMPFS, false),
        true));
    // drop-caches is emulated, so any kernel shows it, but DAX files have no page cache to drop (R120).
    PlantedBugKernel.Bug drop = PlantedBugKernel.Bug.DROP_CACHES_ORPHANS_MAPPED_PAGES;
    assertEquals(null, drop.unavailable(caps("6.18.44", FsKind.TMPFS, true), true));
    assertEquals(null, drop.unavailable(host, true));
    assertTrue(drop.unavailable(dax, true).contains("DAX"), drop.unavailable(dax, true));
  }

  @Test
  void truncateThatKeepsTheTailIsFoundAndShrunkToThreeOps() {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      findAndShrink(t, PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL, Profile.eof());
    }
  }

  @Test
  void mremapThatKeepsTheOldPagesIsFoundAndShrunkToFourOps() {
    // Any change of the file after the DONTUNMAP shows the kept pages too, but the finding the shrinker
    // keeps first is the mremap's own: a private copy the old range goes on showing (R85).
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      Reduction red = findAndShrink(t, PlantedBugKernel.Bug.MREMAP_KEEPS_OLD_PAGES, Profile.named("default"));
      assertEquals(io.hmmfuzz.core.run.Signature.View.CPU, red.divergence().signature().view(),
          red.divergence().signature().text());
    }
  }

  /**
   * The lock bugs' known programs over an anonymous mapping (3 and 4 ops, what CI's guest selftest shrank
   * them to) diverge with the bug planted and pass on the real kernel (mlock as root, R79).
   */
  @Test
  void theLockBugsKnownProgramsDivergeOnlyWithTheBug() throws Exception {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(t.capabilities().root(), "mlock is generated only as root (R79)");
      assumeTrue(t.capabilities().madvise(), "no madvise(2) here (R60)");
      for (PlantedBugKernel.Bug bug : List.of(PlantedBugKernel.Bug.MLOCK_FORGETS_LOCK,
          PlantedBugKernel.Bug.MUNLOCK_KEEPS_LOCK)) {
        io.hmmfuzz.core.run.Program known = ProgramText.parse(bug.minimalProgram(), bug.name());
        assertTrue(new io.hmmfuzz.core.run.Runner(new PlantedBugTarget(t, bug), 1).run(known).diverged(),
            bug + "'s known program does not show it");
        assertFalse(new io.hmmfuzz.core.run.Runner(t, 1).run(known).diverged(), bug + "'s known program diverges"
            + " on the real kernel");
      }
    }
  }

  /**
   * drop-caches that orphans mapped pages, emulated in the decorator (the local kernel's caches are never
   * dropped): found by a default campaign of the planted target, which owns its drop-caches, and shrunk
   * to the known 4 ops (a file with a byte, a mapping, the drop, a change the orphan does not follow).
   */
  @Test
  void dropCachesThatOrphansMappedPagesIsFoundAndShrunkToFourOps() throws Exception {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(t.capabilities().root(), "drop-caches is generated only as root (R120)");
      PlantedBugKernel.Bug bug = PlantedBugKernel.Bug.DROP_CACHES_ORPHANS_MAPPED_PAGES;
      Reduction red = findAndShrink(t, bug, Profile.named("default"));
      assertTrue(red.program().ops().stream().anyMatch(op -> op.kind() == io.hmmfuzz.core.op.OpKind.DROP_CACHES),
          ProgramText.print(red.program()));
      // The known minimum diverges with the bug and passes without it (the model's R120: nothing changes).
      io.hmmfuzz.core.run.Program known = ProgramText.parse(bug.minimalProgram(), bug.name());
      assertTrue(new io.hmmfuzz.core.run.Runner(new PlantedBugTarget(t, bug), 1).run(known).diverged());
      String without = bug.minimalProgram().replace("drop-caches what=pagecache\n", "");
      assertFalse(new io.hmmfuzz.core.run.Runner(new PlantedBugTarget(t, bug), 1)
          .run(ProgramText.parse(without, bug.name())).diverged(), "without the drop, nothing is orphaned");
    }
  }

  @Test
  void reflinkThatLeavesAMappingStaleIsFoundAndShrunk() {
    // The known minimum is 3 ops (a self-clone into the mapped page); the first program found here is a
    // clone from a second file, whose search ends at 4 (open, open, mmap, clone): merging the files makes
    // a clone of the file onto itself, which the kernel refuses.
    assumeTrue(LinuxKernel.root(), "needs root for an xfs loop image (run the tests as root)");
    try (LinuxTarget t = LinuxTarget.create(FsKind.XFS)) {
      assumeTrue(t.capabilities().reflink(), "scratch xfs has no reflink");
      // Since the new ops joined the generator, the first divergent program here chains clones through
      // two or three files, and the shrinker ends at 5-6 ops: merging the files makes a clone of a file
      // onto itself, which the kernel refuses (a local minimum, open for the next stop). The known
      // minimum is 3; 'bench bugs' measures what the shrinker reaches per seed.
      Reduction red = findAndShrink(t, PlantedBugKernel.Bug.REFLINK_LEAVES_MAPPING_STALE, Profile.reflink(), 6);
      assertEquals(io.hmmfuzz.core.run.Signature.View.CPU, red.divergence().signature().view(),
          red.divergence().signature().text());
    }
  }

  @Test
  void aKernelWarningIsAFindingOfItsOwnFoundThroughTheKernelLogAndShrunk() {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(t.kernelLogWatched() && java.nio.file.Files.isWritable(java.nio.file.Path.of("/dev/kmsg")),
          "needs root: /dev/kmsg must be readable and writable");
      Reduction red = findAndShrink(t, PlantedBugKernel.Bug.TRUNCATE_OF_MAPPED_FILE_WARNS, Profile.eof());
      assertEquals("kernel:WARNING:_at_planted/hmmfuzz.c:1_planted_truncate_of_mapped_file",
          red.divergence().signature().text());
    }
  }

  @Test
  void aKnownKernelWarningStopsACampaignWhereOneShotWarningsAreNotRearmed(@TempDir Path out) {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(real.kernelLogWatched() && Files.isWritable(Path.of("/dev/kmsg")),
          "needs root: /dev/kmsg must be readable and writable");
      assertFalse(real.rearmsOneShotReports(), "a host kernel's WARN_ON_ONCE state is not the tool's to change");
      io.hmmfuzz.core.run.Signature known = io.hmmfuzz.core.run.Signature.parse(
          "kernel:WARNING:_at_planted/hmmfuzz.c:1_planted_truncate_of_mapped_file");
      PlantedBugTarget t = new PlantedBugTarget(real, PlantedBugKernel.Bug.TRUNCATE_OF_MAPPED_FILE_WARNS);
      Campaign.Stats stats = new Campaign(t, new Campaign.Settings(Profile.eof(), 1, Duration.ofMinutes(2), 1,
          out, 1, Duration.ofHours(1), 2000, true, null, List.of(new Campaign.Known(known, "test")), null))
          .run(new Campaign.Listener() {
            @Override
            public void status(Campaign.Stats s) {}

            @Override
            public void finding(Campaign.Finding f) {
              throw new AssertionError("a known signature was saved again: " + f.file());
            }
          }, () -> false);
      // A WARN_ON_ONCE would be silent the next time: the boot ends with the known report.
      assertEquals(1, stats.repeats(), stats.toString());
      assertEquals(List.of(new CampaignSummary.KnownRepeat(known.text(), "test", 1)), stats.known());
      assertTrue(stats.programs() < 2000, "the campaign went on after the report: " + stats);
    }
  }

  /**
   * The guest's half of shrinking a crash across guests: candidates that reproduce without killing the
   * kernel are kept, those that do not are reported (and skipped when known), each announced before it
   * runs. Here the planted WARNING never kills the kernel, so the shrink ends in one "guest".
   */
  @Test
  void aFatalFindingShrinksWhereItsCandidatesLiveAndRemembersTheOnesThatDidNotReproduce() {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(real.kernelLogWatched() && Files.isWritable(Path.of("/dev/kmsg")),
          "needs root: /dev/kmsg must be readable and writable");
      PlantedBugKernel.Bug bug = PlantedBugKernel.Bug.TRUNCATE_OF_MAPPED_FILE_WARNS;
      PlantedBugTarget t = new PlantedBugTarget(real, bug);
      io.hmmfuzz.core.run.Signature signature = io.hmmfuzz.core.run.Signature.parse(
          "kernel:WARNING:_at_planted/hmmfuzz.c:1_planted_truncate_of_mapped_file");
      io.hmmfuzz.gen.ProgramGenerator gen = new io.hmmfuzz.gen.ProgramGenerator(Profile.eof(), t.capabilities(), t.forks());
      io.hmmfuzz.core.run.Program found = null;
      for (long seed = 1; seed < 500 && found == null; seed++) {
        io.hmmfuzz.core.run.Program p = gen.generate(seed);
        io.hmmfuzz.core.run.RunResult r = new io.hmmfuzz.core.run.Runner(t, 1).run(p);
        if (r.diverged() && r.divergence().signature().equals(signature) && p.size() > bug.minimalOps()) {
          found = p;
        }
      }
      assertNotNull(found, "no program hit the planted warning");
      int[] runs = {0};
      io.hmmfuzz.core.run.Runner counting = new io.hmmfuzz.core.run.Runner(t, 1, null, (p, v) -> runs[0]++);
      java.util.Set<String> notReproduced = new java.util.HashSet<>();
      io.hmmfuzz.core.run.Program min = Reduction.shrinkFatal(counting, found, signature, text -> false,
          notReproduced::add);
      assertEquals(bug.minimalOps(), min.size(), ProgramText.print(min));
      assertTrue(!notReproduced.isEmpty() && notReproduced.size() < runs[0], notReproduced.size() + " of " + runs[0]);
      int firstRuns = runs[0];
      runs[0] = 0;
      io.hmmfuzz.core.run.Program again = Reduction.shrinkFatal(counting, found, signature, notReproduced::contains,
          text -> { throw new AssertionError("a known candidate ran again:\n" + text); });
      assertEquals(ProgramText.print(min), ProgramText.print(again));
      assertEquals(firstRuns - notReproduced.size(), runs[0], "only the candidates that reproduced ran again");
    }
  }

  /** A campaign of {@code programs} programs on a planted bug, its findings collected. */
  private static Campaign.Stats campaign(PlantedBugTarget t, Profile profile, long programs, Path out,
      List<Campaign.Known> known, List<Campaign.Finding> found) {
    return campaign(t, profile, 20261202, programs, out, known, found);
  }

  private static Campaign.Stats campaign(PlantedBugTarget t, Profile profile, long seed, long programs, Path out,
      List<Campaign.Known> known, List<Campaign.Finding> found) {
    return new Campaign(t, new Campaign.Settings(profile, seed, Duration.ofMinutes(5), 8, out, 3,
        Duration.ofHours(1), programs, false, null, known, null)).run(new Campaign.Listener() {
          @Override
          public void status(Campaign.Stats s) {}

          @Override
          public void finding(Campaign.Finding f) {
            System.out.println(f.reduction().divergence().render("hmmfuzz replay " + f.file()));
            found.add(f);
          }
        }, () -> false);
  }

  /**
   * The oracle does not learn the bug: a kernel that accepts MAP_SYNC off DAX has one finding, the
   * probe itself (open, mmap), signed by the mmap and rule R27; the campaign's own sync mmaps are its
   * repeats, not new findings about what followed from a wrong capability.
   */
  @Test
  void aKernelThatAcceptsMapSyncOffDaxHasOneFindingTheProbesMmapInTwoOps(@TempDir Path out) {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      assertFalse(real.capabilities().mapSync(), "tmpfs is not DAX: MAP_SYNC is not a capability (R27)");
      PlantedBugTarget t = new PlantedBugTarget(real, PlantedBugKernel.Bug.MAP_SYNC_OFF_DAX);
      List<Campaign.Finding> found = new ArrayList<>();
      Campaign.Stats stats = campaign(t, Profile.named("default"), 400, out, List.of(), found);
      assertEquals(1, stats.divergences(), stats.findings().toString());
      CampaignSummary.Found f = stats.findings().get(0);
      assertEquals("mmap/outcome/unexpected-success/R27", f.signature());
      assertEquals("probe", f.kind());
      assertEquals(PlantedBugKernel.Bug.MAP_SYNC_OFF_DAX.minimalOps(), f.ops());
      assertTrue(f.others() > 0, "the campaign's sync mmaps count as repeats of the probe's finding: " + f);
      assertEquals("3/3", f.reproduced());
    }
  }

  /**
   * Known findings cannot mask a new bug: a reproducer of the same kernel series and filesystem whose
   * signature is an old untyped string (file-view:data) masks nothing, and the one bug ends as one
   * finding (two where clone and reflink show it apart), with the reflink or clone as its culprit.
   */
  @Test
  void aStaleReflinkDestinationIsOneFindingThatAnOldUntypedKnownSignatureCannotMask(@TempDir Path out,
      @TempDir Path knownDir) throws Exception {
    assumeTrue(LinuxKernel.root(), "needs root for an xfs loop image (run the tests as root)");
    try (LinuxTarget real = LinuxTarget.create(FsKind.XFS)) {
      assumeTrue(real.capabilities().reflink(), "scratch xfs has no reflink");
      io.hmmfuzz.core.Capabilities c = real.capabilities();
      Files.writeString(knownDir.resolve("old.repro"), "# hmmfuzz-reproducer tool=0.1.0 kernel=" + c.kernel().release()
          + " fs=xfs page=" + c.pageSize() + " block=" + c.blockSize() + " caps=" + c.summary()
          + " signature=file-view:data expect=divergence\nopen f0 size=0x1\n");
      List<String> notes = new ArrayList<>();
      List<Campaign.Known> known = KnownFindings.load(knownDir, c, notes::add);
      assertEquals(List.of(), known, "an untyped signature must mask nothing");
      assertTrue(notes.get(0).contains("untyped"), notes.toString());
      PlantedBugTarget t = new PlantedBugTarget(real, PlantedBugKernel.Bug.REFLINK_LEAVES_CACHE_STALE);
      List<Campaign.Finding> found = new ArrayList<>();
      Campaign.Stats stats = campaign(t, Profile.reflink(), 600, out, known, found);
      assertTrue(stats.divergences() >= 1 && stats.divergences() <= 2, stats.findings().toString());
      for (CampaignSummary.Found f : stats.findings()) {
        io.hmmfuzz.core.run.Signature s = io.hmmfuzz.core.run.Signature.parse(f.signature());
        assertTrue(s.op().equals("clone") || s.op().equals("reflink"), "culprit: " + f.signature());
        assertEquals("stale", s.mismatch(), "class: " + f.signature());
      }
      int shortest = stats.findings().stream().mapToInt(CampaignSummary.Found::ops).min().orElseThrow();
      // The known minimum is 2 (a self-clone of a file's first block onto its second); this campaign's
      // search ends at 3 (open, open, clone) at worst.
      assertTrue(shortest <= PlantedBugKernel.Bug.REFLINK_LEAVES_CACHE_STALE.minimalOps() + 1,
          found.stream().map(f -> ProgramText.print(f.reduction().program())).toList().toString());
      System.out.println("planted REFLINK_LEAVES_CACHE_STALE: " + stats.findings());
      assertTrue(stats.repeats() > 0, "the bug's other divergences are counted, not shrunk: " + stats);
      assertEquals(List.of(), stats.known());
    }
  }

  /**
   * A later boot of a campaign (or another worker of it) is given the signatures saved so far, as known:
   * it saves no new finding for the same bug, also where the bug shows through another op or view first
   * (another symptom: it went away without the finding's culprit ops), and counts those for the finding.
   */
  @Test
  void aLaterBootCountsTheOtherSymptomsOfAnEarlierBootsFindingForIt(@TempDir Path a, @TempDir Path b) {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      PlantedBugTarget t = new PlantedBugTarget(real, PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL);
      Campaign.Stats first = campaign(t, Profile.eof(), 20261202, 100, a, List.of(), new ArrayList<>());
      assertTrue(first.divergences() >= 1, first.findings().toString());
      List<Campaign.Known> earlier = new ArrayList<>();
      for (CampaignSummary.Found f : first.findings()) { // what a guest's next boot gets (Ledger.saved)
        earlier.add(new Campaign.Known(io.hmmfuzz.core.run.Signature.parse(f.signature()), "an earlier boot"));
        f.seenAs().keySet().forEach(as -> earlier.add(new Campaign.Known(io.hmmfuzz.core.run.Signature.parse(as),
            "an earlier boot")));
      }
      List<Campaign.Finding> again = new ArrayList<>();
      Campaign.Stats later = campaign(t, Profile.eof(), 7, 400, b, earlier, again);
      System.out.println("first boot: " + first.findings() + "\nlater boot: " + later.known());
      assertEquals(List.of(), again.stream().map(x -> x.reduction().divergence().signature().text()).toList(),
          "saved again in a later boot");
      long symptoms = 0;
      for (CampaignSummary.KnownRepeat k : later.known()) {
        assertTrue(first.findings().stream().anyMatch(f -> f.signature().equals(k.signature())
            || f.seenAs().containsKey(k.signature())), k.toString());
        io.hmmfuzz.core.run.Signature s = io.hmmfuzz.core.run.Signature.parse(k.signature());
        for (String as : k.seenAs().keySet()) {
          io.hmmfuzz.core.run.Signature o = io.hmmfuzz.core.run.Signature.parse(as);
          assertTrue(o.view() == s.view() || o.mismatch().equals(s.mismatch()), as + " counted for " + s);
          symptoms += k.seenAs().get(as);
        }
      }
      assertTrue(symptoms > 0, "no other symptom met: the test shows nothing; " + later.known());
    }
  }

  /**
   * A campaign resumed from its summary counts its findings on: the same findings, counts and
   * signatures as one campaign over the same programs (nothing re-shrunk, nothing counted twice).
   */
  @Test
  void aResumedCampaignGoesOnCountingItsFindingsAsOneCampaignWould(@TempDir Path a, @TempDir Path b) {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      PlantedBugTarget t = new PlantedBugTarget(real, PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL);
      Campaign.Stats whole = campaign(t, Profile.eof(), 300, a, List.of(), new ArrayList<>());
      Campaign.Stats half = campaign(t, Profile.eof(), 150, b, List.of(), new ArrayList<>());
      CampaignSummary at = new CampaignSummary(Campaign.TOOL_VERSION, 20261202, "eof", List.of(), 8, "tmpfs", "t",
          "k", "c", 300, false, half.programs(), half.ops(), half.seconds(), 0, half.divergences(), half.repeats(),
          half.findings(), half.known(), half.outcomes(), half.countedAs(), null);
      List<Campaign.Finding> again = new ArrayList<>();
      Campaign.Stats resumed = new Campaign(t, new Campaign.Settings(Profile.eof(), 20261202, Duration.ofMinutes(5), 8,
          b, 3, Duration.ofHours(1), 300, false, null, List.of(), at)).run(new Campaign.Listener() {
            @Override
            public void status(Campaign.Stats s) {}

            @Override
            public void finding(Campaign.Finding f) {
              again.add(f);
            }
          }, () -> false);
      assertEquals(whole.programs(), resumed.programs());
      assertEquals(whole.ops(), resumed.ops());
      assertEquals(whole.outcomes(), resumed.outcomes());
      // The same findings with the same counts; a reproducer's file name is its program's hash, and two
      // shrinks of one divergence may end in different programs of the same length.
      java.util.function.Function<List<CampaignSummary.Found>, List<CampaignSummary.Found>> unnamed = l -> l.stream()
          .map(f -> new CampaignSummary.Found(f.signature(), f.kind(), "", f.ops(), f.reproduced(), f.others(),
              f.program(), f.seenAs())).toList();
      assertEquals(unnamed.apply(whole.findings()), unnamed.apply(resumed.findings()));
      assertTrue(whole.divergences() >= 1 && whole.repeats() > 0, whole.toString());
    }
  }

  /**
   * A campaign's programs go on with one device mirror (closing one evicts all device memory); the
   * divergence it finds is pinned, shrunk and re-run with fresh mirrors, as its reproducer runs.
   */
  @Test
  void aCampaignGoesOnWithOneMirrorAndItsFindingRunsWithFreshOnes(@TempDir Path out) {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      List<io.hmmfuzz.core.exec.Target.Mirror> opened = new ArrayList<>();
      PlantedBugTarget planted = new PlantedBugTarget(real, PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL);
      io.hmmfuzz.core.exec.Target recording = new io.hmmfuzz.core.exec.Target() {
        @Override
        public io.hmmfuzz.core.Capabilities capabilities() {
          return planted.capabilities();
        }

        @Override
        public Session openSession() {
          return openSession(Mirror.FRESH);
        }

        @Override
        public Session openSession(Mirror mirror) {
          opened.add(mirror);
          return planted.openSession(mirror);
        }

        @Override
        public String describe() {
          return planted.describe();
        }

        @Override
        public void close() {}
      };
      int[] openedBeforeFinding = {-1};
      new Campaign(recording, new Campaign.Settings(Profile.eof(), 20261202, Duration.ofMinutes(2), 8, out, 3,
          Duration.ofHours(1), 2000, false, null, List.of(), null)).run(new Campaign.Listener() {
            @Override
            public void status(Campaign.Stats s) {}

            @Override
            public void finding(Campaign.Finding f) {
              openedBeforeFinding[0] = opened.size();
            }
          }, () -> openedBeforeFinding[0] >= 0);
      assertTrue(openedBeforeFinding[0] > 0, "the planted bug was not found");
      // The probes run first, each as a reproducer would (fresh); then the campaign's programs.
      int firstKept = opened.indexOf(io.hmmfuzz.core.exec.Target.Mirror.KEPT);
      assertTrue(firstKept >= 0, "the campaign's programs did not go on with one mirror: " + opened);
      int firstFresh = firstKept + opened.subList(firstKept, opened.size()).indexOf(io.hmmfuzz.core.exec.Target.Mirror.FRESH);
      assertTrue(firstFresh > firstKept, "the finding was never re-run with a fresh mirror: " + opened);
      assertEquals(List.of(io.hmmfuzz.core.exec.Target.Mirror.FRESH), List.copyOf(new java.util.HashSet<>(
          opened.subList(firstFresh, openedBeforeFinding[0]))), "the finding was pinned or shrunk with a kept mirror");
    }
  }
}
