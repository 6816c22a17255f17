package io.hmmfuzz.vm;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.linux.Commands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds a bzImage for the VM target: the config fragment (test_hmm, device-private memory, fs-dax,
 * legacy pmem, XFS, ext4, btrfs, 9p over virtio, serial console, what a JVM needs) merged over a base config
 * (tinyconfig by default), verified option by option, then built out of tree. Builds are cached
 * outside the repository, keyed by the source, the base config and the fragment; a cached kernel is
 * reused as it is.
 */
public final class KernelBuild {
  public static final Path DEBIAN_SOURCE = Path.of("/usr/src/linux-source-6.1.tar.xz");
  public static final String FRAGMENT_RESOURCE = "hmmfuzz.config";

  private final Path source;
  private final Path baseConfig;
  private final Path cacheRoot;
  private final Consumer<String> log;

  /**
   * @param source     a kernel tree, or a .tar.xz of one (default: Debian's linux-source-6.1)
   * @param baseConfig a .config to start from, or null for tinyconfig
   * @param cacheRoot  where builds are kept (default {@link #defaultCache()})
   * @param log        progress lines
   */
  public KernelBuild(Path source, Path baseConfig, Path cacheRoot, Consumer<String> log) {
    this.source = source != null ? source : DEBIAN_SOURCE;
    this.baseConfig = baseConfig;
    this.cacheRoot = cacheRoot != null ? cacheRoot : defaultCache();
    this.log = log;
  }

  /** /var/cache/hmmfuzz/kernels as root, else $XDG_CACHE_HOME (or ~/.cache)/hmmfuzz/kernels; HMMFUZZ_CACHE overrides. */
  public static Path defaultCache() {
    return io.hmmfuzz.linux.ToolCache.dir("kernels");
  }

  public static String fragment() {
    try (InputStream in = KernelBuild.class.getResourceAsStream(FRAGMENT_RESOURCE)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("config fragment missing from the jar", e);
    }
  }

