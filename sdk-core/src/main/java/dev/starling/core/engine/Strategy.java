package dev.starling.core.engine;

/** How pieces move through the swarm. Only {@link #DEFAULT} is for production; the others are baselines. */
public enum Strategy {
    /** Push trees with pull repair (see {@link PeerEngine}). */
    DEFAULT("default"),
    /** Baseline: the broadcaster sends every piece to every viewer; viewers forward nothing. */
    CLIENT_SERVER("client-server"),
    /** Baseline: no push; buffer maps and rarest-first pull from random partners, CoolStreaming-style. */
    PULL_MESH("pull-mesh");

    private final String cliName;

    Strategy(String cliName) {
        this.cliName = cliName;
    }

    /** @return the name on the command line */
    public String cliName() {
        return cliName;
    }

    /** @return the strategy with this command-line name */
    public static Strategy fromCliName(String name) {
        for (Strategy s : values()) {
            if (s.cliName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("strategy '" + name + "': use default, client-server or pull-mesh");
    }
}
