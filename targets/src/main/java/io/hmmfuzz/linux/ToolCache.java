package io.hmmfuzz.linux;

import java.nio.file.Path;

/** Where the tool keeps what it builds (kernels, the executor), outside the repository and out of tmpfs. */
public final class ToolCache {
  private ToolCache() {}

  /**
   * /var/cache/hmmfuzz/NAME as root, else $XDG_CACHE_HOME (or ~/.cache)/hmmfuzz/NAME; HMMFUZZ_CACHE
   * overrides the base. Not /tmp: a guest mounts its own tmpfs there and must see what is built here.
   */
  public static Path dir(String name) {
    String env = System.getenv("HMMFUZZ_CACHE");
    if (env != null && !env.isEmpty()) {
      return Path.of(env, name);
    }
    if ("root".equals(System.getProperty("user.name"))) {
      return Path.of("/var/cache/hmmfuzz", name);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("hmmfuzz").resolve(name);
  }
}
