package io.hmmfuzz.cli;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.KnownFindings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fuzz --target vm}: a campaign across guest boots (syzkaller's vm loop). Each boot runs the
 * local campaign in a fresh guest for the time left, at most {@code programsPerBoot} programs, and
 * stops it after a kernel-log finding (the kernel is tainted), so the next boot starts clean. A guest
 * that makes no progress for {@code hangTimeout} is killed and its last program saved as a hang; a
 * guest that dies is saved as a crash with the console's report; then a fresh guest goes on. Findings
 * and a summary.json of all boots land in {@code out}.
 */
final class VmCampaign {
  private VmCampaign() {}

  /** Options of the host's campaign, set per boot on the guest's command line instead. */
  private static final Set<String> PER_BOOT = Set.of("--duration", "--seed", "--programs-per-boot",
      "--hang-timeout", "--max-programs", "--stop-on-kernel-log", "--in-flight", "--known-signature", "--known");

  /** The findings of all boots, one per signature, and the known findings met: the host's side of the ledger. */
  private static final class Findings {
    final List<CampaignSummary.Found> found = new ArrayList<>();
    final Map<String, CampaignSummary.KnownRepeat> known = new LinkedHashMap<>();

    /** The finding with this signature, as its own or as one it was also seen as; -1 if none. */
    int indexOf(String signature) {
      for (int i = 0; i < found.size(); i++) {
        if (found.get(i).signature().equals(signature) || found.get(i).seenAs().containsKey(signature)) {
          return i;
        }
      }
      return -1;
    }

    /** Adds a finding, or counts it as another of the one saved with its signature; true if it is new. */
    boolean add(CampaignSummary.Found f) {
      int i = indexOf(f.signature());
      if (i >= 0) {
        CampaignSummary.Found had = found.get(i);
        found.set(i, had.plus(f));
        return false;
      }
      found.add(f);
      return true;
    }

    /** A guest's known repeats: repeats of an earlier boot's finding count for it, the rest per known finding. */
    void addKnown(CampaignSummary.KnownRepeat k) {
      int i = indexOf(k.signature());
      if (i >= 0) {
        found.set(i, found.get(i).counted(k.signature(), k.count()));
      } else {
        known.merge(k.signature(), k, (a, b) -> new CampaignSummary.KnownRepeat(a.signature(), a.file(), a.count() + b.count()));
      }
    }
  }

  static int run(List<String> originalArgs, Path kernel, Path out, Duration duration, long baseSeed,
      int programsPerBoot, Duration hangTimeout, Path known, String fs, PrintWriter w,
      PrintWriter err, BooleanSupplier stop) throws IOException {
    Files.createDirectories(out);
    SplittableRandom seeds = new SplittableRandom(baseSeed);
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    long programs = 0;
    long ops = 0;
    int hangs = 0;
    int crashes = 0;
    List<Double> bootTimes = new ArrayList<>();
    Findings findings = new Findings();
    Map<String, Long> outcomes = new TreeMap<>();
    String[] guest = {"", "", ""}; // kernel, caps, target of the guests' campaigns
    int boots = 0;
    Summary.write(out, summary(0, 0, 0, 0, 0, bootTimes, 0, duration, baseSeed, fs, guest, findings, outcomes, false));
    while (System.nanoTime() < deadline && !stop.getAsBoolean()) {
      long seed = boots == 0 ? baseSeed : seeds.nextLong();
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L);
      List<String> args = guestArgs("fuzz", originalArgs, PER_BOOT);
      args.addAll(List.of("--duration", left + "s", "--seed", Long.toString(seed), "--out", "@SHARE@/out",
          "--in-flight", "@SHARE@/" + ExecutorBoot.IN_FLIGHT, "--max-programs", Integer.toString(programsPerBoot),
          "--stop-on-kernel-log"));
      if (known != null) {
        args.add("--known");
        args.add(known.toAbsolutePath().toString());
      }
      for (CampaignSummary.Found f : findings.found) {
        for (String sig : f.seenAs().keySet()) {
          args.add("--known-signature"); // its other symptoms too: counted for it, not saved again
          args.add(sig);
        }
        args.add("--known-signature");
        args.add(f.signature());
      }
      w.printf("vm: boot %d, seed %d, %d s left%n", boots + 1, seed, left);
      long[] lastStatus = {0, 0, 0};
      long programsBefore = programs;
      long opsBefore = ops;
      int hangs0 = hangs;
      int crashes0 = crashes;
      int boots0 = boots + 1;
      java.util.function.Consumer<String> seen = line -> {
            Matcher m = STATUS.matcher(line);
            if (m.find()) {
              lastStatus[0] = Long.parseLong(m.group(1));
              lastStatus[1] = Long.parseLong(m.group(2));
              lastStatus[2] = Long.parseLong(m.group(3));
              // The host's statistics stay a status line old while a boot runs (its findings come back
              // when the boot ends; a host killed before that leaves them in the guest's share).
              try {
                Summary.write(out, summary(programsBefore + lastStatus[0], opsBefore + lastStatus[1], hangs0, crashes0,
                    boots0, bootTimes, (System.nanoTime() - start) / 1e9, duration, baseSeed, fs, guest, findings,
                    outcomes, false));
              } catch (IOException e) {
                err.println("hmmfuzz: cannot write " + out.resolve(Summary.FILE) + ": " + e.getMessage());
              }
            }
          };
      // The boot's campaign runs here, against the guest's executor.
      ExecutorBoot.Result r = ExecutorBoot.run(kernel, args, hangTimeout, out, w, seen);
      boots++;
      try {
        printErrors(r, err);
        if (!r.booted()) {
          err.println("hmmfuzz: the VM did not boot (an infrastructure failure, not a finding); console tail:");
          r.consoleTail().forEach(err::println);
          return ExitCode.INFRASTRUCTURE;
        }
        bootTimes.add(r.bootSeconds());
        Path guestOut = r.share().resolve("out");
        copyBack(guestOut, out, Set.of(Summary.FILE));
        // The guest's campaign writes its summary from its start and every few seconds: a guest that
        // died leaves one at most a few seconds old (its last status line, if it left none at all).
        CampaignSummary s = Files.exists(guestOut) ? Summary.read(guestOut) : null;
        if (s == null) {
          programs += lastStatus[0];
          ops += lastStatus[1];
        } else {
          programs += s.programs();
          ops += s.ops();
          guest[0] = s.kernel();
          guest[1] = s.caps();
          guest[2] = s.target();
          s.findings().forEach(findings::add);
          s.known().forEach(findings::addKnown);
          s.outcomes().forEach((k, v) -> outcomes.merge(k, v, Long::sum));
        }
        if (stop.getAsBoolean()) {
          break; // Ctrl-C reaches QEMU too: the guest's end is the user's doing, not a hang or a crash.
        }
        boolean ended = !r.stalled();
        if (ended && s == null && r.lastReports().isEmpty() && r.exitCode() >= 0 && r.exitCode() < 128) {
          err.println("hmmfuzz: the guest's campaign ended with exit code " + r.exitCode() + " before running"
              + " (an infrastructure failure, not a finding); its stderr is above");
          return ExitCode.INFRASTRUCTURE;
        }
        Signature death = death(r);
        if (death == null) {
          continue;
        }
        // A kernel report signs the finding with its title whether the guest then died or stalled.
        String kind = r.lastReports().isEmpty() && death.view() == Signature.View.HANG ? HANG : "crash";
        List<String> notes = new ArrayList<>(HANG.equals(kind) ? r.consoleTail() : reportExcerpt(r));
        String knownFrom = knownCrash(known, death, r);
        if (findings.indexOf(death.text()) >= 0 || knownFrom != null) {
          if (knownFrom != null) {
            findings.addKnown(new CampaignSummary.KnownRepeat(death.text(), knownFrom, 1));
          } else {
            findings.add(new CampaignSummary.Found(death.text(), kind, "", 0, "0/0", 0, -1));
          }
          w.println(kind.toUpperCase(java.util.Locale.ROOT) + " again: " + death.text() + " (known; not saved again)");
          continue;
        }
        if (HANG.equals(kind)) {
          hangs++;
        } else {
          crashes++;
        }
        String what = HANG.equals(kind) ? "the guest made no progress for " + hangTimeout
            + " during this program and was killed"
            : !r.lastReports().isEmpty() ? "the kernel reported this during the program, and the guest "
                + (r.stalled() ? "stopped answering" : "died")
            : "the guest's executor ended with exit status " + r.exitCode() + " during this program";
        Path saved = saveLast(r, out, fs, kind, death, what, notes);
        printReports(r.lastReports(), w);
        w.println(kind.toUpperCase(java.util.Locale.ROOT) + ": " + death.text()
            + (saved != null ? "; last program saved as " + saved : ""));
        int ops0 = 0;
        if (saved != null) {
          try {
            ops0 = Corpus.load(saved).program().size();
          } catch (ReproducerSyntaxException e) {
            throw new IllegalStateException("a reproducer just saved does not parse (ours): " + e.getMessage(), e);
          }
        }
        findings.add(new CampaignSummary.Found(death.text(), kind, saved == null ? "" : saved.getFileName().toString(),
            ops0, "0/0", 0, -1));
      } finally {
        ExecutorBoot.cleanUp(r);
        double seconds = (System.nanoTime() - start) / 1e9;
        Summary.write(out, summary(programs, ops, hangs, crashes, boots, bootTimes, seconds, duration, baseSeed,
            fs, guest, findings, outcomes, false));
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    CampaignSummary s = summary(programs, ops, hangs, crashes, boots, bootTimes, seconds, duration, baseSeed, fs, guest,
        findings, outcomes, true);
    Summary.write(out, s);
    FuzzCommand.printKnown(s.known(), w);
    w.printf("hmmfuzz fuzz (vm): %d boots (boot %.1f s on average), %d programs, %d ops in %.0f s (%.0f ops/s),"
            + " %d findings (%d hangs, %d crashes among them; %d repeats of them or of known ones)%n", boots,
        bootTimes.stream().mapToDouble(Double::doubleValue).average().orElse(0), programs, ops, seconds,
        seconds > 0 ? ops / seconds : 0, s.divergences(), hangs, crashes, s.repeats());
    return s.divergences() == 0 ? ExitCode.OK : ExitCode.DIVERGENCE;
  }

  /** Options that belong to the host side and are not passed on to the guest's command. */
  private static final Set<String> HOST_ONLY = Set.of("--target", "--kernel", "--out");

  /** The subcommand's own arguments without {@code hostOnly} options (and their values). */
  static List<String> guestArgs(String subcommand, List<String> originalArgs, Set<String> hostOnly) {
    List<String> args = new ArrayList<>();
    args.add(subcommand);
    boolean nameSeen = false;
    for (int i = 0; i < originalArgs.size(); i++) {
      String a = originalArgs.get(i);
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (HOST_ONLY.contains(name) || hostOnly.contains(name)) {
        if (!a.contains("=")) {
          i++;
        }
        continue;
      }
      if (!nameSeen && a.equals(subcommand)) {
        nameSeen = true;
      } else {
        args.add(a);
      }
    }
    args.add("--target");
    args.add("local");
    return args;
  }

  /** What the guest's command said on its error stream, if anything. */
  static void printErrors(ExecutorBoot.Result r, PrintWriter err) throws IOException {
    Path errFile = r.share().resolve("stderr");
    if (Files.exists(errFile)) {
      String e = Files.readString(errFile).strip();
      if (!e.isEmpty()) {
        err.println(e);
        err.flush();
      }
    }
  }

  static void printReports(List<io.hmmfuzz.core.exec.KernelReport> reports, PrintWriter w) {
    for (io.hmmfuzz.core.exec.KernelReport rep : reports) {
      w.println("KERNEL REPORT on the guest console: " + rep.title());
      w.println(rep.excerpt().strip());
    }
    w.flush();
  }

  /** Copies the regular files of {@code from} into {@code to} (each atomically), except {@code skip}. */
  private static void copyBack(Path from, Path to, Set<String> skip) throws IOException {
    Files.createDirectories(to);
    if (!Files.isDirectory(from)) {
      return;
    }
    try (java.util.stream.Stream<Path> s = Files.list(from)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        String name = f.getFileName().toString();
        // Not the command's own files in the making (temp files it renames into place).
        if (Files.isRegularFile(f) && !skip.contains(name) && !name.startsWith(".")) {
          Path tmp = to.resolve(".tmp-" + f.getFileName());
          Files.copy(f, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** The finding kind of a guest that stopped answering with no kernel report. */
  static final String HANG = "hang";

  /** The kernel's reports that stopped a guest, else its console tail: the console part of a crash finding. */
  static List<String> reportExcerpt(ExecutorBoot.Result r) {
    List<String> lines = new ArrayList<>();
    r.lastReports().forEach(k -> lines.addAll(k.excerpt().lines().toList()));
    return lines.isEmpty() ? r.consoleTail() : lines;
  }

  /**
   * How a guest's command ended, as a finding's signature. Null if it finished (it judged what it found
   * itself); {@link #HANG} if it made no progress and the kernel said nothing; else the kernel's report,
   * or "crash" with the executor's exit status.
   */
  static Signature death(ExecutorBoot.Result r) {
    boolean stuck = r.stalled();
    if (!stuck && (r.exitCode() == ExitCode.OK || r.exitCode() == ExitCode.DIVERGENCE)) {
      return null;
    }
    if (!r.lastReports().isEmpty()) {
      return r.lastReports().get(0).signature();
    }
    return stuck ? Signature.hang() : Signature.crash("exit-" + r.exitCode());
  }

  /** The status line of a guest's campaign: "[   12s] programs 34  ops 1360  ops/s 96  divergences 1". */
  static final Pattern STATUS = Pattern.compile("\\]\\s+programs (\\d+)\\s+ops (\\d+)\\s+ops/s \\d+\\s+divergences (\\d+)");

  /**
   * The known finding ({@code --known}) with exactly this signature, made on the guest's kernel series,
   * filesystem and capabilities (read from its in-flight program's header), or null.
   */
  private static String knownCrash(Path known, Signature signature, ExecutorBoot.Result r) throws IOException {
    Path inFlight = r.share().resolve(ExecutorBoot.IN_FLIGHT);
    if (known == null || !Files.exists(inFlight)) {
      return null;
    }
    try {
      Capabilities guest = Corpus.load(inFlight).capabilities();
      for (Campaign.Known k : KnownFindings.load(known, guest, note -> {})) {
        if (k.signature().equals(signature)) {
          return k.file();
        }
      }
    } catch (ReproducerSyntaxException e) {
      return null;
    }
    return null;
  }

  /** The guest's last program (its in-flight file) saved as a finding of {@code kind}, or null if there was none. */
  private static Path saveLast(ExecutorBoot.Result r, Path out, String fs, String kind, Signature signature, String what,
      List<String> console)
      throws IOException {
    Path inFlight = r.share().resolve(ExecutorBoot.IN_FLIGHT);
    if (!Files.exists(inFlight)) {
      return null;
    }
    Reproducer last;
    try {
      last = Corpus.load(inFlight);
    } catch (ReproducerSyntaxException e) {
      return null;
    }
    Map<String, String> h = new LinkedHashMap<>(last.header());
    h.put("signature", signature.text());
    h.put("finding", kind);
    List<String> notes = new ArrayList<>();
    notes.add(what + ". Replaying it may hang or crash the kernel it runs on: use --target vm.");
    notes.add("console:");
    console.forEach(l -> notes.add("  " + l));
    Reproducer rep = new Reproducer(h, notes, last.program());
    String hash = Integer.toHexString(ProgramText.print(last.program()).hashCode() & 0xfffffff);
    return Corpus.save(out, fs + "-" + kind + "-" + signature.slug() + "-" + hash, rep);
  }

  private static CampaignSummary summary(long programs, long ops, int hangs, int crashes, int boots,
      List<Double> bootTimes, double seconds, Duration duration, long seed, String fs, String[] guest,
      Findings findings, Map<String, Long> outcomes, boolean finished) {
    List<CampaignSummary.KnownRepeat> known = List.copyOf(findings.known.values());
    return new CampaignSummary(Campaign.TOOL_VERSION, seed, "", List.of(), 0, fs, "vm: " + guest[2], guest[0], guest[1],
        duration.toMillis() / 1000.0, finished, programs, ops, Math.round(seconds * 10) / 10.0,
        seconds > 0 ? Math.round(ops / seconds * 10) / 10.0 : 0, findings.found.size(),
        CampaignSummary.repeatsOf(findings.found, known), findings.found, known, outcomes, Map.of(),
        new CampaignSummary.Vm(boots, bootTimes, hangs, crashes));
  }
}
