package io.hmmfuzz.gen;

import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.op.Defaulted;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.op.Open;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Shrinks a failing program to a 1-minimal one: removing any single op (with the ops that need it) or
 * simplifying any single argument loses the failure. Stages follow syzkaller's pkg/repro and
 * prog/minimization.go: drop the tail after the failing op, then the ops it does not depend on, then
 * chunks and single ops, then arguments (toward 0 and page boundaries), then renumber files and
 * mappings. Every candidate is checked by the predicate (a real run); results are cached by program
 * text.
 */
public final class Shrinker {
  private static final long PAGE = 4096;

  private final Predicate<Program> fails;
  private final Map<String, Boolean> cache = new HashMap<>();
  private int runs;

  public Shrinker(Predicate<Program> fails) {
    this.fails = fails;
  }

  /** How many candidates were actually run (cache misses). */
  public int runs() {
    return runs;
  }

  private boolean test(Program p) {
    if (!p.valid()) {
      return false;
    }
    String key = ProgramText.print(p);
    Boolean r = cache.get(key);
    if (r == null) {
      runs++;
      r = fails.test(p);
      cache.put(key, r);
    }
    return r;
  }

  /** Shrinks {@code p}, which fails at op {@code failingOp}. */
  public Program shrink(Program p, int failingOp) {
    Program best = p;
    if (failingOp + 1 < best.size()) {
      Program cut = best.withOps(best.ops().subList(0, failingOp + 1));
      if (test(cut)) {
        best = cut;
      }
    }
    Program slice = dependencySlice(best, Math.min(failingOp, best.size() - 1));
    if (slice.size() < best.size() && test(slice)) {
      best = slice;
    }
    // Each stage returns its input unchanged when nothing it tries keeps the failure; loop to a fixpoint.
    List<UnaryOperator<Program>> stages = List.of(this::removeChunks, this::simplifyArguments, this::foldIntoOpen,
        this::mergeResources, this::renumbered);
    boolean changed = true;
    while (changed) {
      changed = false;
      for (UnaryOperator<Program> stage : stages) {
        Program r = stage.apply(best);
        if (r != best) {
          best = r;
          changed = true;
        }
      }
    }
    return best;
  }

  /** The ops that name resources the failing op depends on (its files, mappings, their files), transitively. */
  static Program dependencySlice(Program p, int failing) {
    Set<Object> need = new HashSet<>();
    addResources(p, p.op(failing), need);
    boolean grew = true;
    while (grew) {
      grew = false;
      for (int i = 0; i < failing; i++) {
        Op op = p.op(i);
        if (namesAny(op, need) && addResources(p, op, need)) {
          grew = true;
        }
      }
    }
    List<Op> kept = new ArrayList<>();
    for (int i = 0; i <= failing; i++) {
      if (i == failing || namesAny(p.op(i), need)) {
        kept.add(p.op(i));
      }
    }
    return p.withOps(kept);
  }

  private static boolean addResources(Program p, Op op, Set<Object> need) {
    boolean added = false;
    for (FileId f : op.files()) {
      added |= need.add(f);
    }
    for (MapId m : op.mappings()) {
      added |= need.add(m);
      added |= need.add(p.mmapOf(m).file());
    }
    return added;
  }

  private static boolean namesAny(Op op, Set<Object> need) {
    for (FileId f : op.files()) {
      if (need.contains(f)) {
        return true;
      }
    }
    for (MapId m : op.mappings()) {
      if (need.contains(m)) {
        return true;
      }
    }
    return false;
  }

