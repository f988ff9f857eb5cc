package dev.fairway.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's package structure, checked on the compiled main classes. No package of the engine depends, directly or through other packages, on a package that depends back on it: the API
 * package ({@code dev.fairway.engine}: Engine, requests, events, errors) sits on top of its internals, which never
 * import it, and the internals form a DAG (kernels at the bottom, jlama adapters below the model, ...).
 *
 * <p>How: ArchUnit reads the compiled main classes (bytecode, so every real reference counts: field and parameter
 * types, calls, constants, nested and anonymous classes; Javadoc links do not), makes one slice of every package under
 * {@code dev.fairway.engine} (the root package is a slice of its own; a nested package is a slice apart from its
 * parent), and fails listing each cycle between slices with the dependencies that close it. Also: only the adapter
 * package {@code dev.fairway.engine.jlama} uses jlama.
 */
class PackageStructureTest {
    private static final String ROOT = "dev.fairway.engine";
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(ROOT);
        assertThat(main.stream().map(JavaClass::getPackageName).distinct().count())
                .as("engine packages found in target/classes")
                .isGreaterThan(8);
    }

    /** One slice per package under the root, the root included (ArchUnit's "(**)" patterns would leave it out). */
    private static final SliceAssignment EVERY_PACKAGE = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String p = c.getPackageName();
            return p.equals(ROOT) || p.startsWith(ROOT + ".") ? SliceIdentifier.of(p) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "every package under " + ROOT;
        }
    };

    @Test
    void enginePackagesAreFreeOfCycles() {
        slices().assignedFrom(EVERY_PACKAGE).should().beFreeOfCycles().check(main);
    }

    /** The bench package drives jlama itself for comparison; it is moving out of this module. */
    @Test
    void onlyTheAdapterPackageUsesJlama() {
        noClasses()
                .that()
                .resideOutsideOfPackages(ROOT + ".jlama..", ROOT + ".bench..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.github.tjake.jlama..")
                .check(main);
    }
}
