package io.hmmfuzz.guests;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * {@code crash} or {@code hang}): such a program cannot be shrunk in the guest it kills, so the shrinker
 * runs in a guest until a candidate kills it; if the guest died the same way (same signature), that
 * candidate is the new program and a fresh guest goes on from it; a candidate that killed it otherwise is
 * skipped from then on. Candidates that ran without reproducing are remembered across guests. A guest
 * that dies before it runs a candidate is a failed start (three end the shrink); one that does not boot
 * or is lost ends it: both keep the program shrunk so far. The result is replayed in fresh guests to
 * record how often it reproduces (syzkaller's repro across VMs).
 */
public final class GuestShrink {
  private GuestShrink() {}

  /** Guests that may die before running a candidate before the shrink gives up. */
  static final int FAILED_STARTS = 3;

  /**
   * @param input       the reproducer's file (its shrunk twin is saved as NAME-min.repro)
   * @param reproducer  its contents: a typed signature and a program
   * @param fs          the filesystem (null: the reproducer's)
   * @param dest        where NAME-min.repro goes
   * @param maxBoots    at most this many guests for the shrink
   * @param attempts    fresh guests the result is replayed in
   * @param hangTimeout how long a guest's request may go unanswered (for the notes)
   */
  public record Settings(Path input, Reproducer reproducer, FsKind fs, Path dest, int maxBoots, int attempts,
      Duration hangTimeout) {}

  /** What a shrink across guests tells as it goes. */
  public interface Listener {
    /** A line of progress: a guest, a candidate adopted or skipped, a replay. */
    void progress(String line);

    /** Something the infrastructure did wrong (a guest that did not boot, was lost, or died before a candidate). */
    void problem(String why, List<String> consoleTail);
  }

  /**
   * @param program        the program shrunk
   * @param saved          where it was saved
   * @param boots          guests used for the shrink
   * @param reproduced     fresh guests (of {@code attempts}) it killed the same way
   * @param minimal        whether it is 1-minimal (no smaller candidate killed a guest)
   * @param infrastructure whether guests stopped starting (or were lost)
   */
  public record Result(Program program, Path saved, int boots, int reproduced, int attempts, boolean minimal,
      boolean infrastructure) {}

  /** Whether a reproducer records a program that crashed or hung the kernel it ran on. */
  public static boolean fatal(Reproducer r) {
    String finding = r.get("finding");
    return Death.CRASH.equals(finding) || Death.HANG.equals(finding);
  }

  /** The name a shrunk reproducer is saved under: NAME-min for NAME.repro. */
  public static String minName(Path input) {
    return input.getFileName().toString().replaceFirst("\\" + Corpus.SUFFIX + "$", "") + "-min";
  }

  /** A short stable key of a program's text, for the candidates known not to reproduce. */
  public static String key(String programText) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(programText.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * Shrinks across guests from {@code boot}, replays the result and saves it.
   *
   * @throws IllegalArgumentException if the reproducer has no typed signature (nothing to keep)
   */
  public static Result run(Settings s, Boot boot, Listener l) throws IOException {
    Reproducer r = s.reproducer();
    Signature signature = Signature.parse(r.get("signature"));
    if (signature == null) {
      throw new IllegalArgumentException(s.input() + " has no typed signature in its header (signature="
          + r.get("signature") + "): nothing to keep while shrinking");
    }
    Program current = r.program();
    Set<String> known = new LinkedHashSet<>();
    List<String> console = new ArrayList<>();
    int boots = 0;
    int failedStarts = 0;
    boolean infrastructure = false;
    boolean finished = false;
    while (!finished && boots < s.maxBoots()) {
      l.progress(String.format("vm shrink: guest %d, from %d ops (%d candidates known not to reproduce)", boots + 1,
          current.size(), known.size()));
      boots++;
      Guest guest;
      try {
        guest = boot.boot();
      } catch (BootFailure e) {
        l.problem(e.getMessage() + " (an infrastructure failure); keeping the " + current.size()
            + "-op program shrunk so far", e.consoleTail());
        infrastructure = true;
        break;
      }
      try (guest) {
        Guest.ShrinkRun run = guest.shrink(new Guest.ShrinkPart(new Reproducer(r.header(), List.of(), current), s.fs(),
            signature, known));
        known.addAll(run.notReproduced());
        if (run.ending() instanceof Ending.Lost lost) {
          l.problem(lost.why() + "; keeping the " + current.size() + "-op program shrunk so far", lost.consoleTail());
          infrastructure = true;
          break;
        }
        Death death = Death.of(run.ending(), s.hangTimeout());
        if (death == null) {
          current = run.shrunk();
          finished = true;
          l.progress(String.format("vm shrink: no smaller candidate killed guest %d; %d ops", boots, current.size()));
        } else if (run.inFlight() == null) {
          // Not a candidate's doing: the guest died while the shrink started (a slow or failing boot).
          l.problem("guest " + boots + " died (" + death.signature() + ") before it ran a candidate", death.console());
          if (++failedStarts >= FAILED_STARTS) {
            l.problem(FAILED_STARTS + " guests died before the shrink started (an infrastructure failure); keeping"
                + " the " + current.size() + "-op program shrunk so far", List.of());
            infrastructure = true;
            break;
          }
        } else if (death.signature().equals(signature)) {
          current = run.inFlight();
          console = death.console();
          l.progress(String.format("vm shrink: a candidate of %d ops killed guest %d the same way (%s)",
              current.size(), boots, signature));
        } else {
          known.add(key(ProgramText.print(run.inFlight())));
          l.progress(String.format("vm shrink: a candidate killed guest %d otherwise (%s); skipped from now on", boots,
              death.signature()));
        }
      }
    }
    String minimality = finished ? "1-minimal"
        : "not 1-minimal: " + (infrastructure ? "guests stopped starting" : "--max-boots reached");
    if (!finished) {
      l.progress(String.format("vm shrink: stopped after %d guests; the program is %s", boots, minimality));
    }
    int reproduced = 0;
    Reproducer last = new Reproducer(r.header(), List.of(), current);
    for (int i = 0; i < s.attempts() && !infrastructure; i++) {
      Guest guest;
      try {
        guest = boot.boot();
      } catch (BootFailure e) {
        l.problem(e.getMessage() + " (an infrastructure failure): no more replays", e.consoleTail());
        infrastructure = true;
        break;
      }
      try (guest) {
        Ending ending = guest.replay(last, s.fs());
        if (ending instanceof Ending.Lost lost) {
          l.problem(lost.why() + ": no more replays", lost.consoleTail());
          infrastructure = true;
          break;
        }
        Death death = Death.of(ending, s.hangTimeout());
        if (death != null && death.signature().equals(signature)) {
          reproduced++;
          console = death.console();
        }
        l.progress(String.format("vm shrink: replay %d of %d in a fresh guest: %s", i + 1, s.attempts(),
            death == null ? "the kernel lived on" : death.signature()));
      }
    }
    Map<String, String> h = new LinkedHashMap<>(r.header());
    h.put("reproduced", reproduced + "/" + s.attempts());
    List<String> notes = new ArrayList<>();
    notes.add("shrunk from " + r.program().size() + " to " + current.size() + " ops across " + boots
        + " guests (a candidate that killed a guest the same way became the program; " + minimality + "); reproduced "
        + reproduced + "/" + s.attempts() + " in fresh guests. Replaying it may hang or crash the kernel: use --target vm.");
    notes.add("console:");
    console.forEach(line -> notes.add("  " + line));
    Path saved = Corpus.save(s.dest(), minName(s.input()), new Reproducer(h, notes, current));
    return new Result(current, saved, boots, reproduced, s.attempts(), finished, infrastructure);
  }
}
