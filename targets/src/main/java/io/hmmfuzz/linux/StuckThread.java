package io.hmmfuzz.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What the kernel says about a thread of this process that stopped making progress: its state, the
 * system call it is in (or "running" in user space, e.g. faulting the same page forever), where it
 * waits, and its kernel stack where the kernel offers one (/proc/self/task/TID/{stat,syscall,wchan,stack}).
 */
public final class StuckThread {
  private StuckThread() {}

  /** The report for the threads named {@code comm} (the JVM names its launcher and main threads "java"). */
  public static String describe(String comm) {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        if (!read(t.resolve("comm")).strip().equals(comm)) {
          continue;
        }
        String stat = read(t.resolve("stat"));
        int close = stat.lastIndexOf(')');
        String state = close > 0 && close + 2 < stat.length() ? stat.substring(close + 2, close + 3) : "?";
        sb.append("thread ").append(t.getFileName()).append(" (").append(comm).append("): state ").append(state)
            .append(", syscall ").append(read(t.resolve("syscall")).strip())
            .append(", wchan ").append(read(t.resolve("wchan")).strip()).append('\n');
        String stack = read(t.resolve("stack"));
        if (!stack.isBlank()) {
          stack.lines().forEach(l -> sb.append("  ").append(l).append('\n'));
        }
      }
    } catch (IOException e) {
      sb.append("cannot list /proc/self/task: ").append(e.getMessage()).append('\n');
    }
    return sb.toString();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "";
    }
  }
}
