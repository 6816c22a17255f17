package io.hmmfuzz.guests;

import io.hmmfuzz.core.exec.KernelReport;
import java.util.List;

/**
 * How a guest's work ended: what the runs across guests judge. A guest that died or hung during a
 * program is that program's crash or hang ({@link Death}); a lost guest is the infrastructure's failure,
 * not a finding. (A guest that does not boot never gets work: {@link BootFailure}.)
 */
public sealed interface Ending {
  /** The work finished and the guest lives on; what it found, it judged itself. */
  record Finished() implements Ending {}

  /**
   * The guest died during a program (the kernel panicked, or its executor died).
   *
   * @param reports     the kernel's reports on the console since that program started
   * @param exitStatus  the executor's exit status as the guest's init saw it (139: SIGSEGV), -1 if unknown
   * @param consoleTail the console's last lines
   */
  record Died(List<KernelReport> reports, int exitStatus, List<String> consoleTail) implements Ending {
    public Died {
      reports = List.copyOf(reports);
      consoleTail = List.copyOf(consoleTail);
    }
  }

  /**
   * The guest was ended because a request of a program got no answer for the hang timeout (or for a
   * short while after a kernel report).
   *
   * @param unanswered  the request in flight (the executor's call)
   * @param reports     the kernel's reports on the console since that program started
   * @param consoleTail the console's last lines
   */
  record Hung(String unanswered, List<KernelReport> reports, List<String> consoleTail) implements Ending {
    public Hung {
      reports = List.copyOf(reports);
      consoleTail = List.copyOf(consoleTail);
    }
  }

  /**
   * The guest was lost to something that is not the kernel under test: QEMU killed by a signal hmmfuzz
   * did not send, or the harness failing in a guest that lives on (a mkfs that fails). An
   * infrastructure failure, never a finding.
   */
  record Lost(String why, List<String> consoleTail) implements Ending {
    public Lost {
      consoleTail = List.copyOf(consoleTail);
    }
  }

  Ending FINISHED = new Finished();
}
