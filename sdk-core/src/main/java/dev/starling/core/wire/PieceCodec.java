package dev.starling.core.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.PieceHeader;

/** Converts between {@link Piece} and its header message; the payload travels beside the header, raw. */
public final class PieceCodec {
    private PieceCodec() {
    }

    /**
     * @return the control header for a piece (its payload is sent beside it); encoded once per piece instance and
     *         shared, so callers must not change it
     */
    public static byte[] encodeHeader(Piece piece) {
        return piece.encodedHeader(PieceCodec::encode);
    }

    private static byte[] encode(Piece piece) {
        PieceHeader header = PieceHeader.newBuilder()
                .setEpoch(piece.epoch())
                .setSeq(piece.seq())
                .setPublishTimeUs(piece.publishTimeUs())
                .setFlags(piece.flags())
                .setLength(piece.length())
                .setPayloadSha256(UnsafeByteOperations.unsafeWrap(piece.payloadSha256()))
                .setSignature(UnsafeByteOperations.unsafeWrap(piece.signature()))
                .build();
        return Control.newBuilder().setPiece(header).build().toByteArray();
    }

    /** @return a piece from its header and payload; content is checked later by the verifier */
    public static Piece decode(PieceHeader header, Payload payload) {
        return new Piece(header.getEpoch(), header.getSeq(), header.getPublishTimeUs(), header.getFlags(),
                header.getLength(), bytes(header.getPayloadSha256()), bytes(header.getSignature()), payload);
    }

    private static byte[] bytes(ByteString s) {
        return s.toByteArray();
    }
}
