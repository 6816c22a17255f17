package io.hmmfuzz.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Running the host's tools (mkfs, mount, tar, make, qemu), found on PATH or in the sbin directories. */
public final class Commands {
  private Commands() {}

  public static Path find(String name) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
    dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
    for (String d : dirs) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
        return Path.of(d, name);
      }
    }
    return null;
  }

  /** Runs cmd and returns its combined output; fails with the output on a non-zero exit or timeout. */
  public static String run(List<String> cmd) throws IOException {
    StringBuilder out = new StringBuilder();
    run(cmd, null, Duration.ofMinutes(2), line -> out.append(line).append('\n'));
    return out.toString();
  }

  /** Runs cmd in dir, passing each output line to sink. */
  public static void run(List<String> cmd, Path dir, Duration timeout, Consumer<String> sink) throws IOException {
    List<String> full = new ArrayList<>(cmd);
    Path tool = find(cmd.get(0));
    if (tool != null) {
      full.set(0, tool.toString());
    }
    ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    Process p = pb.start();
    List<String> tail = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null;) {
        sink.accept(line);
        tail.add(line);
        if (tail.size() > 20) {
          tail.remove(0);
        }
      }
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " timed out after " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
          + String.join("\n", tail).trim());
    }
  }
}
