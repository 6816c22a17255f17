package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.linux.ExecutorKind;
import io.hmmfuzz.linux.LinuxTarget;
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
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchCommand.Throughput.class,
    description = "Measurements side by side in one run: throughput of the executors, against fsx.")
final class BenchCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a measurement: throughput");
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

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter w = spec.commandLine().getOut();
      if (rounds < 1 || seconds < 1) {
        spec.commandLine().getErr().println("hmmfuzz: --rounds and --seconds must be at least 1");
        return ExitCode.USAGE;
      }
      if (fsx != null && !Files.isExecutable(fsx)) {
        spec.commandLine().getErr().println("hmmfuzz: --fsx " + fsx + " is not an executable file");
        return ExitCode.USAGE;
      }
      Profile prof = Profile.named(profile);
      Map<String, double[]> rates = new LinkedHashMap<>();
      long findings = 0;
      try (LinuxTarget jna = LinuxTarget.create(fs, ExecutorKind.JNA);
          LinuxTarget c = LinuxTarget.create(fs, ExecutorKind.C)) {
        w.printf("bench throughput: %s; profile %s; %d rounds of %d s each%s%n", jna.describe(), prof.name(), rounds,
            seconds, fsx == null ? "; no --fsx given, so fsx is not measured" : "; fsx " + fsxArgs);
        Path fsxDir = fsx == null ? null : jna.scratchDirectory("fsx");
        long fsxOps = 20000;
        for (int r = 0; r < rounds; r++) {
          for (LinuxTarget t : List.of(jna, c)) {
            String name = t == jna ? "hmmfuzz jna" : "hmmfuzz c";
            Campaign.Stats s = new Campaign(t, new Campaign.Settings(prof, 20261202L + r * 1_000_003L,
                Duration.ofSeconds(seconds), 8, out, 2, Duration.ofSeconds(seconds + 1))).run(quiet(), () -> false);
            findings += s.findings().size();
            rates.computeIfAbsent(name, k -> new double[rounds])[r] = s.opsPerSecond();
            w.printf("round %d  %-12s %9.0f ops/s  (%d programs, %d ops)%n", r + 1, name, s.opsPerSecond(),
                s.programs(), s.ops());
            w.flush();
          }
          if (fsx != null) {
            double perSecond = runFsx(fsxDir, fsxOps);
            rates.computeIfAbsent("fsx", k -> new double[rounds])[r] = perSecond;
            w.printf("round %d  %-12s %9.0f ops/s  (%d ops)%n", r + 1, "fsx", perSecond, fsxOps);
            w.flush();
            fsxOps = Math.max(1000, (long) (perSecond * seconds));
          }
        }
      }
      w.println("median ops/s:");
      Map<String, Double> median = new LinkedHashMap<>();
      rates.forEach((name, v) -> {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        median.put(name, sorted[sorted.length / 2]);
        w.printf("  %-12s %9.0f%n", name, sorted[sorted.length / 2]);
      });
      w.println("ratios of the medians:");
      w.printf("  hmmfuzz c / hmmfuzz jna = %.2f%n", median.get("hmmfuzz c") / median.get("hmmfuzz jna"));
      if (median.containsKey("fsx")) {
        for (String name : List.of("hmmfuzz jna", "hmmfuzz c")) {
          w.printf("  %s / fsx = %.2f%n", name, median.get(name) / median.get("fsx"));
        }
      }
      if (findings > 0) {
        w.println("findings: " + findings + ", saved in " + out + " (the measurement is still valid; look at them)");
        return ExitCode.DIVERGENCE;
      }
      return ExitCode.OK;
    }

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
