package dev.starling.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ExternalProgramTest {
    @TempDir
    Path bin;

    @Test
    void aMissingProgramSkipsOutsideCi() {
        assertThatThrownBy(() -> ExternalProgram.require("no-such-program-xyz", "test", Map.of("PATH", bin.toString())))
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("no-such-program-xyz")
                .hasMessageContaining("skipped");
    }

    @Test
    void aMissingProgramFailsOnCi() {
        assertThatThrownBy(() -> ExternalProgram.require("no-such-program-xyz", "test",
                Map.of("PATH", bin.toString(), "CI", "true")))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("CI=true");
    }

    @Test
    void anInstalledProgramIsFound() throws Exception {
        Path tool = Files.createFile(bin.resolve("tool"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        assertThat(ExternalProgram.require("tool", "test", Map.of("PATH", "/nonexistent:" + bin, "CI", "true")))
                .isEqualTo(tool);
    }
}
