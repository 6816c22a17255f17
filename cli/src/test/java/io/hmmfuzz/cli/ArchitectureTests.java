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
 * nor Logback; only targets uses JNA; only cli uses picocli and Logback; nothing depends on jqwik.
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
            "io.hmmfuzz.linux..", "io.hmmfuzz.gen..", "io.hmmfuzz.cli..", "com.fasterxml..")
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
            "io.hmmfuzz.linux..", "io.hmmfuzz.cli..")
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
