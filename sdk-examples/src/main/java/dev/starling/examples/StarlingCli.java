package dev.starling.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code starling} command line. */
@Command(name = "starling", mixinStandardHelpOptions = true, version = "starling 0.1.0-SNAPSHOT",
        description = "Peer-to-peer live streaming: keys, demos and tools.",
        subcommands = {KeygenCommand.class, DemoCommand.class})
public final class StarlingCli {

    /** @return the command line, for tests and main */
    public static CommandLine commandLine() {
        return new CommandLine(new StarlingCli());
    }

    /** Runs a command and exits with its code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
