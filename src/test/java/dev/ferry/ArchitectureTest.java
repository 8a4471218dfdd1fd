package dev.ferry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The rooms and their doors (design card): who may import whom. */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.ferry");
  }

  @Test
  @DisplayName("tunnel (the wire protocol) imports neither side nor any front end")
  void tunnelIsShared() {
    rule(noClasses()
            .that()
            .resideInAPackage("dev.ferry.tunnel..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "dev.ferry.gateway..",
                "dev.ferry.client..",
                "dev.ferry.cli..",
                "dev.ferry.desktop..",
                "dev.ferry.demo.."))
        .check(main);
  }

  @Test
  @DisplayName("gateway and client never import each other, a front end or the demo")
  void gatewayAndClientAreIndependent() {
    rule(noClasses()
            .that()
            .resideInAPackage("dev.ferry.gateway..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "dev.ferry.client..", "dev.ferry.cli..", "dev.ferry.desktop..", "dev.ferry.demo.."))
        .check(main);
    rule(noClasses()
            .that()
            .resideInAPackage("dev.ferry.client..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "dev.ferry.gateway..",
                "dev.ferry.cli..",
                "dev.ferry.desktop..",
                "dev.ferry.demo.."))
        .check(main);
  }

  @Test
  @DisplayName("JavaFX and AWT only in desktop")
  void javafxOnlyInDesktop() {
    rule(noClasses()
            .that()
            .resideOutsideOfPackages("dev.ferry.desktop..", "dev.ferry.demo..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("javafx..", "java.awt..", "atlantafx..", "org.kordamp.."))
        .check(main);
  }

  @Test
  @DisplayName("picocli only in cli (and the demo's command)")
  void picocliOnlyInCli() {
    rule(noClasses()
            .that()
            .resideOutsideOfPackages("dev.ferry.cli..", "dev.ferry.demo..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("picocli.."))
        .check(main);
  }

  @Test
  @DisplayName("libraries never print to System.out or System.err")
  void noStdoutInLibraries() {
    rule(noClasses()
            .that()
            .resideInAnyPackage("dev.ferry.tunnel..", "dev.ferry.gateway..", "dev.ferry.client..")
            .should()
            .accessField(System.class, "out")
            .orShould()
            .accessField(System.class, "err"))
        .check(main);
  }

  private static ArchRule rule(ArchRule r) {
    return r.allowEmptyShould(true);
  }
}
