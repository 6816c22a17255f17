package io.hmmfuzz.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownFindingsTests {
  private static final String HEADER = "# hmmfuzz-reproducer tool=0.1.0 kernel=6.1.192 fs=tmpfs page=4096 block=4096"
      + " caps=noreflink,nomapsync,nodax,nozerorange,hmm ";

  private static Capabilities caps(String kernel, FsKind fs, boolean hmm) {
    return new Capabilities(KernelVersion.parse(kernel), fs, 4096, 4096, fs.xfs(), false, false, fs != FsKind.TMPFS, true, hmm);
  }

  private static List<String> known(KnownFindings k, Capabilities c) {
    return k.on(c, note -> {}).stream().map(x -> x.signature().text()).toList();
  }

  @Test
  void aKernelReportIsKnownOnEveryFilesystemOfItsKernelSeries(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("oops.repro"), HEADER + "signature=kernel:BUG:_unable_to_handle_page_fault_for_address:"
        + "_ADDR_in_dmirror_do_read finding=crash expect=divergence\nopen f0 size=0x1000\n");
    Files.writeString(dir.resolve("stale.repro"), HEADER + "signature=ftruncate/cpu-view/stale/R17 expect=divergence\n"
        + "open f0 size=0x1000\n");
    KnownFindings k = KnownFindings.read(dir);
    String oops = "kernel:BUG:_unable_to_handle_page_fault_for_address:_ADDR_in_dmirror_do_read";
    assertEquals(List.of(oops, "ftruncate/cpu-view/stale/R17"), known(k, caps("6.1.192", FsKind.TMPFS, true)));
    assertEquals(List.of(oops), known(k, caps("6.1.100", FsKind.XFS, true)), "the report is test_hmm's, not tmpfs's");
    assertEquals(List.of(), known(k, caps("6.12.117", FsKind.XFS, true)), "another kernel series may have fixed it");
    assertEquals(List.of(), known(k, caps("6.1.192", FsKind.XFS, false)), "a test_hmm report needs test_hmm");
  }

  /** The scratch filesystem is not in a program of anonymous memory alone: its finding is known on every one. */
  @Test
  void aFindingOfAnonymousMemoryAloneIsKnownOnEveryFilesystemOfItsKernelSeries(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("anon.repro"), HEADER.replace("fs=tmpfs", "fs=xfs-dax")
        + "signature=madvise/cpu-view/data/R66 expect=divergence\n"
        + "mmap m0 anon length=0x1 prot=rw sharing=shared\ndwrite m0 offset=0x0\n"
        + "madvise m0 offset=0x0 length=0x1 advice=pageout\n");
    Files.writeString(dir.resolve("file.repro"), HEADER.replace("fs=tmpfs", "fs=xfs-dax")
        + "signature=ftruncate/cpu-view/stale/R17 expect=divergence\nopen f0 size=0x1000\n");
    KnownFindings k = KnownFindings.read(dir);
    assertEquals(List.of("madvise/cpu-view/data/R66"), known(k, caps("6.1.192", FsKind.TMPFS, true)));
    assertEquals(List.of(), known(k, caps("6.12.117", FsKind.TMPFS, true)), "another kernel series may have fixed it");
    assertEquals(List.of(), known(k, caps("6.1.192", FsKind.TMPFS, false)), "its device op needs test_hmm");
  }

  /** A hang names no code or rule: a reproducer of one masks no other hang, so it is never known. */
  @Test
  void aHangIsNeverKnown(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("hang.repro"), HEADER + "signature=hang finding=hang expect=divergence\n"
        + "mmap m0 anon length=0x1000 prot=rw sharing=private\n");
    Files.writeString(dir.resolve("oops.repro"), HEADER + "signature=kernel:BUG:_at_x finding=crash expect=divergence\n"
        + "mmap m0 anon length=0x1000 prot=rw sharing=private\n");
    assertEquals(List.of("kernel:BUG:_at_x"), known(KnownFindings.read(dir), caps("6.1.192", FsKind.TMPFS, true)));
  }
}
