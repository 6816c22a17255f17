package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import org.junit.jupiter.api.Test;

/**
 * R22 on fs-dax: a remap to the source's unaligned EOF shares the source's whole EOF block, which the
 * destination's DAX mappings then map: the destination's post-EOF bytes are the source's (met by the
 * 6.12.118 xfs-dax campaign; corpus xfs-dax-clone-carries-source-post-eof-bytes).
 */
class DaxRemapTests {
  private static Capabilities caps(FsKind fs) {
    return new Capabilities(KernelVersion.parse("6.12.118"), fs, 4096, 4096, true, fs.dax(), fs.dax(), true, true,
        true);
  }

  private static Cells f0After(FsKind fs, String program) throws Exception {
    Program p = ProgramText.parse(program, "t");
    Model m = new Model(caps(fs));
    for (int i = 0; i < p.size(); i++) {
      p.op(i).model(m, i);
    }
    return m.file(new FileId(0)).cache();
  }

  private static final String STORED_PAST_EOF = "open f0 size=0x1\n"
      + "mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false\n"
      + "store m0 offset=0x0 length=0x2\n";

  @Test
  void aCloneOnFsDaxReplacesTheDestinationsPostEofBytesWithTheSources() throws Exception {
    Cells zeros = f0After(FsKind.XFS_DAX, STORED_PAST_EOF + "open f1 size=0x1\nclone f0 src=f1\n");
    assertEquals(0, zeros.value(1), "the source's block holds zero past its EOF");
    assertFalse(zeros.maybeZero(1) && zeros.value(1) != 0);

    Cells carried = f0After(FsKind.XFS_DAX, STORED_PAST_EOF + "open f1 size=0x1\n"
        + "mmap m1 file=f1 offset=0x0 length=0x1 prot=rw sharing=shared sync=false\n"
        + "store m1 offset=0x0 length=0x3\nclone f0 src=f1\n");
    assertEquals(5, carried.writer(1), "the source's stored post-EOF bytes (op 5) come with its block");
    assertEquals(5, carried.writer(2));
    assertFalse(carried.maybeZero(2), "exact on DAX (U1)");
  }

  /** Within one file the extension's zeroing of the old post-EOF bytes comes first (xfs_reflink_zero_posteof). */
  @Test
  void withinOneFileTheRemapCarriesThePostEofBytesAsTheExtensionZeroedThem() throws Exception {
    Cells c = f0After(FsKind.XFS_DAX, "open f0 size=0x1\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1001 prot=rw sharing=shared sync=false\n"
        + "store m0 offset=0x0 length=0x2\n"
        + "copy-file-range f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x1\n");
    assertEquals(0, c.value(0x1), "inside the file now, zeroed by the extension");
    assertEquals(0, c.value(0x1001), "the shared block carries that zero past the new EOF");
  }

  @Test
  void onThePageCacheTheWritebackBeforeTheRemapZeroesTheDestinationsPostEofBytes() throws Exception {
    Cells c = f0After(FsKind.XFS, STORED_PAST_EOF + "open f1 size=0x1\n"
        + "mmap m1 file=f1 offset=0x0 length=0x1 prot=rw sharing=shared sync=false\n"
        + "store m1 offset=0x0 length=0x3\nclone f0 src=f1\n");
    assertEquals(0, c.value(1), "R13/R22: both ranges are written back first, the read path zeroes past EOF");
    assertEquals(0, c.value(2));
  }
}
