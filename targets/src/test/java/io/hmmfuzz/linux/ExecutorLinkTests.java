package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.SysResult;
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
}
