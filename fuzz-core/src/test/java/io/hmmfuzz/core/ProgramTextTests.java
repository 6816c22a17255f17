package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.Program;
import org.junit.jupiter.api.Test;

class ProgramTextTests {
  static final String PROGRAM = """
      open f0 size=0x2000
      mmap m0 file=f0 offset=0x0 length=0x3000 prot=rw sharing=private sync=false
      store m0 offset=0xff0 length=0x20
      ftruncate f0 size=0x1001
      reflink f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x0
      punch-hole f0 offset=0x10 length=0x100
      zero-range f0 offset=-0x1 length=0x100 keepSize=true
      msync m0 mode=sync-invalidate
      load m0 offset=0x0 length=0x3000
      munmap m0
      close f0
      """;

  @Test
  void printThenParseIsTheIdentity() throws Exception {
    Program p = ProgramText.parse(PROGRAM, "t");
    assertEquals(11, p.size());
    assertEquals(PROGRAM, ProgramText.print(p));
    assertEquals(p, ProgramText.parse(ProgramText.print(p), "t"));
  }

  @Test
  void decimalNumbersCommentsAndBlankLinesAreAccepted() throws Exception {
    Program p = ProgramText.parse("# a comment\n\nopen f0 size=4096 # trailing\n", "t");
    assertEquals("open f0 size=0x1000\n", ProgramText.print(p));
  }

  /**
   * The device ops' device argument came after reproducers of them were written: left out it is device 0
   * (and printed only where it is not), so those lines parse and mean what they meant.
   */
  @Test
  void aDefaultedArgumentMayBeLeftOutAndIsPrintedOnlyWhereItIsNotZero() throws Exception {
    String old = "open f0 size=0x1000\nmmap m0 file=f0 offset=0x0 length=0x1000 prot=rw sharing=private sync=false\n"
        + "dread m0 offset=0x0 pages=0x1\ndwrite m0 offset=0x0\n";
    Program p = ProgramText.parse(old, "t");
    assertEquals(0, ((io.hmmfuzz.core.op.DevicePages) p.op(2)).device());
    assertEquals(old, ProgramText.print(p));
    String two = old + "exclusive m0 offset=0x0 pages=0x1 device=0x1\nrelease m0 offset=0x0 pages=0x1 device=1\n";
    Program q = ProgramText.parse(two, "t");
    assertEquals(1, ((io.hmmfuzz.core.op.DevicePages) q.op(5)).device());
    assertEquals(two.replace("device=1", "device=0x1"), ProgramText.print(q));
    assertEquals(q, ProgramText.parse(ProgramText.print(q), "t"));
    assertEquals("dread m0 offset=0x0 pages=0x1", ProgramText.print(ProgramText.parse(old.replace("pages=0x1", "pages=0x1 device=0x0"), "t").op(2)));
    ReproducerSyntaxException e = error(old + "snapshot m0 offset=0x0 pages=0x1 device=0x4\n");
    assertEquals(5, e.line());
    assertTrue(e.getMessage().contains("device 0x4 outside [0, 0x3]"), e.getMessage());
  }

  private static ReproducerSyntaxException error(String text) {
    return assertThrows(ReproducerSyntaxException.class, () -> ProgramText.parse(text, "x.repro"));
  }

  @Test
  void errorsNameFileLineAndColumn() {
    ReproducerSyntaxException e = error("open f0 size=0x10\n  frobnicate f0\n");
    assertEquals(2, e.line());
    assertEquals(3, e.column());
    assertTrue(e.getMessage().startsWith("x.repro:2:3: unknown op 'frobnicate'"), e.getMessage());

    e = error("open f0 size=0xzz\n");
    assertEquals(1, e.line());
    assertEquals(14, e.column());
    assertTrue(e.getMessage().contains("bad value '0xzz' for size"), e.getMessage());

    e = error("open f0 size=1\npwrite f0 offset=0\n");
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("missing argument 'length'"), e.getMessage());

    e = error("open f0 size=1 colour=red\n");
    assertEquals(16, e.column());
    assertTrue(e.getMessage().contains("unknown argument 'colour'"), e.getMessage());

    e = error("open f0 size=1\nmmap m0 file=f0 offset=0 length=0x1000 prot=rwx sharing=shared sync=false\n");
    assertTrue(e.getMessage().contains("expected none, r or rw"), e.getMessage());
  }

  @Test
  void invalidProgramsAreRejectedAtTheOffendingLine() {
    ReproducerSyntaxException e = error("open f0 size=1\n\npwrite f1 offset=0 length=1\n");
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("f1 is used before it is opened"), e.getMessage());

    e = error("open f0 size=1\nmmap m0 file=f0 offset=0 length=0x1000 prot=rw sharing=shared sync=false\n"
        + "load m0 offset=0xfff length=2\n");
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("outside the mapping"), e.getMessage());

    e = error("open f0 size=1\nclose f0\nfsync f0\n");
    assertTrue(e.getMessage().contains("used after it is closed"), e.getMessage());
  }

  @Test
  void reproducerHeaderRoundTrips() throws Exception {
    String text = "# hmmfuzz-reproducer tool=0.1.0 fs=xfs caps=reflink expect=pass\n# a note\n" + PROGRAM;
    Reproducer r = Reproducer.parse(text, "r.repro");
    assertEquals("xfs", r.fs());
    assertEquals("pass", r.get("expect"));
    Reproducer again = Reproducer.parse(r.render(), "r.repro");
    assertEquals(r.header(), again.header());
    assertEquals(r.program(), again.program());
    ReproducerSyntaxException e = assertThrows(ReproducerSyntaxException.class,
        () -> Reproducer.parse("open f0 size=1\n", "n.repro"));
    assertEquals("n.repro:1:1: expected the header line '# hmmfuzz-reproducer key=value ...'", e.getMessage());
    e = assertThrows(ReproducerSyntaxException.class,
        () -> Reproducer.parse("# hmmfuzz-reproducer fs=xfs junk\nopen f0 size=1\n", "n.repro"));
    assertEquals(1, e.line());
    assertEquals(29, e.column());
  }
}
