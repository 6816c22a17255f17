package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.KnownFindings;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.Shard;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.guests.GuestCampaign;
import io.hmmfuzz.guests.ParallelCampaign;
import io.hmmfuzz.guests.QemuGuest;
import io.hmmfuzz.guests.StuckWatch;
import io.hmmfuzz.guests.SummaryFile;
import io.hmmfuzz.linux.CReproducer;
import io.hmmfuzz.linux.LinuxTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hmmfuzz fuzz}: a campaign on the local kernel, or across guest boots ({@code --target vm}, {@link GuestCampaign}). */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
    description = "Run random programs on a kernel (local, or a VM guest) and the model until the duration ends or Ctrl-C;"
        + " shrink and save each new divergence.")
final class FuzzCommand implements Callable<Integer> {
  /** The status line. */
  static final String STATUS_LINE = "[%6.0fs] programs %d  ops %d  ops/s %.0f  divergences %d";

  @Spec
  CommandSpec spec;

  @Option(names = "--fs", converter = FsConverter.class, defaultValue = "tmpfs",
      description = "scratch filesystem: tmpfs (default, no root), xfs (reflink), btrfs, ext4 (root), xfs-dax, ext4-dax (pmem: --target vm)")
  FsKind fs;

  @Option(names = "--duration", converter = Durations.class, defaultValue = "10m",
      description = "how long to run, e.g. 90s, 10m, 2h (default 10m)")
  Duration duration;

  @Option(names = "--seed", description = "base seed (default: from the clock, printed)")
  Long seed;

  @Option(names = "--profile", defaultValue = "default",
      description = "op weights: default, eof, reflink, device, errors")
  String profile;

  @Option(names = "--out", defaultValue = "hmmfuzz-out", description = "directory for reproducers and summary.json")
  Path out;

  @Option(names = "--view-every", defaultValue = "8",
      description = "compare every view (files, mappings) every N ops and after the last (default 8)")
  int viewEvery;

  @Option(names = "--reliability-runs", defaultValue = "5", description = "final runs of each reproducer")
  int reliabilityRuns;

  @Option(names = "--programs-per-boot", defaultValue = "5000",
      description = "--target vm: reboot the guest after this many programs (default 5000), and after a new kernel-log finding")
  int programsPerBoot;

  @Option(names = "--hang-timeout", converter = Durations.class, defaultValue = "3m",
      description = "--target vm: a guest whose program makes no progress this long is killed as a hang (default 3m)")
  Duration hangTimeout;

  @Option(names = "--max-programs", defaultValue = "0", description = "stop after this many programs (0: no limit)")
  long maxPrograms;

  @Option(names = "--stop-on-kernel-log", description = "stop after the kernel logs a new report (WARNING, BUG, ...), or a known one where WARN_ON_ONCE is not re-armed per program")
  boolean stopOnKernelLog;

  @Option(names = "--in-flight", description = "keep the text of the program about to run in this file (programs"
      + " then run one at a time, not queued on the C executor)")
  Path inFlight;

  @Option(names = "--without", split = ",", description = "ops never to generate, e.g. reflink,clone")
  List<String> without = new ArrayList<>();

  @Option(names = "--known", description = "a reproducer file or directory: the findings in it that were made on this"
      + " kernel series, filesystem and capabilities are known; a divergence with one of their signatures is counted, not shrunk")
  Path known;

  @Option(names = "--known-signature", description = "a divergence signature already reported: count it, do not shrink it again (repeatable)")
  List<String> knownSignatures = new ArrayList<>();

  @Mixin
  TargetOptions targetOptions;

  @Option(names = "--resume", description = "continue the campaign whose output directory this is (its summary.json):"
      + " the same seed sequence from where it stopped, adding to its statistics and findings; runs what was left of"
      + " its duration unless --duration is given")
  Path resume;

  @Option(names = "--shard", description = "run shard I of N of the seed space (I/N, from 0; needs --seed, the same for"
      + " every shard), or auto/N: I from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX), auto: I and N from a Slurm"
      + " job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT); join the shards' outputs with 'hmmfuzz corpus merge'")
  String shardText;

  @Option(names = "--jobs", defaultValue = "1", description = "workers on this machine, each with its own scratch"
      + " filesystem (--target vm: its own guests) and its share of the seed space, one output directory (worker-I/ holds each one's own) and one"
      + " summary.json (default 1)")
  int jobs;

  /** The part of the seed space to run. */
  private Shard shard = Shard.WHOLE;

