package io.hmmfuzz.corpus;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.linux.CReproducer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-written C reproducers in {@code corpus/c} (what a program of ops cannot say, such as the CPU
 * an op runs on) stay what {@code hmmfuzz replay-c} takes: a first line naming their scratch filesystem,
 * and a build with the flags replay-c uses.
 */
class HandWrittenCTests {
  static final Path DIR = Path.of("c");

  @TempDir
  Path work;

  @TestFactory
  Stream<DynamicTest> everyHandWrittenReproducerBuildsForReplayC() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(p -> p.toString().endsWith(".c")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no C reproducers under " + DIR.toAbsolutePath());
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      assertNotNull(CReproducer.fsOf(Files.readString(f)), f + ": no '/* hmmfuzz replay-c: fs=KIND */' first line");
      Path binary = work.resolve(f.getFileName().toString().replace(".c", ""));
      CReproducer.compile(f.toAbsolutePath(), binary);
      assertTrue(Files.isExecutable(binary));
    }));
  }
}
