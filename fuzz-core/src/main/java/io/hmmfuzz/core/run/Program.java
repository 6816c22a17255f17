package io.hmmfuzz.core.run;

import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Layout;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Pages;
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

  /**
   * The shape mapping {@code id} is made with: its mmap, or the mapping an mremap made (its file and file
   * offset, which it keeps for life; its length as made). For where the program is, {@link #before}.
   */
  @Override
  public Mmap mmapOf(MapId id) {
    Shapes shapes = new Shapes();
    for (Op op : ops) {
      for (Mmap s : op.shapes(shapes)) {
        if (s.map().equals(id) && op.makes() != null && op.makes().equals(id)) {
          return s;
        }
      }
      shapes.advance(op);
    }
    throw new IllegalArgumentException(id + " is never mapped");
  }

  /** The program's mappings as they stand before op {@code index} runs: their shapes after ops [0, index). */
  public Layout before(int index) {
    Shapes shapes = new Shapes();
    for (int i = 0; i < index; i++) {
      shapes.advance(ops.get(i));
    }
    return shapes;
  }

  /** Each op's pages ({@link Op#pages}), given the mappings as they stand before it. */
  public List<List<Pages>> pages() {
    Shapes shapes = new Shapes();
    List<List<Pages>> out = new ArrayList<>();
    for (Op op : ops) {
      out.add(op.pages(shapes));
      shapes.advance(op);
    }
    return out;
  }

  /**
   * The mappings' shapes as the ops so far leave them, and which of them an op may have left split
   * into several VMAs ({@link Op#splits}).
   */
  private static final class Shapes implements Layout {
    private final Map<MapId, Mmap> shapes = new HashMap<>();
    private final Set<MapId> split = new HashSet<>();

    @Override
    public Mmap mmapOf(MapId id) {
      return shapes.get(id);
    }

    @Override
    public boolean maybeSplit(MapId id) {
      return split.contains(id);
    }

    /** The layout after {@code op}: a mapping is made once (the first making counts), then reshaped. */
    void advance(Op op) {
      MapId s = op.splits(this);
      if (s != null) {
        split.add(s);
      }
      for (Mmap shape : op.shapes(this)) {
        if (shape.map().equals(op.makes())) {
          shapes.putIfAbsent(shape.map(), shape);
        } else {
          shapes.put(shape.map(), shape);
        }
      }
    }
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
    Shapes sofar = new Shapes();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      String p = problem(op, made, ended, sofar);
      if (p != null) {
        out.add("op " + i + " (" + op.kind().id() + "): " + p);
      }
      if (op.makes() != null) {
        made.add(op.makes());
      }
      sofar.advance(op);
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
