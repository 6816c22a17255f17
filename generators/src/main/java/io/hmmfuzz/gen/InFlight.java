package io.hmmfuzz.gen;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ObjIntConsumer;

/**
 * The program about to run, kept as a reproducer file (written atomically before every run): if the
 * kernel hangs or dies during it, this is the program to report. Rewriting it is also the campaign's
 * heartbeat for a host that watches a guest.
 */
public final class InFlight implements ObjIntConsumer<Program> {
  private final Path file;
  private final Capabilities caps;

  public InFlight(Path file, Capabilities caps) {
    this.file = file;
    this.caps = caps;
  }

  @Override
  public void accept(Program program, int viewEvery) {
    try {
      String name = file.getFileName().toString().replaceFirst("\\" + Corpus.SUFFIX + "$", "");
      Corpus.save(file.toAbsolutePath().getParent(), name, reproducer(program, viewEvery, caps));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** A program about to run with {@code caps} and {@code viewEvery}, as the reproducer to report if the kernel stops answering. */
  public static Reproducer reproducer(Program program, int viewEvery, Capabilities caps) {
    Map<String, String> h = Campaign.header(caps);
    if (viewEvery != 1) {
      h.put("view-every", Integer.toString(viewEvery));
    }
    h.put("expect", "divergence");
    return new Reproducer(h, List.of("the program running when the kernel stopped answering"), program);
  }
}
