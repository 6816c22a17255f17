package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.ProgramRun;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Open;
import io.hmmfuzz.core.op.Pread;
import io.hmmfuzz.core.op.Pwrite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link to an executor as a guest has it (a hello first, then one request at a time), here with the
 * executor as a local child process on its stdio: the guest's calls, and a death mid-session that the
 * VM code must take for the guest's (a broken link), not for a failed system call.
 */
class ExecutorLinkTests {
  private static Process start() throws Exception {
    return new ProcessBuilder(ExecutorBuild.binary().toString(), "-").redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  @Test
  void aGuestsCallsWorkOverTheLinkAfterItsHello(@TempDir Path dir) throws Exception {
    Process p = start();
    try (ExecutorLink link = ExecutorLink.over(p.getInputStream(), p.getOutputStream(), "a test's child")) {
      assertEquals(0, link.run(List.of("true")).exit());
      ExecutorLink.ToolRun echo = link.run(List.of("echo", "hello", "guest"));
      assertEquals(new ExecutorLink.ToolRun(0, "hello guest\n"), echo);
      assertEquals(3, link.run(List.of("sh", "-c", "exit 3")).exit());
      assertTrue(link.readText("/proc/self/mounts").contains(" / "));
      // No transparent huge pages in the executor (hmm_ops.h no_transparent_huge_pages, R37).
      assertTrue(link.readText("/proc/self/status").contains("\nTHP_enabled:\t0\n"),
          "the executor runs with transparent huge pages");
      // On one CPU (hmm_ops.h one_cpu, R121): a list of one CPU, not a range or several.
      assertTrue(java.util.regex.Pattern.compile("\nCpus_allowed_list:\t\\d+\n")
          .matcher(link.readText("/proc/self/status")).find(), "the executor may run on several CPUs");
      assertEquals(LinuxKernel.pageSize(), link.pageSize());
      assertEquals(LinuxKernel.blockSize(dir), link.blockSize(dir.toString()));
      // A session in a directory the executor makes, and removes with the program's files.
      Path session = dir.resolve("p0");
      try (ExecutorKernel k = link.session(session)) {
        SysResult fd = k.createFile("f0");
        assertFalse(fd.failed());
        assertEquals(3, k.pwrite((int) fd.value(), new byte[] {1, 2, 3}, 3, 0).value());
        assertTrue(Files.exists(session.resolve("f0")));
      }
      assertFalse(Files.exists(session), "the session directory outlived its session");
      assertFalse(link.broken());
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * A whole program in a session of its own, as a guest runs it: one request makes the directory, runs
   * the ops and removes the directory; the link is busy from the program's start to its end (a watchdog
   * must see a report that the kernel logs while the executor runs ahead of the host's reads).
   */
  @Test
  void aWholeProgramMakesAndRemovesItsSessionAndKeepsTheLinkBusyThroughout(@TempDir Path dir) throws Exception {
    Process p = start();
    try (ExecutorLink link = ExecutorLink.over(p.getInputStream(), p.getOutputStream(), "a test's child")) {
      Path session = dir.resolve("p0");
      List<Op> ops = List.of(new Open(new FileId(0), 100), new Pwrite(new FileId(0), 50, 100),
          new Pread(new FileId(0), 0, 4096));
      ProgramRun whole;
      try (ProgramRun run = link.program(ops, 0, false, session, false, Target.Mirror.FRESH, lines -> List.of(), false)) {
        whole = run;
        long busy = link.busySince();
        assertTrue(busy != 0, "not busy once the program is sent");
        assertEquals(Outcome.Status.OK, run.next().outcome().status());
        assertEquals(busy, link.busySince(), "busy anew for a record of the same program");
        assertEquals("RUN_PROGRAM (op 0)", link.lastCall());
        assertEquals(100, run.next().outcome().value());
        ProgramRun.Step last = run.next();
        assertEquals(150, last.outcome().value());
        assertEquals(150, last.outcome().data().length);
        assertEquals(Outcome.ok(150, last.outcome().data()).describe(), last.views().file(new FileId(0)).describe());
      }
      assertEquals(0, link.busySince());
      assertEquals(List.of(), whole.released(), "the reports after the program were not handed over");
      assertFalse(Files.exists(session), "the session directory outlived its program");
      assertEquals(0, link.run(List.of("true")).exit(), "the link does not answer after a program");
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * Programs queued on the link (the executor runs the next while the host checks one): each program's
   * steps are its own whichever is read first, the one read later was buffered, and a request after
   * them is answered after their records.
   */
  @Test
  void queuedProgramsKeepTheirOwnRecords(@TempDir Path dir) throws Exception {
    Process p = start();
    try (ExecutorLink link = ExecutorLink.over(p.getInputStream(), p.getOutputStream(), "a test's child")) {
      List<ProgramRun> runs = new java.util.ArrayList<>();
      for (int n = 0; n < 3; n++) {
        List<Op> ops = List.of(new Open(new FileId(0), 10 + n), new Pwrite(new FileId(0), 0, 100 + n),
            new Pread(new FileId(0), 0, 4096));
        runs.add(link.program(ops, 0, false, dir.resolve("p" + n), false, Target.Mirror.FRESH, lines -> List.of(), true));
      }
      // The last one first: the records of the two before it go to their buffers.
      assertEquals(102, runs.get(2).next().outcome().value() + 102);
      assertEquals(102, runs.get(2).next().outcome().value());
      assertEquals(100, runs.get(0).next().outcome().value() + 100);
      assertEquals(100, runs.get(0).next().outcome().value());
      assertEquals(0, link.run(List.of("true")).exit(), "a request behind queued programs");
      assertEquals(101, runs.get(1).next().outcome().value() + 101);
      assertEquals(101, runs.get(1).next().outcome().value());
      assertEquals(101, runs.get(1).next().outcome().data().length);
      for (ProgramRun run : runs) {
        run.close();
        assertEquals(List.of(), run.released());
      }
      assertEquals(0, link.busySince());
      for (int n = 0; n < 3; n++) {
        assertFalse(Files.exists(dir.resolve("p" + n)), "a session directory outlived its program");
      }
    } finally {
      p.destroyForcibly();
    }
  }

  /** A request that runs past --stuck-after gets one STUCK line on stderr: where the executor waits. */
  @Test
  void aStuckRequestIsReportedOnStderr(@TempDir Path dir) throws Exception {
    Path err = dir.resolve("stderr");
    Process p = new ProcessBuilder(ExecutorBuild.binary().toString(), "-", "--stuck-after", "1")
        .redirectError(err.toFile()).start();
    try (ExecutorLink link = ExecutorLink.over(p.getInputStream(), p.getOutputStream(), "a test's child")) {
      assertEquals(0, link.run(List.of("sleep", "3")).exit());
      assertEquals(0, link.run(List.of("true")).exit());
    } finally {
      p.destroyForcibly().waitFor();
    }
    List<String> lines = Files.readAllLines(err);
    assertEquals(1, lines.stream().filter(l -> l.contains("STUCK")).count(), lines.toString());
    String stuck = lines.stream().filter(l -> l.contains("STUCK")).findFirst().orElseThrow();
    assertTrue(stuck.contains("in RUN, op -1") && stuck.contains("State:")
        && stuck.contains("wchan "), stuck);
  }

  @Test
  void anExecutorThatDiesBreaksTheLink(@TempDir Path dir) throws Exception {
    Process p = start();
    try (ExecutorLink link = ExecutorLink.over(p.getInputStream(), p.getOutputStream(), "a test's child")) {
      ExecutorKernel k = link.session(dir.resolve("p0"));
      p.destroyForcibly().waitFor();
      InfrastructureException e = assertThrows(InfrastructureException.class, () -> k.createFile("f0"));
      assertTrue(e.getMessage().contains("the executor died during CREATE in a test's child"), e.getMessage());
      assertTrue(link.broken());
      assertEquals("CREATE", link.lastCall());
    }
  }

  /** An executor ended from outside (a guest's watchdog) is not said to have died: the reason is given. */
  @Test
  void anExecutorEndedFromOutsideIsNotBlamed(@TempDir Path dir) throws Exception {
    Process p = start();
    try (ExecutorLink link = ExecutorLink.over(p.getInputStream(), p.getOutputStream(), "a test's child")) {
      ExecutorKernel k = link.session(dir.resolve("p0"));
      link.endedBecause("the guest was ended after 180 s (the hang timeout)");
      p.destroyForcibly().waitFor();
      InfrastructureException e = assertThrows(InfrastructureException.class, () -> k.createFile("f0"));
      assertEquals("no answer from the executor during CREATE: the guest was ended after 180 s (the hang timeout)",
          e.getMessage());
    }
  }
}
