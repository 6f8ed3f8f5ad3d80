package dev.starling.testing;

import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty's leak detector, recording each leak it finds so a test can assert there was none. Installed for the
 * whole test JVM by the build ({@code -Dio.netty.customResourceLeakDetector=...}, level PARANOID).
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static volatile boolean quiet;

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
    }

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    /** @return whether this detector is the one Netty uses (the build set it up) and tracks every buffer */
    public static boolean installed() {
        return recording() && ResourceLeakDetector.getLevel() == Level.PARANOID;
    }

    /** @return whether this detector is the one Netty uses, at any level (below PARANOID it samples buffers) */
    public static boolean recording() {
        return RecordingLeakDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"))
                && ResourceLeakDetector.isEnabled();
    }

    /** @return the leaks reported so far in this JVM */
    public static List<String> leaks() {
        return List.copyOf(LEAKS);
    }

    /**
     * Makes the detector look: leaked buffers are found when they are garbage collected and another buffer is
     * then tracked. Collects garbage and tracks a few fresh buffers.
     */
    public static List<String> collectAndReport() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            System.runFinalization();
            for (int j = 0; j < 64; j++) {
                io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
                io.netty.buffer.PooledByteBufAllocator.DEFAULT.heapBuffer(16).release();
            }
        }
        return leaks();
    }

    /** Records leaks without logging them (for the test that leaks on purpose). */
    public static void quiet(boolean q) {
        quiet = q;
    }

    /** Forgets the leaks seen so far (for the test that leaks on purpose). */
    public static void clear() {
        LEAKS.clear();
    }

    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add(resourceType + " leaked:" + records);
        if (!quiet) {
            super.reportTracedLeak(resourceType, records);
        }
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add(resourceType + " leaked (untraced)");
        if (!quiet) {
            super.reportUntracedLeak(resourceType);
        }
    }
}
