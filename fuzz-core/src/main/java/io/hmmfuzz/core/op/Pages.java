package io.hmmfuzz.core.op;

import java.util.List;

/**
 * Pages an op acted on, {@code [from, to)} in pages of 4096 bytes: of a file ({@code file} set, page
 * {@code p} being the file's bytes {@code p*4096} on) or of an anonymous mapping ({@code anon} set, page
 * {@code p} being the mapping's). Two ops met when their pages meet ({@link #meets}): the campaign counts
 * which kinds of op met on the same pages ({@link io.hmmfuzz.core.run.Tally}), the report draws the
 * matrix, so a developer sees which intercept points a night's programs never made meet.
 */
public record Pages(FileId file, MapId anon, long from, long to) {
  /** Bytes per page in this accounting (the x86-64 page the guests and hosts here use). */
  public static final long SIZE = 4096;

  public Pages {
    if ((file == null) == (anon == null)) {
      throw new IllegalArgumentException("pages of a file or of an anonymous mapping, not both nor neither");
    }
  }

  /** The file's pages that bytes {@code [fromByte, toByte)} lie in ({@code toByte} may be Long.MAX_VALUE: to EOF and past). */
  public static Pages ofFile(FileId file, long fromByte, long toByte) {
    return new Pages(file, null, Math.max(0, fromByte) / SIZE, pageAfter(toByte));
  }

  /**
   * The pages under bytes {@code [offset, offset+length)} of mapping {@code map} shaped as {@code mm}:
   * its file's pages for a file mapping, its own for an anonymous one.
   */
  public static List<Pages> ofMapping(MapId map, Mmap mm, long offset, long length) {
    if (mm == null || length <= 0) {
      return List.of();
    }
    if (mm.file() == null) {
      return List.of(new Pages(null, map, Math.max(0, offset) / SIZE, pageAfter(offset + length)));
    }
    return List.of(ofFile(mm.file(), mm.offset() + offset, mm.offset() + offset + length));
  }

  /** The whole of mapping {@code map} ({@code mm}'s length as the program has it at that point). */
  public static List<Pages> ofMapping(MapId map, Mmap mm) {
    return mm == null ? List.of() : ofMapping(map, mm, 0, mm.length());
  }

  /** Whether these pages and {@code other} share a page of the same file or anonymous mapping. */
  public boolean meets(Pages other) {
    boolean same = file != null ? file.equals(other.file) : anon.equals(other.anon);
    return same && from < other.to && other.from < to;
  }

  private static long pageAfter(long toByte) {
    return toByte >= Long.MAX_VALUE - SIZE ? Long.MAX_VALUE : (Math.max(0, toByte) + SIZE - 1) / SIZE;
  }
}