  /** The program without ops [from, to) and without every later op naming a resource they created. */
  static Program without(Program p, int from, int to) {
    Set<Object> gone = new HashSet<>();
    List<Op> kept = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      Op op = p.op(i);
      boolean drop = i >= from && i < to;
      if (!drop) {
        for (FileId f : op.files()) {
          drop |= gone.contains(f);
        }
        for (MapId m : op.mappings()) {
          drop |= gone.contains(m);
        }
      }
      if (drop) {
        if (op.makes() != null) {
          gone.add(op.makes());
        }
      } else {
        kept.add(op);
      }
    }
    return p.withOps(kept);
  }

  private Program removeChunks(Program best) {
    Program start = best;
    for (int chunk = Math.max(1, best.size() / 2); chunk >= 1; chunk /= 2) {
      for (int i = best.size() - chunk; i >= 0; i -= (chunk == 1 ? 1 : chunk)) {
        if (i >= best.size()) {
          continue;
        }
        Program cand = without(best, i, Math.min(best.size(), i + chunk));
        if (cand.size() > 0 && cand.size() < best.size() && test(cand)) {
          best = cand;
        }
      }
      if (chunk == 1) {
        break;
      }
    }
    return best == start ? start : best;
  }

  private Program simplifyArguments(Program best) {
    Program start = best;
    for (int i = 0; i < best.size(); i++) {
      boolean again = true;
      while (again) {
        again = false;
        for (Op cand : simpler(best.op(i))) {
          List<Op> ops = new ArrayList<>(best.ops());
          ops.set(i, cand);
          Program p = best.withOps(ops);
          if (test(p)) {
            best = p;
            again = true;
            break;
          }
        }
      }
    }
    return best;
  }

  /** Candidates one step simpler than op: numbers toward 0 and page boundaries, flags off, enums first. */
  static List<Op> simpler(Op op) {
    OpKind kind = op.kind();
    RecordComponent[] cs = kind.components();
    Object[] args = kind.arguments(op);
    List<Op> out = new ArrayList<>();
    for (int i = 0; i < cs.length; i++) {
      for (Object v : simplerValues(args[i], cs[i].isAnnotationPresent(Defaulted.class))) {
        Object[] a = args.clone();
        a[i] = v;
        try {
          out.add(kind.construct(a));
        } catch (IllegalArgumentException e) {
          // not a valid value for this argument
        }
      }
    }
    return out;
  }

  /**
   * Simpler values of an argument; an int goes no lower than 1 (a page count) unless the argument is
   * {@link Defaulted}, whose 0 is its default (a device op's device: device 1 lowers to device 0).
   */
  private static List<Object> simplerValues(Object v, boolean defaulted) {
    LinkedHashSet<Object> out = new LinkedHashSet<>();
    if (v instanceof Long l) {
      for (long c : candidates(l)) {
        out.add(c);
      }
    } else if (v instanceof Integer n) {
      for (long c : candidates(n)) {
        if (c >= 1 || defaulted) {
          out.add((int) c);
        }
      }
    } else if (v instanceof Boolean b && b) {
      out.add(false);
    } else if (v instanceof Prot p && p != Prot.READ_WRITE) {
      out.add(Prot.READ_WRITE);
    } else if (v instanceof Enum<?> e && e.ordinal() > 0 && !(v instanceof Prot)) {
      out.add(e.getDeclaringClass().getEnumConstants()[0]);
    }
    out.remove(v);
    return new ArrayList<>(out);
  }

  /**
   * Values strictly nearer 0, boldest first: 0, 1, the page boundary below, a page less, then v - d
   * for d = v/2, v/4, ..., 1, so a value descends in logarithmic rather than linear steps and the
   * last candidate, v - 1, makes the result 1-minimal.
   */
  private static List<Long> candidates(long v) {
    List<Long> c = new ArrayList<>();
    if (v == 0) {
      return c;
    }
    c.add(0L);
    c.add(1L);
    if (v > 0) {
      c.add(v / PAGE * PAGE);
      c.add(v - PAGE);
      for (long d = v / 2; d >= 1; d /= 2) {
        c.add(v - d);
      }
    }
    c.removeIf(x -> !simplerThan(x, v));
    return c;
  }

  /** A well-founded order, so shrinking terminates: nearer 0 is simpler. */
  static boolean simplerThan(long a, long b) {
    return (a >= 0 || b < 0) && Math.abs(a) < Math.abs(b) || (b < 0 && a >= 0);
  }

  /**
   * Fewer ops by folding a file's first growth into its creation ({@link Op#foldedSize}): {@code open f
   * size=0; pwrite f offset=o length=l} becomes {@code open f size=o+l}, and {@code open f; ftruncate f
   * size=s} becomes {@code open f size=s}; an insert range or an extending fallocate fold the same way. The bytes differ (open writes its own tags), so each fold is tested like any
   * candidate; it gets the shrinker out of minima that single-op steps cannot leave.
   */
  private Program foldIntoOpen(Program best) {
    for (int i = 0; i < best.size(); i++) {
      if (!(best.op(i) instanceof Open o)) {
        continue;
      }
      for (int j = i + 1; j < best.size(); j++) {
        Op next = best.op(j);
        if (!next.files().contains(o.file()) && !next.mappings().stream()
            .anyMatch(m -> o.file().equals(best.mmapOf(m).file()))) {
          continue;
        }
        long size = next.foldedSize(o.file(), o.size());
        if (size >= 0) {
          List<Op> ops = new ArrayList<>(best.ops());
          ops.set(i, new Open(o.file(), size));
          ops.remove(j);
          Program cand = best.withOps(ops);
          if (test(cand)) {
            return cand;
          }
        }
        if (!(next instanceof Mmap)) {
          break; // past a mapping of the file (it does not read the size) the fold is tried too
        }
      }
    }
    return best;
  }

  /** Fewer files and mappings: every use of a later file (mapping) redirected to an earlier one, its creation dropped. */
  private Program mergeResources(Program best) {
    Program start = best;
    List<Object> created = new ArrayList<>();
    for (Op op : best.ops()) {
      if (op.makes() != null) {
        created.add(op.makes());
      }
    }
    for (int later = created.size() - 1; later > 0; later--) {
      for (int earlier = 0; earlier < later; earlier++) {
        Object from = created.get(later);
        Object to = created.get(earlier);
        if (from.getClass() != to.getClass()) {
          continue;
        }
        Program cand = redirect(best, from, to);
        if (cand != null && test(cand)) {
          best = cand;
          break;
        }
      }
    }
    return best == start ? start : best;
  }

  /** The program with resource {@code from}'s creating op removed and its uses renamed to {@code to}. */
  static Program redirect(Program p, Object from, Object to) {
    List<Op> out = new ArrayList<>();
    for (Op op : p.ops()) {
      if (from.equals(op.makes())) {
        continue;
      }
      out.add(rename(op, Map.of(from, to)));
    }
    return p.withOps(out);
  }

  private static Op rename(Op op, Map<Object, Object> map) {
    Object[] a = op.kind().arguments(op);
    for (int i = 0; i < a.length; i++) {
      a[i] = a[i] == null ? null : map.getOrDefault(a[i], a[i]); // an anonymous mapping's file is null
    }
    return op.kind().construct(a);
  }

  /** The program renumbered, if that changes it and it still fails. */
  private Program renumbered(Program best) {
    Program r = renumber(best);
    return !ProgramText.print(r).equals(ProgramText.print(best)) && test(r) ? r : best;
  }

  /** Files and mappings renumbered in order of creation, from 0. */
  static Program renumber(Program p) {
    Map<Object, Object> map = new HashMap<>();
    int files = 0;
    int maps = 0;
    for (Op op : p.ops()) {
      Object made = op.makes();
      if (made instanceof FileId && !map.containsKey(made)) {
        map.put(made, new FileId(files++));
      } else if (made instanceof MapId && !map.containsKey(made)) {
        map.put(made, new MapId(maps++));
      }
    }
    List<Op> out = new ArrayList<>();
    for (Op op : p.ops()) {
      out.add(rename(op, map));
    }
    return p.withOps(out);
  }
}
