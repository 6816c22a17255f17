package io.hmmfuzz.core.exec;

import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import java.util.List;
import java.util.Map;

/**
 * A whole program sent to an executor in one message: the executor runs every op, and the views where
 * they are due, and streams back what each did. The host takes the steps in program order while the
 * executor runs ahead; closing the run waits for the executor to finish the program (its files and
 * mappings are released there). Where the target queues programs ({@link Target#queuesPrograms}), the
 * executor may already run the next program meanwhile; each run's steps and reports stay its own.
 */
public interface ProgramRun extends AutoCloseable {
  /** The next op's step; call at most once per op of the program. */
  Step next();

  /** Closes the run: the executor has finished the program and released it. */
  @Override
  void close();

  /** The kernel reports logged while the program was released, once the run is closed. */
  List<KernelReport> released();

  /**
   * What op did: its outcome, the kernel reports it logged, and the views read after it (null where
   * none were due).
   */
  record Step(Outcome outcome, List<KernelReport> reports, RecordedViews views) {}

  /**
   * Views as the executor read them after an op, and the kernel reports logged meanwhile. A file or
   * mapping the executor did not have (its creating op failed there) is not live.
   */
  record RecordedViews(Map<FileId, Outcome> files, Map<MapId, Outcome[]> cpu, Map<MapId, Outcome[]> device,
      List<KernelReport> reports) implements Views {
    @Override
    public Outcome file(FileId f) {
      return files.getOrDefault(f, Outcome.notLive());
    }

    @Override
    public Outcome[] cpuPages(MapId m, int pages) {
      Outcome[] read = cpu.get(m);
      if (read != null) {
        if (read.length != pages) {
          throw new IllegalStateException("the executor read " + read.length + " pages of " + m + ", not " + pages);
        }
        return read;
      }
      Outcome[] none = new Outcome[pages];
      java.util.Arrays.fill(none, Outcome.notLive());
      return none;
    }

    @Override
    public Outcome devicePage(MapId m, long page) {
      Outcome[] read = device.get(m);
      return read != null && page < read.length ? read[(int) page] : Outcome.notLive();
    }
  }
}
