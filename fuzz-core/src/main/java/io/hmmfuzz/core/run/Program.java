package io.hmmfuzz.core.run;

import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Layout;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A program: a list of ops over named files and mappings. A valid program creates each file and
 * mapping once, names only resources created before and not yet closed or unmapped, and keeps each
 * op's arguments within its {@link io.hmmfuzz.core.op.Bounds} (CPU accesses inside their mapping's
 * pages, sizes within the model's range).
 */
public record Program(List<Op> ops) implements Layout {

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

  /**
   * Problems that make the program invalid, each as "op N: ..."; empty when valid. Each file and
   * mapping is made once ({@link Op#makes}) and named only between its making and its end
   * ({@link Op#ends}); each op's own arguments are its to check ({@link Op#problem}).
   */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    Set<Object> made = new HashSet<>();
    Set<Object> ended = new HashSet<>();
    Map<MapId, Mmap> mapped = new HashMap<>();
    Layout sofar = id -> mapped.get(id);
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      String p = problem(op, made, ended, sofar);
      if (p != null) {
        out.add("op " + i + " (" + op.kind().id() + "): " + p);
      }
      if (op.makes() != null) {
        made.add(op.makes());
      }
      if (op instanceof Mmap m) {
        mapped.putIfAbsent(m.map(), m);
      }
      if (op.ends() != null) {
        ended.add(op.ends());
      }
    }
    return out;
  }

  public boolean valid() {
    return problems().isEmpty();
  }

  private static String problem(Op op, Set<Object> made, Set<Object> ended, Layout sofar) {
    Object makes = op.makes();
    if (makes != null && made.contains(makes)) {
      return makes + (makes instanceof FileId ? " is created twice" : " is mapped twice");
    }
    for (FileId f : op.files()) {
      if (f.equals(makes)) {
        continue;
      }
      if (!made.contains(f)) {
        return f + " is used before it is opened";
      }
      if (ended.contains(f)) {
        return f + " is used after it is closed";
      }
    }
    for (MapId id : op.mappings()) {
      if (id.equals(makes)) {
        continue;
      }
      if (!made.contains(id)) {
        return id + " is used before it is mapped";
      }
      if (ended.contains(id)) {
        return id + " is used after it is unmapped";
      }
    }
    return op.problem(sofar);
  }
}
