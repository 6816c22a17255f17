package io.hmmfuzz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.guests.SummaryFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A campaign can be killed at any moment: killed with SIGKILL (no shutdown hook runs) it leaves its
 * output directory with a summary at most a few seconds old, and its scratch directory, which the next
 * run removes; {@code fuzz --resume} then goes on with the same seeds, and the whole equals one run
 * that was never killed: nothing lost, nothing counted twice.
 */
class KillResumeTests {
  private static final long SEED = 20261202;
  private static final String PROGRAMS = "6000";

  private static Process start(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.hmmfuzz.cli.Main"));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static int run(Path log, String... args) throws Exception {
    Process p = start(log, args);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "did not finish: " + Files.readString(log));
    return p.exitValue();
  }

  private static List<Path> scratchOf(long pid) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
      for (Path d : (Iterable<Path>) s::iterator) {
        Path owner = d.resolve(".hmmfuzz-owner");
        if (d.getFileName().toString().startsWith("hmmfuzz-") && Files.exists(owner)
            && Files.readString(owner).startsWith(pid + " ")) {
          out.add(d);
        }
      }
    }
    return out;
  }

  @Test
  void aCampaignKilledWithSigkillResumesWithNothingLostAndNothingCountedTwice(@TempDir Path dir) throws Exception {
    Path whole = dir.resolve("whole");
    Path killed = dir.resolve("killed");
    String seed = Long.toString(SEED);
    assertEquals(0, run(dir.resolve("whole.log"), "fuzz", "--seed", seed, "--max-programs", PROGRAMS, "--duration",
        "10m", "--out", whole.toString()), Files.readString(dir.resolve("whole.log")));

    Process p = start(dir.resolve("killed.log"), "fuzz", "--seed", seed, "--max-programs", PROGRAMS, "--duration",
        "10m", "--out", killed.toString());
    CampaignSummary mid = null;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline && p.isAlive()) {
      mid = Files.exists(killed.resolve(SummaryFile.NAME)) ? SummaryFile.read(killed) : null;
      if (mid != null && mid.programs() > 0) {
        break;
      }
      Thread.sleep(50);
    }
    assertNotNull(mid, "no summary was written while the campaign ran");
    Thread.sleep(700); // past the checkpoint, into programs the summary does not count yet
    assertTrue(p.isAlive(), "the campaign ended before it could be killed: " + Files.readString(dir.resolve("killed.log")));
    List<Path> leaked = scratchOf(p.pid());
    p.destroyForcibly(); // SIGKILL on Linux
    p.waitFor();
    assertFalse(leaked.isEmpty(), "the killed campaign's scratch directory was not found");
    CampaignSummary atKill = SummaryFile.read(killed);
    assertFalse(atKill.finished());
    assertTrue(atKill.programs() > 0 && atKill.programs() < Long.parseLong(PROGRAMS), atKill.toString());

    assertEquals(0, run(dir.resolve("resumed.log"), "fuzz", "--resume", killed.toString(), "--max-programs", PROGRAMS),
        Files.readString(dir.resolve("resumed.log")));
    for (Path d : leaked) {
      assertFalse(Files.exists(d), "the dead run's scratch " + d + " is still there");
    }
    CampaignSummary a = SummaryFile.read(whole);
    CampaignSummary b = SummaryFile.read(killed);
    assertTrue(b.finished());
    assertEquals(SEED, b.seed());
    assertEquals(a.programs(), b.programs());
    assertEquals(a.ops(), b.ops(), "ops lost or counted twice");
    assertEquals(a.outcomes(), b.outcomes(), "outcomes lost or counted twice");
    assertEquals(a.findings(), b.findings());
    assertTrue(Files.readString(dir.resolve("resumed.log")).contains("resuming after program " + atKill.programs()),
        Files.readString(dir.resolve("resumed.log")));
  }
}
