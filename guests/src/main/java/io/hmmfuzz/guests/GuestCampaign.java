package io.hmmfuzz.guests;

import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.KnownFindings;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.Shard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code fuzz --target vm}: a campaign across guest boots (syzkaller's vm loop). Each boot runs a part
 * of the campaign in a fresh guest for the time left, at most {@code programsPerBoot} programs, and
 * stops it after a kernel-log finding (the kernel is tainted), so the next boot starts clean with a new
 * seed. A guest that dies or hangs during a program makes that program a {@code crash} or {@code hang}
 * finding, saved with the console's report; one whose signature a boot saved before is counted for it,
 * one that {@code --known} holds for the guest's kernel, filesystem and capabilities is counted as
 * known; then a fresh guest goes on. A guest that does not boot, or is lost to something other than the
 * kernel, ends the campaign as an infrastructure failure, not a finding. The boots' summaries are merged
 * into one ({@link Ledger}), kept current in {@code out/summary.json} from the start.
 */
public final class GuestCampaign {
  private GuestCampaign() {}

  /**
   * @param programsPerBoot a fresh guest after this many programs
   * @param hangTimeout     how long a guest's request may go unanswered (for the hang's notes)
   * @param out             where reproducers and summary.json go
   * @param known           {@code --known}'s reproducers (null: none)
   */
  public record Settings(FsKind fs, Profile profile, List<String> without, long seed, Duration duration, int viewEvery,
      int reliabilityRuns, int programsPerBoot, Duration hangTimeout, Path out, KnownFindings known, Shard shard) {
    public Settings {
      without = List.copyOf(without);
      shard = shard == null ? Shard.WHOLE : shard;
    }

    /** The whole seed space of each boot. */
    public Settings(FsKind fs, Profile profile, List<String> without, long seed, Duration duration, int viewEvery,
        int reliabilityRuns, int programsPerBoot, Duration hangTimeout, Path out, KnownFindings known) {
      this(fs, profile, without, seed, duration, viewEvery, reliabilityRuns, programsPerBoot, hangTimeout, out, known,
          Shard.WHOLE);
    }
  }

  /** What a campaign across boots tells as it goes; each boot's status and findings as a local campaign's. */
  public interface Listener extends Campaign.Listener {
    /** A line of progress: a boot starting, its guest up, the target it runs on and the known findings there. */
    void progress(String line);

    /** A guest that died or hung during a program. */
    void died(Fatality fatality);

    /** An infrastructure failure that ends the campaign (a guest that did not boot, or was lost): not a finding. */
    void infrastructure(String why, List<String> consoleTail);

    /** The campaign's summary, each time it is written to {@code out/summary.json}. */
    default void summary(CampaignSummary summary) {}
  }

  /**
   * A guest's death during a program, as the campaign took it.
   *
   * @param saved     the reproducer of a new finding (null: a repeat, a known one, or no program ran)
   * @param repeat    its signature was saved before in this campaign: counted for that finding
   * @param knownFrom the known finding ({@code --known}) it repeats, else null
   * @param kept      where the program of a repeat or a known death was kept for triage ({@link #REPEATS}),
   *                  null where none ran or enough of its signature were kept
   */
  public record Fatality(Death death, Path saved, boolean repeat, String knownFrom, Path kept) {}

  /**
   * The subdirectory of the campaign's output where the programs that a known or repeated death ended
   * are kept (at most {@link #KEPT_PER_SIGNATURE} per signature): not findings, but how the campaign
   * keeps reaching them, for whoever wants to steer the generator clear of a known crash.
   */
  public static final String REPEATS = "repeats";

  static final int KEPT_PER_SIGNATURE = 10;

  /**
   * @param summary               the campaign's, as written last to summary.json
   * @param infrastructureFailure whether it ended on an infrastructure failure
   */
  public record Result(CampaignSummary summary, boolean infrastructureFailure) {}

  public static Result run(Settings s, Boot boot, Listener listener, BooleanSupplier stop) throws IOException {
    return run(s, boot, listener, stop, List::of);
  }

  /**
   * A campaign across boots, one of several workers of one campaign: {@code elsewhere} says what the
   * others have saved so far, so that each boot counts those findings (and their other symptoms) as
   * this boot's earlier ones, without shrinking them again.
   */
  public static Result run(Settings s, Boot boot, Listener listener, BooleanSupplier stop,
      Supplier<List<Signature>> elsewhere) throws IOException {
    Files.createDirectories(s.out());
    SplittableRandom seeds = new SplittableRandom(s.seed());
    long start = System.nanoTime();
    long deadline = start + s.duration().toNanos();
    Ledger ledger = new Ledger(s.seed(), s.profile().name(), s.without(), s.viewEvery(), s.fs().id(),
        s.duration().toMillis() / 1000.0);
    listener.summary(SummaryFile.write(s.out(), ledger.summary(0, false).withShard(s.shard())));
    boolean failed = false;
    while (System.nanoTime() < deadline && !stop.getAsBoolean()) {
      long seed = ledger.boots() == 0 ? s.seed() : seeds.nextLong();
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L);
      listener.progress(String.format("vm: boot %d, seed %d, %d s left", ledger.boots() + 1, seed, left));
      ledger.boot();
      try {
        Guest guest;
        try {
          guest = boot.boot();
        } catch (BootFailure e) {
          listener.infrastructure(e.getMessage() + " (an infrastructure failure, not a finding)", e.consoleTail());
          failed = true;
          break;
        }
        try (guest) {
          ledger.booted(guest.bootSeconds());
          listener.progress(String.format("vm: guest up in %.1f s (C executor; the engine runs here)",
              guest.bootSeconds()));
          Guest.CampaignPart part = new Guest.CampaignPart(s.fs(), s.profile(), s.without(), seed,
              Duration.ofSeconds(left), s.viewEvery(), s.reliabilityRuns(), s.programsPerBoot(), s.out(), s.known(),
              union(ledger.saved(), elsewhere.get()), s.shard());
          Guest.CampaignRun run = guest.campaign(part, boot(s, ledger, listener, start), listener::progress, stop);
          ledger.merge(run.summary());
          if (stop.getAsBoolean()) {
            break; // Ctrl-C reaches QEMU too: the guest's end is the user's doing, not a hang or a crash.
          }
          if (run.ending() instanceof Ending.Lost lost) {
            listener.infrastructure(lost.why(), lost.consoleTail());
            failed = true;
            break;
          }
          Death death = Death.of(run.ending(), s.hangTimeout());
          if (death != null) {
            listener.died(judge(s, ledger, death, run.inFlight(), elsewhere.get()));
          }
        }
      } finally {
        listener.summary(SummaryFile.write(s.out(), ledger.summary(seconds(start), false).withShard(s.shard())));
      }
    }
    CampaignSummary summary = ledger.summary(seconds(start), !failed).withShard(s.shard());
    listener.summary(SummaryFile.write(s.out(), summary));
    return new Result(summary, failed);
  }

  private static List<Signature> union(List<Signature> a, List<Signature> b) {
    java.util.LinkedHashSet<Signature> all = new java.util.LinkedHashSet<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  /**
   * A boot's listener: its status and findings go on to {@code listener}, and each status rewrites
   * summary.json with the boot merged in as far as it got (its findings too; a host killed meanwhile
   * leaves their reproducers in {@code out} already).
   */
  private static Campaign.Listener boot(Settings s, Ledger ledger, Listener listener, long start) {
    return new Campaign.Listener() {
      @Override
      public void status(Campaign.Stats stats) {
        try {
          listener.summary(SummaryFile.write(s.out(), ledger.summary(seconds(start), false, stats)
              .withShard(s.shard())));
        } catch (IOException e) {
          listener.progress("hmmfuzz: cannot write " + s.out().resolve(SummaryFile.NAME) + ": " + e.getMessage());
        }
        listener.status(stats);
      }

      @Override
      public void finding(Campaign.Finding f) {
        io.hmmfuzz.linux.CReproducer.saveBeside(f.file(), listener::progress);
        listener.finding(f);
      }

      @Override
      public void starting(Program program, int viewEvery) {
        listener.starting(program, viewEvery);
      }

      @Override
      public void running(io.hmmfuzz.core.exec.Target target) {
        ledger.running(target.capabilities().kernel().release(), target.capabilities().summary(), target.describe());
        listener.running(target);
      }
    };
  }

  /**
   * A guest's death during {@code last} (null: before any program): known ({@code --known} holds its
   * signature for the program's kernel, filesystem and capabilities), a repeat of a finding saved before,
   * or a new finding, saved with the program.
   */
  static Fatality judge(Settings s, Ledger ledger, Death death, Reproducer last) throws IOException {
    return judge(s, ledger, death, last, List.of());
  }

  /**
   * As {@link #judge(Settings, Ledger, Death, Reproducer)}, where the campaign's other workers saved
   * {@code elsewhere}: a death one of them saved is a repeat of theirs (counted for it when the workers'
   * summaries merge), not a new finding here.
   */
  static Fatality judge(Settings s, Ledger ledger, Death death, Reproducer last, List<Signature> elsewhere)
      throws IOException {
    String sig = death.signature().text();
    String knownFrom = s.known() == null || last == null ? null
        : s.known().fileOf(death.signature(), last.capabilities());
    if (knownFrom != null) {
      ledger.addKnown(new CampaignSummary.KnownRepeat(sig, knownFrom, 1));
      return new Fatality(death, null, false, knownFrom, keep(s, death, last));
    }
    if (ledger.indexOf(sig) >= 0) {
      ledger.add(new CampaignSummary.Found(sig, death.kind(), "", 0, "0/0", 0, -1));
      return new Fatality(death, null, true, null, keep(s, death, last));
    }
    if (elsewhere.contains(death.signature())) {
      ledger.addKnown(new CampaignSummary.KnownRepeat(sig, "another worker of this campaign", 1));
      return new Fatality(death, null, true, null, keep(s, death, last));
    }
    ledger.died(death.kind());
    Path saved = last == null ? null : save(last, s.out(), s.fs().id(), death);
    if (saved != null) {
      // Its C program runs the same ops; a kernel that dies or hangs during them ends it the same way.
      io.hmmfuzz.linux.CReproducer.saveBeside(saved, line -> { });
    }
    ledger.add(new CampaignSummary.Found(sig, death.kind(), saved == null ? "" : saved.getFileName().toString(),
        last == null ? 0 : last.program().size(), "0/0", 0, -1));
    return new Fatality(death, saved, false, null, null);
  }

  /** The program of a known or repeated death, kept in {@link #REPEATS} while fewer of its signature are there. */
  private static Path keep(Settings s, Death death, Reproducer last) throws IOException {
    if (last == null) {
      return null;
    }
    Path dir = s.out().resolve(REPEATS);
    String prefix = s.fs().id() + "-" + death.kind() + "-" + death.signature().slug() + "-";
    if (java.nio.file.Files.isDirectory(dir)) {
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
        if (files.filter(f -> f.getFileName().toString().startsWith(prefix)).count() >= KEPT_PER_SIGNATURE) {
          return null;
        }
      }
    }
    java.nio.file.Files.createDirectories(dir);
    return save(last, dir, s.fs().id(), death);
  }

  /** The program a guest died or hung in, saved in {@code out} as a finding of the death's kind, with its console. */
  static Path save(Reproducer last, Path out, String fs, Death death) throws IOException {
    Map<String, String> h = new LinkedHashMap<>(last.header());
    h.put("signature", death.signature().text());
    h.put("finding", death.kind());
    List<String> notes = new ArrayList<>();
    notes.add(death.what() + ". Replaying it may hang or crash the kernel it runs on: use --target vm.");
    notes.add("console:");
    death.console().forEach(l -> notes.add("  " + l));
    String hash = Integer.toHexString(ProgramText.print(last.program()).hashCode() & 0xfffffff);
    return Corpus.save(out, fs + "-" + death.kind() + "-" + death.signature().slug() + "-" + hash,
        new Reproducer(h, notes, last.program()));
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
