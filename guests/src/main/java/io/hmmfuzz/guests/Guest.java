package io.hmmfuzz.guests;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.KnownFindings;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.Shard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A booted guest kernel that takes work from here (as syzkaller's vm/vmimpl instance does): a stretch
 * of a campaign, a shrink until a candidate kills it, a replay. Each piece of work comes back as a
 * record with how the guest ended ({@link Ending}); judging that (a finding, a repeat, a known crash, the
 * infrastructure's failure) and going on in a fresh guest is the business of the runs across guests
 * ({@link GuestCampaign}, {@link GuestShrink}), which a test drives with scripted guests instead of QEMU.
 * A guest takes one piece of work at a time; closing it ends it.
 */
public interface Guest extends AutoCloseable {
  /** Seconds from its start until it was ready for work. */
  double bootSeconds();

  /**
   * Runs one boot's part of a campaign: programs until its duration is up, {@code maxPrograms} have
   * run, the kernel logged a new report (it is tainted), {@code stop} says so, or the guest ends.
   * {@code listener} gets the part's status and findings as they come, {@code notes} the target it runs
   * on and the known findings for it.
   */
  CampaignRun campaign(CampaignPart part, Campaign.Listener listener, Consumer<String> notes, BooleanSupplier stop);

  /**
   * Shrinks a program that killed a kernel, here, while candidates reproduce its signature without
   * killing this one; it ends when no candidate kills the guest, or when one does.
   */
  ShrinkRun shrink(ShrinkPart part);

  /** Runs a reproducer's program once, on {@code fs} (null: the reproducer's). */
  Ending replay(Reproducer reproducer, FsKind fs);

  /** Ends the guest. */
  @Override
  void close();

  /**
   * One boot's part of a campaign.
   *
   * @param seed            its base seed
   * @param maxPrograms     at most this many programs
   * @param out             where its reproducers go
   * @param known           {@code --known}'s findings (null: none), taken for the guest's capabilities
   * @param earlier         signatures saved by earlier boots: counted, not shrunk again
   * @param shard           the part of its seed space it runs
   */
  record CampaignPart(FsKind fs, Profile profile, List<String> without, long seed, Duration duration, int viewEvery,
      int reliabilityRuns, long maxPrograms, Path out, KnownFindings known, List<Signature> earlier, Shard shard) {
    public CampaignPart {
      without = List.copyOf(without);
      earlier = List.copyOf(earlier);
    }
  }

  /**
   * What a boot's part of a campaign left.
   *
   * @param summary  its summary (at the last status, if the guest ended during it); null if it never started
   * @param inFlight the program running when the guest ended, as a reproducer of the guest's capabilities;
   *                 null if the guest finished or ended before any program
   * @param ending   how the guest ended
   */
  record CampaignRun(CampaignSummary summary, Reproducer inFlight, Ending ending) {}

  /**
   * A shrink of a fatal program in one guest.
   *
   * @param reproducer     the program shrunk so far, with its header (view interval, filesystem)
   * @param fs             the filesystem (null: the reproducer's)
   * @param signature      what the program did to the kernel: a candidate reproduces with the same
   * @param notReproducing the keys ({@link GuestShrink#key}) of candidates known not to reproduce
   */
  record ShrinkPart(Reproducer reproducer, FsKind fs, Signature signature, Set<String> notReproducing) {
    public ShrinkPart {
      notReproducing = Set.copyOf(notReproducing);
    }
  }

  /**
   * What a shrink in one guest left.
   *
   * @param shrunk        the smallest program that reproduced without killing the guest, if it finished
   *                      (no candidate killed it); else null
   * @param notReproduced keys of the candidates that ran here without reproducing
   * @param inFlight      the candidate running when the guest ended (null: it finished, or ended before one)
   * @param ending        how the guest ended
   */
  record ShrinkRun(Program shrunk, Set<String> notReproduced, Program inFlight, Ending ending) {
    public ShrinkRun {
      notReproduced = Set.copyOf(notReproduced);
    }
  }
}
