package io.hmmfuzz.cli;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.linux.ScratchFilesystem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code shrink --target vm} of a reproducer that crashed or hung a kernel (its {@code finding} is
 * {@code crash} or {@code hang}): such a program cannot be shrunk in the guest it kills, so the
 * shrinker runs in a guest until a candidate kills it; if the guest died the same way (same signature),
 * that candidate is the new program and a fresh guest goes on from it; a candidate that killed it
 * otherwise is skipped from then on. Candidates that ran without reproducing are remembered across
 * guests. The result is replayed in fresh guests to record how often it reproduces (syzkaller's repro
 * across VMs, fsx's op log cut down without a developer doing it by hand).
 */
final class VmShrink {
  private VmShrink() {}

  /** Whether a reproducer records a program that crashed or hung the kernel it ran on. */
  static boolean fatal(Reproducer r) {
    String finding = r.get("finding");
    return "crash".equals(finding) || VmCampaign.HANG.equals(finding);
  }

  /** A short stable key of a program's text, for the files of candidates known not to reproduce. */
  static String key(String programText) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(programText.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  static int run(Path input, Reproducer r, Path kernel, Path dest, String fs, Duration hangTimeout, int maxBoots,
      int attempts, PrintWriter w, PrintWriter err) throws IOException {
    Signature signature = Signature.parse(r.get("signature"));
    if (signature == null) {
      err.println("hmmfuzz: " + input + " has no typed signature in its header (signature=" + r.get("signature")
          + "): nothing to keep while shrinking");
      return ExitCode.USAGE;
    }
    // With an owner file: a shrink killed before it deletes this leaves it to the next run to remove.
    Path work = ScratchFilesystem.workDirectory("shrink");
    try {
      Program current = r.program();
      Set<String> known = new LinkedHashSet<>();
      List<String> console = new ArrayList<>();
      int boots = 0;
      int failedStarts = 0;
      boolean infrastructure = false;
      boolean finished = false;
      while (!finished && boots < maxBoots) {
        Path start = Corpus.save(work, "current", new Reproducer(r.header(), List.of(), current));
        Path knownFile = work.resolve("known.txt");
        Files.write(knownFile, known);
        List<String> args = new ArrayList<>(List.of("shrink", start.toString(), "--target", "local",
            "--in-flight", "@SHARE@/" + ExecutorBoot.IN_FLIGHT, "--known", knownFile.toString(),
            "--not-reproduced", "@SHARE@/not-reproduced.txt", "--out", "@SHARE@/out"));
        if (fs != null) {
          args.addAll(List.of("--fs", fs));
        }
        w.printf("vm shrink: guest %d, from %d ops (%d candidates known not to reproduce)%n", boots + 1,
            current.size(), known.size());
        ExecutorBoot.Result g = ExecutorBoot.run(kernel, args, hangTimeout, w, line -> { });
        boots++;
        try {
          if (!g.booted()) {
            err.println("hmmfuzz: the VM did not boot (an infrastructure failure); keeping the " + current.size()
                + "-op program shrunk so far; console tail:");
            g.consoleTail().forEach(err::println);
            infrastructure = true;
            break;
          }
          Path notReproduced = g.share().resolve("not-reproduced.txt");
          if (Files.exists(notReproduced)) {
            known.addAll(Files.readAllLines(notReproduced));
          }
          Signature death = VmCampaign.death(g);
          if (death == null) {
            VmCampaign.printErrors(g, err);
            Path min = g.share().resolve("out").resolve(ShrinkCommand.minName(start) + Corpus.SUFFIX);
            if (g.exitCode() != ExitCode.OK || !Files.exists(min)) {
              err.println("hmmfuzz: the guest's shrink ended with exit code " + g.exitCode()
                  + " and no result (an infrastructure failure); its stderr is above");
              return ExitCode.INFRASTRUCTURE;
            }
            try {
              current = Corpus.load(min).program();
            } catch (ReproducerSyntaxException e) {
              throw new IllegalStateException("the guest wrote a reproducer this tool cannot read (ours): " + e.getMessage(), e);
            }
            finished = true;
            w.printf("vm shrink: no smaller candidate killed guest %d; %d ops%n", boots, current.size());
            continue;
          }
          Program candidate;
          try {
            candidate = Corpus.load(g.share().resolve(ExecutorBoot.IN_FLIGHT)).program();
          } catch (ReproducerSyntaxException | java.nio.file.NoSuchFileException e) {
            // Not the program's doing: the guest died while it started (a slow or failing boot).
            VmCampaign.printErrors(g, err);
            err.println("hmmfuzz: guest " + boots + " died (" + death + ") before it ran a candidate; console tail:");
            g.consoleTail().forEach(err::println);
            if (++failedStarts >= 3) {
              err.println("hmmfuzz: 3 guests died before the shrink started (an infrastructure failure);"
                  + " keeping the " + current.size() + "-op program shrunk so far");
              infrastructure = true;
              break;
            }
            continue;
          }
          if (death.equals(signature)) {
            current = candidate;
            console = VmCampaign.reportExcerpt(g);
            w.printf("vm shrink: a candidate of %d ops killed guest %d the same way (%s)%n", candidate.size(),
                boots, signature);
          } else {
            known.add(key(ProgramText.print(candidate)));
            w.printf("vm shrink: a candidate killed guest %d otherwise (%s); skipped from now on%n", boots, death);
          }
        } finally {
          ExecutorBoot.cleanUp(g);
        }
      }
      String minimality = finished ? "1-minimal"
          : "not 1-minimal: " + (infrastructure ? "guests stopped starting" : "--max-boots reached");
      if (!finished) {
        w.printf("vm shrink: stopped after %d guests; the program is %s%n", boots, minimality);
      }
      int reproduced = 0;
      Path last = Corpus.save(work, "final", new Reproducer(r.header(), List.of(), current));
      for (int i = 0; i < attempts && !infrastructure; i++) {
        List<String> replay = List.of("replay", last.toString(), "--target", "local");
        ExecutorBoot.Result g = ExecutorBoot.run(kernel, replay, hangTimeout, w, line -> { });
        try {
          Signature death = VmCampaign.death(g);
          if (signature.equals(death)) {
            reproduced++;
            console = VmCampaign.reportExcerpt(g);
          }
          w.printf("vm shrink: replay %d of %d in a fresh guest: %s%n", i + 1, attempts,
              death == null ? "the kernel lived on" : death);
        } finally {
          ExecutorBoot.cleanUp(g);
        }
      }
      Map<String, String> h = new LinkedHashMap<>(r.header());
      h.put("reproduced", reproduced + "/" + attempts);
      List<String> notes = new ArrayList<>();
      notes.add("shrunk from " + r.program().size() + " to " + current.size() + " ops across " + boots
          + " guests (a candidate that killed a guest the same way became the program; "
          + minimality + "); reproduced "
          + reproduced + "/" + attempts + " in fresh guests. Replaying it may hang or crash the kernel: use --target vm.");
      notes.add("console:");
      console.forEach(l -> notes.add("  " + l));
      Path saved = Corpus.save(dest, ShrinkCommand.minName(input), new Reproducer(h, notes, current));
      w.print(ProgramText.print(current));
      w.printf("shrunk %d -> %d ops across %d guests; reproduced %d/%d; saved %s%n", r.program().size(),
          current.size(), boots, reproduced, attempts, saved);
      if (reproduced == 0 && attempts > 0) {
        w.println("vm shrink: the result did not reproduce in a fresh guest: the candidates that killed guests"
            + " depended on what ran before them there; keep the original reproducer");
      }
      return infrastructure ? ExitCode.INFRASTRUCTURE : reproduced > 0 ? ExitCode.DIVERGENCE : ExitCode.OK;
    } finally {
      io.hmmfuzz.linux.ScratchFilesystem.deleteTree(work);
    }
  }
}
