package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.exec.CacheDrop;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome.Status;
import io.hmmfuzz.core.op.DropCaches;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Runner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The drop-caches op: its text, its rule (R120) and the gate that keeps it off kernels the tool does not own. */
class DropCachesTests {
  static final String PROGRAM = """
      open f0 size=0x1001
      mmap m0 file=f0 offset=0x0 length=0x2000 prot=rw sharing=shared sync=false
      store m0 offset=0xffe length=0x4
      pwrite f0 offset=0x10 length=0x20
      drop-caches what=pagecache
      drop-caches what=slab
      drop-caches what=both
      """;

  @Test
  void itIsOneLineNamingWhatIsDropped() throws Exception {
    Program p = ProgramText.parse(PROGRAM, "t");
    assertEquals(new DropCaches(CacheDrop.SLAB), p.op(5));
    assertEquals(PROGRAM, ProgramText.print(p));
    assertTrue(OpKind.DROP_CACHES.systemWide());
    assertFalse(OpKind.DROP_CACHES.device() || OpKind.DROP_CACHES.childProcess());
    assertTrue(java.util.Arrays.stream(OpKind.values()).filter(OpKind::systemWide).toList()
        .equals(List.of(OpKind.DROP_CACHES)), "drop-caches is the one system-wide op");
  }

  /** R120: 0, and no view changes: the file's bytes and size, the mapping's pages, post-EOF bytes included. */
  @Test
  void dropCachesChangesNoView() throws Exception {
    for (FsKind fs : List.of(FsKind.XFS, FsKind.TMPFS, FsKind.EXT4_DAX)) {
      Capabilities caps = new Capabilities(KernelVersion.parse("6.1.192"), fs, 4096, 4096, fs.xfs(), fs.dax(), fs.dax(),
          fs != FsKind.TMPFS, true, true);
      Program p = ProgramText.parse(PROGRAM, "t");
      Model m = new Model(caps);
      List<String> before = null;
      for (int i = 0; i < p.size(); i++) {
        Expected e = p.op(i).model(m, i);
        if (i < 4) {
          assertEquals(Status.OK, e.status(), ProgramText.print(p.op(i)));
          before = views(m);
          continue;
        }
        assertEquals(Status.OK, e.status());
        assertEquals(0, e.value());
        assertTrue(e.rule().startsWith("R120 "), e.rule());
        assertEquals(before, views(m), fs + ": " + ProgramText.print(p.op(i)));
      }
    }
  }

  /**
   * The rule is root's, as programs run (drop-caches is generated only as root): a reproducer's header,
   * whose capabilities say nothing of root, expects 0 too, as its C program run as root gets.
   */
  @Test
  void theRuleIsRootsWhateverTheCapabilitiesSay() throws Exception {
    Capabilities user = new Capabilities(KernelVersion.parse("6.12.117"), FsKind.TMPFS, 4096, 4096, false, false, false,
        false, false, false);
    Expected e = new DropCaches(CacheDrop.BOTH).model(new Model(user), 0);
    assertEquals(Status.OK, e.status());
    assertEquals(0, e.value());
    Model m = new Model(user);
    new io.hmmfuzz.core.op.Open(new io.hmmfuzz.core.op.FileId(0), 1).model(m, 0);
    io.hmmfuzz.core.op.Generation g = new io.hmmfuzz.core.op.Generation(new java.util.SplittableRandom(1), m, user, 0,
        1, 0);
    assertEquals(null, DropCaches.generate(g), "not generated without root");
  }

  /** Every view the runner checks, as the model allows it: each file's and each readable mapping page's. */
  private static List<String> views(Model m) {
    List<String> out = new ArrayList<>();
    for (ModelFile f : m.files()) {
      out.add(f.id() + " " + render(m.fileView(f)));
    }
    for (ModelMapping mm : m.readableMappings()) {
      for (long pg = 0; pg < m.roundUpPage(mm.length()) / m.page(); pg++) {
        out.add(mm.id() + "/" + pg + " " + render(m.pageView(mm, pg)));
      }
    }
    return out;
  }

  /** An expectation with its bytes: per span its writer, whether it may read zero, and its values. */
  private static String render(Expected e) {
    StringBuilder sb = new StringBuilder(e.describe());
    if (e.data() != null) {
      for (io.hmmfuzz.core.model.Cells.Span s : e.data().spans()) {
        sb.append(" [").append(s.start()).append(',').append(s.end()).append(") w").append(s.writer())
            .append(s.maybeZero() ? " or 0 " : " ").append(java.util.Arrays.toString(s.values()));
      }
    }
    return sb.toString();
  }

  /** A target that is not the tool's own and runs nothing: the runner must refuse before opening a session. */
  private static final class LocalKernel implements Target {
    @Override
    public Capabilities capabilities() {
      return new Capabilities(KernelVersion.parse("6.18.44"), FsKind.TMPFS, 4096, 4096, false, false, false, false,
          true, false);
    }

    @Override
    public Session openSession() {
      throw new AssertionError("a program with drop-caches reached the local kernel");
    }

    @Override
    public boolean forks() {
      return true;
    }

    @Override
    public String describe() {
      return "the local kernel";
    }

    @Override
    public void close() {}
  }

  @Test
  void aKernelTheToolDoesNotOwnRefusesItNamingTheGuest() throws Exception {
    LocalKernel local = new LocalKernel();
    assertFalse(local.ownsKernel(), "a target owns its kernel only where it says so");
    Program p = ProgramText.parse("open f0 size=0x1\ndrop-caches what=both\n", "t");
    TargetUnavailableException e = assertThrows(TargetUnavailableException.class, () -> new Runner(local, 1).run(p));
    assertTrue(e.getMessage().contains("drop-caches") && e.getMessage().contains("--target vm --kernel BZIMAGE"),
        e.getMessage());
  }
}
