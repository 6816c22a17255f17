package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.ProgramGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Standalone C reproducers (export-c) built with gcc -Wall -Werror and run on this kernel: the corpus's
 * tmpfs (and, where /var/tmp is ext4, ext4) regression tests and generated programs pass (exit 0), a
 * directory on another filesystem is exit 4, and a divergence is printed in the words hmmfuzz prints for
 * the same program and capabilities (exit 1).
 */
class CReproducerTests {
  static final Path CORPUS = Path.of("../corpus/reproducers");
  static Path work;

  @BeforeAll
  static void setUp() throws IOException {
    assumeTrue(ExecutorBuild.gcc() != null, "no gcc: C reproducers are built with the machine's gcc");
    work = ScratchFilesystem.workDirectory("ctest");
  }

  @AfterAll
  static void tearDown() {
    if (work != null) {
      ScratchFilesystem.deleteTree(work);
    }
  }

  /** Exit status and output of the C program for {@code r}, run with {@code args}. */
  record Ran(int exit, String output, String source) {}

  static Ran exportAndRun(Reproducer r, String name, String... args) throws Exception {
    String c = CReproducer.export(r, name);
    String base = name.replaceAll("\\.repro$", "").replaceAll("[^A-Za-z0-9-]", "-");
    Path source = work.resolve(base + ".c");
    Path binary = work.resolve(base);
    Files.writeString(source, c);
    CReproducer.compile(source, binary);
    List<String> cmd = new ArrayList<>(List.of(binary.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), name + " did not end");
    return new Ran(p.exitValue(), out, c);
  }

  @Test
  void corpusRegressionTestsPassOnTmpfs() throws Exception {
    int ran = 0;
    for (Path f : Corpus.list(CORPUS)) {
      Reproducer r = Corpus.load(f);
      if (!r.fs().equals("tmpfs") || r.capabilities().testHmm()) {
        continue;
      }
      Ran run = exportAndRun(r, f.getFileName().toString());
      assertEquals(0, run.exit(), f + ":\n" + run.output());
      assertTrue(run.output().startsWith("OK " + f.getFileName() + ": " + r.program().size() + " ops"), run.output());
      ran++;
    }
    assertTrue(ran >= 3, "the corpus's tmpfs reproducers: " + ran);
  }

  @Test
  void exportedProgramsReadAsOneStatementPerOp() throws Exception {
    Reproducer r = Corpus.load(CORPUS.resolve("tmpfs-truncate-zeroes-eof-tail.repro"));
    String c = CReproducer.export(r, "tmpfs-truncate-zeroes-eof-tail.repro");
    String main = c.substring(c.indexOf("int main(int argc, char **argv)"));
    assertTrue(main.contains("\t/* 1: ftruncate f0 size=0x1 */\n\tPROGRAM_FILE_CALL(p, 0, o, op_ftruncate(fd_, 0x1));\n"
        + "\tcheck_op(p, 1, o, &op_1);\n"), main);
    assertTrue(main.contains("EXEC_PROT_READ_WRITE, EXEC_SHARING_SHARED, 0, o);"), main);
    assertTrue(c.contains("static long op_ftruncate(int fd, off_t len)"), "hmm_ops.h inlined");
    assertTrue(!c.contains("#include \""), "no local includes left");
  }

  /**
   * A finding of files alone, found in a guest with test_hmm (its header's caps say hmm), runs without
   * test_hmm: no device op, no mapping for the device view to read. One with a mapping needs it.
   */
  @Test
  void aProgramOfFilesAloneNeedsNoTestHmm() throws Exception {
    String head = "# hmmfuzz-reproducer tool=0.1.0 kernel=6.1.192 fs=xfs page=4096 block=4096"
        + " caps=reflink,nomapsync,nodax,zerorange,hmm signature=reflink/file-view/stale/R22 expect=divergence\n";
    Reproducer files = io.hmmfuzz.core.repro.Reproducer.parse(head + "open f0 size=0x1001\n"
        + "reflink f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x1000\n", "files.repro");
    String c = CReproducer.export(files, "files.repro");
    assertTrue(c.contains("\t.hmm = 0,\n") && !c.contains("needs test_hmm"), c.substring(0, 3000));
    Reproducer mapped = io.hmmfuzz.core.repro.Reproducer.parse(head + "open f0 size=0x1001\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false\n", "mapped.repro");
    String m = CReproducer.export(mapped, "mapped.repro");
    assertTrue(m.contains("\t.hmm = 1,\n") && m.contains("needs test_hmm"), "a mapping's device view needs it");
  }

