package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged {@code target/starling.jar}, run as a separate process, as a user would. */
class KeygenIT {

    private static Path jar;

    @TempDir
    Path dir;

    @BeforeAll
    static void findJar() {
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        jar = module.resolve("target").resolve("starling.jar");
        assertThat(jar).as("the shaded jar (built by 'package')").isRegularFile();
    }

    private record Result(int code, String out, String err) {
    }

    private Result starling(Path workDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        Path errFile = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectError(errFile.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("starling " + String.join(" ", args) + " did not finish in 60 s");
        }
        String err = Files.readString(errFile, StandardCharsets.UTF_8);
        Files.delete(errFile);
        return new Result(p.exitValue(), out, err);
    }

    @Test
    void keygenJsonDescribesAnOwnerOnlyKeyFile() throws Exception {
        Path file = dir.resolve("channel.key");
        Result r = starling(dir, "keygen", "--out", file.toString(), "--json");

        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        assertThat(r.out().strip().lines()).as("stdout is one line").hasSize(1);
        Map<String, Object> json = FlatJson.parse(r.out());
        assertThat(json).containsOnlyKeys("channelId", "infoHash", "keyFile");

        ChannelKeys saved = ChannelKeys.load(file);
        String sha1 = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-1").digest(saved.channelId().publicKey()));
        assertThat(json.get("infoHash")).isEqualTo(sha1);
        assertThat(json.get("channelId")).isEqualTo(saved.channelId().toText());
        assertThat(json.get("keyFile")).isEqualTo(file.toAbsolutePath().toString());
        assertThat(Files.getPosixFilePermissions(file))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }

    @Test
    void relativeOutIsReportedAsAnAbsolutePath() throws Exception {
        Result r = starling(dir, "keygen", "--out", "relative.key", "--json");

        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        Path expected = dir.resolve("relative.key").toAbsolutePath();
        assertThat(FlatJson.parse(r.out()).get("keyFile")).isEqualTo(expected.toString());
        assertThat(ChannelKeys.load(expected).channelId().toText()).isEqualTo(FlatJson.parse(r.out()).get("channelId"));
    }

    @Test
    void refusesToOverwriteWithoutForceAndOverwritesWithIt() throws Exception {
        Path file = dir.resolve("channel.key");
        assertThat(starling(dir, "keygen", "--out", file.toString()).code()).isZero();
        byte[] before = Files.readAllBytes(file);

        Result refused = starling(dir, "keygen", "--out", file.toString(), "--json");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains(file.toString()).contains("--force");
        assertThat(refused.out()).isEmpty();
        assertThat(Files.readAllBytes(file)).isEqualTo(before);

        Result forced = starling(dir, "keygen", "--out", file.toString(), "--json", "--force");
        assertThat(forced.code()).as("stderr: %s", forced.err()).isZero();
        assertThat(Files.readAllBytes(file)).isNotEqualTo(before);
        assertThat(FlatJson.parse(forced.out()).get("channelId")).isEqualTo(ChannelKeys.load(file).channelId().toText());
    }

    @Test
    void versionAndHelpWork() throws Exception {
        Result version = starling(dir, "--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).isNotBlank();
        Result help = starling(dir, "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("keygen");
    }
}
