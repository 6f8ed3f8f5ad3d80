package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.protobuf.ByteString;
import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Sequence numbers and epochs in a buffer map are uint64 on the wire: from 2^63 up Java reads them negative, and
 * just below it a map's newest piece sits at {@code Long.MAX_VALUE}, where a loop up to it never ends. Such a map
 * drops its sender; the viewer carries on. (The time limit only keeps a regression from hanging the build.)
 */
class BufferMapRangeTest {
    private static final long S = 1_000_000_000L;
    private static final long LIAR = 5;
    private final ChannelKeys keys = ChannelKeys.generate();

    private static Control map(long epoch, long baseSeq, long latestRapPlusOne) {
        return Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(epoch).setBaseSeq(baseSeq)
                .setHave(ByteString.copyFrom(new byte[] {(byte) 0x80})).setLatestRapSeq(latestRapPlusOne)
                .addDepth(1).addDepth(1).addDepth(1).addDepth(1)).build();
    }

    private EngineHarness viewerWithLiar() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        h.connectPeer(LIAR, new InetSocketAddress("198.51.100.7", 7000), true, false, 0);
        return h;
    }

    @Test
    void aMapWhoseNewestPieceIsTheLargestLongDropsItsSender() {
        EngineHarness h = viewerWithLiar();
        h.receive(new PieceSigner(keys).sign(1, 0, 5_000_000, Piece.FLAG_RANDOM_ACCESS_POINT,
                Payload.wrap(new byte[] {1})), S);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            h.control(LIAR, map(1, Long.MAX_VALUE - 7, 1), 2 * S);
            for (long t = 2 * S; t < 4 * S; t += 50_000_000L) {
                h.engine.onTimer(t);
            }
        });
        assertThat(h.disconnects).singleElement().asString().contains("out of range");
    }

    @Test
    void aMapInAnEpochOfMinusOneOrWithSequencesFromTwoToTheSixtyThirdDropsItsSender() {
        for (Control bad : new Control[] {map(-1, 0, 1), map(1, -8, 1), map(1, 0, -1), map(1, 1L << 62, 1)}) {
            EngineHarness h = viewerWithLiar();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                h.control(LIAR, bad, S);
                h.receive(new PieceSigner(keys).sign(1, 0, 5_000_000, Piece.FLAG_RANDOM_ACCESS_POINT,
                        Payload.wrap(new byte[] {1})), 2 * S);
                for (long t = 2 * S; t < 4 * S; t += 50_000_000L) {
                    h.engine.onTimer(t);
                }
            });
            assertThat(h.disconnects).as(bad.toString()).singleElement().asString().contains("out of range");
        }
    }

    @Test
    void anHonestMapIsTaken() {
        EngineHarness h = viewerWithLiar();
        h.control(LIAR, map(0, 0, 1), S);
        assertThat(h.disconnects).isEmpty();
    }
}
