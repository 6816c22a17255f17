package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.ProgramRun;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.linux.ExecutorProtocol.Answer;
import io.hmmfuzz.linux.ExecutorProtocol.Call;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A connection to a running C executor (executor.c): one request, one answer, in the format of
 * {@link ExecutorProtocol}. The executor is a child process of this JVM talking over its stdin and
 * stdout (the local kernel), or runs in a guest behind a virtio-serial port (the VM target). The
 * executor's own complaints (a malformed request, which is ours) go to its stderr.
 */
public final class ExecutorLink implements AutoCloseable {
  private final OutputStream out;
  private final InputStream in;
  /** What the executor runs in, for messages, and what closing the link ends (the process), or null. */
  private final String where;
  private final Process process;
  private final ByteBuffer request = ByteBuffer.allocate(ExecutorProtocol.REQUEST_SIZE);
  private final byte[] answer = new byte[ExecutorProtocol.RESPONSE_SIZE];
  private final ByteBuffer answerView = ByteBuffer.wrap(answer);
  /** When the request in progress was sent (System.nanoTime), or 0: for a watchdog of hangs. */
  private volatile long busySince;
  private volatile boolean broken;
  /** Why the other end was ended from outside (a guest's watchdog), or null: the executor did not die. */
  private volatile String endedBecause;
  private volatile Call lastCall;
  /** The op of a whole program whose record the host waits for, or -1. */
  private volatile int awaitedOp = -1;
  /**
   * Whole programs sent whose streams have not been read to their end, oldest first: the executor runs
   * them in this order, so their records come in this order. Another request goes out only once they
   * are all read (into their own buffers if their readers are not there yet).
   */
  private final java.util.ArrayDeque<ExecutorProgram> streaming = new java.util.ArrayDeque<>();
  private final byte[] record = new byte[ExecutorProtocol.RECORD_SIZE];
  private final ByteBuffer recordView = ByteBuffer.wrap(record);

  private ExecutorLink(InputStream in, OutputStream out, String where, Process process) {
    // Records come in bursts of up to 64 KiB (the executor sends them at each view point): read them
    // in as few reads.
    this.in = new BufferedInputStream(in, 1 << 16);
    this.out = new BufferedOutputStream(out, 1 << 16);
    this.where = where;
    this.process = process;
  }

