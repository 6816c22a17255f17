package io.hmmfuzz.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Pwrite;
import io.hmmfuzz.core.op.Store;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The shrinker against synthetic failure predicates, where the minimal answer is known. */
class ShrinkerProperties {
  /** "Fails" when some store writes at least 0x100 bytes and a later pwrite exists. */
  static final Predicate<Program> FAILS = p -> {
    boolean store = false;
    for (Op op : p.ops()) {
      if (op instanceof Store s && s.length() >= 0x100) {
        store = true;
      }
      if (store && op instanceof Pwrite) {
        return true;
      }
    }
    return false;
  };

  @Test
  void shrinksGeneratedProgramsToOneMinimalOnes() {
    ProgramGenerator g = new ProgramGenerator(Profile.standard(), GeneratorProperties.XFS);
    int checked = 0;
    for (long seed = 0; seed < 200 && checked < 15; seed++) {
      Program p = g.generate(seed);
      if (!FAILS.test(p)) {
        continue;
      }
      checked++;
      Shrinker s = new Shrinker(FAILS);
      Program min = s.shrink(p, p.size() - 1);
      String text = ProgramText.print(min);
      assertTrue(FAILS.test(min), text);
      // open, mmap, store, pwrite: nothing else is needed, and one file serves both; or, as the predicate
      // asks for a store through any mapping, anonymous memory's mmap, the store, open and pwrite.
      assertEquals(4, min.size(), text);
      assertTrue(text.matches("(?s)open f0 size=0x0\nmmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared"
          + " sync=false\nstore m0 offset=0x0 length=0x100\npwrite f0 offset=0x0 length=0x[01]\n")
          || java.util.Arrays.stream(text.split("\n")).sorted().toList().toString().matches(
              "\\[mmap m0 anon length=0x1 prot=rw sharing=(shared|private), open f0 size=0x0, pwrite f0 offset=0x0"
              + " length=0x[01], store m0 offset=0x0 length=0x100\\]"), text);
      assertOneMinimal(min);
    }
    assertTrue(checked >= 5, "too few failing programs to check: " + checked);
  }

  private static void assertOneMinimal(Program min) {
    for (int i = 0; i < min.size(); i++) {
      Program less = Shrinker.without(min, i, i + 1);
      assertFalse(less.valid() && FAILS.test(less), "removing op " + i + " still fails:\n" + ProgramText.print(min));
      for (Op simpler : Shrinker.simpler(min.op(i))) {
        List<Op> ops = new ArrayList<>(min.ops());
        ops.set(i, simpler);
        Program q = min.withOps(ops);
        assertFalse(q.valid() && FAILS.test(q), "simplifying op " + i + " to " + ProgramText.print(simpler)
            + " still fails:\n" + ProgramText.print(min));
      }
    }
  }

  /** "Fails" when a mapping that an mremap moved is then loaded from at 0x2000 or beyond. */
  static final Predicate<Program> LOADS_PAST_A_MOVE = p -> {
    java.util.Set<io.hmmfuzz.core.op.MapId> moved = new java.util.HashSet<>();
    for (Op op : p.ops()) {
      if (op instanceof io.hmmfuzz.core.op.Mremap r && r.mode() == io.hmmfuzz.core.exec.Remap.MOVE) {
        moved.add(r.map());
      }
      if (op instanceof io.hmmfuzz.core.op.Load l && moved.contains(l.map()) && l.offset() >= 0x2000) {
        return true;
      }
    }
    return false;
  };

  /**
   * The shrinker follows a mapping through mremap: it cannot drop the move that makes the load's offset
   * valid, and shrinks each length only as far as the mapping's shape after the move allows.
   */
  @Test
  void shrinksThroughMovesOfMappings() throws Exception {
    Program p = ProgramText.parse("""
        open f0 size=0x3000
        open f1 size=0x10
        mmap m0 file=f0 offset=0x1000 length=0x1000 prot=rw sharing=private sync=false
        pwrite f1 offset=0x0 length=0x10
        mremap m0 newLength=0x3000 mode=grow second=m0
        store m0 offset=0x10 length=0x10
        mremap m0 newLength=0x1000 mode=dontunmap second=m1
        mremap m0 newLength=0x4000 mode=move second=m0
        load m1 offset=0x0 length=0x10
        load m0 offset=0x2800 length=0x100
        """, "t");
    assertTrue(LOADS_PAST_A_MOVE.test(p));
    Program min = new Shrinker(LOADS_PAST_A_MOVE).shrink(p, p.size() - 1);
    String text = ProgramText.print(min);
    // Statically a mapping may be made with length 0 (a real mmap of it fails): the move gives it its pages.
    assertEquals("""
        open f0 size=0x0
        mmap m0 file=f0 offset=0x0 length=0x0 prot=rw sharing=shared sync=false
        mremap m0 newLength=0x2001 mode=move second=m0
        load m0 offset=0x2000 length=0x1
        """, text);
    for (int i = 0; i < min.size(); i++) {
      assertFalse(Shrinker.without(min, i, i + 1).valid() && LOADS_PAST_A_MOVE.test(Shrinker.without(min, i, i + 1)),
          "removing op " + i + " still fails:\n" + text);
    }
  }

  /** A device op's device is lowered to 0 (its default), a page count no lower than 1. */
  @Test
  void theDeviceArgumentLowersToDeviceZero() throws Exception {
    Program p = ProgramText.parse("open f0 size=0x1000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1000 prot=rw sharing=private sync=false\n"
        + "exclusive m0 offset=0x0 pages=0x1 device=0x1\n", "t");
    List<String> simpler = Shrinker.simpler(p.op(2)).stream().map(ProgramText::print).toList();
    assertTrue(simpler.contains("exclusive m0 offset=0x0 pages=0x1"), simpler.toString());
    assertFalse(simpler.stream().anyMatch(t -> t.contains("pages=0x0")), simpler.toString());
    Program min = new Shrinker(q -> q.ops().stream().anyMatch(op -> op instanceof io.hmmfuzz.core.op.Exclusive))
        .shrink(p, 2);
    assertEquals("exclusive m0 offset=0x0 pages=0x1", ProgramText.print(min.op(min.size() - 1)));
  }

  @Test
  void simplificationOrderIsWellFounded() {
    assertTrue(Shrinker.simplerThan(0, 4096));
    assertTrue(Shrinker.simplerThan(4095, 4096));
    assertFalse(Shrinker.simplerThan(4096, 4095));
    assertTrue(Shrinker.simplerThan(0, -1));
    assertFalse(Shrinker.simplerThan(-1, 0));
    assertFalse(Shrinker.simplerThan(5, 5));
  }
}
