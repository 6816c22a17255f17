package io.hmmfuzz.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.repro.FsxLog;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.linux.LinuxTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every op log under {@code corpus/fsx}, recorded by fsx itself on a run it ended A-OK, imports and
 * replays with no divergence on the local kernel, on the filesystem its name starts with (views after
 * every op). See corpus/fsx/README.md for how each was recorded.
 */
class FsxImportTests {
  static final Path DIR = Path.of("fsx");

  @TestFactory
  Stream<DynamicTest> everyRecordedFsxLogReplaysClean() throws Exception {
    List<Path> logs;
    try (Stream<Path> s = Files.list(DIR)) {
      logs = s.filter(p -> p.toString().endsWith(".fsxops")).sorted().toList();
    }
    assertFalse(logs.isEmpty(), "no fsx logs under " + DIR.toAbsolutePath());
    return logs.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      FsxLog.Imported imported = FsxLog.parse(Files.readString(f), f.toString());
      assertTrue(imported.fsxOps() > 40, "too few ops to mean anything: " + imported);
      FsKind kind = FsKind.parse(f.getFileName().toString().split("-")[0]);
      LinuxTarget t;
      try {
        t = LinuxTarget.create(kind);
      } catch (TargetUnavailableException e) {
        assumeTrue(false, "skipped on this machine: " + e.getMessage());
        return;
      }
      try (t) {
        assumeTrue(kind != FsKind.XFS || t.capabilities().reflink(), "scratch xfs has no reflink");
        RunResult res = new Runner(t, 1).run(imported.program());
        assertEquals(imported.program().size(), res.opsExecuted());
        assertFalse(res.diverged(), () -> res.divergence().render("hmmfuzz import-fsx corpus/" + f));
      }
    }));
  }
}
