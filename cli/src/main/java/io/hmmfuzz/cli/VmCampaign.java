package io.hmmfuzz.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.vm.GuestVm;
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

  static int run(List<String> originalArgs, Path kernel, Path out, Duration duration, long baseSeed,
      int programsPerBoot, Duration hangTimeout, Path known, String fs, PrintWriter w, PrintWriter err,
      BooleanSupplier stop) throws IOException {
    if (VmRelay.kernelMissing(kernel, err)) {
      return ExitCode.USAGE;
    }
    SplittableRandom seeds = new SplittableRandom(baseSeed);
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    long programs = 0;
    long ops = 0;
    int divergences = 0;
    int hangs = 0;
    int crashes = 0;
    List<Double> bootTimes = new ArrayList<>();
    List<String> findings = new ArrayList<>();
    Map<String, Long> outcomes = new TreeMap<>();
    Set<String> signatures = new java.util.LinkedHashSet<>();
    long repeats = 0;
    int boots = 0;
    while (System.nanoTime() < deadline && !stop.getAsBoolean()) {
      long seed = boots == 0 ? baseSeed : seeds.nextLong();
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L);
      List<String> args = VmRelay.guestArgs("fuzz", originalArgs, PER_BOOT);
      args.addAll(List.of("--duration", left + "s", "--seed", Long.toString(seed), "--out", "@SHARE@/out",
          "--in-flight", "@SHARE@/" + GuestVm.IN_FLIGHT, "--max-programs", Integer.toString(programsPerBoot),
          "--stop-on-kernel-log"));
      if (known != null) {
        args.add("--known");
        args.add(known.toAbsolutePath().toString());
      }
      for (String sig : signatures) {
        args.add("--known-signature");
        args.add(sig);
      }
      w.printf("vm: boot %d, seed %d, %d s left%n", boots + 1, seed, left);
      long[] lastStatus = {0, 0, 0};
      java.util.ArrayDeque<String> guestTail = new java.util.ArrayDeque<>();
      GuestVm.Result r = VmRelay.boot(kernel, args, Duration.ofSeconds(left).plus(Duration.ofMinutes(15)),
          hangTimeout, w, line -> {
            if (!line.startsWith("[")) {
              guestTail.addLast(line);
              if (guestTail.size() > 40) {
                guestTail.removeFirst();
              }
            }
            Matcher m = STATUS.matcher(line);
            if (m.find()) {
              lastStatus[0] = Long.parseLong(m.group(1));
              lastStatus[1] = Long.parseLong(m.group(2));
              lastStatus[2] = Long.parseLong(m.group(3));
            }
          });
      boots++;
      try {
        VmRelay.printErrors(r, err);
        if (!r.booted()) {
          err.println("hmmfuzz: the VM did not boot (an infrastructure failure, not a finding); console tail:");
          r.consoleTail().forEach(err::println);
          return ExitCode.INFRASTRUCTURE;
        }
        bootTimes.add(r.bootSeconds());
        if (stop.getAsBoolean()) {
          // Ctrl-C reaches QEMU too: the guest's end is the user's doing, not a hang or a crash.
          VmRelay.copyBack(r.share().resolve("out"), out, Set.of("summary.json"));
          programs += lastStatus[0];
          ops += lastStatus[1];
          break;
        }
        Path guestOut = r.share().resolve("out");
        VmRelay.copyBack(guestOut, out, Set.of("summary.json"));
        Path summary = guestOut.resolve("summary.json");
        if (!Files.exists(summary)) {
          // The guest's campaign died before its summary: count what its last status line said, and
          // the reproducers it saved before.
          programs += lastStatus[0];
          ops += lastStatus[1];
          divergences += (int) lastStatus[2];
          for (Path f : Corpus.list(guestOut)) {
            findings.add(out.resolve(f.getFileName()).toString());
          }
        } else {
          JsonNode s = new ObjectMapper().readTree(summary.toFile());
          programs += s.path("programs").asLong();
          ops += s.path("ops").asLong();
          divergences += s.path("divergences").asInt();
          repeats += s.path("repeats").asLong();
          s.path("signatures").forEach(x -> signatures.add(x.asText()));
          s.path("findings").forEach(f -> findings.add(out.resolve(Path.of(f.asText()).getFileName()).toString()));
          s.path("outcomes").fields().forEachRemaining(e -> outcomes.merge(e.getKey(), e.getValue().asLong(), Long::sum));
        }
        boolean ended = !r.stalled() && !r.timedOut();
        if (ended && !Files.exists(summary) && r.lastReports().isEmpty() && r.exitCode() >= 0 && r.exitCode() < 128) {
          err.println("hmmfuzz: the guest's campaign ended with exit code " + r.exitCode() + " before running"
              + " (an infrastructure failure, not a finding); its stderr is above");
          return ExitCode.INFRASTRUCTURE;
        }
        List<String> jvmError = jvmErrorHead(r.share());
        String death = death(r, jvmError);
        if (HANG.equals(death)) {
          hangs++;
          List<String> notes = new ArrayList<>(r.consoleTail());
          notes.add("guest output (a STUCK report names the system call or fault the program was in):");
          notes.addAll(guestTail);
          Path saved = saveLast(r, out, fs, "hang", "hang", "the guest made no progress for " + hangTimeout
              + " during this program and was killed", notes);
          w.println("HANG: the guest stopped answering" + (saved != null ? "; last program saved as " + saved : ""));
          if (saved != null) {
            findings.add(saved.toString());
          }
        } else if (death != null) {
          List<String> notes = new ArrayList<>(reportExcerpt(r));
          notes.addAll(jvmError);
          if (!signatures.add(death) || knownCrash(known, fs, death, r)) {
            repeats++;
            w.println("CRASH again: " + death + " (known; not saved again)");
            continue;
          }
          crashes++;
          Path saved = saveLast(r, out, fs, "crash", death, !r.lastReports().isEmpty()
              ? "the kernel reported this during the program, and the guest stopped answering"
              : !jvmError.isEmpty() ? "the guest's JVM died of a fatal error during this program, with no kernel"
                  + " report: the JVM, QEMU or memory the kernel corrupted (replay it to tell)"
              : "the guest's campaign ended with exit code " + r.exitCode() + " during this program", notes);
          VmRelay.printReports(r.lastReports(), w);
          w.println("CRASH: the guest's campaign died" + (saved != null ? "; last program saved as " + saved : ""));
          if (saved != null) {
            findings.add(saved.toString());
          }
        }
      } finally {
        GuestVm.cleanUp(r);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    writeSummary(out, programs, ops, divergences, repeats, hangs, crashes, boots, bootTimes, seconds, baseSeed, fs,
        findings, outcomes);
    w.printf("hmmfuzz fuzz (vm): %d boots (boot %.1f s on average), %d programs, %d ops in %.0f s (%.0f ops/s),"
            + " %d divergences (%d repeats of known ones), %d hangs, %d crashes%n", boots,
        bootTimes.stream().mapToDouble(Double::doubleValue).average().orElse(0), programs, ops, seconds,
        seconds > 0 ? ops / seconds : 0, divergences, repeats, hangs, crashes);
    return divergences + hangs + crashes == 0 ? ExitCode.OK : ExitCode.DIVERGENCE;
  }

  /** The first lines of a fatal error report the guest JVM left in the share (signal, frame), if any. */
  static List<String> jvmErrorHead(Path share) throws IOException {
    try (java.util.stream.Stream<Path> s = Files.list(share)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        if (f.getFileName().toString().startsWith("hs_err_pid")) {
          List<String> head = new ArrayList<>(List.of("guest JVM fatal error report (" + f.getFileName() + "):"));
          try (java.util.stream.Stream<String> lines = Files.lines(f)) {
            lines.limit(40).forEach(head::add);
          }
          return head;
        }
      }
    }
    return List.of();
  }

  static final String HANG = "hang";

  /** The kernel's reports that stopped a guest, else its console tail: the console part of a crash finding. */
  static List<String> reportExcerpt(GuestVm.Result r) {
    List<String> lines = new ArrayList<>();
    r.lastReports().forEach(k -> lines.addAll(k.excerpt().lines().toList()));
    return lines.isEmpty() ? r.consoleTail() : lines;
  }

  /**
   * How a guest's command ended, as a finding's signature. Null if it finished (it judged what it found
   * itself); {@link #HANG} if it made no progress and the kernel said nothing; else, by blame, the
   * kernel's report, the guest JVM's fatal signal ({@link #jvmSignature}) or "crash".
   */
  static String death(GuestVm.Result r, List<String> jvmError) {
    boolean stuck = r.stalled() || r.timedOut();
    if (!stuck && (r.exitCode() == ExitCode.OK || r.exitCode() == ExitCode.DIVERGENCE)) {
      return null;
    }
    if (!r.lastReports().isEmpty()) {
      return r.lastReports().get(0).signature();
    }
    return stuck ? HANG : jvmError.isEmpty() ? "crash" : jvmSignature(jvmError);
  }

  private static final Pattern JVM_SIGNAL = Pattern.compile("^#\\s+(SIG[A-Z]+) \\(");

  /** "jvm:SIGILL" from a fatal error report's head ("#  SIGILL (0x4) at pc=..."); "jvm:fatal-error" without a signal. */
  static String jvmSignature(List<String> head) {
    for (String line : head) {
      Matcher m = JVM_SIGNAL.matcher(line);
      if (m.find()) {
        return "jvm:" + m.group(1);
      }
    }
    return "jvm:fatal-error";
  }

  /** The status line of a guest's campaign: "[   12s] programs 34  ops 1360  ops/s 96  divergences 1". */
  static final Pattern STATUS = Pattern.compile("\\]\\s+programs (\\d+)\\s+ops (\\d+)\\s+ops/s \\d+\\s+divergences (\\d+)");

  /**
   * Whether {@code signature} is that of a finding in the {@code known} reproducers made on the
   * guest's kernel series, filesystem and capabilities (read from its in-flight program's header).
   */
  private static boolean knownCrash(Path known, String fs, String signature, GuestVm.Result r) throws IOException {
    Path inFlight = r.share().resolve(GuestVm.IN_FLIGHT);
    if (known == null || !Files.exists(inFlight)) {
      return false;
    }
    try {
      Capabilities guest = Corpus.load(inFlight).capabilities();
      for (Path f : Corpus.list(known)) {
        Reproducer k = Corpus.load(f);
        if (signature.equals(k.get("signature")) && fs.equals(k.fs()) && k.runsOn(guest)) {
          return true;
        }
      }
    } catch (ReproducerSyntaxException e) {
      return false;
    }
    return false;
  }

  /** The guest's last program (its in-flight file) saved as a finding of {@code kind}, or null if there was none. */
  private static Path saveLast(GuestVm.Result r, Path out, String fs, String kind, String signature, String what,
      List<String> console)
      throws IOException {
    Path inFlight = r.share().resolve(GuestVm.IN_FLIGHT);
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
    h.put("signature", signature);
    h.put("finding", kind);
    List<String> notes = new ArrayList<>();
    notes.add(what + ". Replaying it may hang or crash the kernel it runs on: use --target vm.");
    notes.add("console:");
    console.forEach(l -> notes.add("  " + l));
    Reproducer rep = new Reproducer(h, notes, last.program());
    String hash = Integer.toHexString(ProgramText.print(last.program()).hashCode() & 0xfffffff);
    return Corpus.save(out, fs + "-" + kind + "-" + hash, rep);
  }

  private static void writeSummary(Path out, long programs, long ops, int divergences, long repeats, int hangs,
      int crashes,
      int boots, List<Double> bootTimes, double seconds, long seed, String fs, List<String> findings,
      Map<String, Long> outcomes) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("programs", programs);
    m.put("ops", ops);
    m.put("divergences", divergences);
    m.put("repeats", repeats);
    m.put("hangs", hangs);
    m.put("crashes", crashes);
    m.put("boots", boots);
    m.put("bootSeconds", bootTimes);
    m.put("opsPerSecond", seconds > 0 ? Math.round(ops / seconds * 10) / 10.0 : 0);
    m.put("seconds", Math.round(seconds * 10) / 10.0);
    m.put("seed", seed);
    m.put("fs", fs);
    m.put("target", "vm");
    m.put("findings", findings);
    m.put("outcomes", outcomes);
    Summary.write(out, m);
  }
}
