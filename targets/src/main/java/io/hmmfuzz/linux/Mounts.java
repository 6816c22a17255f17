package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.InfrastructureException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's mount table (/proc/self/mounts): which filesystem, with which options, holds a path. */
record Mounts(String device, String mountPoint, String type, String options) {

  static Mounts of(Path path) {
    String real;
    try {
      real = path.toRealPath().toString();
    } catch (IOException e) {
      throw new InfrastructureException("cannot resolve " + path, e);
    }
    try {
      return parse(Files.readString(Path.of("/proc/self/mounts")), real);
    } catch (IOException e) {
      throw new InfrastructureException("cannot read /proc/self/mounts", e);
    }
  }

  /** The mount holding {@code real} (a path with no symbolic links) in a mount table's text. */
  static Mounts parse(String table, String real) {
    Mounts best = null;
    for (String line : table.split("\n")) {
      String[] f = line.split(" ");
      if (f.length < 4) {
        continue;
      }
      String mp = unescape(f[1]);
      boolean under = real.equals(mp) || real.startsWith(mp.endsWith("/") ? mp : mp + "/");
      if (under && (best == null || mp.length() >= best.mountPoint.length())) {
        best = new Mounts(unescape(f[0]), mp, f[2], f[3]);
      }
    }
    if (best == null) {
      throw new InfrastructureException("no mount holds " + real);
    }
    return best;
  }

  boolean hasOption(String name) {
    for (String o : options.split(",")) {
      if (o.equals(name) || o.startsWith(name + "=")) {
        return true;
      }
    }
    return false;
  }

  String option(String name) {
    for (String o : options.split(",")) {
      if (o.startsWith(name + "=")) {
        return o.substring(name.length() + 1);
      }
    }
    return null;
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }
}
