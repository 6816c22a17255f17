package io.hmmfuzz.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.linux.LinuxTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every reproducer in {@code corpus/reproducers}: it must parse and print back identically,
 * the model must run it, and on the local kernel, where a scratch filesystem of its kind can be made
 * and the probed capabilities match its header, it must diverge exactly when its header says
 * {@code expect=divergence}. So every fixed divergence stays fixed.
 */
class CorpusReplayTests {
  static final Path DIR = Path.of("reproducers");
  static final Map<FsKind, Object> TARGETS = new EnumMap<>(FsKind.class);

  @AfterAll
  static void closeTargets() {
    for (Object t : TARGETS.values()) {
      if (t instanceof LinuxTarget lt) {
        lt.close();
      }
    }
  }

  static synchronized LinuxTarget target(FsKind kind) {
    Object t = TARGETS.computeIfAbsent(kind, k -> {
      try {
        return LinuxTarget.create(k);
      } catch (TargetUnavailableException e) {
        return e.getMessage();
      }
    });
    assumeTrue(t instanceof LinuxTarget, () -> "skipped on this machine: " + t);
    return (LinuxTarget) t;
  }

  @TestFactory
  Stream<DynamicContainer> everyReproducerReplays() throws Exception {
    List<Path> files = Corpus.list(DIR);
    assertFalse(files.isEmpty(), "no reproducers under " + DIR.toAbsolutePath());
    List<DynamicContainer> out = new ArrayList<>();
    for (Path f : files) {
      Reproducer r = Corpus.load(f);
      out.add(DynamicContainer.dynamicContainer(f.getFileName().toString(), Stream.of(
          DynamicTest.dynamicTest("text round trip", () -> {
            assertEquals(r.program(), ProgramText.parse(ProgramText.print(r.program()), f.toString()));
            assertEquals(r.render(), Reproducer.parse(r.render(), f.toString()).render());
          }),
          DynamicTest.dynamicTest("model runs it", () -> {
            Model m = new Model(r.capabilities());
            for (int i = 0; i < r.program().size(); i++) {
              r.program().op(i).model(m, i);
            }
          }),
          DynamicTest.dynamicTest("local kernel: " + (r.expectsDivergence() ? "diverges" : "no divergence"), () -> {
            LinuxTarget t = target(FsKind.parse(r.fs()));
            assumeTrue(r.runsOn(t.capabilities()), () -> "skipped: made with " + r.capabilities().summary()
                + ", this machine's " + r.fs() + " has " + t.capabilities().summary());
            assumeTrue(t.capabilities().testHmm() || r.program().ops().stream().noneMatch(op -> op.kind().device()),
                "skipped: uses device ops and this kernel has no test_hmm");
            RunResult res = new Runner(t, r.viewEvery()).run(r.program());
            assumeTrue(!r.flaky(), () -> "expect=flaky: ran, " + (res.diverged() ? "diverged" : "did not diverge"));
            assertEquals(r.expectsDivergence(), res.diverged(),
                res.diverged() ? res.divergence().render("hmmfuzz replay corpus/" + f) : "no divergence");
          }))));
    }
    return out.stream();
  }
}
