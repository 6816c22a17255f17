package io.hmmfuzz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hmmfuzz bench throughput} end to end on tmpfs, with a stand-in for fsx. */
class BenchTests {
  @Test
  void throughputMeasuresBothExecutorsAndFsxSideBySide(@TempDir Path dir) throws Exception {
    // Stands in for fsx: writes its arguments where the test can see them, and ends well.
    Path args = dir.resolve("fsx-args");
    Path fsx = dir.resolve("fake-fsx");
    Files.writeString(fsx, "#!/bin/sh\necho \"$@\" >> " + args + "\nsleep 0.2\n");
    Files.setPosixFilePermissions(fsx, PosixFilePermissions.fromString("rwx------"));
    CliTests.Run r = CliTests.hmmfuzz("bench", "throughput", "--rounds", "2", "--seconds", "1", "--fsx", fsx.toString(),
        "--out", dir.resolve("out").toString());
    assertEquals(0, r.code(), r.out() + r.err());
    for (String line : List.of("round 1  hmmfuzz jna", "round 1  hmmfuzz c", "round 2  fsx", "median ops/s:",
        "hmmfuzz c / hmmfuzz jna = ", "hmmfuzz jna / fsx = ")) {
      assertTrue(r.out().contains(line), line + " missing from:\n" + r.out());
    }
    List<String> runs = Files.readAllLines(args);
    assertEquals(2, runs.size(), "fsx runs once a round: " + runs);
    // Its file lies on the benchmark's own scratch tmpfs, with the sizes asked for.
    assertTrue(runs.get(0).matches("-q -N 20000 -l 32768 -o 8192 /dev/shm/hmmfuzz-[^ ]+/fsx/f"), runs.get(0));
  }

  /**
   * The fast subset of {@code bench bugs}: two planted bugs that tmpfs can show, one seed each; the
   * full table (xfs, every bug, several seeds) is BENCHMARKS.md's. Where the scratch tmpfs cannot be
   * made (not root) the run is a usage of the target, and says so.
   */
  @Test
  void bugsFindsAndShrinksPlantedBugsToTheirKnownMinimum(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bugs.json");
    CliTests.Run r = CliTests.hmmfuzz("bench", "bugs", "--fs", "tmpfs", "--seeds", "1", "--bug",
        "PUNCH_HOLE_LEAVES_MAPPING_STALE,PWRITE_LEAVES_MAPPING_STALE,COLLAPSE_LEAVES_MAPPING_STALE", "--json",
        json.toString());
    org.junit.jupiter.api.Assumptions.assumeTrue(r.code() != 4, () -> "skipped: " + r.out() + r.err());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("SKIP COLLAPSE_LEAVES_MAPPING_STALE") && r.out().contains("has no collapse"), r.out());
    com.fasterxml.jackson.databind.JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
    assertEquals(2, rows.size(), rows.toString());
    for (com.fasterxml.jackson.databind.JsonNode row : rows) {
      assertTrue(row.get("found").asBoolean(), row.toString());
      assertEquals(row.get("knownMinimum").asInt(), row.get("shrunkLength").asInt(), row.toString());
      assertTrue(row.get("secondsToFind").asDouble() >= 0 && row.get("shrinkSeconds").asDouble() > 0, row.toString());
    }
  }

  @Test
  void aMissingFsxIsAUsageError(@TempDir Path dir) {
    CliTests.Run r = CliTests.hmmfuzz("bench", "throughput", "--fsx", dir.resolve("nope").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("is not an executable file"), r.err());
  }
}