  /** The whole campaign's duration: this run's, plus a resumed campaign's seconds before. */
  private double askedSeconds;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Integer bad = targetOptions.checkTarget(spec);
    if (bad != null) {
      return bad;
    }
    CampaignSummary before = null;
    if (resume != null) {
      before = SummaryFile.read(resume);
      if (before == null) {
        err.println("hmmfuzz: --resume " + resume + ": no " + SummaryFile.NAME + " there (not a campaign's output directory)");
        return ExitCode.USAGE;
      }
      if (targetOptions.vm() || before.vm() != null) {
        err.println("hmmfuzz: --resume continues local campaigns; a VM campaign goes on by starting it again with --known "
            + resume);
        return ExitCode.USAGE;
      }
      this.out = resume;
      seed = before.seed();
      if (before.shard() != null && shardText == null) {
        shardText = before.shard();
      }
      profile = before.profile().split("-without-")[0];
      without = new ArrayList<>(before.without());
      viewEvery = before.viewEvery();
      fs = FsKind.parse(before.fs());
      if (!spec.commandLine().getParseResult().hasMatchedOption("--duration")) {
        duration = Duration.ofMillis(Math.max(0, Math.round((before.durationSeconds() - before.seconds()) * 1000)));
        askedSeconds = before.durationSeconds();
      } else {
        askedSeconds = before.seconds() + duration.toMillis() / 1000.0;
      }
    } else {
      askedSeconds = duration.toMillis() / 1000.0;
    }
    Profile prof;
    try {
      prof = Profile.named(profile);
      List<OpKind> off = new ArrayList<>();
      for (String id : without) {
        OpKind k = OpKind.byId(id.trim());
        if (k == null) {
          throw new IllegalArgumentException("--without: unknown op '" + id + "'");
        }
        off.add(k);
      }
      prof = prof.without(off);
    } catch (IllegalArgumentException e) {
      err.println("hmmfuzz: " + e.getMessage());
      return ExitCode.USAGE;
    }
    if (shardText != null) {
      try {
        shard = Shard.parse(shardText, System.getenv());
      } catch (IllegalArgumentException e) {
        err.println("hmmfuzz: " + e.getMessage());
        return ExitCode.USAGE;
      }
      if (seed == null) {
        err.println("hmmfuzz: --shard " + shardText + " needs --seed: every shard splits the same base seed's programs");
        return ExitCode.USAGE;
      }
    }
    long baseSeed = seed != null ? seed : System.nanoTime() ^ System.currentTimeMillis();
    AtomicBoolean stop = new AtomicBoolean();
    Interrupts.onInterrupt(() -> stop.set(true));
    if (jobs < 1 || (jobs > 1 && (resume != null || inFlight != null))) {
      err.println("hmmfuzz: --jobs " + jobs + ": " + (jobs < 1 ? "want at least 1 worker"
          : resume != null ? "a campaign of several workers is not resumed: start it again with --known " + resume
          : "--in-flight names one program; it needs one worker"));
      return ExitCode.USAGE;
    }
    List<Campaign.Known> knownFindings = new ArrayList<>();
    for (String text : knownSignatures) {
      Signature s = Signature.parse(text);
      if (s == null) {
        err.println("hmmfuzz: --known-signature '" + text + "' is not a signature (op/view/class/rule, kernel:TITLE, hang, crash:HOW)");
        return ExitCode.USAGE;
      }
      knownFindings.add(new Campaign.Known(s, "--known-signature"));
    }
    if (targetOptions.vm()) {
      return acrossBoots(prof, baseSeed, stop, out, err);
    }
    if (jobs > 1) {
      return parallel(prof, baseSeed, knownFindings, stop, out, err);
    }
    boolean terminal = System.console() != null;
    Campaign.Stats stats;
    // Written from the start: a campaign killed before its first status still leaves its directory.
    Files.createDirectories(this.out);
    try (Target target = LinuxTarget.create(fs, targetOptions.executor())) {
      String targetName = target.describe();
      out.printf("hmmfuzz fuzz: %s; %s; profile %s; seed %d%s; %s; reproducers in %s%s%n", target.describe(),
          target.capabilities().summary(), prof.name(), baseSeed, shard.whole() ? "" : ", shard " + shard, duration,
          out(this.out),
          before != null ? "; resuming after program " + before.programs() : "");
      out.flush();
      if (known != null) {
        try {
          knownFindings.addAll(KnownFindings.load(known, target.capabilities(), out::println));
        } catch (ReproducerSyntaxException e) {
          err.println("hmmfuzz: " + e.getMessage());
          return ExitCode.USAGE;
        }
      }
      Campaign c = new Campaign(target, new Campaign.Settings(prof, baseSeed, duration, viewEvery, this.out,
          reliabilityRuns, terminal ? Duration.ofSeconds(1) : Duration.ofSeconds(5), maxPrograms, stopOnKernelLog,
          inFlight, knownFindings, before, shard));
      Profile used = prof;
      Thread watchdog = StuckWatch.start(c::sinceProgramStart, out);
      IOException[] failed = {null};
      stats = c.run(new Campaign.Listener() {
        @Override
        public void status(Campaign.Stats s) {
          String line = statusLine(s);
          if (terminal) {
            out.print("\r" + line);
          } else {
            out.println(line);
          }
          out.flush();
          try {
            SummaryFile.write(FuzzCommand.this.out, summary(s, baseSeed, used, target, targetName, false));
          } catch (IOException e) {
            failed[0] = e;
            stop.set(true);
          }
        }

        @Override
        public void finding(Campaign.Finding f) {
          CReproducer.saveBeside(f.file(), out::println);
          printFinding(f, out);
        }
      }, stop::get);
      watchdog.interrupt();
      if (failed[0] != null) {
        throw failed[0];
      }
      if (terminal) {
        out.println();
      }
      SummaryFile.write(this.out, summary(stats, baseSeed, used, target, targetName, true));
    }
    printKnown(stats.known(), out);
    return ended("", stats.programs(), stats.ops(), stats.seconds(), stats.opsPerSecond(), stats.divergences(),
        stats.repeats(), out);
  }

  /** The campaign's last line, and its exit code. */
  private static int ended(String who, long programs, long ops, double seconds, double opsPerSecond, int findings,
      long repeats, PrintWriter out) {
    out.printf("hmmfuzz fuzz: %s%d programs, %d ops in %.0f s (%.0f ops/s), %d findings%s%n", who, programs, ops, seconds,
        opsPerSecond, findings, (repeats > 0 ? " (and " + repeats + " repeats of them or of known ones, not shrunk again)"
            : "") + (findings == 0 ? "; all operations completed A-OK" : ""));
    return findings == 0 ? ExitCode.OK : ExitCode.DIVERGENCE;
  }

  /** {@code fuzz --jobs N}: N local workers ({@link ParallelCampaign}), printed as one campaign. */
  private int parallel(Profile prof, long baseSeed, List<Campaign.Known> knownFindings, AtomicBoolean stop,
      PrintWriter out, PrintWriter err) throws IOException {
    KnownFindings knownDir = null;
    if (known != null) {
      try {
        knownDir = KnownFindings.read(known);
      } catch (ReproducerSyntaxException e) {
        err.println("hmmfuzz: " + e.getMessage());
        return ExitCode.USAGE;
      }
    }
    KnownFindings knownFrom = knownDir;
    out.printf("hmmfuzz fuzz: %d workers on %s, each its own scratch filesystem; profile %s; seed %d%s; %s; reproducers"
        + " in %s (each worker's own in worker-I/)%n", jobs, fs.id(), prof.name(), baseSeed,
        shard.whole() ? "" : ", shard " + shard, duration, out(this.out));
    out.flush();
    Profile used = prof;
    CampaignSummary end = ParallelCampaign.run(jobs, shard, new ParallelCampaign.Workers() {
      @Override
      public Target target(int i) {
        Target t = LinuxTarget.create(fs, targetOptions.executor());
        synchronized (out) {
          out.println("  worker " + i + ": " + t.describe() + "; " + t.capabilities().summary());
          out.flush();
        }
        return t;
      }

      @Override
      public Campaign.Settings settings(int i, Target target, Path dir, Shard mine) {
        List<Campaign.Known> k = new ArrayList<>(knownFindings);
        if (knownFrom != null) {
          k.addAll(knownFrom.on(target.capabilities(), i == 0 ? line -> {
            synchronized (out) {
              out.println(line);
            }
          } : line -> {}));
        }
        return new Campaign.Settings(used, baseSeed, duration, viewEvery, dir, reliabilityRuns, Duration.ofSeconds(5),
            maxPrograms == 0 ? 0 : (maxPrograms + jobs - 1 - i) / jobs, stopOnKernelLog, null, k, null, mine);
      }

      @Override
      public CampaignSummary summary(int i, Target target, Campaign.Stats s, Shard mine, boolean finished) {
        return CampaignSummary.of(s, baseSeed, used.name(), without, viewEvery, target.describe(),
            target.capabilities(), askedSeconds, finished).withShard(mine);
      }
    }, this.out, new ParallelCampaign.Listener() {
      private final java.util.function.Consumer<CampaignSummary> status = mergedStatus(out);

      @Override
      public void status(CampaignSummary m) {
        status.accept(m);
      }

      @Override
      public void finding(int worker, Campaign.Finding f) {
        out.println("worker " + worker + ":");
        printFinding(f, out);
      }
    }, stop::get);
    printKnown(end.known(), out);
    return ended(jobs + " workers, ", end.programs(), end.ops(), end.seconds(), end.opsPerSecond(), end.divergences(),
        end.repeats(), out);
  }

  /**
   * {@code fuzz --target vm}: the campaign across guest boots, printed as it goes: each boot's status
   * lines and findings as a local campaign's, each guest's death, and the totals.
   */
  private int acrossBoots(Profile prof, long baseSeed, AtomicBoolean stop, PrintWriter out, PrintWriter err)
      throws IOException {
    KnownFindings knownDir = null;
    if (known != null) {
      try {
        knownDir = KnownFindings.read(known);
      } catch (ReproducerSyntaxException e) {
        err.println("hmmfuzz: " + e.getMessage());
        return ExitCode.USAGE;
      }
    }
    if (jobs > 1) {
      return guestWorkers(prof, baseSeed, knownDir, stop, out, err);
    }
    GuestCampaign.Result r = GuestCampaign.run(new GuestCampaign.Settings(fs, prof, without, baseSeed, duration,
        viewEvery, reliabilityRuns, programsPerBoot, hangTimeout, this.out, knownDir, shard),
        QemuGuest.boots(targetOptions.kernel, hangTimeout), guestListener(out, err, "", null), stop::get);
    return endedAcrossBoots("", r.summary(), r.infrastructureFailure(), out);
  }

  /**
   * The last lines of a campaign across boots ({@code workers}: "N workers, " for several): the known
   * findings met and the totals; its exit code.
   */
  private static int endedAcrossBoots(String workers, CampaignSummary s, boolean infrastructure, PrintWriter out) {
    printKnown(s.known(), out);
    CampaignSummary.Vm vm = s.vm() == null ? new CampaignSummary.Vm(0, List.of(), 0, 0) : s.vm();
    out.printf("hmmfuzz fuzz (vm): %s%d boots (boot %.1f s on average), %d programs, %d ops in %.0f s (%.0f ops/s),"
            + " %d findings (%d hangs, %d crashes among them; %d repeats of them or of known ones)%n", workers,
        vm.boots(), vm.bootSeconds().stream().mapToDouble(Double::doubleValue).average().orElse(0), s.programs(),
        s.ops(), s.seconds(), s.opsPerSecond(), s.divergences(), vm.hangs(), vm.crashes(), s.repeats());
    return infrastructure ? ExitCode.INFRASTRUCTURE : s.divergences() == 0 ? ExitCode.OK : ExitCode.DIVERGENCE;
  }

  /**
   * Prints the merged status of several workers: each reports every 5 s, one line per 5 s of the
   * campaign is printed.
   */
  private static java.util.function.Consumer<CampaignSummary> mergedStatus(PrintWriter out) {
    double[] printed = {-5};
    return m -> {
      synchronized (out) {
        if (m.seconds() >= printed[0] + 4.5) {
          printed[0] = m.seconds();
          out.println(String.format(Locale.ROOT, STATUS_LINE, m.seconds(), m.programs(), m.ops(), m.opsPerSecond(),
              m.divergences()));
          out.flush();
        }
      }
    };
  }

  /**
   * How a campaign across boots is printed: each boot's status lines and findings, each guest's death.
   * A worker among several ({@code summaries} not null) prefixes its lines with {@code who}, prints no
   * status line of its own (the merged ones are printed) and hands its summaries to {@code summaries}.
   */
  private GuestCampaign.Listener guestListener(PrintWriter out, PrintWriter err, String who,
      java.util.function.Consumer<CampaignSummary> summaries) {
    return new GuestCampaign.Listener() {
      @Override
      public void status(Campaign.Stats s) {
        if (summaries == null) {
          say(statusLine(s));
        }
      }

      @Override
      public void summary(CampaignSummary summary) {
        if (summaries != null) {
          summaries.accept(summary);
        }
      }

      @Override
      public void finding(Campaign.Finding f) {
        synchronized (out) {
          if (!who.isEmpty()) {
            out.println();
            out.print(who + "finding");
          }
          printFinding(f, out);
        }
      }

      @Override
      public void progress(String line) {
        say(line);
      }

      @Override
      public void died(GuestCampaign.Fatality f) {
        String kind = f.death().kind().toUpperCase(Locale.ROOT);
        StringBuilder b = new StringBuilder();
        if (f.saved() == null && (f.repeat() || f.knownFrom() != null)) {
          b.append(kind + " again: " + f.death().signature() + " (known; not saved again"
              + (f.kept() != null ? "; its program kept in " + f.kept() : "") + ")");
        } else {
          for (KernelReport rep : f.death().reports()) {
            b.append("KERNEL REPORT on the guest console: " + rep.title()).append('\n');
            b.append(rep.excerpt().strip()).append('\n');
          }
          b.append(kind + ": " + f.death().signature() + (f.saved() != null ? "; last program saved as " + f.saved() : ""));
        }
        say(b.toString());
      }

      @Override
      public void infrastructure(String why, List<String> consoleTail) {
        synchronized (out) {
          err.println("hmmfuzz: " + who + why + "; console tail:");
          consoleTail.forEach(err::println);
          err.flush();
        }
      }

      private void say(String text) {
        synchronized (out) {
          text.lines().forEach(l -> out.println(who + l));
          out.flush();
        }
      }
    };
  }

  /**
   * {@code fuzz --target vm --jobs N}: N campaigns across boots at once, each with its own guests over
   * its share of the seed space ({@link ParallelCampaign}), printed and summarised as one campaign.
   */
  private int guestWorkers(Profile prof, long baseSeed, KnownFindings knownDir, AtomicBoolean stop, PrintWriter out,
      PrintWriter err) throws IOException {
    out.printf("hmmfuzz fuzz: %d workers on %s, each its own guests; profile %s; seed %d%s; %s; reproducers in %s"
        + " (each worker's own in worker-I/)%n", jobs, fs.id(), prof.name(), baseSeed,
        shard.whole() ? "" : ", shard " + shard, duration, out(this.out));
    out.flush();
    boolean[] infrastructure = new boolean[1];
    CampaignSummary s = ParallelCampaign.run(jobs, shard, (w, dir, mine, status, stopWorker, saved) -> {
      GuestCampaign.Result r = GuestCampaign.run(new GuestCampaign.Settings(fs, prof, without, baseSeed, duration,
          viewEvery, reliabilityRuns, programsPerBoot, hangTimeout, dir, knownDir, mine),
          QemuGuest.boots(targetOptions.kernel, hangTimeout), guestListener(out, err, "worker " + w + ": ", status),
          stopWorker, saved);
      if (r.infrastructureFailure()) {
        infrastructure[0] = true;
      }
      return r.summary();
    }, this.out, mergedStatus(out), stop::get);
    if (s == null) {
      err.println("hmmfuzz: no worker's guest came up: nothing ran (an infrastructure failure, not a finding)");
      return ExitCode.INFRASTRUCTURE;
    }
    return endedAcrossBoots(jobs + " workers, ", s, infrastructure[0], out);
  }

  static String statusLine(Campaign.Stats s) {
    return String.format(STATUS_LINE, s.seconds(), s.programs(), s.ops(), s.opsPerSecond(), s.divergences());
  }

  static void printFinding(Campaign.Finding f, PrintWriter out) {
    out.println();
    out.println(f.reduction().divergence().render("hmmfuzz replay " + f.file()));
    out.printf("  shrunk to %d ops in %.1f s (%d runs); reproduced %d/%d; saved %s%n",
        f.reduction().program().size(), f.reduction().millis() / 1000.0, f.reduction().candidates(),
        f.reduction().reproduced(), f.reduction().attempts(), f.file());
    Path c = CReproducer.besidePath(f.file());
    if (Files.exists(c)) {
      out.println("  C reproducer: " + c + " (gcc -static -o repro " + c.getFileName() + " && ./repro [DIR])");
    }
    out.flush();
  }

  /** What was counted as known, per known finding, so that a reader sees what the known findings covered. */
  static void printKnown(List<CampaignSummary.KnownRepeat> known, PrintWriter out) {
    for (CampaignSummary.KnownRepeat k : known) {
      out.printf("  known %s: %d repeats (%s)%s%n", k.signature(), k.count(), k.file(),
          k.seenAs().isEmpty() ? "" : "; also seen as " + k.seenAs());
    }
  }

  private static String out(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }

  private CampaignSummary summary(Campaign.Stats s, long baseSeed, Profile prof, Target target,
      String targetName, boolean finished) {
    return CampaignSummary.of(s, baseSeed, prof.name(), without, viewEvery, targetName, target.capabilities(),
        askedSeconds, finished).withShard(shard);
  }
}
