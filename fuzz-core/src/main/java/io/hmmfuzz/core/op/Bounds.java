package io.hmmfuzz.core.op;

/**
 * The ranges a valid program keeps its arguments in, for the ops' own {@link Op#problem} checks: sizes
 * within the model's range, CPU accesses inside their mapping's pages, device ranges of at most 64
 * pages. Each check gives a problem's text, or null.
 */
public final class Bounds {
  /** Largest offset or size the model tracks (its page cache lives in Java arrays). */
  public static final long MAX_FILE = 16L << 20;
  /** Largest single read or write. */
  public static final int MAX_IO = 1 << 20;
  /** Most pages of one test_hmm command (the executor's and test_hmm's bounce buffers). */
  public static final int MAX_DEVICE_PAGES = 64;
  private static final long PAGE = 4096;

  private Bounds() {}

  /** {@code what} = v within [min, max]. */
  public static String range(String what, long v, long min, long max) {
    if (v < min || v > max) {
      return what + " 0x" + Long.toHexString(v) + " outside [" + min + ", 0x" + Long.toHexString(max) + "]";
    }
    return null;
  }

  /** The first problem of several, or null. */
  public static String first(String... problems) {
    for (String p : problems) {
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  /** An offset (-1 allowed, for the errno path) and a length of file I/O. */
  public static String io(long offset, long length) {
    return first(range("offset", offset, -1, MAX_FILE), range("length", length, 0, MAX_IO));
  }

  /** An offset and a length of a file range (either -1 allowed, for the errno paths). */
  public static String fileRange(long offset, long length) {
    return first(range("offset", offset, -1, MAX_FILE), range("length", length, -1, MAX_FILE));
  }

  /** A CPU access of [offset, offset+length) of mapping {@code m}: inside its pages. */
  public static String access(long offset, long length, Mmap m) {
    long pages = (m.length() + PAGE - 1) / PAGE * PAGE;
    if (offset < 0 || length < 1 || offset + length > pages) {
      return "access [0x" + Long.toHexString(offset) + ", +0x" + Long.toHexString(length)
          + ") is outside the mapping's 0x" + Long.toHexString(pages) + " bytes";
    }
    return null;
  }

  /** A device command over {@code pages} pages at {@code offset} of mapping {@code m}. */
  public static String devicePages(long offset, int pages, Mmap m) {
    if (pages < 0 || pages > MAX_DEVICE_PAGES) {
      return "pages " + pages + " outside [0, " + MAX_DEVICE_PAGES + "]";
    }
    return pages == 0 ? (offset < 0 ? "negative offset" : null) : access(offset, pages * PAGE, m);
  }
}
