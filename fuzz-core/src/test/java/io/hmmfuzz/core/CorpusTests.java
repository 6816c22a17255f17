package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTests {
  @Test
  void saveIsAtomicAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
    Reproducer r = new Reproducer(Map.of("fs", "tmpfs", "expect", "pass"), List.of("note"),
        ProgramText.parse("open f0 size=0x10\n", "t"));
    Path p = Corpus.save(dir, "one", r);
    Path q = Corpus.save(dir, "one", r.with("expect", "divergence"));
    assertEquals(p, q);
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(dir.resolve("one.repro")), s.toList());
    }
    assertEquals("divergence", Corpus.load(p).get("expect"));
    assertEquals(List.of(p), Corpus.list(dir));
  }
}
