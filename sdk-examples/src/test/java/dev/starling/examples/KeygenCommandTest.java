package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KeygenCommandTest {
    @TempDir
    Path dir;

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        assertThat(m.find()).as("field %s in %s", name, json).isTrue();
        return m.group(1);
    }

    static void checkKeyFile(Path key, String json) throws Exception {
        assertThat(Files.getPosixFilePermissions(key))
                .isEqualTo(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        ChannelKeys keys = ChannelKeys.load(key);
        assertThat(field(json, "channelId")).isEqualTo(keys.channelId().toText());
        String sha1 = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-1").digest(keys.channelId().publicKey()));
        assertThat(field(json, "infoHash")).isEqualTo(sha1).hasSize(40);
    }

    @Test
    void writesAnOwnerOnlyKeyAndPrintsItsIdAndInfoHash() throws Exception {
        Path key = dir.resolve("channel.key");
        StringWriter out = new StringWriter();
        CommandLine cli = StarlingCli.commandLine();
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("keygen", "--out", key.toString(), "--json");
        assertThat(code).isZero();
        String json = out.toString().strip();
        assertThat(json.lines()).hasSize(1);
        checkKeyFile(key, json);
    }

    @Test
    void refusesToOverwriteWithoutForce() throws Exception {
        Path key = dir.resolve("channel.key");
        Files.writeString(key, "precious");
        StringWriter err = new StringWriter();
        CommandLine cli = StarlingCli.commandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("keygen", "--out", key.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("exists").contains("--force");
        assertThat(Files.readString(key)).isEqualTo("precious");
        assertThat(StarlingCli.commandLine().execute("keygen", "--out", key.toString(), "--force")).isZero();
        assertThat(ChannelKeys.load(key)).isNotNull();
    }
}
