package dev.starling.transport.sim;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * A single app thread in virtual time: tasks run one after another; a task may {@link #stall} to model a
 * callback that blocks, delaying every later task without blocking the simulation.
 */
public final class SimExecutor implements Executor {
    private final SimNetwork net;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean scheduled;
    private long busyUntilNs;

    /** @param net the network whose clock it runs on */
    public SimExecutor(SimNetwork net) {
        this.net = net;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (!scheduled) {
            scheduled = true;
            net.at(Math.max(net.nowNs(), busyUntilNs), this::runOne);
        }
    }

    /** Called from a running task: it "blocks" for this long. */
    public void stall(long durationNs) {
        busyUntilNs = net.nowNs() + durationNs;
    }

    private void runOne() {
        Runnable t = tasks.poll();
        if (t != null) {
            t.run();
        }
        if (tasks.isEmpty()) {
            scheduled = false;
        } else {
            net.at(Math.max(net.nowNs(), busyUntilNs), this::runOne);
        }
    }
}