  /** CONFIG_X=y lines of the fragment, by option name. */
  static Map<String, String> options(String config) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : config.split("\n")) {
      line = line.trim();
      if (line.startsWith("CONFIG_") && line.contains("=")) {
        out.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
      } else if (line.startsWith("# CONFIG_") && line.endsWith(" is not set")) {
        out.put(line.substring(2, line.indexOf(' ', 2)), "n");
      }
    }
    return out;
  }

  /**
   * Options of the fragment that one scratch filesystem kind alone needs: a kernel without one runs every
   * other kind, and a guest skips {@code --fs} of that kind naming the option (GuestTarget). The tool's
   * builds have them (the fragment); a kernel of one's own may not.
   */
  public static final java.util.Set<String> ONE_FILESYSTEM_ONLY = java.util.Set.of("CONFIG_BTRFS_FS");

  /** Options of the fragment that {@code config} lacks, each with the reason Kconfig gives, if found. */
  public static List<String> missing(String config, Path tree) throws IOException {
    return missing(config, tree, true);
  }

  /**
   * Options of the fragment that {@code config} lacks, each with the reason Kconfig gives, if found;
   * without {@link #ONE_FILESYSTEM_ONLY} unless {@code all}.
   */
  public static List<String> missing(String config, Path tree, boolean all) throws IOException {
    Map<String, String> have = options(config);
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> want : options(fragment()).entrySet()) {
      if (!all && ONE_FILESYSTEM_ONLY.contains(want.getKey())) {
        continue;
      }
      if (!want.getValue().equals(have.getOrDefault(want.getKey(), "n"))) {
        out.add(want.getKey() + "=" + want.getValue() + " is " + have.getOrDefault(want.getKey(), "not set")
            + (tree != null ? dependsOn(tree, want.getKey().substring("CONFIG_".length())) : ""));
      }
    }
    return out;
  }

  private static String dependsOn(Path tree, String symbol) throws IOException {
    try (Stream<Path> s = Files.walk(tree)) {
      for (Path k : (Iterable<Path>) s.filter(p -> p.getFileName().toString().startsWith("Kconfig"))::iterator) {
        List<String> lines = Files.readAllLines(k, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i).trim();
          if (l.equals("config " + symbol) || l.equals("menuconfig " + symbol)) {
            List<String> deps = new ArrayList<>();
            for (int j = i + 1; j < lines.size() && !lines.get(j).trim().startsWith("config ")
                && !lines.get(j).trim().startsWith("menuconfig "); j++) {
              String d = lines.get(j).trim();
              if (d.startsWith("depends on")) {
                deps.add(d);
              }
            }
            return " (" + tree.relativize(k) + ": " + (deps.isEmpty() ? "no 'depends on'" : String.join("; ", deps))
                + ")";
          }
        }
      }
    }
    return " (no Kconfig defines it in this tree)";
  }

  /** The cache key: the source's identity, the base config and the fragment. */
  String key() throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (Files.isDirectory(source)) {
        md.update(source.toRealPath().toString().getBytes(StandardCharsets.UTF_8));
      } else {
        try (InputStream in = Files.newInputStream(source)) {
          byte[] buf = new byte[1 << 20];
          for (int n; (n = in.read(buf)) > 0;) {
            md.update(buf, 0, n);
          }
        }
      }
      md.update((byte) 0);
      if (baseConfig != null) {
        md.update(Files.readAllBytes(baseConfig));
      }
      md.update((byte) 0);
      md.update(fragment().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Builds (or finds in the cache) the kernel and returns the bzImage. */
  public Path build() throws IOException {
    if (!Files.exists(source)) {
      throw new TargetUnavailableException("kernel source " + source + " not found: apt-get install linux-source-6.1,"
          + " or pass --source DIR");
    }
    for (String tool : List.of("make", "gcc", "flex", "bison", "bc")) {
      if (Commands.find(tool) == null) {
        throw new TargetUnavailableException(tool + " not found: apt-get install build-essential flex bison bc"
            + " libelf-dev libssl-dev cpio");
      }
    }
    Path dir = cacheRoot.resolve(key());
    Path image = dir.resolve("bzImage");
    if (Files.exists(image)) {
      log.accept("cached kernel " + image);
      return image;
    }
    Files.createDirectories(dir);
    Path tree = source;
    if (!Files.isDirectory(source)) {
      tree = dir.resolve("src");
      if (!Files.exists(dir.resolve("src.done"))) {
        log.accept("extracting " + source + " into " + tree);
        Files.createDirectories(tree);
        Commands.run(List.of("tar", "-xf", source.toString(), "-C", tree.toString(), "--strip-components=1"), null,
            Duration.ofMinutes(20), l -> {});
        Files.writeString(dir.resolve("src.done"), source + "\n");
      }
    }
    Path out = dir.resolve("build");
    Files.createDirectories(out);
    List<String> make = List.of("make", "-C", tree.toString(), "O=" + out, "ARCH=x86_64");
    if (baseConfig != null) {
      Files.copy(baseConfig, out.resolve(".config"), StandardCopyOption.REPLACE_EXISTING);
    } else {
      run(make, "tinyconfig");
    }
    Path frag = dir.resolve("hmmfuzz.config");
    Files.writeString(frag, fragment());
    Commands.run(List.of(tree.resolve("scripts/kconfig/merge_config.sh").toString(), "-m", "-O", out.toString(),
        out.resolve(".config").toString(), frag.toString()), tree, Duration.ofMinutes(5), l -> {});
    run(make, "olddefconfig");
    List<String> missing = missing(Files.readString(out.resolve(".config")), tree);
    if (!missing.isEmpty()) {
      throw new InfrastructureException("the merged .config lacks options the VM target needs:\n  "
          + String.join("\n  ", missing));
    }
    int jobs = Runtime.getRuntime().availableProcessors() + 1;
    log.accept("building bzImage in " + out + " (make -j" + jobs + "; about 17 minutes on 2 cores)");
    List<String> build = new ArrayList<>(make);
    build.add("-j" + jobs);
    build.add("bzImage");
    Commands.run(build, null, Duration.ofHours(3), l -> {
      if (l.contains("error") || l.startsWith("  LD ") || l.contains("Kernel: ")) {
        log.accept(l);
      }
    });
    Path built = out.resolve("arch/x86/boot/bzImage");
    Path tmp = dir.resolve("bzImage.part");
    Files.copy(built, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(out.resolve(".config"), dir.resolve("config"), StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, image, StandardCopyOption.ATOMIC_MOVE);
    return image;
  }

  private void run(List<String> make, String target) throws IOException {
    List<String> cmd = new ArrayList<>(make);
    cmd.add(target);
    Commands.run(cmd, null, Duration.ofMinutes(10), l -> {});
  }
}
