package io.hmmfuzz.guests;

import io.hmmfuzz.linux.StuckThread;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The local kernel's hang watch: a program that runs for over a minute is stuck (programs take well
 * under a second), so print, once per program, what the kernel says about this JVM's threads (state,
 * system call, wait channel, kernel stack): the system call or fault the program is stuck in. In a
 * guest the executor prints its own STUCK line on the console (executor.c's stuck watch), the watchdog
 * ends the guest, and the hang names the request left unanswered.
 */
public final class StuckWatch {
  private StuckWatch() {}

  public static final Duration STUCK = Duration.ofSeconds(60);

  /** Starts the watch over {@code sinceProgramStart}; interrupt the thread to stop it. */
  public static Thread start(Supplier<Duration> sinceProgramStart, PrintWriter out) {
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
