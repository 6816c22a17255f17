package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.ProgramRun;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.exec.Views;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.linux.ExecutorLink.Streamed;
import io.hmmfuzz.linux.ExecutorProtocol.ProgramFlag;
import io.hmmfuzz.linux.ExecutorProtocol.Record;
import io.hmmfuzz.linux.ExecutorProtocol.RecordHeader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A whole program run by the C executor (RUN_PROGRAM) in a session of its own: sent in one message, its
 * records read as the host's checks ask for each op's step. Where programs are queued on the link, the
 * records of this program may be read into its buffer before its steps are asked for (the link needs the
 * records of a later program, or an answer).
 */
final class ExecutorProgram implements ProgramRun {
  private final ExecutorLink link;
  private final int size;
  private final int viewEvery;
  private final Function<List<String>, List<KernelReport>> reports;
  /** Records read off the link before the steps asked for them, oldest first. */
  private final ArrayDeque<Streamed> buffered = new ArrayDeque<>();
  /** Whether the log before the program, the first record, was read. */
  private boolean begun;
  /** Whether the program's last record, PROGRAM_END, was read off the link (into the buffer or by a step). */
  private boolean streamed;
  private int next;
  private boolean ended;
  private List<KernelReport> released;

  /**
   * Where the program runs: a directory the executor makes first (re-arming the kernel's WARN_ON_ONCE
   * before, if {@code rearm}) and removes after the program, with its files, going on with the device
   * mirror the program before left open if {@code mirror} is KEPT.
   */
  record Session(Path directory, boolean rearm, Target.Mirror mirror) {}

  /**
   * Starts {@code ops} on {@code link} in {@code session}. {@code reports} turns the kernel log's lines
   * after each op into reports, or is null where the kernel log is not watched. With {@code queue} the
   * program may go out while earlier programs still stream.
   */
  ExecutorProgram(ExecutorLink link, List<Op> ops, int viewEvery, boolean deviceViews, Session session,
      Function<List<String>, List<KernelReport>> reports, boolean queue) {
    if (ops.isEmpty()) {
      throw new IllegalArgumentException("a program has at least one op");
    }
    this.link = link;
    this.size = ops.size();
    this.viewEvery = viewEvery;
    this.reports = reports;
    int flags = (deviceViews ? ProgramFlag.DEVICE_VIEWS.bit() : 0) | (reports != null ? ProgramFlag.KERNEL_LOG.bit() : 0)
        | ProgramFlag.SESSION.bit() | ProgramFlag.END_SESSION.bit() | (session.rearm() ? ProgramFlag.REARM.bit() : 0)
        | (session.mirror() == Target.Mirror.KEPT ? ProgramFlag.KEEP_MIRROR.bit() : 0);
    byte[] path = session.directory().toString().getBytes(StandardCharsets.UTF_8);
    byte[] body = ExecutorProtocol.program(ops);
    byte[] payload = Arrays.copyOf(path, path.length + body.length);
    System.arraycopy(body, 0, payload, path.length, body.length);
    link.startProgram(this, queue, payload, size, viewEvery, flags, fileSlots(ops), mapSlots(ops), path.length);
  }

  /** The next record of this program: from its buffer, else off the link. */
  private Streamed record(int op) {
    Streamed r = buffered.isEmpty() ? link.nextRecord(this, op) : buffered.removeFirst();
    if (r.header().kind() == Record.PROGRAM_END) {
      streamed = true;
    }
    if (!begun) {
      // What the kernel logged before the program is not its finding.
      begun = true;
      if (r.header().kind() != Record.LOG) {
        throw unexpected(r.header(), "the log before the program");
      }
      return record(op);
    }
    return r;
  }

  /** Reads the rest of this program's stream off the link into its buffer (the link is needed for what comes after). */
  void readRest() {
    while (!streamed) {
      Streamed r = link.nextRecord(this, Math.min(next, size - 1));
      buffered.addLast(r);
      streamed = r.header().kind() == Record.PROGRAM_END;
    }
  }

  /** The slots the executor keeps for a program's files: the highest index + 1. */
  static int fileSlots(List<Op> ops) {
    return ops.stream().flatMap(op -> op.files().stream()).mapToInt(f -> f.n() + 1).max().orElse(0);
  }

  /** The slots the executor keeps for a program's mappings: the highest index + 1. */
  static int mapSlots(List<Op> ops) {
    return ops.stream().flatMap(op -> op.mappings().stream()).mapToInt(m -> m.n() + 1).max().orElse(0);
  }

