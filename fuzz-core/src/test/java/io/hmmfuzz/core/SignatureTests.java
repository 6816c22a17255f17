package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Tag;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Divergence;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import org.junit.jupiter.api.Test;

/** Signatures are values that name the culprit; reports follow bytes through reflinks and clones. */
class SignatureTests {
  private static final Capabilities CAPS = ModelRuleTests.caps(FsKind.XFS, true);

  @Test
  void signaturesSurviveTheirTextAndOldUntypedStringsMatchNothing() {
    for (String text : new String[] {"mmap/outcome/unexpected-success/R27", "clone/file-view/stale/R22",
        "ftruncate/cpu-view/bytes-of-store/R17", "load/outcome/extra-SIGBUS/R7", "kernel:WARNING:_at_fs/dax.c:380",
        "hang", "crash:jvm-SIGSEGV"}) {
      assertEquals(text, Signature.parse(text).text());
    }
    for (String old : new String[] {"file-view:data", "mapping-view:data", "op:mmap:errno", "jvm:SIGILL", "", "a/b/c",
        "mmap/kernel/x/R1"}) {
      assertNull(Signature.parse(old), old);
    }
    assertEquals(Signature.kernel("BUG: unable to handle page fault"),
        new KernelReport("BUG: unable to handle page fault", "").signature());
    assertEquals("R34", Signature.ruleId("R34/R40a the device reads what the CPU reads"));
    assertEquals("-", Signature.ruleId("resource not live"));
  }

  private static Divergence fileView(Program p, int at, FileId f, Cells expected, byte[] actual, Cells before) {
    return new Divergence(at, Signature.View.FILE, "view " + f, Expected.ok(actual.length, expected, "R9 view"),
        Outcome.ok(actual.length, actual), p, CAPS, f, 0, null, before, p.op(at).kind() + " rule R22");
  }

  @Test
  void bytesAReflinkCarriedFromAnotherFileNameTheirWriterAndTheCarrier() throws Exception {
    Program p = ProgramText.parse("""
        open f0 size=0x0
        pwrite f0 offset=0x0 length=0x2000
        open f1 size=0x0
        clone f1 src=f0
        ftruncate f1 size=0x1000
        ftruncate f1 size=0x2000
        """, "t");
    byte[] actual = Tag.bytes(1, 0, 0x2000); // f0's pwrite bytes where the model expects zeros past 0x1000
    Cells expected = Cells.exactly(actual);
    expected.zero(0x1000, 0x2000, 5);
    Divergence d = fileView(p, 5, new FileId(1), expected, actual, null);
    String report = d.render(null);
    assertTrue(report.contains("pattern of op 1 pwrite (f0), carried by op 3 clone"), report);
    assertEquals("ftruncate/file-view/bytes-of-pwrite/R22", d.signature().text());
  }

  /**
   * Two post-EOF stores side by side that an extension leaks (6.1 xfs, found by a campaign): the run of
   * bad bytes mixes both stores' patterns, and its first byte still names the store that wrote it.
   */
  @Test
  void aRunOfTwoWritesBytesNamesTheWriterOfItsFirstBytes() throws Exception {
    Program p = ProgramText.parse("""
        open f0 size=0x0
        mmap m0 file=f0 offset=0x2000 length=0x2001 prot=rw sharing=shared sync=false
        zero-range f0 offset=0x2dbd length=0x1244 keepSize=false
        store m0 offset=0x1ffc length=0x7
        store m0 offset=0x2000 length=0x2
        ftruncate f0 size=0x4003
        """, "t");
    byte[] actual = new byte[0x4003];
    actual[0x4000] = Tag.byteAt(4, 0x4000);
    actual[0x4001] = Tag.byteAt(4, 0x4001); // the second store's, leaked past the old EOF
    actual[0x4002] = Tag.byteAt(3, 0x4002); // the first store's
    Cells expected = Cells.exactly(actual);
    expected.zero(0x4001, 0x4003, 5);
    Divergence d = fileView(p, 5, new FileId(0), expected, actual, null);
    assertEquals("ftruncate/file-view/bytes-of-store/R22", d.signature().text());
    assertTrue(d.render(null).contains("pattern of op 4 store (f0)"), d.render(null));
  }

  @Test
  void anUpdateThatDidNotLandIsStaleWhicheverOpWroteTheOldBytes() throws Exception {
    Program p = ProgramText.parse("""
        open f0 size=0x1000
        open f1 size=0x1000
        clone f1 src=f0
        """, "t");
    byte[] old = Tag.bytes(1, 0, 0x1000);
    Divergence d = fileView(p, 2, new FileId(1), Cells.exactly(Tag.bytes(0, 0, 0x1000)), old, Cells.exactly(old));
    assertEquals("clone/file-view/stale/R22", d.signature().text());
    Divergence zeros = fileView(p, 2, new FileId(1), Cells.exactly(Tag.bytes(0, 0, 0x1000)), new byte[0x1000], null);
    assertEquals("clone/file-view/zeros/R22", zeros.signature().text());
  }
}
