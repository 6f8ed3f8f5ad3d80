package dev.starling.examples;

import dev.starling.api.ChannelKeys;
import dev.starling.api.ChannelLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starling keygen}: makes a channel key file. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Generates a channel key (Ed25519) and writes it readable by its owner only.")
final class KeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Key file to write.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object: channelId, infoHash, keyFile.")
    boolean json;

    @Option(names = "--force", description = "Overwrite an existing key file.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out) && !force) {
            spec.commandLine().getErr().println("starling keygen: " + out + " exists; use --force to overwrite it");
            return 1;
        }
        ChannelKeys keys = ChannelKeys.generate();
        try {
            keys.save(out);
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("starling keygen: cannot write " + out + ": " + e);
            return 1;
        }
        var id = keys.channelId();
        var w = spec.commandLine().getOut();
        if (json) {
            w.println(Json.object().put("channelId", id.toText()).put("infoHash", id.infoHashHex())
                    .put("keyFile", out.toAbsolutePath().toString()));
        } else {
            w.println("key file:   " + out.toAbsolutePath());
            w.println("channel id: " + id.toText());
            w.println("info-hash:  " + id.infoHashHex());
            w.println("link:       " + ChannelLink.of(id).toText());
        }
        w.flush();
        return 0;
    }
}
