package dev.starling.core.wire;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.benchmarks.StarlingBenchmark;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Goodbye;
import dev.starling.core.wire.proto.Handshake;
import dev.starling.core.wire.proto.PeerAddress;
import dev.starling.core.wire.proto.PeerExchange;
import dev.starling.core.wire.proto.PieceHeader;
import dev.starling.core.wire.proto.Request;
import dev.starling.core.wire.proto.Subscribe;
import dev.starling.core.wire.proto.SubscribeReply;
import dev.starling.core.wire.proto.Unsubscribe;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import java.util.concurrent.TimeUnit;

/**
 * Encode and decode of each control message, with the contents the engine sends: {@code encode} builds the
 * message from its fields and serialises it, as the engine does each time it sends one; {@code decode} is
 * {@link ControlCodec#decode}, size limit and all. A buffer map covers a 10 s window at 2 Mbit/s in 16 KiB pieces
 * (153 pieces); a request asks for 6 pieces (the default per-peer limit); a peer exchange carries 50 IPv4
 * addresses (the most one may).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark extends StarlingBenchmark {
    @Param({"handshake", "piece", "bufferMap", "request", "subscribe", "subscribeReply", "unsubscribe",
            "peerExchange", "goodbye"})
    String message;

    private Supplier<Control> build;
    private byte[] encoded;

    /** Picks the message and encodes it once for {@code decode}. */
    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(5);
        byte[] key = bytes(random, 32);
        byte[] peerId = bytes(random, 16);
        byte[] sha = bytes(random, 32);
        byte[] signature = bytes(random, 64);
        byte[] have = bytes(random, 20);
        have[19] &= 0x01; // 153 bits
        byte[][] ips = new byte[50][];
        for (int i = 0; i < ips.length; i++) {
            ips[i] = bytes(random, 4);
        }
        build = switch (message) {
            case "handshake" -> () -> Control.newBuilder().setHandshake(Handshake.newBuilder()
                    .setProtocolVersion(1).setChannelId(UnsafeByteOperations.unsafeWrap(key))
                    .setPeerId(UnsafeByteOperations.unsafeWrap(peerId)).setListenPort(40_123)
                    .setUploadBps(6_000_000).setPrimarySubstream(2)).build();
            case "piece" -> () -> Control.newBuilder().setPiece(PieceHeader.newBuilder()
                    .setEpoch(1_732_400_000_000_000L).setSeq(123_456).setPublishTimeUs(1_732_400_061_728_000L)
                    .setFlags(1).setLength(16_384).setPayloadSha256(UnsafeByteOperations.unsafeWrap(sha))
                    .setSignature(UnsafeByteOperations.unsafeWrap(signature))).build();
            case "bufferMap" -> () -> {
                BufferMap.Builder b = BufferMap.newBuilder().setEpoch(1_732_400_000_000_000L).setBaseSeq(123_300)
                        .setHave(UnsafeByteOperations.unsafeWrap(have)).setLatestRapSeq(123_421)
                        .setFreeSlots(3).setNewestPublishTimeUs(1_732_400_061_728_000L).setOpenSubstreams(5)
                        .setDisplaceableSubstreams(2).setBroadcasterNowUs(1_732_400_061_900_000L);
                for (int k = 0; k < 4; k++) {
                    b.addDepth(3 + k % 2);
                }
                return Control.newBuilder().setBufferMap(b).build();
            };
            case "request" -> () -> {
                Request.Builder b = Request.newBuilder().setEpoch(1_732_400_000_000_000L);
                for (int i = 0; i < 6; i++) {
                    b.addSeqs(123_440 + i * 4);
                }
                return Control.newBuilder().setRequest(b).build();
            };
            case "subscribe" -> () -> Control.newBuilder()
                    .setSubscribe(Subscribe.newBuilder().setSubstream(2).setSwitching(true)).build();
            case "subscribeReply" -> () -> Control.newBuilder()
                    .setSubscribeReply(SubscribeReply.newBuilder().setSubstream(2).setAccepted(true)).build();
            case "unsubscribe" -> () -> Control.newBuilder()
                    .setUnsubscribe(Unsubscribe.newBuilder().setSubstream(2)).build();
            case "peerExchange" -> () -> {
                PeerExchange.Builder b = PeerExchange.newBuilder();
                for (int i = 0; i < ips.length; i++) {
                    b.addPeers(PeerAddress.newBuilder().setIp(UnsafeByteOperations.unsafeWrap(ips[i]))
                            .setPort(40_000 + i));
                }
                return Control.newBuilder().setPeerExchange(b).build();
            };
            case "goodbye" -> () -> Control.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("closing")).build();
            default -> throw new IllegalArgumentException("no such message: " + message);
        };
        encoded = ControlCodec.encode(build.get());
        try {
            if (!ControlCodec.decode(encoded).equals(build.get())) {
                throw new IllegalStateException(message + " does not survive a round trip");
            }
        } catch (WireException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** @return the message's bytes, built and serialised as the engine sends it */
    @Benchmark
    public byte[] encode() {
        return ControlCodec.encode(build.get());
    }

    /** @return the decoded message */
    @Benchmark
    public Control decode() throws WireException {
        return ControlCodec.decode(encoded);
    }
}
