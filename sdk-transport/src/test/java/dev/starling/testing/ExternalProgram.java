package dev.starling.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * For tests that need an outside program (opentracker, ffmpeg, chromium). Where it is missing, the test is
 * skipped with a clear reason on a developer's machine, and fails where {@code CI=true}: {@code .ci/run}
 * installs every such program, so a broken install can never pass green.
 */
public final class ExternalProgram {
    private ExternalProgram() {
    }

    /**
     * @param program the executable's name, looked up on the PATH
     * @param why     what the test needs it for
     * @return its path
     */
    public static Path require(String program, String why) {
        return require(program, why, System.getenv());
    }

    static Path require(String program, String why, Map<String, String> env) {
        Optional<Path> found = find(program, env.getOrDefault("PATH", ""));
        if (found.isPresent()) {
            return found.get();
        }
        String reason = "'" + program + "' is not on the PATH (needed to " + why + ")";
        if ("true".equalsIgnoreCase(env.get("CI"))) {
            Assertions.fail(reason + ": CI=true, so this fails rather than skips; .ci/run must install it");
        }
        Assumptions.abort(reason + ": skipped; install it to run this test");
        throw new AssertionError("unreachable");
    }

    static Optional<Path> find(String program, String pathVariable) {
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