  /**
   * A guest's program with drop-caches exports as any other (its statement from program_op's case, the
   * sysctl's value by name), says in its header what it changes beyond its files, and builds with
   * -Wall -Werror. It is not run here: it would drop this machine's caches (replay-c runs it only in a
   * guest, CReproducer.systemWideOps).
   */
  @Test
  void aProgramWithDropCachesExportsAndBuildsButRunsOnlyInAGuest() throws Exception {
    String text = "# hmmfuzz-reproducer tool=0.1.0 kernel=6.1.192 fs=xfs page=4096 block=4096"
        + " caps=reflink,nomapsync,nodax,zerorange,hmm expect=pass\n"
        + "open f0 size=0x1\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false\n"
        + "drop-caches what=both\n"
        + "pwrite f0 offset=0x0 length=0x1\n";
    Reproducer r = Reproducer.parse(text, "drop-caches.repro");
    String c = CReproducer.export(r, "drop-caches.repro");
    String main = c.substring(c.indexOf("int main(int argc, char **argv)"));
    assertTrue(main.contains("\t/* 2: drop-caches what=both */\n"
        + "\t/* Kernel-wide: every filesystem's clean caches, not this program's alone (R120). */\n"
        + "\toutcome_of(o, op_drop_caches(drop_caches_value(EXEC_DROP_BOTH)), 1);\n"
        + "\tcheck_op(p, 2, o, &op_2);\n"), main);
    assertTrue(c.contains("static long op_drop_caches(int what)"), "hmm_ops.h inlined");
    assertTrue(c.contains(" * It writes /proc/sys/vm/drop_caches (drop-caches, as root)"), "the header says so");
    assertEquals(List.of("drop-caches"), CReproducer.systemWideOps(c));
    Reproducer plain = Corpus.load(CORPUS.resolve("tmpfs-truncate-zeroes-eof-tail.repro"));
    assertEquals(List.of(), CReproducer.systemWideOps(CReproducer.export(plain, "plain.repro")));
    Path source = work.resolve("drop-caches.c");
    Files.writeString(source, c);
    CReproducer.compile(source, work.resolve("drop-caches"));
    assertTrue(Files.isExecutable(work.resolve("drop-caches")));
  }

  /**
   * A program through test_hmm's device-coherent devices (R121) says in its header how to boot for them,
   * checks for them before it runs (skip, exit 4, naming the fix), and builds; one through devices 0 and
   * 1 alone does not ask for them.
   */
  @Test
  void aProgramThroughCoherentDevicesSaysHowToBootForThem() throws Exception {
    Path f = CORPUS.resolve("tmpfs-test-hmm-coherent-page-stays-on-its-device.repro");
    String c = CReproducer.export(Corpus.load(f), f.getFileName().toString());
    assertTrue(c.contains("\t.coherent = 1,\n"), c.substring(0, 3000));
    assertTrue(c.contains("with its device-coherent devices 2 and 3 (boot with " + HmmUapi.COHERENT_BOOT_ARGS + ")"),
        c.substring(0, 3000));
    assertTrue(c.contains("no test_hmm device with device-coherent memory"), "repro_start checks for them");
    Reproducer privateOnly = Reproducer.parse("# hmmfuzz-reproducer tool=0.1.0 kernel=6.1.192 fs=tmpfs page=4096"
        + " block=4096 caps=noreflink,nomapsync,nodax,nozerorange,hmm,coherent expect=pass\n"
        + "mmap m0 anon length=0x1000 prot=rw sharing=private\nmigrate m0 offset=0x0 pages=0x1 device=0x1\n", "p.repro");
    assertTrue(CReproducer.export(privateOnly, "p.repro").contains("\t.coherent = 0,\n"));
    Path source = work.resolve("coherent.c");
    Files.writeString(source, c);
    CReproducer.compile(source, work.resolve("coherent"));
    assertTrue(Files.isExecutable(work.resolve("coherent")));
  }

  @Test
  void ext4RegressionTestPassesOnVarTmp() throws Exception {
    Path dir = Path.of("/var/tmp");
    assumeTrue(Files.getFileStore(dir).type().equals("ext4"), "/var/tmp is not ext4");
    Path f = CORPUS.resolve("ext4-errors-sigbus-sigsegv.repro");
    Ran run = exportAndRun(Corpus.load(f), f.getFileName().toString(), dir.toString());
    assumeTrue(run.exit() != 4, "skipped: " + run.output());
    assertEquals(0, run.exit(), run.output());
  }

