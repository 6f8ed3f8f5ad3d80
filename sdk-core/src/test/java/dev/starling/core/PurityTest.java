package dev.starling.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sdk-core is sans-I/O: no sockets, files, threads or clocks, no unseeded randomness. Time and randomness come in
 * as arguments, which is what lets the simulator run the shipping engine deterministically.
 */
class PurityTest {
    private static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.starling.core");
    }

    @Test
    void coreHasClasses() {
        // Guards the rules below against passing vacuously on an empty import.
        org.junit.jupiter.api.Assertions.assertTrue(core.contain("dev.starling.core.engine.PeerEngine"));
    }

    @Test
    void noNettyNoSocketsNoFiles() {
        // java.io: allow the exception types protobuf's API declares, nothing that reads or writes.
        ArchRule rule = noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "io.netty..", "java.nio.channels..", "java.nio.file..", "java.net.http..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.Socket")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.ServerSocket")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.DatagramSocket")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.URLConnection")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.File")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileInputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileOutputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.RandomAccessFile")
                // Name resolution is network I/O: addresses from peers and trackers are taken as numbers only.
                .orShould().callMethod(java.net.InetAddress.class, "getByName", String.class)
                .orShould().callMethod(java.net.InetAddress.class, "getAllByName", String.class)
                .orShould().callConstructor(java.net.InetSocketAddress.class, String.class, int.class);
        rule.check(core);
    }

    @Test
    void noThreadsOrExecutors() {
        // Restoring the interrupt flag (Thread.currentThread().interrupt()) on a blocking read starts nothing;
        // creating, starting or sleeping a thread is what the engine must never do.
        noClasses().should().callConstructorWhere(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "a Thread constructor",
                        (com.tngtech.archunit.core.domain.JavaConstructorCall call) ->
                                call.getTargetOwner().isAssignableTo(Thread.class)))
                .orShould().callMethod(Thread.class, "sleep", long.class)
                .orShould().callMethod(Thread.class, "sleep", long.class, int.class)
                .orShould().callMethod(Thread.class, "start")
                .orShould().callMethod(Thread.class, "ofVirtual")
                .orShould().callMethod(Thread.class, "ofPlatform")
                .orShould().callMethod(Thread.class, "onSpinWait")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.Executors")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ExecutorService")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ScheduledExecutorService")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ThreadPoolExecutor")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ForkJoinPool")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Timer")
                .orShould().callMethodWhere(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "an async method of CompletableFuture",
                        (com.tngtech.archunit.core.domain.JavaMethodCall call) ->
                                call.getTargetOwner().isEquivalentTo(java.util.concurrent.CompletableFuture.class)
                                        && (call.getName().endsWith("Async") || call.getName().equals("delayedExecutor"))))
                .check(core);
    }

    @Test
    void noClocks() {
        noClasses().should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(java.time.Instant.class, "now")
                .orShould().callMethod(java.time.Clock.class, "systemUTC")
                .orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
                .orShould().callMethod(java.time.LocalDateTime.class, "now")
                .check(core);
    }

    @Test
    void noUnseededRandomness() {
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ThreadLocalRandom")
                .orShould().callMethod(Math.class, "random")
                .orShould().callConstructor(java.util.Random.class)
                .orShould().callConstructor(java.util.SplittableRandom.class)
                .orShould().callMethod(java.util.UUID.class, "randomUUID")
                .orShould().callMethod(System.class, "identityHashCode", Object.class)
                .check(core);
    }
}
