package io.hmmfuzz.guests;

import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.run.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest that died or hung during a program, as that program's finding. The kernel's report signs it
 * with its title whether the guest then died or stopped answering (a {@code crash}); with no report, a
 * guest ended by its watchdog is a {@code hang} and one that died is {@code crash:exit-N}, N the
 * executor's exit status as the guest's init saw it.
 *
 * @param signature what the finding is counted and matched by
 * @param kind      {@link #HANG} or {@link #CRASH}: the reproducer's {@code finding}
 * @param what      what happened, for the reproducer's notes
 * @param console   the console lines to keep with it: the reports' excerpts, else the console's tail;
 *                  for a hang the request left unanswered too
 * @param reports   the kernel's reports since the program started
 */
public record Death(Signature signature, String kind, String what, List<String> console, List<KernelReport> reports) {
  public static final String HANG = "hang";
  public static final String CRASH = "crash";

  public Death {
    console = List.copyOf(console);
    reports = List.copyOf(reports);
  }

  /** The death an ending tells of; null for a guest that finished or was lost (the infrastructure's). */
  public static Death of(Ending ending, Duration hangTimeout) {
    if (ending instanceof Ending.Hung h) {
      List<String> console = new ArrayList<>(h.reports().isEmpty() ? h.consoleTail() : excerpts(h.reports()));
      console.add("hmmfuzz: the guest's executor left a " + h.unanswered() + " request unanswered; the guest was ended");
      return h.reports().isEmpty()
          ? new Death(Signature.hang(), HANG, "the guest's executor left a " + h.unanswered()
              + " request of this program unanswered for " + hangTimeout + ", and the guest was ended", console,
              h.reports())
          : new Death(h.reports().get(0).signature(), CRASH,
              "the kernel reported this during the program, and the guest stopped answering", console, h.reports());
    }
    if (ending instanceof Ending.Died d) {
      return d.reports().isEmpty()
          ? new Death(Signature.crash("exit-" + d.exitStatus()), CRASH, d.exitStatus() < 0
              ? "the guest died during this program, with no kernel report"
              : "the guest's executor ended with exit status " + d.exitStatus() + " during this program",
              d.consoleTail(), d.reports())
          : new Death(d.reports().get(0).signature(), CRASH,
              "the kernel reported this during the program, and the guest died", excerpts(d.reports()), d.reports());
    }
    return null; // finished, or lost: nobody's finding
  }

  private static List<String> excerpts(List<KernelReport> reports) {
    List<String> lines = new ArrayList<>();
    reports.forEach(k -> lines.addAll(k.excerpt().lines().toList()));
    return lines;
  }
}
