package io.hmmfuzz.core.repro;

import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.CollapseRange;
import io.hmmfuzz.core.op.CopyFileRange;
import io.hmmfuzz.core.op.Dedupe;
import io.hmmfuzz.core.op.Fallocate;
import io.hmmfuzz.core.op.Fsync;
import io.hmmfuzz.core.op.InsertRange;
import io.hmmfuzz.core.op.Ftruncate;
import io.hmmfuzz.core.op.Load;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Msync;
import io.hmmfuzz.core.op.Munmap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Open;
import io.hmmfuzz.core.op.Pread;
import io.hmmfuzz.core.op.PunchHole;
import io.hmmfuzz.core.op.Pwrite;
import io.hmmfuzz.core.op.Reflink;
import io.hmmfuzz.core.op.Store;
import io.hmmfuzz.core.op.ZeroRange;
import io.hmmfuzz.core.run.Program;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An fsx op log (xfstests ltp/fsx.c: the {@code .fsxops} file written by {@code --record-ops} or on
 * failure) as a program, so that what fsx ran can be replayed against the model and shrunk. A line is
 * {@code [skip ]NAME ARG... [keep_size] [close_open] [unshare] [*]}; {@code #} starts a comment. The
 * arguments are what fsx's do* functions logged after trimming and aligning them, that is the system
 * call's own (fsx's log4/log5): offset, length (and destination for the range ops), then the file's
 * size before the op, which this import checks against its own count of the size, so a log that does
 * not start at an empty file (fsx keeps only its last 10000 ops) is refused rather than misread.
 *
 * <p>Each op becomes what fsx did (fsx.c of xfstests, 2025): {@code read} a pread; {@code write} a
 * pwrite; {@code mapread} mmap(PROT_READ, MAP_SHARED) from the page holding the offset, a load, munmap
 * (domapread); {@code mapwrite} an ftruncate first where it extends the file, mmap(PROT_READ|PROT_WRITE,
 * MAP_SHARED), a store, msync(MS_SYNC), munmap (domapwrite); {@code truncate} ftruncate;
 * {@code punch_hole}, {@code zero_range} and {@code fallocate} (with {@code keep_size}, and {@code unshare}),
 * {@code collapse_range} and {@code insert_range} fallocate; {@code clone_range}
 * FICLONERANGE within the file; {@code copy_range} copy_file_range within the file (see
 * {@link #copyRange}); {@code dedupe_range} FIDEDUPERANGE within the file, whose status fsx checks only
 * for a negative errno (DIFFERS is fine for it); {@code fsync} fsync. The range ops' numbers are fsx's
 * log5: source offset, length, destination offset, size. Ops fsx skipped ({@code skip}) were never made and
 * are left out. An op this tool has no op for is refused with its line and name, never dropped. fsx's
 * bytes are its own; the program writes the model's tagged bytes at the same places. fsx's EOF
 * pollution (-e) is not in its log and is not imported.
 */
public final class FsxLog {
  /** fsx's pages: the x86-64 page size its mapped reads and writes align to. */
  public static final int PAGE = 4096;

  /** The ops fsx names that this tool has no op for yet, with what each would need. */
  private static final Map<String, String> NOT_YET = Map.of(
      "exchange_range", "XFS_IOC_EXCHANGE_RANGE",
      "read_dontcache", "preadv2(RWF_DONTCACHE)",
      "write_dontcache", "pwritev2(RWF_DONTCACHE)",
      "write_atomic", "pwritev2(RWF_ATOMIC)");

  private static final List<String> IMPORTED = List.of("read", "write", "mapread", "mapwrite", "truncate",
      "punch_hole", "zero_range", "fallocate", "collapse_range", "insert_range", "clone_range", "copy_range",
      "dedupe_range", "fsync");

  /**
   * The program of an fsx log.
   *
   * @param program the ops, on one file {@code f0} created empty as fsx creates its file (O_TRUNC)
   * @param fsxOps  the log's ops that fsx made
   * @param skipped the log's ops that fsx skipped (and the program leaves out)
   */
  public record Imported(Program program, int fsxOps, int skipped) {}

  private FsxLog() {}

  public static Imported parse(String text, String fileName) throws ReproducerSyntaxException {
    FileId f = new FileId(0);
    List<Op> ops = new ArrayList<>(List.of(new Open(f, 0)));
    List<Integer> lineOf = new ArrayList<>(List.of(1));
    long size = 0;
    int maps = 0;
    int made = 0;
    int skipped = 0;
    String[] lines = text.split("\n", -1);
    for (int ln = 1; ln <= lines.length; ln++) {
      String line = lines[ln - 1];
      List<int[]> words = words(line);
      if (words.isEmpty() || line.charAt(words.get(0)[0]) == '#') {
        continue;
      }
      int w = 0;
      boolean skip = word(line, words.get(0)).equals("skip");
      if (skip) {
        w++;
        if (words.size() < 2) {
          throw new ReproducerSyntaxException(fileName, ln, line.length() + 1, "expected an fsx op's name after 'skip'");
        }
      }
      int[] nameAt = words.get(w++);
      String name = word(line, nameAt);
      if (!IMPORTED.contains(name) && !NOT_YET.containsKey(name)) {
        throw new ReproducerSyntaxException(fileName, ln, nameAt[0] + 1, "unknown fsx op '" + name
            + "' (fsx names: " + String.join(", ", IMPORTED) + ", " + String.join(", ", NOT_YET.keySet().stream().sorted().toList()) + ")");
      }
      int argc = List.of("clone_range", "dedupe_range", "copy_range", "exchange_range").contains(name) ? 4 : 3;
      long[] a = new long[argc];
      int[] sizeAt = null;
      for (int i = 0; i < argc; i++) {
        if (w >= words.size()) {
          throw new ReproducerSyntaxException(fileName, ln, line.length() + 1,
              "fsx's " + name + " takes " + argc + " numbers, found " + i);
        }
        int[] at = words.get(w++);
        a[i] = number(word(line, at), fileName, ln, at[0] + 1);
        sizeAt = at;
      }
      boolean keepSize = false;
      boolean closeOpen = false;
      boolean unshare = false;
      for (; w < words.size(); w++) {
        int[] at = words.get(w);
        switch (word(line, at)) {
          case "keep_size" -> keepSize = true;
          case "close_open" -> closeOpen = true;
          case "unshare" -> unshare = true;
          case "*" -> { } // fsx's mark of an op overlapping the bad offset
          default -> throw new ReproducerSyntaxException(fileName, ln, at[0] + 1,
              "expected keep_size, close_open, unshare or * after the numbers, found '" + word(line, at) + "'");
        }
      }
      if (skip) {
        skipped++;
        continue;
      }
      if (NOT_YET.containsKey(name)) {
        throw new ReproducerSyntaxException(fileName, ln, nameAt[0] + 1, "fsx's " + name
            + " cannot be imported: hmmfuzz has no op for " + NOT_YET.get(name) + " yet");
      }
      if (closeOpen) {
        throw new ReproducerSyntaxException(fileName, ln, line.indexOf("close_open") + 1, "fsx's close_open"
            + " (close, drop_caches, reopen) cannot be imported: hmmfuzz has no reopen op yet");
      }
      if (unshare && !name.equals("fallocate") || keepSize && !name.equals("zero_range") && !name.equals("fallocate")) {
        String flag = unshare && !name.equals("fallocate") ? "unshare" : "keep_size";
        throw new ReproducerSyntaxException(fileName, ln, line.indexOf(flag) + 1, flag + " does not go with fsx's " + name);
      }
      long before = a[argc - 1];
      if (before != size) {
        throw new ReproducerSyntaxException(fileName, ln, sizeAt[0] + 1, String.format(
            "fsx logged a file of 0x%x bytes before this op, where the ops before it make 0x%x: the log does not"
                + " start at fsx's empty file (fsx keeps only its last 10000 ops), or it was edited", before, size));
      }
      made++;
      long off = a[0];
      long len = a[1];
      switch (name) {
        case "read" -> ops.add(new Pread(f, off, (int) len));
        case "write" -> {
          ops.add(new Pwrite(f, off, (int) len));
          size = Math.max(size, off + len);
        }
        case "mapread" -> {
          MapId m = new MapId(maps++);
          long pg = off % PAGE;
          ops.add(new Mmap(m, f, off - pg, pg + len, Prot.READ, Sharing.SHARED, false));
          ops.add(new Load(m, pg, (int) len));
          ops.add(new Munmap(m));
        }
        case "mapwrite" -> {
          if (off + len > size) {
            size = off + len;
            ops.add(new Ftruncate(f, size));
          }
          MapId m = new MapId(maps++);
          long pg = off % PAGE;
          ops.add(new Mmap(m, f, off - pg, pg + len, Prot.READ_WRITE, Sharing.SHARED, false));
          ops.add(new Store(m, pg, (int) len));
          ops.add(new Msync(m, MsyncMode.SYNC));
          ops.add(new Munmap(m));
        }
        case "truncate" -> {
          ops.add(new Ftruncate(f, len));
          size = len;
        }
        case "punch_hole" -> ops.add(new PunchHole(f, off, len));
        case "zero_range" -> {
          ops.add(new ZeroRange(f, off, len, keepSize));
          if (!keepSize) {
            size = Math.max(size, off + len);
          }
        }
        case "clone_range" -> {
          ops.add(new Reflink(f, f, off, a[2], len));
          size = Math.max(size, a[2] + len);
        }
        case "copy_range" -> {
          ops.addAll(copyRange(f, off, a[2], len));
          size = Math.max(size, a[2] + len);
        }
        case "dedupe_range" -> ops.add(new Dedupe(f, f, off, a[2], len));
        case "fallocate" -> {
          ops.add(new Fallocate(f, off, len, keepSize, unshare));
          if (!keepSize) {
            size = Math.max(size, off + len);
          }
        }
        case "collapse_range" -> {
          ops.add(new CollapseRange(f, off, len));
          size -= len;
        }
        case "insert_range" -> {
          ops.add(new InsertRange(f, off, len));
          size += len;
        }
        case "fsync" -> ops.add(new Fsync(f));
        default -> throw new IllegalStateException("fsx op " + name + " is imported but has no case");
      }
      while (lineOf.size() < ops.size()) {
        lineOf.add(ln);
      }
    }
    Program p = new Program(ops);
    List<String> problems = p.problems();
    if (!problems.isEmpty()) {
      String first = problems.get(0);
      int op = Integer.parseInt(first.substring("op ".length(), first.indexOf(' ', 3)));
      throw new ReproducerSyntaxException(fileName, lineOf.get(op), 1, "this op cannot be a program's: " + first);
    }
    return new Imported(p, made, skipped);
  }

  /** The smallest block size of the filesystems here (FsKind: 1 KiB; the others have 4 KiB). */
  private static final long SMALL_BLOCK = 1024;

  /**
   * fsx's copy_range: do_copy_range calls copy_file_range(2) again until the whole length is copied.
   * Only a remap copies short (xfs with reflink, btrfs: both offsets block aligned, R71), at a block
   * boundary, so where both offsets are 1 KiB aligned the copy is issued in the pieces a remap takes
   * whole on 1 KiB and 4 KiB blocks alike: the whole pages first, then the whole KiBs, then the rest,
   * each piece of which is copied in one call as fsx's loop copies it. Otherwise one copy.
   */
  private static List<Op> copyRange(FileId f, long src, long dst, long len) {
    if (src % SMALL_BLOCK != 0 || dst % SMALL_BLOCK != 0) {
      return List.of(new CopyFileRange(f, f, src, dst, len));
    }
    List<Op> out = new ArrayList<>();
    long done = 0;
    long pages = src % PAGE == 0 && dst % PAGE == 0 ? len / PAGE * PAGE : 0;
    for (long piece : new long[] {pages, (len - pages) / SMALL_BLOCK * SMALL_BLOCK}) {
      if (piece > 0) {
        out.add(new CopyFileRange(f, f, src + done, dst + done, piece));
        done += piece;
      }
    }
    if (done < len) {
      out.add(new CopyFileRange(f, f, src + done, dst + done, len - done));
    }
    return out;
  }

  /** fsx's numbers as strtoul(..., 0) reads them: 0x hexadecimal, 0 octal, else decimal. */
  private static long number(String s, String fileName, int line, int column) throws ReproducerSyntaxException {
    try {
      long v;
      if (s.startsWith("0x") || s.startsWith("0X")) {
        v = Long.parseLong(s.substring(2), 16);
      } else if (s.length() > 1 && s.startsWith("0")) {
        v = Long.parseLong(s.substring(1), 8);
      } else {
        v = Long.parseLong(s);
      }
      if (v < 0 || v > 0xffffffffL) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new ReproducerSyntaxException(fileName, line, column, "expected an unsigned 32-bit number, found '" + s + "'");
    }
  }

  /** The [start, end) of each word of a line, split at spaces and tabs as fsx's strtok does. */
  private static List<int[]> words(String line) {
    List<int[]> out = new ArrayList<>();
    int i = 0;
    while (i < line.length()) {
      while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t' || line.charAt(i) == '\r')) {
        i++;
      }
      int start = i;
      while (i < line.length() && line.charAt(i) != ' ' && line.charAt(i) != '\t' && line.charAt(i) != '\r') {
        i++;
      }
      if (i > start) {
        out.add(new int[] {start, i});
      }
    }
    return out;
  }

  private static String word(String line, int[] at) {
    return line.substring(at[0], at[1]);
  }
}
