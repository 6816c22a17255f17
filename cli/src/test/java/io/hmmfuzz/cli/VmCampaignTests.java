package io.hmmfuzz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class VmCampaignTests {
  /** A guest that dies before its summary is counted from its last status line, divergences included. */
  @Test
  void theStatusLineOfAGuestCampaignGivesProgramsOpsAndDivergences() {
    String line = String.format(FuzzCommand.STATUS_LINE, 411.2, 1038L, 41461L, 100.9, 1);
    java.util.regex.Matcher m = VmCampaign.STATUS.matcher(line);
    org.junit.jupiter.api.Assertions.assertTrue(m.find(), line);
    assertEquals(List.of("1038", "41461", "1"), List.of(m.group(1), m.group(2), m.group(3)));
  }
}
