package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the C executor from its source in the jar ({@code targets/src/main/c}) with the machine's gcc,
 * statically (a guest runs it from the host's root without the host's libraries), on first use. Kept in
 * {@code ToolCache.dir("executor")/<key>/hmmfuzz-executor}, keyed by the source, the generated protocol
 * header and the compiler's version, built in a temp directory and renamed into place.
 */
public final class ExecutorBuild {
  private ExecutorBuild() {}

  static final List<String> SOURCES = List.of("executor.c", "hmm_program.h", "hmm_ops.h");
  static final String BINARY = "hmmfuzz-executor";
  static final List<String> CFLAGS = List.of("-O2", "-static", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function",
      "-Wno-unused-parameter");

  private static Path built;

  /** The machine's gcc, which builds the executor, or null where there is none. */
  static Path gcc() {
    return Commands.find("gcc");
  }

  /** The executor binary, built if the cache has none for this source. */
  public static synchronized Path binary() {
    if (built != null && Files.isExecutable(built)) {
      return built;
    }
    Map<String, String> files = sources();
    Path gcc = gcc();
    if (gcc == null) {
      throw new TargetUnavailableException("gcc not found: the C executor is built with the machine's gcc;"
          + " apt-get install gcc libc6-dev (or use --executor jna)");
    }
    String compiler;
    try {
      compiler = Commands.run(List.of(gcc.toString(), "--version")).lines().findFirst().orElse("");
    } catch (IOException e) {
      throw new TargetUnavailableException("gcc --version failed: " + e.getMessage());
    }
    Path dir = ToolCache.dir("executor").resolve(key(files, compiler));
    Path bin = dir.resolve(BINARY);
    if (!Files.isExecutable(bin)) {
      build(files, gcc, dir, bin);
    }
    built = bin;
    return bin;
  }

  /** The C sources from the jar, and the protocol header written from {@link ExecutorProtocol}. */
  static Map<String, String> sources() {
    Map<String, String> files = new LinkedHashMap<>();
    for (String name : SOURCES) {
      try (InputStream in = ExecutorBuild.class.getResourceAsStream("/io/hmmfuzz/executor/" + name)) {
        if (in == null) {
          throw new InfrastructureException("the executor's source " + name + " is missing from the jar");
        }
        files.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new InfrastructureException("cannot read the executor's source " + name, e);
      }
    }
    files.put("executor_protocol.h", ExecutorProtocol.cHeader());
    return files;
  }

  private static String key(Map<String, String> files, String compiler) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, String> f : files.entrySet()) {
        d.update((f.getKey() + "\0" + f.getValue() + "\0").getBytes(StandardCharsets.UTF_8));
      }
      d.update((String.join(" ", CFLAGS) + "\0" + compiler).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void build(Map<String, String> files, Path gcc, Path dir, Path bin) {
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempDirectory(dir, ".build-");
      try {
        for (Map.Entry<String, String> f : files.entrySet()) {
          Files.writeString(tmp.resolve(f.getKey()), f.getValue());
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(gcc.toString()));
        cmd.addAll(CFLAGS);
        cmd.addAll(List.of("-o", BINARY, "executor.c"));
        try {
          Commands.run(cmd, tmp, java.time.Duration.ofMinutes(2), line -> { });
        } catch (IOException e) {
          throw new TargetUnavailableException("cannot build the C executor (" + e.getMessage()
              + "); a static build needs libc6-dev (apt-get install gcc libc6-dev), or use --executor jna");
        }
        Files.move(tmp.resolve(BINARY), bin, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        ScratchFilesystem.deleteTree(tmp);
      }
    } catch (IOException e) {
      throw new InfrastructureException("cannot build the executor in " + dir, e);
    }
  }
}
