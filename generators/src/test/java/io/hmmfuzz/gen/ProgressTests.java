package io.hmmfuzz.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The course of workers that ran side by side, summed for the report's plots. */
class ProgressTests {
  private static Progress course(double... secondsOpsFindings) {
    Progress p = Progress.NONE;
    for (int i = 0; i < secondsOpsFindings.length; i += 3) {
      long ops = (long) secondsOpsFindings[i + 1];
      p = p.plus(new Progress.Sample(secondsOpsFindings[i], ops / 10, ops, (int) secondsOpsFindings[i + 2]));
    }
    return p;
  }

  /**
   * Two workers at 100 ops/s each, sampled out of step and unevenly: while both run the sum grows at
   * 200 ops/s between every two sample times (with each worker's latest sample alone it went 100, 250,
   * 180 ops/s).
   */
  @Test
  void workersSampledOutOfStepSumToAnEvenRate() {
    Progress a = course(0, 0, 0, 5, 500, 1, 10, 1000, 1);
    Progress b = course(2.5, 250, 0, 3, 300, 0, 7.5, 750, 1, 12.5, 1250, 1);
    Progress sum = Progress.sum(List.of(a, b), 1);
    List<Progress.Sample> s = sum.samples();
    // From b's start to a's end both run (before it only a ran; after it only b).
    for (int i = 1; i < s.size() - 1 && s.get(i + 1).seconds() <= 10; i++) {
      double rate = (s.get(i + 1).ops() - s.get(i).ops()) / (s.get(i + 1).seconds() - s.get(i).seconds());
      assertEquals(200, rate, 1e-9, "between " + s.get(i) + " and " + s.get(i + 1));
    }
    assertEquals(1, s.get(s.size() - 1).findings(), "the signature both found is one finding of the merge");
    assertEquals(2250, s.get(s.size() - 1).ops());
  }
}
