package io.hmmfuzz.core.exec;

import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;

/**
 * What the checks between ops read of a target: each file through fstat and pread, each mapping page
 * by page through CPU loads and through the device mirror. Read live ({@link Execution}), or recorded
 * by an executor that runs whole programs ({@link ProgramRun}).
 */
public interface Views {
  /** The file view: fstat's st_size and pread of [0, size), through a read-only fd if the program closed it. */
  Outcome file(FileId f);

  /** Pages [0, pages) of mapping m through CPU loads, each page on its own. */
  Outcome[] cpuPages(MapId m, int pages);

  /** Page {@code page} of mapping m through test_hmm's READ of one page. */
  Outcome devicePage(MapId m, long page);

  /** Whether the views are read after op {@code op} of {@code ops}: every {@code viewEvery}-th (0: none) and the last. */
  static boolean due(int viewEvery, int op, int ops) {
    return (viewEvery > 0 && (op + 1) % viewEvery == 0) || op == ops - 1;
  }
}
