package io.hmmfuzz.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GeneratorProperties {
  static final Capabilities XFS = new Capabilities(KernelVersion.parse("6.18.44"), FsKind.XFS, 4096, 4096, true,
      false, false, true, true, false);
  static final Capabilities XFS_DAX_HMM = new Capabilities(KernelVersion.parse("6.1.192"), FsKind.XFS_DAX, 4096,
      4096, true, true, true, true, true, true);

  @Test
  void sameSeedSameProgramAndSeedsDiffer() {
    ProgramGenerator g = new ProgramGenerator(Profile.standard(), XFS);
    assertEquals(g.generate(42), g.generate(42));
    assertNotEquals(g.generate(42), g.generate(43));
  }

  @Test
  void generatedProgramsAreValidAndPrintParseIsTheIdentity() throws Exception {
    Map<OpKind, Integer> seen = new EnumMap<>(OpKind.class);
    for (Profile profile : Profile.all()) {
      ProgramGenerator g = new ProgramGenerator(profile, XFS_DAX_HMM);
      for (long seed = 0; seed < 300; seed++) {
        Program p = g.generate(seed);
        assertEquals(java.util.List.of(), p.problems(), ProgramText.print(p));
        String text = ProgramText.print(p);
        assertEquals(p, ProgramText.parse(text, "gen"));
        assertEquals(text, ProgramText.print(ProgramText.parse(text, "gen")));
        p.ops().forEach(op -> seen.merge(op.kind(), 1, Integer::sum));
      }
    }
    for (OpKind k : OpKind.values()) {
      assertTrue(seen.getOrDefault(k, 0) > 20, "the generator rarely makes " + k.id() + ": " + seen);
    }
  }

  @Test
  void deviceOpsOnlyWhereTestHmmIs() {
    ProgramGenerator g = new ProgramGenerator(Profile.standard(), XFS);
    for (long seed = 0; seed < 200; seed++) {
      assertTrue(g.generate(seed).ops().stream().noneMatch(op -> op.kind().device()));
    }
  }
}
