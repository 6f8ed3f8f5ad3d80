package dev.starling.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
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
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Example;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class CodecProperties {

    @Property(tries = 500)
    void everyMessageRoundTripsThroughFramesInAnyFragments(@ForAll("controls") Control control,
                                                           @ForAll @Size(max = 2048) byte[] payload,
                                                           @ForAll @IntRange(min = 1, max = 64) int fragment)
            throws Exception {
        byte[] header = ControlCodec.encode(control);
        byte[] body = control.getBodyCase() == Control.BodyCase.PIECE ? payload : new byte[0];
        byte[] wire = concat(FrameFormat.prefix(header.length, body.length), header, body);

        List<byte[]> headers = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder();
        for (int off = 0; off < wire.length; off += fragment) {
            decoder.decode(ByteBuffer.wrap(wire, off, Math.min(fragment, wire.length - off)), (h, p) -> {
                headers.add(h);
                payloads.add(p.toByteArray());
            });
        }
        assertThat(headers).hasSize(1);
        assertThat(ControlCodec.decode(headers.get(0))).isEqualTo(control);
        assertThat(payloads.get(0)).isEqualTo(body);
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Property(tries = 1000)
    void arbitraryBytesRaiseOnlyTheCodecsError(@ForAll @Size(max = 512) byte[] bytes) {
        try {
            new FrameDecoder().decode(ByteBuffer.wrap(bytes), (h, p) -> ControlCodec.decode(h));
        } catch (WireException expected) {
            // the only failure allowed
        }
        try {
            ControlCodec.decode(bytes);
        } catch (WireException expected) {
            // the only failure allowed
        }
    }

    @Property(tries = 500)
    void truncatedMessagesRaiseOnlyTheCodecsError(@ForAll("controls") Control control,
                                                  @ForAll @IntRange(min = 0, max = 1000) int cut) {
        byte[] header = ControlCodec.encode(control);
        byte[] truncated = Arrays.copyOf(header, Math.min(cut, Math.max(0, header.length - 1)));
        try {
            Control decoded = ControlCodec.decode(truncated);
            // A prefix can itself be a valid message (protobuf fields are optional); it must not be the original.
            assertThat(decoded).isNotEqualTo(control);
        } catch (WireException expected) {
            // fine
        }
        byte[] wire = concat(FrameFormat.prefix(header.length, 0), header);
        try {
            FrameDecoder d = new FrameDecoder();
            List<byte[]> got = new ArrayList<>();
            d.decode(ByteBuffer.wrap(wire, 0, Math.min(cut, wire.length - 1)), (h, p) -> got.add(h));
            assertThat(got).isEmpty(); // an incomplete frame is never emitted
        } catch (WireException expected) {
            // fine
        }
    }

    @Example
    void declaredTwoGibibyteFrameIsRefusedWithoutAllocatingForIt() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] prefix = {(byte) 0x80, 0, 0, 0, 0, 0, 0, 16}; // 2 GiB frame, 16-byte header
        FrameDecoder decoder = new FrameDecoder();
        ByteBuffer in = ByteBuffer.wrap(prefix);
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        WireException error = null;
        try {
            decoder.decode(in, (h, p) -> { });
        } catch (WireException e) {
            error = e;
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(error).isNotNull();
        assertThat(error.getMessage()).contains("2147483648").contains("exceeds the maximum");
        assertThat(allocated).isLessThan(64 * 1024);
    }

    @Example
    void oversizedHeaderAndPayloadAreRefusedFromThePrefix() {
        for (byte[] prefix : List.of(
                FrameFormat.prefix(dev.starling.api.spi.FrameLimits.MAX_HEADER_BYTES + 1, 0),
                FrameFormat.prefix(10, dev.starling.api.spi.FrameLimits.MAX_PAYLOAD_BYTES + 1),
                new byte[] {0, 0, 0, 2, 0, 0, 0, 1},     // frame shorter than its header length field
                new byte[] {0, 0, 0, 10, 0, 0, 0, 20},   // header longer than the frame
                new byte[] {0, 0, 0, 10, 0, 0, 0, 0})) { // empty header
            FrameDecoder d = new FrameDecoder();
            try {
                d.decode(ByteBuffer.wrap(prefix), (h, p) -> { });
                throw new AssertionError("accepted " + Arrays.toString(prefix));
            } catch (WireException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    @Example
    void anEmptyControlMessageIsAnError() {
        try {
            ControlCodec.decode(new byte[0]);
            throw new AssertionError("accepted an empty header");
        } catch (WireException e) {
            assertThat(e.getMessage()).contains("no message");
        }
    }

    @Provide
    Arbitrary<Control> controls() {
        Arbitrary<ByteString> bytes16 = Arbitraries.bytes().array(byte[].class).ofSize(16).map(ByteString::copyFrom);
        Arbitrary<ByteString> bytes32 = Arbitraries.bytes().array(byte[].class).ofSize(32).map(ByteString::copyFrom);
        Arbitrary<ByteString> bytes64 = Arbitraries.bytes().array(byte[].class).ofSize(64).map(ByteString::copyFrom);
        Arbitrary<Long> u64 = Arbitraries.longs();
        Arbitrary<Integer> u32 = Arbitraries.integers();

        Arbitrary<Control> handshake = Combinators.combine(u32, bytes32, bytes16, u32, Arbitraries.integers().between(0, 65535),
                        u64, Arbitraries.of(true, false))
                .as((v, ch, id, caps, port, up, b) -> Control.newBuilder().setHandshake(Handshake.newBuilder()
                        .setProtocolVersion(v).setChannelId(ch).setPeerId(id).setCapabilities(caps)
                        .setListenPort(port).setUploadBps(up).setBroadcaster(b)).build());
        Arbitrary<Control> piece = Combinators.combine(u64, u64, u64, u32, u32, bytes32, bytes64)
                .as((e, s, t, f, l, h, sig) -> Control.newBuilder().setPiece(PieceHeader.newBuilder()
                        .setEpoch(e).setSeq(s).setPublishTimeUs(t).setFlags(f).setLength(l).setPayloadSha256(h)
                        .setSignature(sig)).build());
        Arbitrary<Control> bufferMap = Combinators.combine(u64, u64,
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(64), u64,
                        Arbitraries.integers().between(0, 70000).list().ofMaxSize(8), u32, u64)
                .as((e, base, have, rap, depth, free, t) -> Control.newBuilder().setBufferMap(BufferMap.newBuilder()
                        .setEpoch(e).setBaseSeq(base).setHave(ByteString.copyFrom(have)).setLatestRapSeq(rap)
                        .addAllDepth(depth).setFreeSlots(free).setNewestPublishTimeUs(t)).build());
        Arbitrary<Control> request = Combinators.combine(u64, Arbitraries.longs().list().ofMaxSize(64))
                .as((e, seqs) -> Control.newBuilder().setRequest(Request.newBuilder().setEpoch(e).addAllSeqs(seqs)).build());
        Arbitrary<Control> subscribe = u32.map(k -> Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build());
        Arbitrary<Control> reply = Combinators.combine(u32, Arbitraries.of(true, false)).as((k, a) ->
                Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder().setSubstream(k).setAccepted(a)).build());
        Arbitrary<Control> unsubscribe = u32.map(k -> Control.newBuilder().setUnsubscribe(Unsubscribe.newBuilder().setSubstream(k)).build());
        Arbitrary<PeerAddress> address = Combinators.combine(
                        Arbitraries.of(4, 16).flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n)),
                        Arbitraries.integers().between(1, 65535))
                .as((ip, port) -> PeerAddress.newBuilder().setIp(ByteString.copyFrom(ip)).setPort(port).build());
        Arbitrary<ByteString> compact = Arbitraries.integers().between(0, 50).flatMap(n -> Arbitraries.bytes()
                .array(byte[].class).ofSize(n * CompactAddresses.RECORD_BYTES)).map(ByteString::copyFrom);
        Arbitrary<Control> pex = Combinators.combine(address.list().ofMaxSize(50), compact).as((list, v4) ->
                Control.newBuilder().setPeerExchange(PeerExchange.newBuilder().addAllPeers(list).setIpv4(v4)).build());
        Arbitrary<Control> goodbye = Arbitraries.strings().ofMaxLength(100).map(r ->
                Control.newBuilder().setGoodbye(Goodbye.newBuilder().setReason(r)).build());
        return Arbitraries.oneOf(handshake, piece, bufferMap, request, subscribe, reply, unsubscribe, pex, goodbye);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

}
