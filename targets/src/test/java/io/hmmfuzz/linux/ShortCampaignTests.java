package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.KnownFindings;
import io.hmmfuzz.gen.Profile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A short campaign per filesystem on the local kernel must find no divergence: the model's rules hold
 * on this kernel. The loop-image filesystems need root; without it they are skipped with the reason.
 */
class ShortCampaignTests {
  /** The repository's corpus, from this module's directory. */
  static final Path CORPUS = Path.of("..", "corpus", "reproducers");
  static final Duration LENGTH = Duration.ofSeconds(Long.getLong("hmmfuzz.campaignSeconds", 15));

  private static boolean hasReflink(FsKind fs) {
    return fs.xfs() || fs == FsKind.BTRFS;
  }

  @ParameterizedTest
  @EnumSource(FsKind.class)
  void noFalseDivergences(FsKind fs, @TempDir Path out) throws Exception {
    assumeTrue(fs == FsKind.TMPFS || LinuxKernel.root(), "needs root to loop-mount " + fs.id());
    assumeTrue(!fs.dax() || java.nio.file.Files.exists(ScratchFilesystem.PMEM), fs.id() + " needs pmem (the VM target)");
    List<String> findings = new ArrayList<>();
    Campaign.Stats stats;
    try (LinuxTarget t = LinuxTarget.create(fs)) {
      Profile profile = hasReflink(fs) ? Profile.reflink() : Profile.eof();
      // The corpus's findings on this kernel (real kernel bugs, saved with their analysis) are counted,
      // as 'fuzz --known corpus/reproducers' counts them: a false divergence is a new one.
      List<Campaign.Known> known = java.nio.file.Files.isDirectory(CORPUS)
          ? KnownFindings.load(CORPUS, t.capabilities(), note -> {}) : List.of();
      stats = new Campaign(t, new Campaign.Settings(profile, 20261125L + fs.ordinal(), LENGTH, 4, out, 2,
          Duration.ofHours(1), 0, false, null, known, null)).run(new Campaign.Listener() {
            @Override
            public void status(Campaign.Stats s) {}

            @Override
            public void finding(Campaign.Finding f) {
              findings.add(f.reduction().divergence().render("hmmfuzz replay " + f.file()));
            }
          }, () -> false);
    }
    System.out.printf("%s: %d programs, %d ops, %.0f ops/s%n", fs.id(), stats.programs(), stats.ops(),
        stats.opsPerSecond());
    assertTrue(stats.programs() > 50, "too few programs ran: " + stats);
    assertEquals(List.of(), findings);
    // The campaign reached the paths the model is about, on the real kernel.
    List<String> reached = new ArrayList<>(List.of("load:ok", "load:SIGBUS", "store:ok", "store:SIGBUS",
        "store:SIGSEGV", "load:SIGSEGV", "mmap:ok", "mmap:EINVAL", "ftruncate:ok", "ftruncate:EINVAL",
        "pwrite:ok", "pread:ok", "msync:EINVAL", "punch-hole:ok", "mprotect:ok", "munmap:ok"));
    reached.add(hasReflink(fs) ? "reflink:ok" : "reflink:EOPNOTSUPP");
    reached.add(fs == FsKind.TMPFS ? "zero-range:EOPNOTSUPP" : "zero-range:ok");
    for (String k : reached) {
      assertTrue(stats.outcomes().getOrDefault(k, 0L) > 0, k + " never happened: " + stats.outcomes());
    }
  }
}
