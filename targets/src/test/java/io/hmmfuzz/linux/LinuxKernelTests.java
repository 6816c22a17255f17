package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.exec.Target;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The binding against the real kernel, on a tmpfs scratch directory (no root needed). */
class LinuxKernelTests {
  static LinuxTarget target;

  @BeforeAll
  static void up() {
    target = LinuxTarget.create(FsKind.TMPFS);
  }

  @AfterAll
  static void down() {
    target.close();
  }

  @Test
  void sigbusBeyondEofIsReportedPerPageEvenWhenCompiled() {
    try (Target.Session s = target.openSession()) {
      var k = s.kernel();
      int fd = (int) k.createFile("f").value();
      byte[] one = new byte[4096];
      one[5] = 42;
      k.pwrite(fd, one, 4096, 0);
      long a = k.mmap(4 * 4096, Prot.READ_WRITE, Sharing.SHARED, false, fd, 0).value();
      byte[] buf = new byte[4096];
      for (int round = 0; round < 20_000; round++) {
        assertEquals(Signal.NONE, k.load(a, buf, 0, 4096));
        assertEquals(42, buf[5]);
        for (int p = 1; p < 4; p++) {
          assertEquals(Signal.SIGBUS, k.load(a + p * 4096L, buf, 0, 4096), "page " + p + " round " + round);
          assertEquals(Signal.SIGBUS, k.store(a + p * 4096L + 7, buf, 0, 9), "store page " + p);
        }
        assertEquals(Signal.NONE, k.load(a + 100, buf, 0, 1));
        assertEquals(Signal.SIGBUS, k.load(a + 4096, buf, 0, 1));
      }
      k.munmap(a, 4 * 4096);
      k.close(fd);
    }
  }

  /** The JNA executor's process has no transparent huge pages, as the C executor's (R37). */
  @Test
  void theJnaExecutorsProcessHasNoTransparentHugePages() throws Exception {
    try (Target.Session s = target.openSession()) {
      assertTrue(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"))
          .contains("\nTHP_enabled:\t0\n"), "the JVM running the JNA executor has transparent huge pages");
    }
  }

  @Test
  void errnoAndFlagValuesReachTheKernel() {
    try (Target.Session s = target.openSession()) {
      var k = s.kernel();
      SysResult r = k.openReadOnly("missing");
      assertEquals(Errno.ENOENT, r.errno());
      int fd = (int) k.createFile("f").value();
      assertEquals(Errno.EEXIST, k.createFile("f").errno());
      k.ftruncate(fd, 8192);
      assertEquals(8192, k.fileSize(fd).value());
      long a = k.mmap(8192, Prot.READ_WRITE, Sharing.SHARED, false, fd, 0).value();
      assertEquals(Errno.EINVAL, k.msync(a, 8192, MsyncMode.SYNC_ASYNC).errno());
      assertFalse(k.msync(a, 8192, MsyncMode.SYNC_INVALIDATE).failed());
      assertEquals(Errno.EOPNOTSUPP, k.mmap(4096, Prot.READ_WRITE, Sharing.SHARED, true, fd, 0).errno());
      assertFalse(k.mprotect(a, 8192, Prot.READ).failed());
      assertEquals(Prot.READ, k.protectionAt(a));
      assertEquals(Errno.EINVAL, k.mmap(4096, Prot.READ, Sharing.SHARED, false, fd, 1).errno());
      k.munmap(a, 8192);
      assertTrue(target.capabilities().pageSize() == 4096);
      k.close(fd);
    }
  }
}
