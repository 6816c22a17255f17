package io.hmmfuzz.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-flight file is what a host saves when a guest hangs: it must replay as the program ran. */
class InFlightTests {
  @Test
  void recordsTheViewIntervalOfTheRunnerThatRunsIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("in-flight" + Corpus.SUFFIX);
    InFlight inFlight = new InFlight(file, GeneratorProperties.XFS);
    Program p = new ProgramGenerator(Profile.standard(), GeneratorProperties.XFS).generate(7);

    inFlight.accept(p, 0); // a shrink candidate with views only after the last op
    Reproducer r = Corpus.load(file);
    assertEquals("0", r.get("view-every"));
    assertEquals(ProgramText.print(p), ProgramText.print(r.program()));

    inFlight.accept(p, 1); // the precise runner: the default, so no header entry
    assertNull(Corpus.load(file).get("view-every"));

    inFlight.accept(p, 8);
    assertEquals("8", Corpus.load(file).get("view-every"));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temp file left beside it");
    }
  }
}
