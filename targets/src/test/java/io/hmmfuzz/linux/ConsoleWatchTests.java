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
  void aPageFaultIsTitledWithTheFunctionItHappenedIn() {
    // The 6.12 guest's Oops in test_hmm (corpus: kernel-6.1-tmpfs-test-hmm-device-read-of-device-page-oops).
    List<String> oops = List.of("BUG: unable to handle page fault for address: ffff897cfffff000",
        "#PF: supervisor read access in kernel mode", "Oops: Oops: 0000 [#1] SMP",
        "CPU: 0 UID: 0 PID: 53 Comm: hmmfuzz-executo Not tainted 6.12.118 #1",
        "RIP: 0010:dmirror_do_read+0x80/0x9c", "Call Trace:", " ? dmirror_fops_unlocked_ioctl+0xe5/0x3ae",
        "---[ end trace 0000000000000000 ]---");
    List<KernelReport> r = ConsoleWatch.reportsIn(oops);
    assertEquals(1, r.size());
    assertEquals("BUG: unable to handle page fault for address: ADDR in dmirror_do_read", r.get(0).title());
    // A report whose first line places it keeps its title; one without a RIP line keeps the bare one.
    assertEquals("WARNING: at lib/test_hmm.c:280 dmirror_fault", ConsoleWatch.located(
        "WARNING: at lib/test_hmm.c:280 dmirror_fault", "RIP: 0010:dmirror_fault+0x1b9/0x23f"));
    assertEquals("BUG: unable to handle page fault for address: ADDR",
        ConsoleWatch.reportsIn(oops.subList(0, 3)).get(0).title());
  }

  @Test
  void theGuestsOwnOrderlyEndIsNoReport() {
    ConsoleWatch w = new ConsoleWatch();
    w.accept("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000");
    assertTrue(w.drain().isEmpty());
  }
}
