package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar, as a user runs it. */
class KeygenIT {
    @TempDir
    Path dir;

    @Test
    void theJarWritesAKeyAndPrintsJson() throws Exception {
        Path jar = Path.of("target", "starling.jar").toAbsolutePath();
        Path key = dir.resolve("k.key");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-jar", jar.toString(), "keygen", "--out", key.toString(), "--json"))
                .redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("exit code; stderr: %s",
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        List<String> lines = out.strip().lines().toList();
        KeygenCommandTest.checkKeyFile(key, lines.get(lines.size() - 1));
    }
}