  @Test
  void aDirectoryOnAnotherFilesystemIsExit4() throws Exception {
    Path dir = Path.of("/var/tmp");
    assumeTrue(!Files.getFileStore(dir).type().equals("tmpfs"), "/var/tmp is tmpfs here");
    Path f = CORPUS.resolve("tmpfs-truncate-zeroes-eof-tail.repro");
    Ran run = exportAndRun(Corpus.load(f), f.getFileName().toString(), dir.toString());
    assertEquals(4, run.exit(), run.output());
    assertTrue(run.output().contains("/var/tmp is not on tmpfs (the reproducer's filesystem)"), run.output());
  }

  /** Generated programs (no kernel on this host diverges on tmpfs) pass as C programs as they pass in hmmfuzz. */
  @Test
  void generatedProgramsPassOnTmpfsAsTheyDoInHmmfuzz() throws Exception {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS, ExecutorKind.C)) {
      Capabilities caps = t.capabilities();
      ProgramGenerator eof = new ProgramGenerator(Profile.eof(), caps);
      ProgramGenerator standard = new ProgramGenerator(Profile.standard(), caps);
      for (int n = 0; n < 8; n++) {
        // The default profile's too: every op kind the host can run, each through its case of program_op.
        Program p = (n % 2 == 0 ? eof : standard).generate(20261203L + n);
        RunResult java = new Runner(t, 2).run(p);
        Reproducer r = new Reproducer(header(caps, "2"), List.of(), p);
        Ran run = exportAndRun(r, "generated-" + n + ".repro");
        assertEquals(java.diverged() ? 1 : 0, run.exit(), ProgramTextOf(p) + run.output()
            + (java.diverged() ? java.divergence().render(null) : ""));
      }
    }
  }

  private static String ProgramTextOf(Program p) {
    return io.hmmfuzz.core.repro.ProgramText.print(p);
  }

  private static Map<String, String> header(Capabilities caps, String viewEvery) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("kernel", caps.kernel().toString());
    h.put("fs", caps.fs().id());
    h.put("page", Integer.toString(caps.pageSize()));
    h.put("block", Integer.toString(caps.blockSize()));
    h.put("caps", caps.summary());
    h.put("view-every", viewEvery);
    h.put("expect", "pass");
    return h;
  }

  /**
   * A divergence the host can show: a reproducer whose header claims zero range on tmpfs (the model then
   * allows only success; tmpfs answers EOPNOTSUPP). The C program prints what hmmfuzz prints for the same
   * program under the same capabilities, word for word.
   */
  @Test
  void aDivergenceIsPrintedInHmmfuzzsWords() throws Exception {
    String text = "# hmmfuzz-reproducer tool=0.1.0 kernel=6.18.44 fs=tmpfs page=4096 block=4096"
        + " caps=noreflink,nomapsync,nodax,zerorange,nohmm expect=divergence\n"
        + "open f0 size=0x1000\n"
        + "zero-range f0 offset=0x0 length=0x10 keepSize=false\n";
    Reproducer r = Reproducer.parse(text, "claims-zero-range.repro");
    Ran run = exportAndRun(r, "claims-zero-range.repro");
    assertEquals(1, run.exit(), run.output());
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS, ExecutorKind.C)) {
      Capabilities probed = t.capabilities();
      Capabilities claimed = r.capabilities();
      Capabilities caps = new Capabilities(probed.kernel(), claimed.fs(), claimed.pageSize(), claimed.blockSize(),
          claimed.reflink(), claimed.mapSync(), claimed.dax(), claimed.zeroRange(), probed.root(), claimed.testHmm(),
          claimed.madvise());
      RunResult java = new Runner(new Claimed(t, caps), 1).run(r.program());
      assertTrue(java.diverged());
      String expected = "DIVERGED claims-zero-range.repro (expect=divergence)\n"
          + java.divergence().render("hmmfuzz replay claims-zero-range.repro") + "\n";
      assertEquals(expected, run.output());
      assertTrue(run.output().contains("  signature: zero-range/outcome/unexpected-EOPNOTSUPP/"), run.output());
    }
  }

  /** A target with the capabilities a reproducer claims, for comparing the words of a divergence. */
  private record Claimed(Target t, Capabilities caps) implements Target {
    @Override
    public Capabilities capabilities() {
      return caps;
    }

    @Override
    public Session openSession() {
      return t.openSession();
    }

    @Override
    public Session openSession(Mirror mirror) {
      return t.openSession(mirror);
    }

    @Override
    public List<KernelReport> kernelReports() {
      return t.kernelReports();
    }

    @Override
    public String describe() {
      return t.describe();
    }

    @Override
    public void close() {}
  }
}
