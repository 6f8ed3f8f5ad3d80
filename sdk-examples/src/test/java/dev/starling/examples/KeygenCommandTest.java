package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelId;
import dev.starling.api.ChannelKeys;
import dev.starling.api.ChannelLink;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code starling keygen}, run in-process through picocli with captured output. */
class KeygenCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = StarlingCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void jsonOutputIsOneObjectDescribingTheSavedKey() throws Exception {
        Path file = dir.resolve("channel.key");
        int code = run("keygen", "--out", file.toString(), "--json");

        assertThat(code).as("stderr: %s", err).isZero();
        String stdout = out.toString();
        assertThat(stdout).endsWith(System.lineSeparator());
        assertThat(stdout.strip().lines()).hasSize(1);
        Map<String, Object> json = FlatJson.parse(stdout);
        assertThat(json).containsOnlyKeys("channelId", "infoHash", "keyFile");

        ChannelKeys saved = ChannelKeys.load(file);
        byte[] publicKey = saved.channelId().publicKey();
        String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(publicKey));
        assertThat(json.get("infoHash")).isEqualTo(sha1);
        assertThat((String) json.get("infoHash")).matches("[0-9a-f]{40}");
        assertThat(ChannelId.parse((String) json.get("channelId"))).isEqualTo(saved.channelId());
        assertThat(json.get("keyFile")).isEqualTo(file.toAbsolutePath().toString());
        assertThat(Path.of((String) json.get("keyFile")).isAbsolute()).isTrue();
        assertThat(Files.getPosixFilePermissions(file))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }

    @Test
    void keyFilePathWithQuotesBackslashesAndSpacesIsEscaped() {
        Path file = dir.resolve("sub dir \"quoted\" \\ back.key");
        int code = run("keygen", "--out", file.toString(), "--json");
        assertThat(code).as("stderr: %s", err).isZero();
        Map<String, Object> json = FlatJson.parse(out.toString());
        assertThat(json.get("keyFile")).isEqualTo(file.toAbsolutePath().toString());
    }

    @Test
    void humanOutputShowsTheIdTheInfoHashTheFileAndAWorkingLink() throws Exception {
        Path file = dir.resolve("channel.key");
        int code = run("keygen", "--out", file.toString());

        assertThat(code).as("stderr: %s", err).isZero();
        ChannelId id = ChannelKeys.load(file).channelId();
        String stdout = out.toString();
        assertThat(stdout).contains(id.toText()).contains(id.infoHashHex()).contains(file.toAbsolutePath().toString());
        String linkText = stdout.lines().map(String::strip).filter(l -> l.contains("starling:"))
                .map(l -> l.substring(l.indexOf("starling:"))).findFirst().orElseThrow();
        assertThat(linkText).isEqualTo(ChannelLink.of(id).toText());
        assertThat(ChannelLink.parse(linkText).channelId()).isEqualTo(id);
    }

    @Test
    void refusesToOverwriteWithoutForce() throws Exception {
        Path file = dir.resolve("channel.key");
        assertThat(run("keygen", "--out", file.toString())).isZero();
        byte[] before = Files.readAllBytes(file);
        out.getBuffer().setLength(0);

        int code = run("keygen", "--out", file.toString(), "--json");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains(file.toString()).contains("--force");
        assertThat(out.toString()).isEmpty();
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void forceOverwritesWithANewKey() throws Exception {
        Path file = dir.resolve("channel.key");
        assertThat(run("keygen", "--out", file.toString())).isZero();
        ChannelId first = ChannelKeys.load(file).channelId();
        out.getBuffer().setLength(0);

        int code = run("keygen", "--out", file.toString(), "--json", "--force");

        assertThat(code).as("stderr: %s", err).isZero();
        ChannelId second = ChannelKeys.load(file).channelId();
        assertThat(second).isNotEqualTo(first);
        assertThat(FlatJson.parse(out.toString()).get("channelId")).isEqualTo(second.toText());
        assertThat(Files.getPosixFilePermissions(file))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }

    @Test
    void outIsRequired() {
        int code = run("keygen", "--json");
        assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--out");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void helpListsKeygen() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("keygen");
        out.getBuffer().setLength(0);
        assertThat(run("keygen", "--help")).isZero();
        assertThat(out.toString()).contains("--out").contains("--json").contains("--force");
    }

    @Test
    void anUnwritablePlaceIsAOneLineErrorNotAStackTrace() {
        Path file = dir.resolve("no-such-dir").resolve("channel.key");
        assertThat(run("keygen", "--out", file.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("starling keygen: cannot write").doesNotContain("\tat ");
        assertThat(err.toString().strip().lines()).hasSize(1);
    }
}
