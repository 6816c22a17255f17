package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.KnownFindings;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.linux.ExecutorKind;
import io.hmmfuzz.linux.ExecutorKernel;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.linux.LinuxTarget;
import io.hmmfuzz.guests.PlantedBugHunt;
import io.hmmfuzz.linux.PlantedBugKernel;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.guests.Death;
import io.hmmfuzz.guests.Ending;
import io.hmmfuzz.guests.Remeasure;
import io.hmmfuzz.guests.Targets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hmmfuzz bench}: measurements, side by side in one run (the machine may be shared and noisy). */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {BenchCommand.Throughput.class,
    BenchCommand.Bugs.class},
    description = "Measurements side by side in one run: throughput of the executors, against fsx; planted bugs"
        + " found and shrunk.")
final class BenchCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a measurement: throughput or bugs");
  }

  /**
   * Each planted bug the target can show, looked for by fresh campaigns from several seeds: found or
   * not, the median seconds to find it, the shrunk length against its known minimum, the median shrink
   * seconds.
   */
  @Command(name = "bugs", mixinStandardHelpOptions = true,
      description = "A fresh campaign per planted bug and seed: found or not, median seconds to find, shrunk length"
          + " against the known minimum, median shrink seconds. Bugs the target cannot show are skipped, saying why.")
  static final class Bugs implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--fs", converter = FsConverter.class, defaultValue = "xfs",
        description = "scratch filesystem (default xfs: it can show the most bugs without a guest)")
    FsKind fs;

    @Option(names = "--seeds", defaultValue = "3", description = "campaigns per bug, seeds 1..N (default 3)")
    int seeds;

    @Option(names = "--programs", defaultValue = "600", description = "programs per campaign at most (default 600)")
    long programs;

    @Option(names = "--bug", split = ",", description = "only these planted bugs (names as printed)")
    List<PlantedBugKernel.Bug> only = new ArrayList<>();

    @Option(names = "--json", description = "also write the rows here: [{bug, found, secondsToFind, shrunkLength,"
        + " knownMinimum, shrinkSeconds, ...}]")
    Path json;

    @picocli.CommandLine.Mixin
    TargetOptions targetOptions;

    /**
     * One bug's row: found in every seed's campaign or not; medians over the seeds that found it (null
     * where none did); the shortest reproducer of all (0 where none did).
     */
    record Row(String bug, boolean found, String foundIn, Double secondsToFind, int shrunkLength, int knownMinimum,
        Double shrinkSeconds, List<Integer> shrunkLengths, List<String> failures) {}

    @Override
    public Integer call() throws IOException {
      Integer bad = targetOptions.checkTarget(spec);
      if (bad != null) {
        return bad;
      }
      PrintWriter w = spec.commandLine().getOut();
      if (seeds < 1 || programs < 1) {
        spec.commandLine().getErr().println("hmmfuzz: --seeds and --programs must be at least 1");
        return ExitCode.USAGE;
      }
      List<Row> rows = new ArrayList<>();
      try (Targets targets = targetOptions.targets(w, Duration.ofMinutes(2))) {
        KernelTarget real = targets.get(fs);
        w.printf("bench bugs: %s, %d seeds per bug, at most %d programs each%n", real.describe(), seeds, programs);
        for (PlantedBugKernel.Bug bug : PlantedBugKernel.Bug.values()) {
          if (!only.isEmpty() && !only.contains(bug)) {
            continue;
          }
          String skip = bug.unavailable(real.capabilities(), real.kernelLogWatched());
          if (skip != null) {
            w.printf("SKIP %-34s %s%n", bug, skip);
            continue;
          }
          List<Double> toFind = new ArrayList<>();
          List<Double> shrink = new ArrayList<>();
          List<String> failures = new ArrayList<>();
          int shortest = Integer.MAX_VALUE;
          List<Integer> lengths = new ArrayList<>();
          for (long seed = 1; seed <= seeds; seed++) {
            PlantedBugHunt.Result r = PlantedBugHunt.run(real, bug, seed, programs, Duration.ofMinutes(10), List.of(),
                st -> { });
            if (r.found()) {
              toFind.add(r.secondsToFind());
              shrink.add(r.shrinkSeconds());
              shortest = Math.min(shortest, r.shortest());
              lengths.add(r.shortest());
            }
            // A seed whose search ends above the known minimum is a measurement (its length is in the
            // row), not a failure; a bug not found, or found with the wrong culprit, is.
            if (r.miss() != null && r.miss() != PlantedBugHunt.Miss.ABOVE_MINIMUM) {
              failures.add("seed " + seed + ": " + r.verdict());
            }
          }
          Row row = new Row(bug.name(), toFind.size() == seeds, toFind.size() + "/" + seeds, median(toFind),
              shortest == Integer.MAX_VALUE ? 0 : shortest, bug.minimalOps(), median(shrink), lengths, failures);
          rows.add(row);
          w.printf("%-4s %-34s found %s  %7s s to find  shrunk to %2d ops %-12s (known minimum %d)  %6s s to shrink%s%n",
              failures.isEmpty() ? "OK" : "FAIL", bug, row.foundIn(), seconds(row.secondsToFind()), row.shrunkLength(),
              lengths.toString().replace(" ", ""), row.knownMinimum(), seconds(row.shrinkSeconds()),
              failures.isEmpty() ? "" : "  " + String.join("; ", failures));
          w.flush();
        }
      }
      if (json != null) {
        io.hmmfuzz.guests.SummaryFile.writeJson(json, rows);
        w.println("written: " + json);
      }
      return rows.stream().allMatch(r -> r.failures().isEmpty()) ? ExitCode.OK : ExitCode.DIVERGENCE;
    }

    private static String seconds(Double s) {
      return s == null ? "-" : String.format("%.1f", s);
    }

    private static Double median(List<Double> v) {
      if (v.isEmpty()) {
        return null;
      }
      List<Double> sorted = v.stream().sorted().toList();
      return sorted.get(sorted.size() / 2);
    }
  }

  /**
   * Campaign ops/s of each executor and, given an fsx binary, fsx's ops/s on the same scratch
   * filesystem, in interleaved rounds, with the median of each and the ratios of the medians.
   */
  @Command(name = "throughput", mixinStandardHelpOptions = true,
      description = "Ops/s of a campaign with each executor (jna, c) and of fsx (--fsx) on the same scratch"
          + " filesystem, in interleaved rounds; medians and their ratios.")
  static final class Throughput implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--fs", converter = FsConverter.class, defaultValue = "tmpfs",
        description = "scratch filesystem (default tmpfs)")
    FsKind fs;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds; each runs every contender once (default 3)")
    int rounds;

    @Option(names = "--seconds", defaultValue = "10", description = "seconds per contender per round (default 10)")
    int seconds;

    @Option(names = "--profile", defaultValue = "default", description = "the campaigns' profile (default)")
    String profile;

    @Option(names = "--fsx", description = "an fsx binary (xfstests ltp/fsx.c, built by you) to run beside")
    Path fsx;

    @Option(names = "--fsx-args", defaultValue = "-l 32768 -o 8192",
        description = "fsx's file and op sizes, like hmmfuzz's programs (files of up to 8 pages; default"
            + " '-l 32768 -o 8192')")
    String fsxArgs;

    @Option(names = "--out", defaultValue = "hmmfuzz-bench",
        description = "where the campaigns save a finding, should one turn up (default ./hmmfuzz-bench)")
    Path out;

    @Option(names = "--target", defaultValue = "local",
        description = "local (the campaign with each executor, the floor, fsx) or vm (the campaign and the floor"
            + " in one guest booted from --kernel)")
    String target;

    @Option(names = "--kernel", description = "the guest's bzImage, for --target vm")
    Path kernel;

    @Option(names = "--without", split = ",", description = "ops never to generate, e.g. reflink,clone")
    List<String> without = new ArrayList<>();

    @Option(names = "--view-every", defaultValue = "8", description = "views every this many ops, as in fuzz (default 8)")
    int viewEvery;

    @Option(names = "--json", description = "also write {campaignOpsPerSecond, floorOpsPerSecond, ratio, ...} here")
    Path json;

    @Option(names = "--known", description = "a reproducer file or directory, as in fuzz: a divergence with the"
        + " signature of one of its findings for this kernel series and filesystem is counted, not shrunk, and"
        + " fails nothing")
    Path known;

    /** --known's findings, read once. */
    private KnownFindings knownFindings;

    /** What --json writes: the medians, the C executor's campaign against the floor with views. */
    record Result(String target, String kernel, String fs, String profile, int rounds, int seconds,
        double campaignOpsPerSecond, double floorOpsPerSecond, double floorWithoutViewsOpsPerSecond, double ratio,
        Map<String, Double> medians, int roundsRunAgainAfterAKernelDeath) {}

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter w = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (rounds < 1 || seconds < 1) {
        err.println("hmmfuzz: --rounds and --seconds must be at least 1");
        return ExitCode.USAGE;
      }
      if (fsx != null && !Files.isExecutable(fsx)) {
        err.println("hmmfuzz: --fsx " + fsx + " is not an executable file");
        return ExitCode.USAGE;
      }
      boolean vm = target.equals("vm");
      if (!vm && !target.equals("local")) {
        err.println("hmmfuzz: --target is local or vm, not " + target);
        return ExitCode.USAGE;
      }
      if (vm && kernel == null) {
        err.println("hmmfuzz: --target vm needs --kernel BZIMAGE (build one with 'hmmfuzz kernel build')");
        return ExitCode.USAGE;
      }
      if (vm && fsx != null) {
        err.println("hmmfuzz: --fsx runs on the host only (the guest has no fsx); leave it out with --target vm");
        return ExitCode.USAGE;
      }
      Profile prof = Profile.named(profile);
      if (!without.isEmpty()) {
        List<OpKind> off = new ArrayList<>();
        for (String id : without) {
          OpKind k = OpKind.byId(id);
          if (k == null) {
            err.println("hmmfuzz: --without: unknown op '" + id + "'");
            return ExitCode.USAGE;
          }
          off.add(k);
        }
        prof = prof.without(off);
      }
      if (known != null) {
        try {
          knownFindings = KnownFindings.read(known);
        } catch (io.hmmfuzz.core.repro.ReproducerSyntaxException e) {
          err.println("hmmfuzz: --known: " + e.getMessage());
          return ExitCode.USAGE;
        }
      }
      Map<String, double[]> rates = new LinkedHashMap<>();
      long findings = 0;
      Remeasure again = new Remeasure(MAX_REDONE);
      try (Contenders c = vm ? Contenders.guest(kernel, fs, w) : Contenders.local(fs)) {
        w.printf("bench throughput: %s; profile %s; %d rounds of %d s each; views every %d ops%s%n",
            c.campaign().get(0).describe(), prof.name(), rounds, seconds, viewEvery,
            fsx == null ? (vm ? "" : "; no --fsx given, so fsx is not measured") : "; fsx " + fsxArgs);
        Path fsxDir = fsx == null ? null : ((LinuxTarget) c.campaign().get(0)).scratchDirectory("fsx");
        long fsxOps = 20000;
        for (int r = 0; r < rounds; r++) {
          // A round is measured whole or not at all: in a guest, a kernel under test that dies during it
          // (test_hmm's known Oopses, say) costs a fresh boot and the round again, said here, at most
          // MAX_REDONE times in all; a lost guest is the infrastructure's failure and ends the bench.
          int n = r;
          Profile measured = prof;
          Map<String, Double> round = again.take(() -> round(c, measured, n, again.again(), w, n == rounds - 1), e -> {
            if (!vm) {
              throw e;
            }
            return c.died(e);
          }, d -> {
            w.printf("round %d  the kernel under test died during its %s (%s): the round is run again, with the"
                + " next seed, in a fresh guest%n", n + 1, part, d.signature());
            w.flush();
          });
          findings += round.remove(FINDINGS).longValue();
          for (Map.Entry<String, Double> e : round.entrySet()) {
            rates.computeIfAbsent(e.getKey(), k -> new double[rounds])[r] = e.getValue();
          }
          if (fsx != null) {
            double perSecond = runFsx(fsxDir, fsxOps);
            rates.computeIfAbsent("fsx", k -> new double[rounds])[r] = perSecond;
            line(w, r, "fsx", perSecond, fsxOps + " ops");
            fsxOps = Math.max(1000, (long) (perSecond * seconds));
          }
        }
      }
      if (again.again() > 0) {
        w.printf("rounds run again after a kernel death: %d%n", again.again());
      }
      w.println("median ops/s:");
      Map<String, Double> median = new LinkedHashMap<>();
      rates.forEach((name, v) -> {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        median.put(name, sorted[sorted.length / 2]);
        w.printf("  %-16s %9.0f%n", name, sorted[sorted.length / 2]);
      });
      w.println("ratios of the medians:");
      double campaign = median.get("hmmfuzz c");
      double floor = median.get("floor");
      w.printf("  hmmfuzz c / floor = %.2f%n", campaign / floor);
      w.printf("  hmmfuzz c / floor, no views = %.2f%n", campaign / median.get("floor, no views"));
      if (median.containsKey("hmmfuzz jna")) {
        w.printf("  hmmfuzz c / hmmfuzz jna = %.2f%n", campaign / median.get("hmmfuzz jna"));
      }
      if (median.containsKey("fsx")) {
        for (String name : List.of("hmmfuzz jna", "hmmfuzz c", "floor")) {
          w.printf("  %s / fsx = %.2f%n", name, median.get(name) / median.get("fsx"));
        }
      }
      if (json != null) {
        Result result = new Result(target, vm ? kernel.toString() : null, fs.id(), prof.name(), rounds, seconds,
            campaign, floor, median.get("floor, no views"), campaign / floor, median, again.again());
        io.hmmfuzz.guests.SummaryFile.writeJson(json, result);
        w.println("written: " + json);
      }
      if (findings > 0) {
        w.println("findings: " + findings + ", saved in " + out + " (the measurement is still valid; look at them)");
        return ExitCode.DIVERGENCE;
      }
      return ExitCode.OK;
    }

    /** How many rounds, in all, may be run again after a kernel death in the guest. */
    private static final int MAX_REDONE = 3;

    /** What the round running now is measuring (campaign, floor): said when the kernel dies during it. */
    private String part;

    /** The key of a round's findings among its rates. */
    private static final String FINDINGS = "";

    /**
     * One round: the campaign with each executor, then the floor with and without views on the same
     * seeded programs. Its rates by contender, and its findings under {@link #FINDINGS}; printed as measured.
     */
    private Map<String, Double> round(Contenders c, Profile prof, int r, int redone, PrintWriter w, boolean last) {
      // A round run again gets the next seed: the same programs would meet the same kernel death.
      long seed = 20261202L + r * 1_000_003L + redone * 7_919L;
      part = "campaign";
      Map<String, Double> rates = new LinkedHashMap<>();
      long findings = 0;
      long programs = 0;
      for (KernelTarget t : c.campaign()) {
        List<Campaign.Known> knownHere = knownFindings == null ? List.of() : knownFindings.on(t.capabilities(), n -> { });
        Campaign.Stats s = new Campaign(t, new Campaign.Settings(prof, seed, Duration.ofSeconds(seconds), viewEvery,
            out, 2, Duration.ofSeconds(seconds + 1), 0, false, null, knownHere, null)).run(quiet(), () -> false);
        findings += s.findings().size();
        programs = Math.max(programs, s.programs());
        rates.put("hmmfuzz " + c.name(t), s.opsPerSecond());
        line(w, r, "hmmfuzz " + c.name(t), s.opsPerSecond(),
            s.programs() + " programs, " + s.ops() + " ops");
      }
      // The floor: the same seeded programs, run by the C executor alone, with and without the views.
      part = "floor";
      KernelTarget floorOn = c.floor();
      List<List<Op>> same = new ArrayList<>();
      long floorOps = 0;
      for (Program p : Campaign.programs(prof, floorOn, seed, (int) Math.max(50, programs))) {
        same.add(p.ops());
        floorOps += p.size();
      }
      for (boolean views : List.of(true, false)) {
        ExecutorKernel.Floor f = floorOn.floor(same, views ? viewEvery : -1);
        String name = views ? "floor" : "floor, no views";
        rates.put(name, floorOps / (f.nanos() / 1e9));
        line(w, r, name, rates.get(name),
            same.size() + " programs, " + floorOps + " ops, C executor alone");
        if (views && last) {
          w.println("  where the floor's time went (share of its time, count, microseconds each):");
          f.spent().entrySet().stream()
              .sorted((a, b) -> Long.compare(b.getValue().nanos(), a.getValue().nanos()))
              .forEach(e -> w.printf("    %-20s %5.1f%%  %8d  %9.1f%n", e.getKey(),
                  100.0 * e.getValue().nanos() / f.nanos(), e.getValue().count(),
                  e.getValue().nanos() / 1e3 / e.getValue().count()));
        }
      }
      rates.put(FINDINGS, (double) findings);
      return rates;
    }

    private static void line(PrintWriter w, int r, String name, double perSecond, String what) {
      w.printf("round %d  %-16s %9.0f ops/s  (%s)%n", r + 1, name, perSecond, what);
      w.flush();
    }

    /**
     * The targets measured: locally, the campaign with each executor and the floor on the C one; in a
     * guest, its one target for both, opened again in a fresh boot after the guest died.
     */
    private static final class Contenders implements AutoCloseable {
      private final List<KernelTarget> local;
      private final Targets guest;
      private final FsKind fs;

      private Contenders(List<KernelTarget> local, Targets guest, FsKind fs) {
        this.local = local;
        this.guest = guest;
        this.fs = fs;
      }

      static Contenders local(FsKind fs) {
        LinuxTarget jna = LinuxTarget.create(fs, ExecutorKind.JNA);
        try {
          return new Contenders(List.of(jna, LinuxTarget.create(fs, ExecutorKind.C)), null, fs);
        } catch (RuntimeException e) {
          jna.close();
          throw e;
        }
      }

      static Contenders guest(Path kernel, FsKind fs, PrintWriter w) {
        Targets guest = Targets.guest(kernel, HANG_TIMEOUT, line -> {
          w.println(line);
          w.flush();
        });
        try {
          guest.get(fs);
          return new Contenders(null, guest, fs);
        } catch (RuntimeException e) {
          guest.close();
          throw e;
        }
      }

      List<KernelTarget> campaign() {
        return guest != null ? List.of(guest.get(fs)) : local;
      }

      KernelTarget floor() {
        return guest != null ? guest.get(fs) : local.get(1);
      }

      String name(KernelTarget t) {
        return guest != null || t != local.get(0) ? "c" : "jna";
      }

      /**
       * The guest's death that {@code cause} tells of; the guest is dropped, the next target boots a
       * fresh one. A lost guest, the infrastructure's failure, throws.
       */
      Death died(InfrastructureException cause) {
        Ending end = guest.ended(cause);
        Death d = Death.of(end, HANG_TIMEOUT);
        if (d == null) {
          throw end instanceof Ending.Lost lost
              ? new InfrastructureException(lost.why() + "; console tail:\n" + String.join("\n", lost.consoleTail()),
                  cause)
              : cause;
        }
        return d;
      }

      @Override
      public void close() {
        if (local != null) {
          local.forEach(KernelTarget::close);
        }
        if (guest != null) {
          guest.close();
        }
      }
    }

    /** How long the guest may leave a request unanswered before it is ended. */
    private static final Duration HANG_TIMEOUT = Duration.ofMinutes(2);

    private static Campaign.Listener quiet() {
      return new Campaign.Listener() {
        @Override
        public void status(Campaign.Stats s) {}

        @Override
        public void finding(Campaign.Finding f) {}
      };
    }

    /** fsx's ops/s for {@code ops} operations on a fresh file in {@code dir}; fsx must end A-OK. */
    private double runFsx(Path dir, long ops) throws IOException, InterruptedException {
      Path file = dir.resolve("f");
      Files.deleteIfExists(file);
      List<String> cmd = new ArrayList<>(List.of(fsx.toString(), "-q", "-N", Long.toString(ops)));
      cmd.addAll(Arrays.asList(fsxArgs.trim().split("\\s+")));
      cmd.add(file.toString());
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      List<String> tail = new ArrayList<>();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null;) {
          tail.add(line);
          if (tail.size() > 20) {
            tail.remove(0);
          }
        }
      }
      int exit = p.waitFor();
      double secs = (System.nanoTime() - t0) / 1e9;
      if (exit != 0) {
        throw new InfrastructureException("fsx failed (exit " + exit + "): " + String.join(" ", cmd) + "\n"
            + String.join("\n", tail));
      }
      return ops / secs;
    }
  }
}