  /** Starts the executor built for this machine ({@link ExecutorBuild#binary}) as a child process. */
  static ExecutorLink start() {
    Path bin = ExecutorBuild.binary();
    try {
      Process p = new ProcessBuilder(bin.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      return new ExecutorLink(p.getInputStream(), p.getOutputStream(), "child process " + p.pid(), p);
    } catch (IOException e) {
      throw new InfrastructureException("cannot start the executor " + bin, e);
    }
  }

  /**
   * An executor at the other end of a channel ({@code where}: a guest's virtio-serial port), once it has
   * said hello; closing the link closes the streams only.
   */
  public static ExecutorLink over(InputStream in, OutputStream out, String where) throws IOException {
    ExecutorLink link = new ExecutorLink(in, out, where, null);
    link.readFully(link.answer, 0, link.answer.length);
    Answer hello = Answer.read(link.answerView);
    if (hello.value() != ExecutorProtocol.MAGIC) {
      throw new IOException("the executor in " + where + " did not say hello (got " + hello + ")");
    }
    return link;
  }

  /** The request sent last (the one unanswered, if the executor hangs), with the op awaited of a whole program. */
  public String lastCall() {
    int op = awaitedOp;
    return lastCall == Call.RUN_PROGRAM && op >= 0 ? lastCall + " (op " + op + ")" : String.valueOf(lastCall);
  }

  /** Whether a request failed because the executor went away (no further request can be answered). */
  public boolean broken() {
    return broken;
  }

  /** When the request in progress was sent (System.nanoTime), or 0 between requests. */
  public long busySince() {
    return busySince;
  }

  public String where() {
    return where;
  }

  /** A tool's exit status and output. */
  public record ToolRun(int exit, String output) {}

  /** Runs a tool where the executor runs (mkfs, mount, xfs_info). */
  public ToolRun run(List<String> argv) {
    byte[] args = String.join("\0", argv).getBytes(StandardCharsets.UTF_8);
    Reply r = callForPayload(Call.RUN, args);
    if (r.answer().errno() != 0) {
      throw new InfrastructureException("the executor in " + where + " cannot run " + argv.get(0) + ": "
          + LinuxAbi.errno(r.answer().errno()));
    }
    return new ToolRun((int) r.answer().value(), new String(r.payload(), StandardCharsets.UTF_8));
  }

  /** A text file where the executor runs (/proc/self/mounts, /proc/filesystems), or null if it cannot be read. */
  public String readText(String path) {
    Reply r = callForPayload(Call.READ_TEXT, path.getBytes(StandardCharsets.UTF_8));
    return r.answer().errno() != 0 ? null : new String(r.payload(), StandardCharsets.UTF_8);
  }

  /** statx's STATX_ATTR_DAX of a file: TRUE, FALSE, or null where the kernel does not report it. */
  public Boolean statxDax(String path) {
    Answer a = callWithText(Call.STATX_DAX, path);
    if (a.errno() != 0) {
      throw new InfrastructureException("statx(" + path + ") in " + where + ": " + LinuxAbi.errno(a.errno()));
    }
    return a.value() == 2 ? null : a.value() == 1;
  }

  /** statvfs's f_bsize of a directory. */
  public int blockSize(String path) {
    Answer a = callWithText(Call.BLOCK_SIZE, path);
    if (a.errno() != 0) {
      throw new InfrastructureException("statvfs(" + path + ") in " + where + ": " + LinuxAbi.errno(a.errno()));
    }
    return (int) a.value();
  }

  public int pageSize() {
    return (int) call(Call.PAGE_SIZE).value();
  }

  /** The kernel log's messages since the last call, one per line. */
  public List<String> kernelLog() {
    Reply r = callForPayload(Call.KERNEL_LOG);
    String text = new String(r.payload(), StandardCharsets.UTF_8);
    return text.isEmpty() ? List.of() : List.of(text.split("\n"));
  }

  /** Writes one line to the kernel's log (/dev/kmsg). */
  public void writeKernelLog(String line) {
    Answer a = callWithText(Call.WRITE_KERNEL_LOG, line + "\n");
    if (a.errno() != 0) {
      throw new InfrastructureException("cannot write to /dev/kmsg in " + where + ": " + LinuxAbi.errno(a.errno()));
    }
  }

  /** Re-arms the kernel's WARN_ON_ONCE; false where debugfs does not offer it. */
  public boolean rearmWarnOnce() {
    return call(Call.REARM_WARN_ONCE).errno() == 0;
  }

  /**
   * A whole program in a session of its own: the executor makes {@code dir} first (re-arming the
   * kernel's WARN_ON_ONCE before, if {@code rearm}) and removes it after the program, all in one
   * request, with the device mirror {@code mirror}. {@code reports} turns the kernel log's lines after
   * each op into reports (null: the kernel log is not read). With {@code queue} the program may go out
   * while earlier programs still stream: the executor runs it as soon as it has finished them.
   */
  public ProgramRun program(List<Op> ops, int viewEvery, boolean deviceViews, Path dir, boolean rearm,
      Target.Mirror mirror, Function<List<String>, List<KernelReport>> reports, boolean queue) {
    return new ExecutorProgram(this, ops, viewEvery, deviceViews, new ExecutorProgram.Session(dir, rearm, mirror),
        reports, queue);
  }

  /** A session in a directory the executor makes now and removes (with its files) when the kernel is closed. */
  public ExecutorKernel session(Path dir) {
    return new ExecutorKernel(this, dir, true);
  }

  /** A call whose request payload is {@code text}: a path, or a line for the kernel log. */
  private Answer callWithText(Call call, String text) {
    return callForPayload(call, text.getBytes(StandardCharsets.UTF_8)).answer();
  }

  /**
   * One call: the request with {@code payload[0, payloadLength)}, and the answer, whose payload (if
   * any) is read into {@code into} at {@code intoOffset}.
   */
  Answer call(Call call, byte[] payload, int payloadOffset, int payloadLength, byte[] into, int intoOffset,
      long... args) {
    // No room given means none expected: an answer with a payload then is the executor's error.
    return exchange(call, payload, payloadOffset, payloadLength, into != null ? into : NO_ROOM, intoOffset, args)
        .answer();
  }

  private static final byte[] NO_ROOM = new byte[0];

  /** An answer and its payload. */
  record Reply(Answer answer, byte[] payload) {}

  /** One call whose answer's payload, of a length the caller cannot know, comes back whole. */
  Reply callForPayload(Call call, long... args) {
    return callForPayload(call, new byte[0], args);
  }

  /** As above, with a request payload. */
  Reply callForPayload(Call call, byte[] payload, long... args) {
    return exchange(call, payload, 0, payload.length, null, 0, args);
  }

  /**
   * One request and its answer. The answer's payload goes into {@code into} at {@code intoOffset}, or,
   * with {@code into} null, into a new array of its length.
   */
  private synchronized Reply exchange(Call call, byte[] payload, int payloadOffset, int payloadLength, byte[] into,
      int intoOffset, long... args) {
    busySince = System.nanoTime();
    try {
      send(call, payload, payloadOffset, payloadLength, args);
      readFully(answer, 0, answer.length);
      Answer a = Answer.read(answerView);
      byte[] back = into != null ? into : new byte[a.payload()];
      if (intoOffset + a.payload() > back.length) {
        throw new InfrastructureException("the executor answered " + call + " with " + a.payload()
            + " bytes, more than asked for");
      }
      readFully(back, intoOffset, a.payload());
      return new Reply(a, back);
    } catch (IOException e) {
      broken = true;
      throw lost(String.valueOf(call), e);
    } finally {
      busySince = 0;
    }
  }

  private void send(Call call, byte[] payload, int payloadOffset, int payloadLength, long... args)
      throws IOException {
    // The answer to this request comes after the records of the programs sent before it.
    readStreamsBefore(null);
    write(call, payload, payloadOffset, payloadLength, args);
  }

  /** Writes one request; what the executor still has to send of earlier requests is the caller's to read. */
  private void write(Call call, byte[] payload, int payloadOffset, int payloadLength, long... args)
      throws IOException {
    lastCall = call;
    ExecutorProtocol.request(request, call, payloadLength, args);
    out.write(request.array(), 0, ExecutorProtocol.REQUEST_SIZE);
    if (payloadLength > 0) {
      out.write(payload, payloadOffset, payloadLength);
    }
    out.flush();
  }

  /**
   * Reads the streams of the programs sent before {@code program} (all of them if null) into their own
   * buffers, oldest first: the link's next bytes are then {@code program}'s, or a new request's answer.
   */
  private void readStreamsBefore(ExecutorProgram program) {
    while (!streaming.isEmpty() && streaming.peekFirst() != program) {
      streaming.peekFirst().readRest();
    }
  }

  /** A record of a program's stream and its payload. */
  record Streamed(ExecutorProtocol.RecordHeader header, byte[] payload) {}

  /**
   * The most a program's request may take to go out behind programs still streaming: the executor reads
   * no request until it has sent a program's last record, so the requests not yet read must fit in the
   * pipe's buffer (64 KiB on Linux) for the host never to wait on a write while the executor waits on
   * the host's reads.
   */
  static final int QUEUED_REQUEST_BYTES = 16 << 10;

  /**
   * Sends a whole program (RUN_PROGRAM) for {@code program}, which then reads its records by
   * {@link #nextRecord} up to PROGRAM_END. It may go out while earlier programs still stream (each
   * reader gets its own records) if {@code queue} and its request is small enough; otherwise the
   * earlier programs' records are read into their buffers first.
   */
  synchronized void startProgram(ExecutorProgram program, boolean queue, byte[] ops, long... args) {
    try {
      if (!queue || ExecutorProtocol.REQUEST_SIZE + ops.length > QUEUED_REQUEST_BYTES) {
        readStreamsBefore(null);
      }
      write(Call.RUN_PROGRAM, ops, 0, ops.length, args);
      // Busy from the program's start to its end, not per record: the executor runs ahead of the host's
      // reads, so a kernel report while it runs may come before the host waits for the op's record.
      if (streaming.isEmpty()) {
        busySince = System.nanoTime();
      }
      streaming.addLast(program);
    } catch (IOException e) {
      broken = true;
      busySince = 0;
      throw lost(String.valueOf(Call.RUN_PROGRAM), e);
    }
  }

  /**
   * The next record of {@code program}'s stream, awaited for op {@code op} (for a hang's report). The
   * records of programs sent before it are read into their own buffers first.
   */
  synchronized Streamed nextRecord(ExecutorProgram program, int op) {
    if (!streaming.contains(program)) {
      throw new IllegalStateException("the program is not being streamed");
    }
    readStreamsBefore(program);
    awaitedOp = op;
    try {
      readFully(record, 0, record.length);
      ExecutorProtocol.RecordHeader h = ExecutorProtocol.RecordHeader.read(recordView);
      byte[] payload = new byte[h.payload()];
      readFully(payload, 0, payload.length);
      if (h.kind() == ExecutorProtocol.Record.PROGRAM_END) {
        streaming.removeFirst();
        awaitedOp = -1;
        busySince = streaming.isEmpty() ? 0 : System.nanoTime();
      }
      return new Streamed(h, payload);
    } catch (IOException e) {
      broken = true;
      busySince = 0;
      throw lost(String.valueOf(lastCall()), e);
    }
  }

  Answer call(Call call, long... args) {
    return call(call, null, 0, 0, null, 0, args);
  }

  private void readFully(byte[] b, int off, int len) throws IOException {
    int got = 0;
    while (got < len) {
      int n = in.read(b, off + got, len - got);
      if (n < 0) {
        throw new IOException("end of its output");
      }
      got += n;
    }
  }

  /**
   * Says that the other end is being ended from outside, and why (a guest's watchdog: no answer for the
   * hang timeout), so that the request it breaks is not blamed on the executor.
   */
  public void endedBecause(String why) {
    endedBecause = why;
  }

  private InfrastructureException lost(String call, IOException e) {
    String why = endedBecause;
    return why != null
        ? new InfrastructureException("no answer from the executor during " + call + ": " + why, e)
        : new InfrastructureException("the executor died during " + call + exitStatus(), e);
  }

  private String exitStatus() {
    if (process == null) {
      return " in " + where;
    }
    try {
      if (process.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        return " (exit " + process.exitValue() + ")";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "";
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      // it is gone already
    }
    if (process == null) {
      try {
        in.close();
      } catch (IOException e) {
        // likewise
      }
      return;
    }
    try {
      if (!process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
