package io.hmmfuzz.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A kernel release such as {@code 6.1.192} or {@code 6.18.44-fc-v782}, compared by major.minor.patch. */
public record KernelVersion(int major, int minor, int patch, String release) implements Comparable<KernelVersion> {
  private static final Pattern RELEASE = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*");

  public static KernelVersion parse(String release) {
    Matcher m = RELEASE.matcher(release);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a kernel release: '" + release + "'");
    }
    return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), release);
  }

  public boolean atLeast(int maj, int min) {
    return major > maj || (major == maj && minor >= min);
  }

  @Override
  public int compareTo(KernelVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c != 0 ? c : Integer.compare(patch, o.patch);
  }

  @Override
  public String toString() {
    return release;
  }
}
