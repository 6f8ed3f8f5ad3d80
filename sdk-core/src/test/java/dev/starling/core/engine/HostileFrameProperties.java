package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.wire.CompactAddresses;
import dev.starling.core.wire.ControlCodec;
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
import java.net.InetSocketAddress;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Whatever well-formed message a neighbour sends, with whatever field values (unsigned fields from 2^31 up read
 * as negative in Java, sizes past every limit, sequences far in the past or future), the engine answers with a
 * dropped peer or by ignoring it: nothing escapes {@code onFrame} or {@code onTimer}, and what it sends still
 * decodes. (Bytes that are not a message at all are {@code CodecProperties}' and {@code PieceAcceptanceTest}'s.)
 */
class HostileFrameProperties {
    private static final ChannelKeys KEYS = ChannelKeys.generate();
    private static final long HOSTILE = 1;
    private static final long HONEST = 2;
    private static final long MS = 1_000_000L;

    @Property(tries = 300)
    void aViewerSurvivesAnyMessages(@ForAll("handshakes") Handshake hello, @ForAll("messages") List<Control> messages) {
        survives(new EngineHarness(KEYS), hello, messages);
    }

    @Property(tries = 200)
    void theBroadcasterSurvivesAnyMessages(@ForAll("handshakes") Handshake hello,
                                           @ForAll("messages") List<Control> messages) {
        survives(EngineHarness.broadcaster(KEYS, 20_000_000), hello, messages);
    }

    private static void survives(EngineHarness h, Handshake hello, List<Control> messages) {
        h.connectPeer(HONEST, new InetSocketAddress("192.0.2.8", 7000), false, false, 0);
        h.engine.onConnected(HOSTILE, new InetSocketAddress("198.51.100.7", 40000), true, 0);
        h.control(HOSTILE, Control.newBuilder().setHandshake(hello).build(), 0);
        long t = 0;
        for (Control c : messages) {
            t += 20 * MS;
            Payload payload = c.hasPiece()
                    ? Payload.wrap(new byte[Math.floorMod(c.getPiece().getLength(), 65)]) : Payload.empty();
            h.engine.onFrame(HOSTILE, ControlCodec.encode(c), payload, t);
            h.engine.onTimer(t);
        }
        for (long end = t + 12_000 * MS; t < end; t += 50 * MS) {
            h.engine.onTimer(t); // maintenance, repair, buffer maps and peer exchange all run on what it was told
        }
        assertThat(h.sent).isNotEmpty(); // the harness decoded every frame the engine sent
    }

    @Provide
    Arbitrary<Handshake> handshakes() {
        return Combinators.combine(anyInt(), anyLong(), anyInt(), anyInt(), Arbitraries.of(true, false),
                Arbitraries.of(true, false)).as((port, upload, primary, caps, broadcaster, seeksReserve) ->
                Handshake.newBuilder().setProtocolVersion(PeerEngine.PROTOCOL_VERSION)
                        .setChannelId(ByteString.copyFrom(KEYS.channelId().publicKey()))
                        .setPeerId(ByteString.copyFrom(new byte[] {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}))
                        .setListenPort(port).setUploadBps(upload).setPrimarySubstream(primary).setCapabilities(caps)
                        .setBroadcaster(broadcaster).setSeeksReserve(seeksReserve).build());
    }

    @Provide
    Arbitrary<List<Control>> messages() {
        return Arbitraries.oneOf(bufferMaps(), requests(), subscribes(), subscribeReplies(), unsubscribes(),
                peerExchanges(), pieces(), goodbyes()).list().ofMaxSize(25);
    }

