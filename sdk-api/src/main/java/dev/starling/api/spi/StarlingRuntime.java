package dev.starling.api.spi;

import dev.starling.api.Broadcaster;
import dev.starling.api.NodeSpec;
import dev.starling.api.Viewer;

/** Runs nodes; sdk-transport registers one for {@link java.util.ServiceLoader}. */
public interface StarlingRuntime {

    /** Starts a broadcaster. */
    Broadcaster startBroadcaster(NodeSpec spec);

    /** Starts a viewer. */
    Viewer startViewer(NodeSpec spec);
}
