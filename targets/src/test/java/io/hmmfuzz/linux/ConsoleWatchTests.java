package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.exec.KernelReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kernel reports cut from log lines, with titles that stay the same from run to run. */
class ConsoleWatchTests {
  @Test
  void aWarningIsOneReportTitledWithoutCpuPidOrOffsets() {
    ConsoleWatch w = new ConsoleWatch();
    for (String l : List.of("hmmfuzz: unrelated line", "------------[ cut here ]------------",
        "WARNING: CPU: 1 PID: 97 at lib/test_hmm.c:280 dmirror_do_fault+0x5e/0x80",
        "Modules linked in:", "Call Trace:", " <TASK>", " dmirror_fault+0x91/0xd0", " </TASK>",
        "---[ end trace 0000000000000000 ]---", "after")) {
      w.accept(l);
    }
    List<KernelReport> r = w.drain();
    assertEquals(1, r.size());
    assertEquals("WARNING: at lib/test_hmm.c:280 dmirror_do_fault", r.get(0).title());
    assertTrue(r.get(0).excerpt().contains("dmirror_fault+0x91/0xd0"));
    assertTrue(r.get(0).excerpt().endsWith("---[ end trace 0000000000000000 ]---\n"), "ends with the trace");
    assertTrue(w.drain().isEmpty(), "drained");
  }

  /** The local kernel's log is shared: another hmmfuzz's planted WARNING is not a finding of this one. */
  @Test
  void aPlantedWarningOfAnotherProcessIsNoReportAndOurOwnIs() {
    long other = ProcessHandle.current().pid() + 1;
    for (long pid : List.of(other, ProcessHandle.current().pid())) {
      ConsoleWatch w = new ConsoleWatch();
      for (String l : List.of("------------[ cut here ]------------",
          "WARNING: CPU: 0 PID: " + pid + " at planted/hmmfuzz.c:1 planted_truncate_of_mapped_file+0x0/0x10",
          "---[ end trace 0000000000000000 ]---")) {
        w.accept(l);
      }
      assertEquals(pid == other ? 0 : 1, w.drain().size(), "planted by PID " + pid);
    }
  }

  @Test
  void consoleTimestampsAndHungTaskDetailsAreDropped() {
    assertEquals("BUG: unable to handle page fault for address: ADDR",
        ConsoleWatch.title("[   12.345678] BUG: unable to handle page fault for address: ffff897cfffff000"));
    assertEquals("INFO: task blocked.", ConsoleWatch.title("INFO: task java:46 blocked for more than 120 seconds."));
  }

  @Test
  void theGuestsOwnOrderlyEndIsNoReport() {
    ConsoleWatch w = new ConsoleWatch();
    w.accept("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000");
    assertTrue(w.drain().isEmpty());
  }
}
