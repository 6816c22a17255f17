package io.hmmfuzz.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelBuildTests {
  @Test
  void aConfigWithTheWholeFragmentLacksNothing() throws Exception {
    assertEquals(List.of(), KernelBuild.missing(KernelBuild.fragment(), null));
  }

  @Test
  void aMissingOptionIsNamed() throws Exception {
    String config = KernelBuild.fragment().replace("CONFIG_TEST_HMM=y", "# CONFIG_TEST_HMM is not set")
        .replace("CONFIG_FS_DAX=y\n", "");
    List<String> missing = KernelBuild.missing(config, null);
    assertEquals(2, missing.size(), missing.toString());
    assertTrue(missing.get(0).startsWith("CONFIG_FS_DAX=y is not set"), missing.toString());
    assertTrue(missing.get(1).startsWith("CONFIG_TEST_HMM=y is n"), missing.toString());
  }

  @Test
  void aKernelWithoutBtrfsLacksNothingTheTargetNeedsButNamesItWhenAllAreAsked() throws Exception {
    String config = KernelBuild.fragment().replace("CONFIG_BTRFS_FS=y", "# CONFIG_BTRFS_FS is not set");
    assertEquals(List.of(), KernelBuild.missing(config, null, false));
    List<String> all = KernelBuild.missing(config, null);
    assertEquals(1, all.size(), all.toString());
    assertTrue(all.get(0).startsWith("CONFIG_BTRFS_FS=y is n"), all.toString());
  }
}
