package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.repro.FsxLog;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import org.junit.jupiter.api.Test;

/** fsx's op logs as programs: each fsx op as fsx made it, and every op that cannot be imported refused by line. */
class FsxLogTests {
  @Test
  void eachImportedOpIsWhatFsxDid() throws Exception {
    String log = """
        # a comment
        skip fallocate 0x5380c71d 0x1238 0x0
        mapwrite 0x4a5c 0x1833 0x0
        read 0x29bb 0x1f4b 0x628f
        mapread 0x2bf6 0x1786 0x628f
        truncate 0x0 0x1b75 0x628f
        write 0x7a1b 0x5e5 0x1b75 *
        punch_hole 0x75af 0xa51 0x8000
        zero_range 0x7000 0x2000 0x8000 keep_size
        zero_range 0x7000 0x2000 0x8000
        clone_range 0x0 0x1000 0x9000 0x9000
        fsync 0x0 0x0 0xa000
        """;
    FsxLog.Imported imported = FsxLog.parse(log, "t.fsxops");
    assertEquals(10, imported.fsxOps());
    assertEquals(1, imported.skipped());
    assertEquals("""
        open f0 size=0x0
        ftruncate f0 size=0x628f
        mmap m0 file=f0 offset=0x4000 length=0x228f prot=rw sharing=shared sync=false
        store m0 offset=0xa5c length=0x1833
        msync m0 mode=sync
        munmap m0
        pread f0 offset=0x29bb length=0x1f4b
        mmap m1 file=f0 offset=0x2000 length=0x237c prot=r sharing=shared sync=false
        load m1 offset=0xbf6 length=0x1786
        munmap m1
        ftruncate f0 size=0x1b75
        pwrite f0 offset=0x7a1b length=0x5e5
        punch-hole f0 offset=0x75af length=0xa51
        zero-range f0 offset=0x7000 length=0x2000 keepSize=true
        zero-range f0 offset=0x7000 length=0x2000 keepSize=false
        reflink f0 src=f0 srcOffset=0x0 dstOffset=0x9000 length=0x1000
        fsync f0
        """, ProgramText.print(imported.program()));
  }

  /**
   * copy_range and dedupe_range name the source offset, the length, the destination offset (fsx's
   * log5); fsx repeats copy_file_range until the whole length is copied, so a copy a remap could cut
   * short is issued in the pieces a remap takes whole.
   */
  @Test
  void copyAndDedupeRangesAreWhatFsxDid() throws Exception {
    String log = """
        write 0x0 0x9000 0x0
        copy_range 0x123 0x2000 0x9001 0x9000
        copy_range 0x1000 0x2c10 0xc000 0xb001
        copy_range 0x400 0x900 0x11000 0xec10
        dedupe_range 0x1000 0x2000 0x6000 0x11900
        skip dedupe_range 0x1000 0x0 0x6000 0x11900
        """;
    FsxLog.Imported imported = FsxLog.parse(log, "c.fsxops");
    assertEquals(5, imported.fsxOps());
    assertEquals(1, imported.skipped());
    assertEquals("""
        open f0 size=0x0
        pwrite f0 offset=0x0 length=0x9000
        copy-file-range f0 src=f0 srcOffset=0x123 dstOffset=0x9001 length=0x2000
        copy-file-range f0 src=f0 srcOffset=0x1000 dstOffset=0xc000 length=0x2000
        copy-file-range f0 src=f0 srcOffset=0x3000 dstOffset=0xe000 length=0xc00
        copy-file-range f0 src=f0 srcOffset=0x3c00 dstOffset=0xec00 length=0x10
        copy-file-range f0 src=f0 srcOffset=0x400 dstOffset=0x11000 length=0x800
        copy-file-range f0 src=f0 srcOffset=0xc00 dstOffset=0x11800 length=0x100
        dedupe f0 src=f0 srcOffset=0x1000 dstOffset=0x6000 length=0x2000
        """, ProgramText.print(imported.program()));
  }

  @Test
  void anOpWithoutAnHmmfuzzOpIsRefusedWithItsLineAndName() {
    ReproducerSyntaxException e = assertThrows(ReproducerSyntaxException.class,
        () -> FsxLog.parse("write 0x0 0x10 0x0\n  exchange_range 0x0 0x1000 0x2000 0x10\n", "c.fsxops"));
    assertEquals("c.fsxops:2:3: fsx's exchange_range cannot be imported: hmmfuzz has no op for"
        + " XFS_IOC_EXCHANGE_RANGE yet", e.getMessage());
    e = assertThrows(ReproducerSyntaxException.class,
        () -> FsxLog.parse("write 0x0 0x10 0x0 close_open\n", "o.fsxops"));
    assertEquals("o.fsxops:1:20: fsx's close_open (close, drop_caches, reopen) cannot be imported: hmmfuzz has"
        + " no reopen op yet", e.getMessage());
  }

  @Test
  void malformedLinesNameTheirLineAndColumn() {
    assertEquals("m.fsxops:1:1: unknown fsx op 'mapwirte'", message("mapwirte 0x0 0x1 0x0\n").split(" \\(")[0]);
    assertEquals("m.fsxops:1:11: expected an unsigned 32-bit number, found '0xzz'", message("write 0x0 0xzz 0x0\n"));
    assertEquals("m.fsxops:1:14: fsx's write takes 3 numbers, found 2", message("write 0x0 0x1\n"));
    assertEquals("m.fsxops:1:20: expected keep_size, close_open, unshare or * after the numbers, found 'x'",
        message("write 0x0 0x10 0x0 x\n"));
    assertEquals("m.fsxops:1:20: keep_size does not go with fsx's write", message("write 0x0 0x10 0x0 keep_size\n"));
  }

  /** A log that does not start at fsx's empty file (fsx keeps its last 10000 ops only) is refused, not misread. */
  @Test
  void aLogThatDoesNotStartAtAnEmptyFileIsRefused() {
    String m = message("read 0x0 0x10 0x2000\n");
    assertTrue(m.startsWith("m.fsxops:1:15: fsx logged a file of 0x2000 bytes before this op, where the ops before"
        + " it make 0x0"), m);
  }

  private static String message(String log) {
    return assertThrows(ReproducerSyntaxException.class, () -> FsxLog.parse(log, "m.fsxops")).getMessage();
  }
}
