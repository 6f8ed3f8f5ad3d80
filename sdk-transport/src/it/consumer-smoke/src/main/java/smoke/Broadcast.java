package smoke;

import dev.starling.api.Broadcaster;
import dev.starling.api.ChannelKeys;
import dev.starling.api.Starling;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Prints its channel link, waits for "go" on stdin, publishes 120 chunks (one every 50 ms), then ends the stream. */
public final class Broadcast {
    public static void main(String[] args) throws Exception {
        try (Broadcaster b = Starling.broadcaster(ChannelKeys.generate())
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start()) {
            System.out.println(b.link());
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            long next = System.nanoTime();
            for (int i = 0; i < 120; i++) {
                b.publish(Chunks.chunk(i), i % 10 == 0);
                next += 50_000_000L;
                long waitNs = next - System.nanoTime();
                if (waitNs > 0) {
                    Thread.sleep(waitNs / 1_000_000, (int) (waitNs % 1_000_000)); // pacing a live source, not syncing
                }
            }
        }
        System.out.println("published 120");
    }
}
