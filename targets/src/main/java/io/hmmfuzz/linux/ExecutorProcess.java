package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.linux.ExecutorProtocol.Answer;
import io.hmmfuzz.linux.ExecutorProtocol.Call;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A running C executor (executor.c), a child process of this JVM talking over its stdin and stdout:
 * one request, one answer, in the format of {@link ExecutorProtocol}. The executor's own complaints
 * (a malformed request, which is ours) go to this process's stderr.
 */
final class ExecutorProcess implements AutoCloseable {
  private final Process process;
  private final OutputStream out;
  private final InputStream in;
  private final ByteBuffer request = ByteBuffer.allocate(ExecutorProtocol.REQUEST_SIZE);
  private final byte[] answer = new byte[ExecutorProtocol.RESPONSE_SIZE];
  private final ByteBuffer answerView = ByteBuffer.wrap(answer);

  private ExecutorProcess(Process process) {
    this.process = process;
    this.out = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
    this.in = process.getInputStream();
  }

  /** Starts the executor built for this machine ({@link ExecutorBuild#binary}). */
  static ExecutorProcess start() {
    Path bin = ExecutorBuild.binary();
    try {
      Process p = new ProcessBuilder(bin.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      return new ExecutorProcess(p);
    } catch (IOException e) {
      throw new InfrastructureException("cannot start the executor " + bin, e);
    }
  }

  /**
   * One call: the request with {@code payload[0, payloadLength)}, and the answer, whose payload (if
   * any) is read into {@code into} at {@code intoOffset}.
   */
  synchronized Answer call(Call call, byte[] payload, int payloadOffset, int payloadLength, byte[] into,
      int intoOffset, long... args) {
    try {
      ExecutorProtocol.request(request, call, payloadLength, args);
      out.write(request.array(), 0, ExecutorProtocol.REQUEST_SIZE);
      if (payloadLength > 0) {
        out.write(payload, payloadOffset, payloadLength);
      }
      out.flush();
      readFully(answer, 0, answer.length);
      Answer a = Answer.read(answerView);
      if (a.payload() > 0) {
        if (into == null || intoOffset + a.payload() > into.length) {
          throw new InfrastructureException("the executor answered " + call + " with " + a.payload()
              + " bytes, more than asked for");
        }
        readFully(into, intoOffset, a.payload());
      }
      return a;
    } catch (IOException e) {
      throw new InfrastructureException("the executor died during " + call + exitStatus(), e);
    }
  }

  /** An answer and its payload. */
  record Reply(Answer answer, byte[] payload) {}

  /** One call whose answer's payload, of a length the caller cannot know, comes back whole. */
  synchronized Reply callForPayload(Call call, long... args) {
    try {
      ExecutorProtocol.request(request, call, 0, args);
      out.write(request.array(), 0, ExecutorProtocol.REQUEST_SIZE);
      out.flush();
      readFully(answer, 0, answer.length);
      Answer a = Answer.read(answerView);
      byte[] payload = new byte[a.payload()];
      readFully(payload, 0, payload.length);
      return new Reply(a, payload);
    } catch (IOException e) {
      throw new InfrastructureException("the executor died during " + call + exitStatus(), e);
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

  private String exitStatus() {
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
