package io.hmmfuzz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command end to end, in process, on the local kernel's tmpfs. */
class CliTests {
  record Run(int code, String out, String err) {}

  static synchronized Run hmmfuzz(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertEquals(2, hmmfuzz("fuzz", "--fs", "zfs").code());
    assertEquals(2, hmmfuzz("fuzz", "--duration", "soon").code());
    assertEquals(2, hmmfuzz("frobnicate").code());
    Run r = hmmfuzz("fuzz", "--profile", "nope", "--duration", "1s");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("unknown profile 'nope'"), r.err());
  }

  /** The guest runs the C executor only: no JVM there, so --executor jna is for the local kernel. */
  @Test
  void aGuestRunsTheCExecutorOnly() {
    for (String command : new String[] {"fuzz", "probe", "selftest"}) {
      Run r = hmmfuzz(command, "--target", "vm", "--kernel", "/nonexistent/bzImage", "--executor", "jna");
      assertEquals(2, r.code(), command + ": " + r.out() + r.err());
      assertTrue(r.err().contains("--target vm runs the C executor in the guest"), r.err());
    }
    Run r = hmmfuzz("fuzz", "--target", "vm", "--duration", "1s");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--target vm needs --kernel"), r.err());
  }

  /** An fsx op log becomes a reproducer that replays; an op with no hmmfuzz op is refused by line, not dropped. */
  @Test
  void anFsxLogImportsAndReplays(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("run.fsxops");
    Files.writeString(log, "write 0x100 0x2000 0x0\nskip collapse_range 0x0 0x1000 0x2100\n"
        + "mapwrite 0x2000 0x1800 0x2100\nmapread 0x1ff0 0x20 0x3800\ntruncate 0x0 0x10 0x3800\n");
    Run r = hmmfuzz("import-fsx", log.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("# hmmfuzz-reproducer tool="), r.out());
    assertTrue(r.out().contains("fs=tmpfs") && r.out().contains("the 4 ops fsx made (the 1 it skipped are left out)"),
        r.out());
    Path repro = dir.resolve("run.repro");
    Files.writeString(repro, r.out());
    Run replay = hmmfuzz("replay", repro.toString());
    assertEquals(0, replay.code(), replay.out() + replay.err());
    assertTrue(replay.out().contains("OK " + repro + ": 11 ops, no divergence"), replay.out());

    Files.writeString(log, "write 0x0 0x10 0x0\nexchange_range 0x0 0x10 0x100 0x10\n");
    r = hmmfuzz("import-fsx", log.toString());
    assertEquals(2, r.code());
    assertEquals("hmmfuzz: " + log + ":2:1: fsx's exchange_range cannot be imported: hmmfuzz has no op for"
        + " XFS_IOC_EXCHANGE_RANGE yet\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void malformedReproducerNamesFileLineAndColumn(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.repro");
    Files.writeString(f, "# hmmfuzz-reproducer fs=tmpfs expect=pass\nopen f0 size=0x10\nmmap m0 file=x9\n");
    Run r = hmmfuzz("replay", f.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains(f + ":3:14: bad value 'x9' for file: expected f<number>"), r.err());
  }

  @Test
  void aShortCampaignWritesItsSummary(@TempDir Path dir) throws Exception {
    Run r = hmmfuzz("fuzz", "--duration", "3s", "--seed", "7", "--out", dir.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("all operations completed A-OK"), r.out());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    for (String k : new String[] {"programs", "ops", "divergences", "opsPerSecond", "seconds"}) {
      assertTrue(s.has(k), "summary.json lacks " + k + ": " + s);
    }
    assertTrue(s.get("programs").asLong() > 10, s.toString());
    assertEquals(0, s.get("divergences").asInt());
  }

  @Test
  void replayOfAPassingReproducerExitsZero(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("ok.repro");
    Files.writeString(f, "# hmmfuzz-reproducer fs=tmpfs expect=pass\nopen f0 size=0x1800\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000 prot=rw sharing=shared sync=false\n"
        + "ftruncate f0 size=0x801\nload m0 offset=0x0 length=0x2000\n");
    Run r = hmmfuzz("replay", dir.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("replay: 1 passed, 0 diverged, 0 skipped"), r.out());
  }

  @Test
  void aCrashReproducerIsNotShrunkOnThisKernel(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("crash.repro");
    Files.writeString(f, "# hmmfuzz-reproducer fs=tmpfs signature=kernel:BUG:_x finding=crash expect=divergence\n"
        + "open f0 size=0x10\n");
    Run r = hmmfuzz("shrink", f.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("crashed or hung the kernel it ran on") && r.err().contains("--target vm"), r.err());
    assertEquals(1, Files.list(dir).count(), "nothing written beside it");
  }

  @Test
  void aReproducerThatIsNotUtf8TextNamesItsFileAndLine(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("binary.repro");
    byte[] head = "# hmmfuzz-reproducer fs=tmpfs expect=pass\nopen f0 size=0x10\nmmap m0 ".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = java.util.Arrays.copyOf(head, head.length + 2);
    bytes[head.length] = (byte) 0xff;
    bytes[head.length + 1] = '\n';
    Files.write(f, bytes);
    Run r = hmmfuzz("replay", f.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains(f + ":3:9: not UTF-8 text: byte 0xff"), r.err());
    assertTrue(!r.err().contains("Exception"), r.err());
  }

  @Test
  void aSummaryListsOneEntryPerFindingAndNotTheOutputDirectory(@TempDir Path dir) throws Exception {
    Run r = hmmfuzz("fuzz", "--duration", "2s", "--seed", "8", "--out", dir.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertTrue(s.get("findings").isArray() && s.get("findings").isEmpty(), s.toString());
    assertTrue(s.get("known").isArray(), s.toString());
    assertTrue(s.get("finished").asBoolean(), s.toString());
    assertTrue(!s.toString().contains(dir.toString()), "the summary names its own directory: " + s);
  }
}
