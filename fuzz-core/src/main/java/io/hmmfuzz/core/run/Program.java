package io.hmmfuzz.core.run;

import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.op.Clone;
import io.hmmfuzz.core.op.DevicePages;
import io.hmmfuzz.core.op.DeviceWrite;
import io.hmmfuzz.core.op.Close;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Layout;
import io.hmmfuzz.core.op.Load;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Munmap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Open;
import io.hmmfuzz.core.op.Pread;
import io.hmmfuzz.core.op.PunchHole;
import io.hmmfuzz.core.op.Pwrite;
import io.hmmfuzz.core.op.Reflink;
import io.hmmfuzz.core.op.Store;
import io.hmmfuzz.core.op.ZeroRange;
import io.hmmfuzz.core.op.Ftruncate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A program: a list of ops over named files and mappings. A valid program creates each file and
 * mapping once, names only resources created before and not yet closed or unmapped, keeps CPU
 * accesses inside their mapping's pages, and keeps sizes within the model's range.
 */
public record Program(List<Op> ops) implements Layout {
  /** Largest offset or size the model tracks (its page cache lives in Java arrays). */
  public static final long MAX_FILE = 16L << 20;
  /** Largest single read or write. */
  public static final int MAX_IO = 1 << 20;
  private static final long PAGE = 4096;

  public Program {
    ops = List.copyOf(ops);
  }

  public int size() {
    return ops.size();
  }

  public Op op(int i) {
    return ops.get(i);
  }

  @Override
  public Mmap mmapOf(MapId id) {
    for (Op op : ops) {
      if (op instanceof Mmap m && m.map().equals(id)) {
        return m;
      }
    }
    throw new IllegalArgumentException(id + " is never mapped");
  }

  public Program withOps(List<Op> newOps) {
    return new Program(newOps);
  }

  /** Problems that make the program invalid, each as "op N: ..."; empty when valid. */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    Set<FileId> created = new HashSet<>();
    Set<FileId> closed = new HashSet<>();
    Map<MapId, Mmap> mapped = new HashMap<>();
    Set<MapId> unmapped = new HashSet<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      String p = problem(op, created, closed, mapped, unmapped);
      if (p != null) {
        out.add("op " + i + " (" + op.kind().id() + "): " + p);
      }
      if (op instanceof Open o) {
        created.add(o.file());
      } else if (op instanceof Close c) {
        closed.add(c.file());
      } else if (op instanceof Mmap m) {
        mapped.put(m.map(), m);
      } else if (op instanceof Munmap u) {
        unmapped.add(u.map());
      }
    }
    return out;
  }

  public boolean valid() {
    return problems().isEmpty();
  }

  private static String problem(Op op, Set<FileId> created, Set<FileId> closed, Map<MapId, Mmap> mapped,
      Set<MapId> unmapped) {
    if (op instanceof Open o) {
      if (created.contains(o.file())) {
        return o.file() + " is created twice";
      }
      return range("size", o.size(), 0, MAX_FILE);
    }
    for (FileId f : op.files()) {
      if (!created.contains(f)) {
        return f + " is used before it is opened";
      }
      if (closed.contains(f)) {
        return f + " is used after it is closed";
      }
    }
    if (op instanceof Mmap m) {
      if (mapped.containsKey(m.map())) {
        return m.map() + " is mapped twice";
      }
      if (m.sync() && m.sharing() != Sharing.SHARED) {
        return "sync needs a shared mapping (MAP_SHARED_VALIDATE|MAP_SYNC)";
      }
      String r = range("offset", m.offset(), 0, MAX_FILE);
      return r != null ? r : range("length", m.length(), 0, MAX_FILE);
    }
    for (MapId id : op.mappings()) {
      if (!mapped.containsKey(id)) {
        return id + " is used before it is mapped";
      }
      if (unmapped.contains(id)) {
        return id + " is used after it is unmapped";
      }
    }
    if (op instanceof Load l) {
      return access(l.offset(), l.length(), mapped.get(l.map()));
    }
    if (op instanceof Store s) {
      return access(s.offset(), s.length(), mapped.get(s.map()));
    }
    if (op instanceof DevicePages d) {
      return deviceRange(d.offset(), d.pages(), mapped.get(d.map()));
    }
    if (op instanceof Pwrite w) {
      String r = range("offset", w.offset(), -1, MAX_FILE);
      return r != null ? r : range("length", w.length(), 0, MAX_IO);
    }
    if (op instanceof Pread rd) {
      String r = range("offset", rd.offset(), -1, MAX_FILE);
      return r != null ? r : range("length", rd.length(), 0, MAX_IO);
    }
    if (op instanceof Ftruncate t) {
      return range("size", t.size(), -1, MAX_FILE);
    }
    if (op instanceof Reflink r) {
      String p = range("srcOffset", r.srcOffset(), -1, MAX_FILE);
      p = p != null ? p : range("dstOffset", r.dstOffset(), -1, MAX_FILE);
      return p != null ? p : range("length", r.length(), -1, MAX_FILE);
    }
    if (op instanceof PunchHole h) {
      String p = range("offset", h.offset(), -1, MAX_FILE);
      return p != null ? p : range("length", h.length(), -1, MAX_FILE);
    }
    if (op instanceof ZeroRange z) {
      String p = range("offset", z.offset(), -1, MAX_FILE);
      return p != null ? p : range("length", z.length(), -1, MAX_FILE);
    }
    if (op instanceof Clone || op instanceof Close) {
      return null;
    }
    return null;
  }

  private static String deviceRange(long offset, int pages, Mmap m) {
    if (pages < 0 || pages > 64) {
      return "pages " + pages + " outside [0, 64]";
    }
    return pages == 0 ? (offset < 0 ? "negative offset" : null) : access(offset, (int) (pages * PAGE), m);
  }

  private static String access(long offset, int length, Mmap m) {
    long pages = (m.length() + PAGE - 1) / PAGE * PAGE;
    if (offset < 0 || length < 1 || offset + length > pages) {
      return "access [0x" + Long.toHexString(offset) + ", +0x" + Integer.toHexString(length)
          + ") is outside the mapping's 0x" + Long.toHexString(pages) + " bytes";
    }
    return null;
  }

  private static String range(String what, long v, long min, long max) {
    if (v < min || v > max) {
      return what + " 0x" + Long.toHexString(v) + " outside [" + min + ", 0x" + Long.toHexString(max) + "]";
    }
    return null;
  }
}