  @Override
  public Step next() {
    if (next >= size) {
      throw new IllegalStateException("the program has " + size + " ops");
    }
    int i = next++;
    Streamed op = expect(Record.OP, i);
    Outcome outcome = outcome(op);
    List<KernelReport> logged = log(expect(Record.LOG, i));
    RecordedViews views = null;
    if (Views.due(viewEvery, i, size)) {
      views = views(i);
    }
    return new Step(outcome, logged, views);
  }

  private RecordedViews views(int i) {
    Map<FileId, Outcome> files = new HashMap<>();
    Map<Integer, List<Outcome>> cpu = new TreeMap<>();
    Map<Integer, List<Outcome>> device = new TreeMap<>();
    for (;;) {
      Streamed r = record(i);
      RecordHeader h = r.header();
      switch (h.kind()) {
        case FILE_VIEW -> files.put(new FileId(h.id()), outcome(r));
        case CPU_VIEW -> page(cpu, h, outcome(r));
        case DEVICE_VIEW -> page(device, h, outcome(r));
        case VIEWS_END -> {
          return new RecordedViews(files, arrays(cpu), arrays(device), log(r));
        }
        default -> throw unexpected(h, "a view after op " + i);
      }
    }
  }

  private static void page(Map<Integer, List<Outcome>> views, RecordHeader h, Outcome o) {
    List<Outcome> pages = views.computeIfAbsent(h.id(), k -> new ArrayList<>());
    if (h.page() != pages.size()) {
      throw new IllegalStateException("the executor sent page " + h.page() + " of m" + h.id() + " after "
          + pages.size() + " pages");
    }
    pages.add(o);
  }

  private static Map<MapId, Outcome[]> arrays(Map<Integer, List<Outcome>> views) {
    Map<MapId, Outcome[]> out = new HashMap<>();
    views.forEach((m, pages) -> out.put(new MapId(m), pages.toArray(Outcome[]::new)));
    return out;
  }

  private Streamed expect(Record kind, int op) {
    Streamed r = record(op);
    if (r.header().kind() == Record.PROGRAM_END && r.header().id() < 0) {
      ended = true;
      throw new InfrastructureException("the executor in " + link.where() + " cannot make the program's session"
          + " directory: " + LinuxAbi.errno(r.header().errno()));
    }
    if (r.header().kind() != kind || (kind == Record.OP && r.header().id() != op)) {
      throw unexpected(r.header(), kind + " of op " + op);
    }
    return r;
  }

  private static IllegalStateException unexpected(RecordHeader h, String wanted) {
    return new IllegalStateException("the executor sent " + h + " where " + wanted + " was due");
  }

  private static Outcome outcome(Streamed r) {
    RecordHeader h = r.header();
    byte[] data = h.hasData() ? r.payload() : null;
    return switch (h.status()) {
      case OK -> Outcome.ok(h.value(), data);
      case ERROR -> Outcome.error(LinuxAbi.errno(h.errno()), h.errno());
      case SIGNAL -> Outcome.signal(ExecutorProtocol.signal(h.signal()), h.value(), data);
      case NOT_LIVE -> Outcome.notLive();
    };
  }

  private List<KernelReport> log(Streamed r) {
    if (reports == null || r.payload().length == 0) {
      return List.of();
    }
    return reports.apply(List.of(new String(r.payload(), StandardCharsets.UTF_8).split("\n")));
  }

  /** Reads the rest of the program's stream: the executor finishes every op and releases the program. */
  @Override
  public void close() {
    if (ended) {
      return;
    }
    ended = true;
    if (!streamed && link.broken()) {
      return;
    }
    for (;;) {
      Streamed r = record(Math.min(next, size - 1));
      if (r.header().kind() == Record.PROGRAM_END) {
        released = log(r);
        if (r.header().status() == Outcome.Status.ERROR) {
          throw new InfrastructureException("the executor in " + link.where() + " cannot remove the program's"
              + " session directory: " + LinuxAbi.errno(r.header().errno()));
        }
        return;
      }
      if (r.header().kind() == Record.OP) {
        next = r.header().id() + 1;
      }
    }
  }

  @Override
  public List<KernelReport> released() {
    if (!ended) {
      throw new IllegalStateException("the program's run is not closed");
    }
    return released == null ? List.of() : released;
  }
}
