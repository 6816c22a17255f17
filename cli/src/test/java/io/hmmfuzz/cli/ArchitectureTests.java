package io.hmmfuzz.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules: the engine knows nothing of the platform. fuzz-core uses neither JNA nor picocli
 * nor Logback; only targets uses JNA; only cli uses picocli and Logback; the runs across guests live in
 * guests, which knows no command line, and cli reaches guests only through it; nothing depends on jqwik.
 */
class ArchitectureTests {
  static JavaClasses classes;

  @BeforeAll
  static void load() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.hmmfuzz");
  }

  @Test
  void coreKnowsNoPlatform() {
    noClasses().that().resideInAPackage("io.hmmfuzz.core..")
        .should().dependOnClassesThat().resideInAnyPackage("com.sun.jna..", "picocli..", "ch.qos.logback..",
            "io.hmmfuzz.linux..", "io.hmmfuzz.vm..", "io.hmmfuzz.gen..", "io.hmmfuzz.guests..", "io.hmmfuzz.cli..",
            "com.fasterxml..")
        .check(classes);
  }

  @Test
  void onlyTargetsTouchNativeCode() {
    noClasses().that().resideOutsideOfPackage("io.hmmfuzz.linux..")
        .should().dependOnClassesThat().resideInAnyPackage("com.sun.jna..").check(classes);
  }

  @Test
  void generatorsKnowNoPlatformOrCli() {
    noClasses().that().resideInAPackage("io.hmmfuzz.gen..")
        .should().dependOnClassesThat().resideInAnyPackage("com.sun.jna..", "picocli..", "ch.qos.logback..",
            "io.hmmfuzz.linux..", "io.hmmfuzz.vm..", "io.hmmfuzz.guests..", "io.hmmfuzz.cli..")
        .check(classes);
  }

  @Test
  void targetsKnowNothingOfTheRunsAcrossGuests() {
    noClasses().that().resideInAnyPackage("io.hmmfuzz.linux..", "io.hmmfuzz.vm..")
        .should().dependOnClassesThat().resideInAnyPackage("io.hmmfuzz.guests..", "io.hmmfuzz.cli..", "picocli..")
        .check(classes);
  }

  /** The orchestration moved out of the CLI: guests depends on neither cli nor picocli nor Logback. */
  @Test
  void guestsKnowNoCommandLine() {
    noClasses().that().resideInAPackage("io.hmmfuzz.guests..")
        .should().dependOnClassesThat().resideInAnyPackage("io.hmmfuzz.cli..", "picocli..", "ch.qos.logback..")
        .check(classes);
  }

  /**
   * The CLI only parses options and prints: it boots no guest and drives no guest's executor itself
   * (guests does: QemuGuest, Targets), so QEMU's guest and its targets are reached through guests only.
   */
  @Test
  void theCliDrivesNoGuestItself() {
    noClasses().that().resideInAPackage("io.hmmfuzz.cli..")
        .should().dependOnClassesThat().haveFullyQualifiedName("io.hmmfuzz.vm.ExecutorGuest")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.hmmfuzz.vm.GuestTarget")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.hmmfuzz.vm.GuestVm")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.hmmfuzz.linux.ExecutorLink")
        .check(classes);
  }

  @Test
  void onlyTheCliUsesPicocliAndLogback() {
    noClasses().that().resideOutsideOfPackage("io.hmmfuzz.cli..")
        .should().dependOnClassesThat().resideInAnyPackage("picocli..", "ch.qos.logback..").check(classes);
  }

  /** One binding class per library (LibC, TestHmm), plus the kernel adapter (errno, memory views) and the ABI data. */
  @Test
  void nativeCodeIsReachedThroughTheBindingClassesOnly() {
    noClasses().that().resideInAPackage("io.hmmfuzz.linux..").and().doNotHaveSimpleName("LibC")
        .and().doNotHaveSimpleName("TestHmm").and().doNotHaveSimpleName("LinuxKernel")
        .and().doNotHaveSimpleName("LinuxAbi")
        .should().dependOnClassesThat().resideInAnyPackage("com.sun.jna..").check(classes);
  }

  @Test
  void noJqwikAnywhere() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    Path parent = Files.exists(root.resolve("../pom.xml")) ? root.getParent() : root;
    try (var s = Files.walk(parent)) {
      s.filter(p -> p.getFileName().toString().equals("pom.xml") && !p.toString().contains("/target/"))
          .forEach(p -> {
            try {
              assertFalse(Files.readString(p).toLowerCase().contains("jqwik"), p + " names jqwik");
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
    }
    assertFalse(classes.stream().anyMatch(c -> c.getName().contains("jqwik")));
  }
}
