package io.hmmfuzz.cli;

import io.hmmfuzz.linux.StuckThread;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A program that runs for over a minute is stuck (programs take well under a second): print, once per
 * program, what the kernel says about the JVM's threads, so that a hang report (a host kills a guest
 * that makes no progress) names the system call or fault the program is stuck in.
 */
final class StuckWatch {
  private StuckWatch() {}

  static final Duration STUCK = Duration.ofSeconds(60);

  /** Starts the watch over {@code sinceProgramStart}; interrupt the thread to stop it. */
  static Thread start(Supplier<Duration> sinceProgramStart, PrintWriter out) {
    Thread t = new Thread(() -> {
      boolean told = false;
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(5_000);
        } catch (InterruptedException e) {
          return;
        }
        Duration running = sinceProgramStart.get();
        boolean stuck = running.compareTo(STUCK) > 0;
        if (stuck && !told) {
          out.println("STUCK: the current program has run for " + running.toSeconds() + " s:");
          out.print(StuckThread.describe("java"));
          out.flush();
        }
        told = stuck;
      }
    }, "hmmfuzz-stuck-watch");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