    /** Small values most of the time (they reach deep into the logic), any int the rest. */
    private static Arbitrary<Integer> anyInt() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(-2, 70_000)),
                Tuple.of(1, Arbitraries.integers()));
    }

    /** Small values most of the time, any long the rest, and now and then one just below 2^63 (uint64 edges). */
    private static Arbitrary<Long> anyLong() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().between(-2, 2_000)),
                Tuple.of(2, Arbitraries.longs()),
                Tuple.of(1, Arbitraries.longs().between(Long.MAX_VALUE - 80, Long.MAX_VALUE)));
    }

    private static Arbitrary<ByteString> anyBytes(int maxSize) {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(maxSize).map(ByteString::copyFrom);
    }

    private static Arbitrary<Control> bufferMaps() {
        Arbitrary<BufferMap.Builder> header = Combinators.combine(anyLong(), anyLong(), anyBytes(40), anyLong(),
                anyInt().list().ofMaxSize(6), anyInt(), anyLong(), anyInt()).as(
                (epoch, base, have, rap, depths, free, newest, open) -> BufferMap.newBuilder().setEpoch(epoch)
                        .setBaseSeq(base).setHave(have).setLatestRapSeq(rap).addAllDepth(depths).setFreeSlots(free)
                        .setNewestPublishTimeUs(newest).setOpenSubstreams(open));
        return Combinators.combine(header, anyInt(), anyLong(), anyInt(), anyInt(), anyInt(),
                anyInt().list().ofMaxSize(6)).as((b, displaceable, clock, reserve, riders, feeding, subtree) ->
                Control.newBuilder().setBufferMap(b.setDisplaceableSubstreams(displaceable).setBroadcasterNowUs(clock)
                        .setReserveSubstreams(reserve).setFreeRiderSubstreams(riders).setFeedingSubstreams(feeding)
                        .addAllSubtree(subtree)).build());
    }

    private static Arbitrary<Control> requests() {
        return Combinators.combine(anyLong(), anyLong().list().ofMaxSize(70)).as((epoch, seqs) ->
                Control.newBuilder().setRequest(Request.newBuilder().setEpoch(epoch).addAllSeqs(seqs)).build());
    }

    private static Arbitrary<Control> subscribes() {
        return Combinators.combine(anyInt(), Arbitraries.of(true, false), Arbitraries.of(true, false)).as(
                (k, switching, lastResort) -> Control.newBuilder().setSubscribe(Subscribe.newBuilder()
                        .setSubstream(k).setSwitching(switching).setLastResort(lastResort)).build());
    }

    private static Arbitrary<Control> subscribeReplies() {
        return Combinators.combine(anyInt(), Arbitraries.of(true, false), Arbitraries.of(true, false)).as(
                (k, accepted, reserve) -> Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder()
                        .setSubstream(k).setAccepted(accepted).setReserve(reserve)).build());
    }

    private static Arbitrary<Control> unsubscribes() {
        return anyInt().map(k -> Control.newBuilder().setUnsubscribe(Unsubscribe.newBuilder().setSubstream(k))
                .build());
    }

    private static Arbitrary<Control> peerExchanges() {
        Arbitrary<PeerAddress> address = Combinators.combine(
                Arbitraries.oneOf(anyBytes(17), Arbitraries.bytes().array(byte[].class).ofSize(4)
                        .map(ByteString::copyFrom)), anyInt(), anyInt()).as((ip, port, primary) ->
                PeerAddress.newBuilder().setIp(ip).setPort(port).setPrimarySubstream(primary).build());
        Arbitrary<ByteString> compact = Arbitraries.oneOf(anyBytes(400), Arbitraries.integers().between(0, 52)
                .flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n * CompactAddresses.RECORD_BYTES))
                .map(ByteString::copyFrom));
        return Combinators.combine(address.list().ofMaxSize(55), compact).as((list, v4) -> Control.newBuilder()
                .setPeerExchange(PeerExchange.newBuilder().addAllPeers(list).setIpv4(v4)).build());
    }

    private static Arbitrary<Control> pieces() {
        return Combinators.combine(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), anyBytes(40), anyBytes(70))
                .as((epoch, seq, published, flags, length, sha, signature) -> Control.newBuilder().setPiece(
                        PieceHeader.newBuilder().setEpoch(epoch).setSeq(seq).setPublishTimeUs(published)
                                .setFlags(flags).setLength(length).setPayloadSha256(sha).setSignature(signature))
                        .build());
    }

    private static Arbitrary<Control> goodbyes() {
        return Arbitraries.strings().ofMaxLength(300).map(r -> Control.newBuilder()
                .setGoodbye(Goodbye.newBuilder().setReason(r)).build());
    }
}
