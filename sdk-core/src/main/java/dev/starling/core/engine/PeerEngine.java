package dev.starling.core.engine;


import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.starling.api.ChannelId;
import dev.starling.api.Gap;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.piece.PieceVerifier;
import dev.starling.core.piece.RejectReason;
import dev.starling.core.util.LongCounts;
import dev.starling.core.util.LongMap;
import dev.starling.core.wire.CompactAddresses;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.WireException;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Goodbye;
import dev.starling.core.wire.proto.Handshake;
import dev.starling.core.wire.proto.PeerAddress;
import dev.starling.core.wire.proto.PeerExchange;
import dev.starling.core.wire.proto.Request;
import dev.starling.core.wire.proto.Subscribe;
import dev.starling.core.wire.proto.SubscribeReply;
import dev.starling.core.wire.proto.Unsubscribe;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The protocol engine of one node (broadcaster or viewer) of one channel: a sans-I/O state machine.
 *
 * <p>Inputs: {@link #onConnected}, {@link #onFrame}, {@link #onDisconnected}, {@link #onTimer} (each with the
 * current time {@code nowNs}), and the app's {@link #publish}, {@link #endStream}. Outputs go to the
 * {@link EngineOutput} given at construction, synchronously; {@link #nextDeadlineNs()} says when to wake it.
 * It reads no clock, starts no thread and touches no socket; randomness comes from a seeded generator. The same
 * inputs give the same outputs, which is what lets the simulator run this very class for every simulated node.
 *
 * <h2>Distribution</h2>
 * Pieces are dealt round-robin to {@code substreams} push trees (SplitStream's stripes, New CoolStreaming's
 * substreams). A viewer subscribes to one parent per substream among its neighbours, preferring the shallowest
 * parent with a free slot; a parent pushes every piece of that substream to its children as soon as it has
 * verified it. Slots are sized from the upload capacity, and a full parent trades its least-contributing child
 * for a requester that has sent it more (reciprocity), newcomers being protected for a while (the optimistic
 * share). Pull repair fills what push missed: neighbours exchange buffer maps, and a piece still missing a little
 * after a neighbour announced it is requested from the least-loaded neighbour holding it, earliest deadline first.
 * Nothing is sent or requested once its deadline has passed. The broadcaster feeds each substream's tree about
 * once and repairs only within a budget.
 *
 * <h2>Time</h2>
 * Deadlines (publish time + playout delay) are reckoned on the broadcaster's clock as estimated from the
 * verified pieces (publish time minus local arrival, the largest seen), never from the viewer's own clock.
 */
public final class PeerEngine {
    /** The wire protocol version this engine speaks. */
    public static final int PROTOCOL_VERSION = 1;
    static final int DETACHED = 0xFFFF;
    static final int MAX_DEPTH = 64;
    private static final int MAX_PEX_ADDRESSES = 50;
    private static final int MAX_CANDIDATES = 1_000;
    /** The source of candidates added through {@link #addCandidates(List, long)}. */
    private static final Object DISCOVERY = new Object() {
        @Override
        public String toString() {
            return "discovery";
        }
    };
    private static final int MAX_REQUEST_SEQS = 64;
    private static final int MAX_BUFFER_MAP_BYTES = 1_024;
    /**
     * The largest sequence number or epoch taken from a neighbour's buffer map. They are uint64 on the wire: from
     * 2^63 up Java reads them negative, and near 2^63 a map's newest piece reaches Long.MAX_VALUE, where a loop up to
     * it never ends. 2^62 pieces at a thousand a second last 146 million years.
     */
    private static final long MAX_NEIGHBOUR_SEQ = (1L << 62) - 1;
    /** How long a neighbour's claim of a newer epoch is ignored once it failed to prove it twice. */
    private static final long EPOCH_CLAIM_DOUBT_NS = 10_000_000_000L;
    /**
     * Cap on the subtree a neighbour claims. The claim only orders a parent's pushes, so a lie moves the liar up
     * within one parent's round: a piece's send time to a few siblings, no more.
     */
    private static final int MAX_SUBTREE = 1 << 24;
    private static final long BAN_NS = 600_000_000_000L;
    private static final long PROTECT_CHILD_NS = 10_000_000_000L;
    /**
     * The broadcaster's roots: a root makes way for a neighbour forwarding its tree with clearly more upload once it
     * has been root this long. Each tree's root is its one node fed straight from the broadcaster, so its fanout
     * sets the width of every level below it: a 0.5x root under a 10-slot tree costs everyone a hop.
     */
    private static final long ROOT_PROTECT_NS = 2_000_000_000L;
    /**
     * A root that made way keeps getting its tree's pieces this long. 3 s did less (1,000 viewers, seeds 1 and 2,
     * latency p99 1652 and 1933 ms against 1535 and 1818).
     */
    private static final long ROOT_HANDOVER_NS = 1_500_000_000L;
    /** Declared upload counts for no more than this many bitrates when ranking peers: the claim is unchecked. */
    private static final long MERIT_CAP_BITRATES = 4;
    private static final long REJECT_BACKOFF_NS = 2_000_000_000L;
    private static final long SUBSCRIBE_TIMEOUT_NS = 1_500_000_000L;
    private static final long RECONNECT_BROADCASTER_NS = 2_000_000_000L;
    /**
     * A viewer cut off from its parent in a tree, with children of its own there, reattaches for this long only to
     * a neighbour no deeper than it was: its descendants may not have heard yet and still advertise the depths they
     * had under it, and attaching to one would close a loop that cuts the whole subtree off.
     */
    private static final long REATTACH_SAFE_NS = 1_000_000_000L;
    /**
     * The broadcaster checks its roots' trees once a second: where none of a tree's pieces published between 2 s
     * and 0.8 s ago has reached more than half of the settled neighbours (connected 3 s or more), the roots there
     * (3 s or more) do not forward. Declared upload is only the peer's word, and strong roots are sought, so a liar
     * would otherwise be made root and starve its tree. Such a root is dropped, its declared upload no longer counts,
     * and its listen address may not root a tree for ten minutes, across reconnections. Judging by any piece of a
     * recent window, not one piece, keeps a neighbour that joined late or lost one piece from counting against a
     * tree; judging every neighbour, not only those fed by the other trees, still works when liars root several
     * trees at once (with 3 of 4 trees rooted at liars no neighbour was fed by the others, and nothing was dropped).
     * For 10 s after a drop the tree re-forms under its next root, which is judged on pieces of 2.5 s to 1 s ago:
     * without that, honest roots fell one after another while the tree re-formed (1,000 viewers with 50 liars:
     * continuity 0.84). Quicker settings (1.5 s to 0.6 s, after 2 s) dropped honest roots whose trees were
     * re-forming after a stronger root took over (churn at 1,000 viewers: 0.99973 -> 0.99714).
     */
    private static final long ROOT_CHECK_OLDEST_US = 2_000_000;
    private static final long ROOT_CHECK_NEWEST_US = 800_000;
    private static final long ROOT_TRIAL_NS = 3_000_000_000L;
    private static final long TREE_REFORMING_NS = 10_000_000_000L;
    private static final long REFORMING_CHECK_OLDEST_US = 2_500_000;
    private static final long REFORMING_CHECK_NEWEST_US = 1_000_000;
    private static final long ROOT_JUDGE_AFTER_NS = 3_000_000_000L;
    private static final double ROOT_FAILING_SHARE = 0.5;
    private static final int ROOT_MIN_JUDGES = 4;
    private static final long ROOT_BAR_NS = 600_000_000_000L;
    private static final int MAX_ROOT_BARS = 1_024;
    /**
     * A viewer starts once every substream has a push parent and a run of pieces from a random access point to the
     * live edge has arrived. After this long it needs only the run (some trees may be fed by pull for a while):
     * waiting longer for the last tree costs start-up time and buys almost no continuity.
     */
    private static final long START_ON_ARRIVED_RUN_NS = 1_500_000_000L;
    /**
     * After this long a viewer starts at the newest random access point with time left, run or not. Shorter (2.5 s)
     * started viewers inside the trees' first reshuffle: at 10,000 viewers continuity fell to 0.99876.
     */
    private static final long START_WITHOUT_TREES_NS = 6_000_000_000L;
    private static final long HANDSHAKE_TIMEOUT_NS = 5_000_000_000L;
    /** Share of the upload limit given to push slots; the rest keeps queues short and pays for repair. */
    private static final double PUSH_SHARE = 0.85;
    private static final long CLOCK_SLACK_US = 1_000_000L;
    /**
     * A viewer answers the repair requests of a peer that uploads nothing only while it holds at least this share
     * of its upload burst in tokens. With 30% free riders at 10,000 viewers (seeds 1 and 2) the contributors'
     * continuity was 0.98913 / 0.98683 with no such rule, 0.99030 / 0.98813 with half, 0.99379 / 0.99316 with
     * three quarters, 0.99514 / 0.99458 with 0.9 (the free riders' 0.927 -> 0.924, 0.883, 0.858): three quarters
     * is the least that gives contributors 0.99 (benchmarks/RESULTS.md).
     */
    private static final double RIDER_REPAIR_TOKENS_SHARE = 0.75;
    private static final long SERVER_PULL_WAIT_NS = 500_000_000L;
    private static final long REDIAL_BACKOFF_NS = 10_000_000_000L;
    private static final long CONNECT_FAILED_BACKOFF_NS = 30_000_000_000L;
    /** How many neighbours forwarding its own substream a viewer seeks before others (see maintainConnections). */
    private static final int SAME_TREE_NEIGHBOURS = 10;
    private static final int OTHER_TREE_NEIGHBOURS = 2;
    /** Extra neighbours forwarding a substream sought while the node has no parent there. */
    private static final int DETACHED_BOOST = 2;
    /** Most neighbours forwarding its own substream a viewer keeps: the rest of its table is for the other trees. */
    private static final int SAME_TREE_MAX = 12;
    // The broadcaster's reserve. A viewer asks it for a last-resort slot in a tree once it has had no parent there
    // for RESERVE_AFTER_NS (RESERVE_AFTER_PARENT_LEFT_NS if its parent left the swarm) with no neighbour offering
    // room, has lost pieces of that tree within RESERVE_STRAIN_NS (pulled from neighbours in time, a detached tree
    // costs the broadcaster nothing), and joined at least
    // RESERVE_AFTER_JOIN_NS ago (while trees form, detachment says nothing about a shortage). It hands the slot back
    // after RESERVE_HOLD_NS unless it feeds children there, to see whether its neighbours now keep it fed. A full
    // reserve takes turns of RESERVE_TURN_NS, so a shortfall falls evenly; a peer that came for it may stay
    // RESERVE_IDLE_NS without a slot; MAX_RESERVE_SLOTS bounds it when the broadcaster's upload is unlimited.
    // A viewer that sees a swarm short of slots (see shortOfSlots) skips the join wait, asks before it starts
    // without having lost a piece, and holds a slot SHORTAGE_RESERVE_HOLD_NS: there, detachment is the deficit
    // itself. Viewers uploading 0.8x the bitrate (1,000, seed 1) lost 20% of their pieces without that: trees had
    // formed short of parents by the time the join wait ended, and every hand-back was paid for 2 s later.
    private static final long RESERVE_AFTER_NS = 2_000_000_000L;
    /**
     * As RESERVE_AFTER_NS, when the parent left the swarm. Its children usually find new parents within 1-3 s
     * (churn frees slots as fast as it takes them), and asking sooner spent the reserve on viewers about to reattach.
     * After an eviction or a hand-back the swarm is short of room, and waiting longer only costs continuity.
     */
    private static final long RESERVE_AFTER_PARENT_LEFT_NS = 4_000_000_000L;
    private static final long RESERVE_STRAIN_NS = 2_000_000_000L;
    private static final long RESERVE_AFTER_JOIN_NS = 10_000_000_000L;
    private static final long RESERVE_HOLD_NS = 15_000_000_000L;
    private static final long SHORTAGE_RESERVE_HOLD_NS = 60_000_000_000L;
    /**
     * Declared slots vary widely (the simulator's default mix: 1, 4 or 10 slots, standard deviation 3.3): 100
     * handshakes put a mean of 5.2 more than 3.5 standard errors above the 4 the trees need.
     */
    private static final int MIN_SHORTAGE_SAMPLE = 100;
    private static final long SWARM_SAMPLE_WINDOW = 1_000;
    private static final long RESERVE_TURN_NS = 10_000_000_000L;
    private static final long RESERVE_IDLE_NS = 5_000_000_000L;
    private static final int MAX_RESERVE_SLOTS = 65_536;
    /**
     * Broadcaster with a finite upload: the share of it, and the burst in seconds of it, that may go to strangers it
     * is too full to take. Past the budget a refusal is short (SHORT_REFUSAL_ADDRESSES addresses instead of 50), and
     * past that a dialler is closed without a word, so a flash crowd cannot queue seconds of refusals ahead of the
     * trees' pieces. Without it, 10,000 viewers dialling a broadcaster at 4x the bitrate queued 6 MB of refusals, a
     * backlog longer than the handshake timeout: every viewer timed out, redialled, and none ever started. A tenth
     * of the upload formed 1,000 viewers' swarm slower than a quarter (benchmarks/RESULTS.md).
     */
    private static final double STRANGER_SHARE = 0.25;
    private static final double STRANGER_BURST_S = 0.5;
    /**
     * The share of a finite upload that the broadcaster's roots, repair and reserve are sized from: the strangers'
     * budget comes off the top. Sized from all of it, the reserve filled the uplink, and at 1,000 viewers with a
     * broadcaster at 4x (seed 2) continuity was 0.90264 against 0.99782 (benchmarks/RESULTS.md).
     */
    static final double RESERVE_SIZING_SHARE = 1 - STRANGER_SHARE;
    /**
     * What a refusal is taken to cost, decided before it is sent: a handshake, 50 addresses and a goodbye are 431
     * bytes of messages in three frames (575 bytes with the simulator's framing of 48 bytes a frame).
     */
    private static final int REFUSAL_BYTES = 600;
    /** A short refusal: a handshake, this many addresses and a goodbye, 114 bytes of messages (258 framed). */
    private static final int SHORT_REFUSAL_ADDRESSES = 5;
    private static final int SHORT_REFUSAL_BYTES = 250;
    /**
     * A viewer whose bootstrap address (the broadcaster) closed, failed or timed out before a handshake retries after
     * RECONNECT_BROADCASTER_NS doubled per failure in a row, up to this, scaled by a random 0.5-1.5 so a crowd that
     * failed together does not come back together.
     */
    private static final long BOOTSTRAP_BACKOFF_MAX_NS = 16_000_000_000L;
    private static final long STRAY_CHILD_NS = 3_000_000_000L;

    private final ChannelId channel;
    private final byte[] channelKey;
    private final byte[] localPeerId;
    private final boolean isBroadcaster;
    private final EngineConfig cfg;
    private final int substreams;
    private final PieceVerifier verifier;
    private final PieceSigner signer;
    private final EngineOutput out;
    private final SplittableRandom random;
    private final EngineCounters counters = new EngineCounters();
    private final long uploadCapacityBps;
    private final int slotCapacity;
    private final Strategy strategy;
    private final long playoutUs;
    private final int windowPieces;
    private final long pieceIntervalUs;
    private final long repairQueueLimitBytes;
    private final long gapMarginUs;
    private final long substreamBps;
    private int listenPort;

    // Peers, in connection order (deterministic iteration), and candidates.
    // Connected peers in the order they came (iteration order keeps runs replayable), and the same peers by
    // connection id for lookups. A list iterates over one array; this is the engine's most walked collection.
    private final List<Peer> peers = new ArrayList<>();
    private final LongMap<Peer> peerById = new LongMap<>();
    private Peer[] forwardOrder = new Peer[8]; // scratch for pushToChildren
    private final CandidatePool candidates;
    private final Map<InetSocketAddress, Long> banned = new HashMap<>();
    /** Broadcaster: listen addresses of roots that did not forward, and until when they may not root (bounded). */
    private final Map<InetSocketAddress, Long> rootBars = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Long> eldest) {
            return size() > MAX_ROOT_BARS;
        }
    };
    private final Map<InetSocketAddress, Long> dialing = new LinkedHashMap<>();
    private final List<InetSocketAddress> bootstrap = new ArrayList<>();
    private long broadcasterRetryNs;
    private int bootstrapFailures; // rounds in a row, reset by a handshake with a broadcaster or bootstrap address
    private long bootstrapRoundNs = Long.MIN_VALUE; // when the bootstrap addresses were last dialled
    private long failedRoundNs = Long.MIN_VALUE + 1; // the round whose failure was counted last
    private double strangerTokens = Double.NaN; // broadcaster: bytes it may still spend refusing (NaN: not yet set)
    private long lastStrangerRefillNs;
    private long reserveRetryNs;

    // The live window: a ring of pieces indexed by seq.
    private final Piece[] store;
    private final long[] requestedAtNs;
    private final long[] requestedFrom;
    private final long[] announcedAtNs;
    private final long[] announcedSeqs;
    private final long[] requestedSeqs;
    private final int mask;
    private long epoch = -1;
    private long newestSeq = -1;
    private long newestPublishUs;
    private long offsetUs;
    private boolean offsetKnown;
    private long latestRap = -1;
    private long eosSeq = -1;

    // Playback.
    private final long joinedNs;
    private boolean started;
    private boolean ended;
    private long nextPlaySeq;
    private long startSeq;

    // Push trees.
    private final int[] depth;
    private final Peer[] parent;
    private final long[] lastPushNs;
    private final long[] pushedSeq;
    private final long[] rootDroppedAtNs; // broadcaster: when a root of each tree was last dropped for not forwarding
    private int childCount;
    private final int[] childrenPerSubstream;
    private final int primarySubstream;
    private final long[] detachedSinceNs;
    /** Per substream: how long after detachedSinceNs it may ask the reserve (by how it lost its parent). */
    private final long[] reserveAfterNs;
    private final int[] depthBeforeLoss; // per substream: the depth it had when it last lost its parent
    private final long[] strainedAtNs; // per substream: when a piece of it last came too late or was missed
    private int reserveParentMask; // substreams whose parent is the broadcaster's reserve
    private final long[] reserveParentSinceNs;

    // Broadcaster: last-resort slots beyond its tree roots, sized from its upload capacity.
    private final int reserveSlots;
    private final int[] reserveIn; // per substream: reserve children there
    // Broadcaster: the push slots viewers declare, a moving mean over their handshakes. In a flash crowd nearly every
    // viewer dials the broadcaster first, so this samples the swarm, where its neighbours (strong roots, and weak
    // viewers come for the reserve) do not.
    private double swarmSlotsPerViewer;
    private long swarmSamples;
    // The /24 (or /48) of each of the last SWARM_SAMPLE_WINDOW samples, and how many each has among them: a subnet
    // counts at most PeerExchangeConfig.maxPerSubnet times, so one machine dialling under many peer ids cannot
    // sway the judgement either way. Null on a viewer.
    private final long[] sampledSubnets;
    private final LongCounts samplesPerSubnet;
    private boolean swarmShortSaid; // viewer: what the broadcaster last said of the swarm's upload

    // The upload limit: a token bucket in bytes. Pushes fit in the slots sized from the limit and always go;
    // repairs are answered only from what the bucket holds.
    private double uploadTokens;
    private long lastUploadRefillNs;

    // Broadcaster.
    private long nextSeq;
    private double repairTokens;
    private long lastRefillNs;

    // Timers.
    private long nextTickNs;
    private long nextBufferMapNs;
    private long nextPexNs;
    private long nextMaintenanceNs;
    private long nextHousekeepingNs;
    private long nextRotateNs;

    private boolean closed;


    /**
     * Creates an engine.
     *
     * @param channel           the channel
     * @param signer            the broadcaster's signer, or null for a viewer
     * @param epoch             broadcaster: this start's epoch (higher than any before); viewer: ignored
     * @param verifier          checks pieces against the channel key
     * @param cfg               tuning
     * @param uploadCapacityBps this node's upload limit: push slots are sized to 85% of it and repairs are answered
     *                          only from what a token bucket at this rate holds (0: uploads nothing)
     * @param localPeerId       16 bytes naming this node instance
     * @param seed              seeds every random choice
     * @param nowNs             the current time
     * @param out               where outputs go
     */
    public PeerEngine(ChannelId channel, PieceSigner signer, long epoch, PieceVerifier verifier, EngineConfig cfg,
                      long uploadCapacityBps, byte[] localPeerId, long seed, long nowNs, EngineOutput out) {
        this.channel = channel;
        this.channelKey = channel.publicKey();
        this.signer = signer;
        this.isBroadcaster = signer != null;
        this.verifier = verifier;
        this.cfg = cfg;
        this.substreams = cfg.substreams();
        this.out = out;
        this.random = new SplittableRandom(seed);
        this.candidates = new CandidatePool(cfg.peerExchange(), MAX_CANDIDATES, random, seed * 0x9E3779B97F4A7C15L + 1);
        this.sampledSubnets = isBroadcaster ? new long[(int) SWARM_SAMPLE_WINDOW] : null;
        this.samplesPerSubnet = isBroadcaster ? new LongCounts(seed * 0x9E3779B97F4A7C15L + 2) : null;
        this.localPeerId = localPeerId.clone();
        this.uploadCapacityBps = uploadCapacityBps;
        long bitrate = cfg.stream().bitrateHintBps();
        this.strategy = cfg.strategy();
        if (isBroadcaster) {
            this.slotCapacity = strategy == Strategy.CLIENT_SERVER ? Integer.MAX_VALUE / 2 : substreams * cfg.serverFanout();
        } else if (strategy != Strategy.DEFAULT) {
            this.slotCapacity = 0; // baselines: viewers forward by pull only (pull-mesh) or not at all
        } else {
            this.slotCapacity = (int) Math.min(256, (long) (PUSH_SHARE * uploadCapacityBps * substreams / bitrate));
        }
        this.substreamBps = Math.max(1, bitrate / substreams);
        this.playoutUs = cfg.stream().playoutDelayMs() * 1000;
        this.gapMarginUs = Math.min(cfg.gapMarginMs() * 1000L, playoutUs / 4);
        this.pieceIntervalUs = Math.max(1, cfg.stream().pieceBytes() * 8L * 1_000_000 / bitrate);
        // A repair may add at most 150 ms of backlog in front of the pushes (two pieces at least).
        this.repairQueueLimitBytes = Math.max(2L * cfg.stream().pieceBytes(),
                uploadCapacityBps >= Long.MAX_VALUE / 16 ? Long.MAX_VALUE / 4 : uploadCapacityBps / 8 * 150 / 1000);
        this.windowPieces = (int) Math.max(32, cfg.stream().liveWindowMs() * 1000 / pieceIntervalUs + 1);
        int cap = Integer.highestOneBit(Math.max(64, windowPieces * 2 + 64) - 1) << 1;
        this.store = new Piece[cap];
        this.requestedAtNs = new long[cap];
        this.requestedFrom = new long[cap];
        this.announcedAtNs = new long[cap];
        this.announcedSeqs = new long[cap];
        this.requestedSeqs = new long[cap];
        Arrays.fill(announcedSeqs, -1);
        Arrays.fill(requestedSeqs, -1);
        this.mask = cap - 1;
        this.depth = new int[substreams];
        this.parent = new Peer[substreams];
        this.lastPushNs = new long[substreams];
        this.pushedSeq = new long[substreams];
        this.rootDroppedAtNs = new long[substreams];
        Arrays.fill(rootDroppedAtNs, Long.MIN_VALUE / 2);
        Arrays.fill(pushedSeq, -1);
        this.childrenPerSubstream = new int[substreams];
        this.primarySubstream = random.nextInt(substreams);
        this.detachedSinceNs = new long[substreams];
        this.depthBeforeLoss = new int[substreams];
        Arrays.fill(detachedSinceNs, nowNs);
        this.reserveAfterNs = new long[substreams];
        Arrays.fill(reserveAfterNs, RESERVE_AFTER_NS);
        this.reserveParentSinceNs = new long[substreams];
        this.strainedAtNs = new long[substreams];
        Arrays.fill(strainedAtNs, Long.MIN_VALUE / 2);
        this.reserveSlots = isBroadcaster && strategy == Strategy.DEFAULT ? reserveSlotsFor(uploadCapacityBps) : 0;
        this.reserveIn = new int[substreams];
        Arrays.fill(depth, isBroadcaster ? 0 : DETACHED);
        this.joinedNs = nowNs;
        this.nextTickNs = nowNs;
        this.nextBufferMapNs = nowNs;
        this.nextPexNs = nowNs + ms(cfg.pexIntervalMs());
        this.nextMaintenanceNs = nowNs;
        this.lastRefillNs = nowNs;
        this.lastUploadRefillNs = nowNs;
        if (isBroadcaster) {
            this.epoch = epoch;
        }
    }

    /**
     * The broadcaster's reserve: what its upload (less the strangers' budget) holds beyond its tree roots and its
     * repair share, in substream slots. When viewers together upload less than the stream needs, this is what covers
     * the deficit.
     */
    private int reserveSlotsFor(long uploadCapacityBps) {
        if (uploadCapacityBps >= Long.MAX_VALUE / 16) {
            return MAX_RESERVE_SLOTS;
        }
        long slots = (long) (uploadCapacityBps * RESERVE_SIZING_SHARE / substreamBps)
                - (long) substreams * cfg.serverFanout() - (long) Math.ceil(cfg.serverRepairShare() * substreams);
        return (int) Math.max(0, Math.min(MAX_RESERVE_SLOTS, slots));
    }

    // ------------------------------------------------------------------ configuration inputs

    /** Sets the port this node accepts connections on (0: none), told to peers in the handshake. */
    public void setListenPort(int port) {
        this.listenPort = port;
    }

    /** Adds addresses to dial first and to return to when the swarm is lost (the link's peers). */
    public void addBootstrap(List<InetSocketAddress> addresses) {
        for (InetSocketAddress a : addresses) {
            if (!bootstrap.contains(a)) {
                bootstrap.add(a);
            }
        }
    }

    /** Adds candidate peers found by discovery (untrusted), all counted as coming from one source. */
    public void addCandidates(List<InetSocketAddress> addresses, long nowNs) {
        addCandidates(addresses, DISCOVERY, nowNs);
    }

    /**
     * Adds candidate peers found by one discovery mechanism (untrusted). Each source may hold at most
     * {@link PeerExchangeConfig#maxPerSource()} candidates, and dialling spreads over sources.
     *
     * @param source identifies the mechanism (any object, compared by identity and equality)
     */
    public void addCandidates(List<InetSocketAddress> addresses, Object source, long nowNs) {
        for (InetSocketAddress a : addresses) {
            // Discovery runs on this machine's say-so (a configured tracker), so loopback peers are allowed.
            offerCandidate(a, source, true, nowNs);
        }
    }

    // ------------------------------------------------------------------ connection inputs

    /** A connection is up; the engine greets it. */
    public void onConnected(long peerId, InetSocketAddress address, boolean inbound, long nowNs) {
        onConnected(peerId, address, inbound, null, nowNs);
    }

    /**
     * A connection is up; the engine greets it. Sends to the peer pass {@code link} back to the output, and the
     * returned handle may be passed with the peer's frames ({@link #onFrame(Object, long, Control, Payload, long)}),
     * so that neither side looks the other up by id.
     *
     * @param link the output's handle for the link, or null
     * @return the engine's handle for the peer, or null if it refused the connection
     */
    public Object onConnected(long peerId, InetSocketAddress address, boolean inbound, Object link, long nowNs) {
        return onConnected(peerId, address, inbound ? null : address, link, nowNs);
    }

    /**
     * As {@link #onConnected(long, InetSocketAddress, boolean, Object, long)}, naming for a connection this node
     * dialled the address it dialled, as it passed it to {@link EngineOutput#connect}: a link may name a host, which
     * the transport resolves, and the engine must still know the connection for that dial (and a bootstrap
     * address for a bootstrap address).
     *
     * @param address        the peer's address as the transport sees it (resolved)
     * @param dialledAddress the address dialled, or null for an inbound connection
     */
    public Object onConnected(long peerId, InetSocketAddress address, InetSocketAddress dialledAddress, Object link,
                              long nowNs) {
        boolean inbound = dialledAddress == null;
        if (!inbound) {
            dialing.remove(dialledAddress); // first: a dial refused below is over too, or it would block redials
        }
        if (closed) {
            out.disconnect(peerId, "node closing");
            return null;
        }
        if (isBanned(address, nowNs)) {
            out.disconnect(peerId, "banned: it sent forged pieces");
            return null;
        }
        Peer p = new Peer(peerId, address, dialledAddress, link, nowNs, substreams);
        Peer replaced = peerById.put(peerId, p);
        if (replaced != null) {
            replaced.gone = true;
            peers.set(peers.indexOf(replaced), p); // the same id again: it keeps its place, as a map's key would
        } else {
            peers.add(p);
        }
        if (inbound && isBroadcaster && peers.size() > peerLimit() && strangerTokens(nowNs) < Double.MAX_VALUE) {
            // Likely full (diallers not yet handshaken count, or a crowd arriving at once would all be answered):
            // a refusal is paid for now, or the handshake waits for the dialler's, which decides (onHandshake).
            if (strangerTokens < REFUSAL_BYTES) {
                p.handshakeHeld = true;
                return p;
            }
            strangerTokens -= REFUSAL_BYTES;
            p.refusalPaid = true;
        }
        sendHandshake(p, nowNs);
        return p;
    }

    private void sendHandshake(Peer p, long nowNs) {
        Handshake hs = Handshake.newBuilder()
                .setProtocolVersion(PROTOCOL_VERSION)
                .setChannelId(UnsafeByteOperations.unsafeWrap(channelKey))
                .setPeerId(UnsafeByteOperations.unsafeWrap(localPeerId))
                .setListenPort(listenPort)
                .setUploadBps(uploadCapacityBps)
                .setBroadcaster(isBroadcaster)
                .setPrimarySubstream(isBroadcaster ? 0 : primarySubstream)
                .setSeeksReserve(!isBroadcaster && dialledBootstrap(p) && needsReserve(nowNs) >= 0)
                .setSwarmShortOfUpload(isBroadcaster && shortOfSlots())
                .build();
        sendControl(p, Control.newBuilder().setHandshake(hs).build());
    }

    /** Neighbours this node keeps (more may come for the broadcaster's reserve). */
    private int peerLimit() {
        return cfg.stream().maxPeers() + (isBroadcaster ? 0 : 2);
    }

    /**
     * Broadcaster: bytes it may still spend on strangers it turns away, refilled at STRANGER_SHARE of its upload up
     * to STRANGER_BURST_S of it; unlimited when its upload is.
     */
    private double strangerTokens(long nowNs) {
        if (uploadCapacityBps <= 0 || uploadCapacityBps >= Long.MAX_VALUE / 16) {
            return Double.MAX_VALUE;
        }
        double burst = strangerBurstBytes();
        if (Double.isNaN(strangerTokens)) {
            strangerTokens = burst;
        } else {
            strangerTokens = Math.min(burst, strangerTokens
                    + (nowNs - lastStrangerRefillNs) * (STRANGER_SHARE * uploadCapacityBps / 8.0 / 1e9));
        }
        lastStrangerRefillNs = nowNs;
        return strangerTokens;
    }

    private double strangerBurstBytes() {
        return uploadCapacityBps / 8.0 * STRANGER_BURST_S;
    }

    /** An outbound connection attempt failed. */
    public void onConnectFailed(InetSocketAddress address, long nowNs) {
        dialing.remove(address);
        if (bootstrap.contains(address)) {
            bootstrapFailed(nowNs);
        }
        candidates.holdOff(address, nowNs + CONNECT_FAILED_BACKOFF_NS);
    }

    /** A connection is gone. */
    public void onDisconnected(long peerId, long nowNs) {
        Peer p = peerById.remove(peerId);
        if (p == null) {
            return;
        }
        p.gone = true;
        peers.remove(p);
        if (!p.handshaken && !p.protocolError && dialledBootstrap(p)) {
            bootstrapFailed(nowNs); // closed or timed out before a word: a broadcaster too busy to answer
        }
        InetSocketAddress la = p.listenAddress();
        if (p.handshaken && la != null && !p.broadcaster && !isBanned(la, nowNs)) {
            candidates.reached(la, p.primarySubstream, nowNs); // it may be passed on for a while yet
        }
        for (int k = 0; k < substreams; k++) {
            if (parent[k] == p) {
                clearParent(k, nowNs, RESERVE_AFTER_PARENT_LEFT_NS);
            }
        }
        for (int k = 0; k < substreams; k++) {
            if ((p.childMask & (1 << k)) != 0) {
                removeChild(p, k, nowNs);
            }
        }
        // Its outstanding requests will time out and be retried elsewhere.
    }

    /**
     * A frame arrived. Bad bytes close that peer with a reason; nothing escapes.
     *
     * @param payload owned by the engine from here on
     */
    public void onFrame(long peerId, byte[] header, Payload payload, long nowNs) {
        onFrame(null, peerId, header, payload, nowNs);
    }

    /**
     * As {@link #onFrame(long, byte[], Payload, long)}, with the handle {@link #onConnected(long,
     * InetSocketAddress, boolean, Object, long)} returned for the peer (or null).
     */
    public void onFrame(Object peerHandle, long peerId, byte[] header, Payload payload, long nowNs) {
        Peer p = peer(peerHandle, peerId);
        if (p == null) {
            payload.release();
            return;
        }
        Control c;
        try {
            c = ControlCodec.decode(header);
        } catch (WireException e) {
            payload.release();
            counters.framesRejected++;
            p.protocolError = true;
            dropPeer(p, "protocol error: " + e.getMessage(), false, nowNs);
            return;
        }
        onFrame(p, c, payload, nowNs);
    }

    /**
     * A frame arrived whose header the caller already decoded with {@link ControlCodec#decode} (so within its
     * limits): a transport that delivers one header to many engines, as the simulator does with a buffer map sent
     * to every neighbour, decodes it once. Checks and outcomes are those of {@link #onFrame(long, byte[], Payload,
     * long)}.
     *
     * @param payload owned by the engine from here on
     */
    public void onFrame(long peerId, Control control, Payload payload, long nowNs) {
        onFrame(null, peerId, control, payload, nowNs);
    }

    /**
     * As {@link #onFrame(long, Control, Payload, long)}, with the handle {@link #onConnected(long,
     * InetSocketAddress, boolean, Object, long)} returned for the peer (or null): the peer is then found without a
     * lookup by id while it is connected.
     */
    public void onFrame(Object peerHandle, long peerId, Control control, Payload payload, long nowNs) {
        Peer p = peer(peerHandle, peerId);
        if (p == null) {
            payload.release();
            return;
        }
        onFrame(p, control, payload, nowNs);
    }

    /** The peer a handle names, if it is still connected under that id; else the one connected under the id. */
    private Peer peer(Object peerHandle, long peerId) {
        return peerHandle instanceof Peer known && !known.gone && known.id == peerId ? known : peerById.get(peerId);
    }

    private void onFrame(Peer p, Control c, Payload payload, long nowNs) {
        try {
            if (c.getBodyCase() == Control.BodyCase.BODY_NOT_SET) {
                payload.release();
                ControlCodec.requireBody(c); // throws, with the codec's reason
            }
            if (c.getBodyCase() != Control.BodyCase.PIECE && payload.length() != 0) {
                payload.release();
                throw new WireException("payload attached to a " + c.getBodyCase() + " message");
            }
            p.lastHeardNs = nowNs;
            if (!p.handshaken && c.getBodyCase() != Control.BodyCase.HANDSHAKE) {
                payload.release();
                throw new WireException("expected a handshake first, got " + c.getBodyCase());
            }
            switch (c.getBodyCase()) {
                case HANDSHAKE -> onHandshake(p, c.getHandshake(), nowNs);
                case PIECE -> onPiece(p, PieceCodec.decode(c.getPiece(), payload), nowNs);
                case BUFFER_MAP -> onBufferMap(p, c.getBufferMap(), nowNs);
                case REQUEST -> onRequest(p, c.getRequest(), nowNs);
                case SUBSCRIBE -> onSubscribe(p, c.getSubscribe().getSubstream(), c.getSubscribe().getSwitching(),
                        c.getSubscribe().getLastResort(), nowNs);
                case SUBSCRIBE_REPLY -> onSubscribeReply(p, c.getSubscribeReply(), nowNs);
                case UNSUBSCRIBE -> onUnsubscribe(p, c.getUnsubscribe().getSubstream(), nowNs);
                case PEER_EXCHANGE -> onPeerExchange(p, c.getPeerExchange(), nowNs);
                case GOODBYE -> onGoodbye(p, c.getGoodbye(), nowNs);
                default -> throw new WireException("unexpected message " + c.getBodyCase());
            }
        } catch (WireException e) {
            counters.framesRejected++;
            p.protocolError = true;
            dropPeer(p, "protocol error: " + e.getMessage(), false, nowNs);
        }
    }

    // ------------------------------------------------------------------ app inputs

    /**
     * Broadcaster: publishes one piece.
     *
     * @param payload the piece's payload (the engine takes this reference)
     * @param flags   {@link Piece} flags
     * @param publishTimeUs the broadcaster's wall clock, microseconds
     * @return the piece's sequence number
     */
    public long publish(Payload payload, int flags, long publishTimeUs, long nowNs) {
        if (!isBroadcaster) {
            throw new IllegalStateException("only a broadcaster publishes");
        }
        if (closed || eosSeq >= 0) {
            payload.release();
            throw new IllegalStateException("stream already ended");
        }
        long seq = nextSeq++;
        Piece piece = signer.sign(epoch, seq, publishTimeUs, flags, payload);
        offsetUs = publishTimeUs - nowNs / 1000;
        offsetKnown = true;
        storePiece(piece);
        if (piece.isEndOfStream()) {
            eosSeq = seq;
            for (Peer p : peers) {
                if (p.handshaken) {
                    sendPiece(p, piece, seq, false);
                }
            }
        } else {
            pushToChildren(piece, null);
            int bit = 1 << substream(seq);
            for (Peer p : peers) {
                if ((p.handingOverMask & bit) != 0 && nowNs < p.handingOverUntilNs && (p.childMask & bit) == 0) {
                    sendPiece(p, piece, seq, true); // a root that made way: its subtree stays fed while it moves
                    counters.bytesUploadedHandOver += piece.length();
                }
            }
        }
        return seq;
    }

    /** Broadcaster: publishes the signed end of stream. */
    public void endStream(long publishTimeUs, long nowNs) {
        if (eosSeq < 0) {
            publish(Payload.empty(), Piece.FLAG_END_OF_STREAM, publishTimeUs, nowNs);
        }
    }

    /** Closes every connection; the engine does nothing more. */
    public void close(long nowNs) {
        closed = true;
        for (Peer p : new ArrayList<>(peers)) {
            if (p.handshaken) {
                sendControl(p, Control.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("closing")).build());
            }
            out.disconnect(p.id, "node closing");
        }
        for (int i = 0; i < store.length; i++) {
            if (store[i] != null) {
                store[i].payload().release();
                store[i] = null;
            }
        }
    }

    // ------------------------------------------------------------------ timer

    /** @return when the engine wants {@link #onTimer} next */
    public long nextDeadlineNs() {
        return nextTickNs;
    }

    /** Runs what is due: deadlines and gaps, repair, tree upkeep, buffer maps, peer exchange, dialing. */
    public void onTimer(long nowNs) {
        if (closed) {
            return;
        }
        if (nowNs < nextTickNs) {
            return;
        }
        nextTickNs = nowNs + ms(cfg.tickMs());
        refillUploadTokens(nowNs);
        if (nowNs >= nextHousekeepingNs) {
            nextHousekeepingNs = nowNs + 1_000_000_000L;
            dropSilentPeers(nowNs);
            if (reserveSlots > 0) {
                dropIdleReserveSeekers(nowNs);
            }
            if (isBroadcaster && strategy == Strategy.DEFAULT) {
                dropFailingRoots(nowNs);
                demoteExtraRoots(nowNs);
            }
        }
        if (isBroadcaster) {
            refillRepairTokens(nowNs);
        } else {
            advancePlayback(nowNs);
            if (nowNs >= nextMaintenanceNs) {
                nextMaintenanceNs = nowNs + ms(250);
                maintainConnections(nowNs);
                maintainParents(nowNs);
            }
            repair(nowNs);
        }
        if (nowNs >= nextBufferMapNs) {
            nextBufferMapNs = nowNs + ms(cfg.bufferMapIntervalMs());
            sendBufferMaps(nowNs);
        }
        if (nowNs >= nextPexNs) {
            nextPexNs = nowNs + ms(cfg.pexIntervalMs());
            sendPeerExchange(nowNs);
        }
    }

    // ------------------------------------------------------------------ handshake and peers

    private void onHandshake(Peer p, Handshake hs, long nowNs) throws WireException {
        if (p.handshaken) {
            throw new WireException("second handshake");
        }
        if (hs.getProtocolVersion() != PROTOCOL_VERSION) {
            throw new WireException("protocol version mismatch: peer speaks " + hs.getProtocolVersion()
                    + ", this node speaks " + PROTOCOL_VERSION);
        }
        if (!Arrays.equals(hs.getChannelId().toByteArray(), channelKey)) {
            throw new WireException("peer is on another channel");
        }
        byte[] remoteId = hs.getPeerId().toByteArray();
        if (remoteId.length != 16) {
            throw new WireException("peer id must be 16 bytes, got " + remoteId.length);
        }
        if (Arrays.equals(remoteId, localPeerId)) {
            dropPeer(p, "connected to itself", false, nowNs);
            return;
        }
        if (hs.getBroadcaster() && isBroadcaster) {
            throw new WireException("two broadcasters for one channel");
        }
        p.peerId = remoteId;
        p.listenPort = validPort(hs.getListenPort()) ? hs.getListenPort() : 0;
        p.declaredUploadBps = hs.getUploadBps();
        if (hs.getBroadcaster() && p.inbound()) {
            // The broadcaster only listens, it never dials: a peer that dialled in and says it is the broadcaster
            // lies, and the claim would lift it past the peer limit, vouch for the addresses it passes on, and
            // make its word on the swarm's upload and its reserve believed.
            throw new WireException("a peer that dialled in claims to be the broadcaster");
        }
        p.broadcaster = hs.getBroadcaster();
        if (p.broadcaster) {
            swarmShortSaid = hs.getSwarmShortOfUpload();
        }
        int primary = hs.getPrimarySubstream(); // uint32: negative from 2^31 up
        p.primarySubstream = primary >= 0 && primary < substreams && !p.broadcaster ? primary : -1;
        p.seeksReserve = isBroadcaster && hs.getSeeksReserve();
        for (Peer other : peers) {
            if (other != p && other.handshaken && Arrays.equals(other.peerId, remoteId)) {
                // Both dialed each other: keep the link dialed by the node with the smaller id, on both sides.
                Peer keep = Arrays.compareUnsigned(dialerId(other), dialerId(p)) <= 0 ? other : p;
                dropPeer(keep == p ? other : p, "duplicate connection", false, nowNs);
                if (keep != p) {
                    return;
                }
                break;
            }
        }
        InetSocketAddress la = p.listenAddress();
        if (la != null && isBanned(la, nowNs)) {
            dropPeer(p, "banned: it sent forged pieces", false, nowNs);
            return;
        }
        p.handshaken = true;
        if (isBroadcaster && !p.seeksReserve && contributes(p)) {
            // Not those that come for the reserve (the weakest, again and again), nor free riders: the reserve
            // covers a shortage of the contributors' upload, and serves contributors only. Counted once the
            // handshake stands (not a duplicate, not banned), refused for a full house or not: in a flash crowd
            // the refused are most of the swarm.
            sampleSwarm(p);
        }
        Long barredUntil = la != null && isBroadcaster ? rootBars.get(la) : null;
        if (barredUntil != null && barredUntil > nowNs) {
            barFromRooting(p, barredUntil); // it came back under a new connection: the bar holds
        }
        if (la != null && !p.broadcaster) {
            candidates.reached(la, p.primarySubstream, nowNs);
            candidates.holdOff(la, nowNs + REDIAL_BACKOFF_NS);
        }
        if (p.broadcaster || dialledBootstrap(p)) {
            bootstrapFailures = 0;
        }
        int handshaken = countHandshaken();
        int limit = peerLimit();
        if (p.seeksReserve && reserveInUse() < reserveSlots) {
            limit += reserveSlots; // it leaves again if it holds no reserve slot soon (dropIdleReserveSeekers)
        }
        boolean unlimited = isBroadcaster && strategy == Strategy.CLIENT_SERVER;
        if (isBroadcaster && handshaken > limit && !unlimited && !p.seeksReserve) {
            // The broadcaster's neighbours are where its tree roots come from: a newcomer that uploads at least
            // twice as much takes the place of one that holds no slot (it gets addresses to go on with).
            Peer weaker = weakerNeighbourThan(p);
            if (weaker != null) {
                counters.neighboursReplacedByStronger++;
                sendPeerExchange(weaker, nowNs);
                sendControl(weaker, Control.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("full")).build());
                dropPeer(weaker, "making room for a neighbour that uploads more", false, nowNs);
                handshaken--;
            }
        }
        if ((handshaken > limit || tooManyInTree(p)) && !p.broadcaster && !unlimited) {
            int addresses = MAX_PEX_ADDRESSES;
            double tokens = isBroadcaster && !p.refusalPaid ? strangerTokens(nowNs) : Double.MAX_VALUE;
            if (tokens < Double.MAX_VALUE) {
                // A crowd, and a budget for it: a full refusal while it lasts, then a short one (a few addresses
                // are enough to reach peers that tell more), then none.
                addresses = tokens >= REFUSAL_BYTES ? MAX_PEX_ADDRESSES
                        : tokens >= SHORT_REFUSAL_BYTES ? SHORT_REFUSAL_ADDRESSES : 0;
                if (addresses == 0) {
                    // Closed without a word. Its address, just reached, goes out in peer exchange.
                    counters.strangersClosedUnanswered++;
                    dropPeer(p, "peer limit reached, no upload to spare for a refusal", false, nowNs);
                    return;
                }
                strangerTokens -= addresses == MAX_PEX_ADDRESSES ? REFUSAL_BYTES : SHORT_REFUSAL_BYTES;
            }
            if (p.handshakeHeld) {
                p.handshakeHeld = false;
                sendHandshake(p, nowNs);
            }
            sendPeerExchange(p, addresses, nowNs);
            sendControl(p, Control.newBuilder().setGoodbye(Goodbye.newBuilder()
                    .setReason(p.seeksReserve ? "reserve full" : "full")).build());
            out.disconnect(p.id, "peer limit reached");
            return;
        }
        if (p.handshakeHeld) {
            p.handshakeHeld = false;
            sendHandshake(p, nowNs);
        }
        if (p.refusalPaid) {
            // Paid for as a likely refusal, then taken after all (room freed, or it came for the reserve).
            p.refusalPaid = false;
            strangerTokens = Math.min(strangerTokens(nowNs) + REFUSAL_BYTES, strangerBurstBytes());
        }
        sendBufferMap(p, nowNs);
        if (isBroadcaster || p.inbound()) {
            sendPeerExchange(p, nowNs);
        }
    }

    /** Broadcaster: the weakest neighbour that holds no slot and uploads at most half what p says it does, or null. */
    private Peer weakerNeighbourThan(Peer p) {
        Peer weakest = null;
        for (Peer q : peers) {
            if (q == p || !q.handshaken || q.broadcaster || q.childMask != 0 || q.seeksReserve
                    || merit(q) * 2 > merit(p)) {
                continue;
            }
            if (weakest == null || merit(q) < merit(weakest)) {
                weakest = q;
            }
        }
        return weakest;
    }

    /**
     * Broadcaster: whether a neighbour that forwards k and holds no slot would be a clearly better root of k than the
     * weakest root there (past its protection). It then advertises k as displaceable, and that neighbour's subscribe
     * takes the root's place ({@link #weakestChildIn}).
     */
    private boolean strongerRootAround(int k, long nowNs) {
        Peer root = weakestChildIn(k, null, nowNs, false);
        if (root == null) {
            return false;
        }
        for (Peer q : peers) {
            if (q.handshaken && !q.broadcaster && q.primarySubstream == k && q.childMask == 0 && clearlyBetter(q, root)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether an inbound peer forwarding this node's own substream would leave too little room for neighbours
     * in the other trees, under which this node is a leaf.
     */
    private boolean tooManyInTree(Peer p) {
        if (isBroadcaster || !p.inbound() || p.primarySubstream != primarySubstream) {
            return false;
        }
        int same = 0;
        for (Peer q : peers) {
            if (q.handshaken && q.primarySubstream == primarySubstream) {
                same++;
            }
        }
        return same > SAME_TREE_MAX;
    }

    private byte[] dialerId(Peer p) {
        return p.inbound() ? p.peerId : localPeerId;
    }

    private int countHandshaken() {
        int n = 0;
        for (Peer q : peers) {
            if (q.handshaken) {
                n++;
            }
        }
        return n;
    }

    private void onGoodbye(Peer p, Goodbye g, long nowNs) {
        if (p.broadcaster && "reserve full".equals(g.getReason())) {
            reserveRetryNs = nowNs + 5 * RECONNECT_BROADCASTER_NS;
        } else if (p.broadcaster && "full".equals(g.getReason())) {
            broadcasterRetryNs = nowNs + 10 * RECONNECT_BROADCASTER_NS;
        }
    }

    private void dropPeer(Peer p, String reason, boolean misbehaved, long nowNs) {
        if (misbehaved) {
            counters.peersDropped++;
            banned.put(p.address, nowNs + BAN_NS);
            InetSocketAddress la = p.listenAddress();
            if (la != null) {
                banned.put(la, nowNs + BAN_NS);
                candidates.remove(la);
            }
        }
        out.disconnect(p.id, reason);
        onDisconnected(p.id, nowNs);
    }

    private void dropSilentPeers(long nowNs) {
        for (Peer p : new ArrayList<>(peers)) {
            if (!p.handshaken && nowNs - p.connectedNs > HANDSHAKE_TIMEOUT_NS) {
                dropPeer(p, "no handshake within " + HANDSHAKE_TIMEOUT_NS / 1_000_000_000L + " s", false, nowNs);
            }
        }
    }

    private void maintainConnections(long nowNs) {
        int connected = peers.size() + dialing.size();
        boolean haveBroadcaster = false;
        for (Peer p : peers) {
            haveBroadcaster |= p.broadcaster;
        }
        // Back to the bootstrap addresses when the swarm is lost, or to find a restarted broadcaster.
        boolean lost = peers.isEmpty() && dialing.isEmpty();
        boolean forReserve = !haveBroadcaster && nowNs >= reserveRetryNs && needsReserve(nowNs) >= 0
                && (!backingOffBootstrap() || nowNs >= broadcasterRetryNs);
        if (forReserve) {
            reserveRetryNs = nowNs + RECONNECT_BROADCASTER_NS;
        }
        // Lost, it dials at once, unless its last tries failed in a row: then it waits its backoff.
        if (forReserve || (!haveBroadcaster && (nowNs >= broadcasterRetryNs || (lost && !backingOffBootstrap()))
                && (lost || !started || epochStale(nowNs)))) {
            broadcasterRetryNs = nowNs + RECONNECT_BROADCASTER_NS;
            bootstrapRoundNs = nowNs;
            for (InetSocketAddress b : bootstrap) {
                if (!dialing.containsKey(b) && !isBanned(b, nowNs) && !connectedTo(b)) {
                    dial(b, nowNs);
                }
            }
        }
        if (strategy == Strategy.CLIENT_SERVER) {
            return; // viewers talk to the broadcaster only
        }
        int want = cfg.outboundPeers();
        for (int k = 0; k < substreams; k++) {
            if (seeksParent(k, 3_000_000_000L, nowNs)) {
                // Detached in a tree (or fed by the broadcaster's reserve) and no neighbour has room there: look
                // further afield.
                want += 4;
                break;
            }
        }
        int outbound = 0;
        // Neighbours wanted per substream they forward: most of them forwarding this node's own, which it forwards
        // too (a tree's interior is made of the nodes that forward it, and each takes children among its
        // neighbours only: with neighbours drawn at random a quarter would share its tree, its slots would go to
        // leaves and the tree would grow deep), and a few forwarding each other one, to be a leaf under.
        int[] deficit = new int[isBroadcaster ? 0 : substreams];
        for (int k = 0; k < deficit.length; k++) {
            deficit[k] = k == primarySubstream ? SAME_TREE_NEIGHBOURS : OTHER_TREE_NEIGHBOURS;
            if (seeksParent(k, 1_000_000_000L, nowNs)) {
                deficit[k] += DETACHED_BOOST; // no parent there yet: look for its forwarders first
            }
        }
        LongCounts outboundSubnets = candidates.newSubnetCounts();
        for (Peer p : peers) {
            if (p.handshaken && p.primarySubstream >= 0 && p.primarySubstream < deficit.length) {
                deficit[p.primarySubstream]--;
            }
            if (!p.inbound()) {
                outbound++;
                if (!p.broadcaster) {
                    outboundSubnets.add(CandidatePool.subnetOf(p.address.getAddress()), 1);
                }
            }
        }
        for (InetSocketAddress a : dialing.keySet()) {
            if (!bootstrap.contains(a)) {
                outboundSubnets.add(CandidatePool.subnetOf(a.getAddress()), 1);
                int k = candidates.primaryOf(a);
                if (k >= 0 && k < deficit.length) {
                    deficit[k]--;
                }
            }
        }
        outbound += dialing.size();
        int budget = Math.min(want - outbound, cfg.stream().maxPeers() + 2 - connected);
        if (budget <= 0 && nowNs >= nextRotateNs) {
            rotateForDetachedTree(deficit, outboundSubnets, nowNs);
            return;
        }
        if (budget <= 0 || candidates.size() == 0) {
            return;
        }
        for (InetSocketAddress a : candidates.pickToDial(budget, nowNs, nowNs + REDIAL_BACKOFF_NS,
                c -> dialing.containsKey(c) || isBanned(c, nowNs) || connectedTo(c), outboundSubnets, deficit)) {
            dial(a, nowNs);
        }
    }

    /**
     * Detached in a tree for a while with every neighbour full there, and no room for one more: drops a neighbour
     * that is neither parent nor child, of the substream most over-represented, and dials an address known to
     * forward the tree instead. At most once a second.
     */
    private void rotateForDetachedTree(int[] deficit, LongCounts outboundSubnets, long nowNs) {
        int detached = -1;
        for (int k = 0; k < substreams; k++) {
            if (seeksParent(k, 3_000_000_000L, nowNs)) {
                detached = k;
            }
        }
        if (detached < 0) {
            return;
        }
        int bit = 1 << detached;
        for (Peer p : peers) {
            if ((p.pendingMask & bit) != 0 || ((p.openSubstreams & bit) != 0 && p.rejectedUntilNs[detached] <= nowNs)) {
                return; // a parent may yet be found among the neighbours
            }
        }
        Peer victim = null;
        for (Peer p : peers) {
            if (!p.handshaken || p.broadcaster || p.parentMask != 0 || p.childMask != 0 || p.pendingMask != 0
                    || nowNs - p.connectedNs < 5_000_000_000L || p.primarySubstream == detached) {
                continue;
            }
            if (victim == null || deficitOf(deficit, p) < deficitOf(deficit, victim)) {
                victim = p;
            }
        }
        if (victim == null) {
            return;
        }
        nextRotateNs = nowNs + 1_000_000_000L;
        int tree = detached;
        int[] only = new int[substreams];
        only[tree] = 1;
        List<InetSocketAddress> picked = candidates.pickToDial(1, nowNs, nowNs + REDIAL_BACKOFF_NS,
                c -> dialing.containsKey(c) || isBanned(c, nowNs) || connectedTo(c)
                        || candidates.primaryOf(c) != tree, outboundSubnets, only);
        if (picked.isEmpty()) {
            return; // no one known to forward it: keep the neighbours there are
        }
        counters.peersRotated++;
        sendControl(victim, Control.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("rotating")).build());
        InetSocketAddress la = victim.listenAddress();
        dropPeer(victim, "making room for a parent in substream " + detached, false, nowNs);
        if (la != null) {
            candidates.holdOff(la, nowNs + REDIAL_BACKOFF_NS);
        }
        dial(picked.get(0), nowNs);
    }

    /**
     * Whether this viewer, joined at least {@code afterJoinNs} ago, looks for a parent in k among peers: it has
     * none, or only the broadcaster's reserve, which it should hand back.
     */
    private boolean seeksParent(int k, long afterJoinNs, long nowNs) {
        return (parent[k] == null || onReserveIn(k)) && nowNs - joinedNs > afterJoinNs;
    }

    private static int deficitOf(int[] deficit, Peer p) {
        return p.primarySubstream >= 0 && p.primarySubstream < deficit.length ? deficit[p.primarySubstream] : 0;
    }

    private boolean epochStale(long nowNs) {
        // Nothing new for three seconds: the broadcaster may have restarted.
        return offsetKnown && nowNs / 1000 + offsetUs - newestPublishUs > 3_000_000;
    }

    /**
     * The bootstrap address (the broadcaster) closed, failed or timed out before a handshake. A single failure
     * happens (a lost frame, a restart) and is retried as before; from the second in a row the node waits
     * RECONNECT_BROADCASTER_NS, doubled per further failure up to BOOTSTRAP_BACKOFF_MAX_NS, times a random 0.5-1.5.
     */
    private void bootstrapFailed(long nowNs) {
        if (failedRoundNs == bootstrapRoundNs) {
            return; // one failure a round, however many bootstrap addresses the link names
        }
        failedRoundNs = bootstrapRoundNs;
        bootstrapFailures++;
        if (backingOffBootstrap()) {
            long waitNs = Math.min(BOOTSTRAP_BACKOFF_MAX_NS,
                    RECONNECT_BROADCASTER_NS << Math.min(bootstrapFailures - 2, 8));
            broadcasterRetryNs = Math.max(broadcasterRetryNs, nowNs + (long) (waitNs * (0.5 + random.nextDouble())));
        }
    }

    private boolean backingOffBootstrap() {
        return bootstrapFailures >= 2;
    }

    private void dial(InetSocketAddress a, long nowNs) {
        dialing.put(a, nowNs);
        out.connect(a);
    }

    /** Whether this node dialled p at one of its bootstrap addresses. */
    private boolean dialledBootstrap(Peer p) {
        return p.dialled != null && bootstrap.contains(p.dialled);
    }

    private boolean connectedTo(InetSocketAddress a) {
        for (Peer p : peers) {
            if (a.equals(p.address) || a.equals(p.listenAddress()) || a.equals(p.dialled)) {
                return true;
            }
        }
        return false;
    }

    private boolean isBanned(InetSocketAddress a, long nowNs) {
        Long until = banned.get(a);
        if (until == null) {
            return false;
        }
        if (until <= nowNs) {
            banned.remove(a);
            return false;
        }
        return true;
    }

    private void offerCandidate(InetSocketAddress a, Object source, boolean sourceOnLoopback, long nowNs) {
        offerCandidate(a, source, sourceOnLoopback, -1, false, nowNs);
    }

    private void offerCandidate(InetSocketAddress a, Object source, boolean sourceOnLoopback, int primaryHint,
                                boolean byBroadcaster, long nowNs) {
        if (a == null || isBanned(a, nowNs)) {
            return;
        }
        if (!CandidatePool.dialable(a, sourceOnLoopback)) {
            counters.peerAddressesRefused++;
            return;
        }
        if (!candidates.offerHeard(a, source, nowNs, primaryHint, byBroadcaster)) {
            counters.peerAddressesRefused++;
        }
    }

    // ------------------------------------------------------------------ peer exchange

    private void sendPeerExchange(long nowNs) {
        for (Peer p : peers) {
            if (p.handshaken) {
                sendPeerExchange(p, nowNs);
            }
        }
    }

    private void sendPeerExchange(Peer to, long nowNs) {
        sendPeerExchange(to, MAX_PEX_ADDRESSES, nowNs);
    }

    private void sendPeerExchange(Peer to, int max, long nowNs) {
        // Up to 50 addresses, each one this node reached itself: the connected peers, then a random sample of
        // those it was connected to recently. What others told it is never passed on, so a lie travels one hop.
        // A short list (a refusal in a crowd) is a random sample only: the neighbours would be named in every one.
        List<InetSocketAddress> connected = new ArrayList<>(peers.size());
        if (max == MAX_PEX_ADDRESSES) {
            for (Peer p : peers) {
                InetSocketAddress la = p.listenAddress();
                if (p != to && p.handshaken && la != null && !p.broadcaster) {
                    connected.add(la);
                }
            }
        }
        CompactAddresses v4 = new CompactAddresses(max);
        List<PeerAddress> v6 = new ArrayList<>(0);
        candidates.chooseForExchange(connected, to.listenAddress(), max, nowNs,
                new CandidatePool.ExchangeSink() {
                    @Override
                    public void addV4(int ip, int port, int primary) {
                        v4.add(ip, port, primary + 1);
                    }

                    @Override
                    public void add(InetSocketAddress a, int primary) {
                        v6.add(PeerAddress.newBuilder()
                                .setIp(UnsafeByteOperations.unsafeWrap(a.getAddress().getAddress()))
                                .setPort(a.getPort()).setPrimarySubstream(primary + 1).build());
                    }
                });
        if (v4.count() + v6.size() > 0) {
            sendControl(to, Control.newBuilder().setPeerExchange(PeerExchange.newBuilder()
                    .setIpv4(v4.toByteString()).addAllPeers(v6)).build());
        }
    }

    /**
     * Whether a port read from the wire names a port: 1-65535. Ports travel as uint32, which Java reads as a
     * negative int from 2^31 up; InetSocketAddress would throw on those.
     */
    private static boolean validPort(int wirePort) {
        return wirePort > 0 && wirePort <= 65535;
    }

    private void onPeerExchange(Peer from, PeerExchange pex, long nowNs) throws WireException {
        int v4Count = CompactAddresses.count(pex.getIpv4());
        if (pex.getPeersCount() + v4Count > MAX_PEX_ADDRESSES) {
            throw new WireException("peer exchange of " + (pex.getPeersCount() + v4Count) + " addresses exceeds "
                    + MAX_PEX_ADDRESSES);
        }
        if (!from.takePexToken(nowNs, cfg.peerExchange().minIntervalMs() * 1_000_000L)) {
            counters.peerExchangesIgnored++; // faster than allowed: a flood, or a peer that lies about time
            return;
        }
        boolean fromLoopback = from.address.getAddress() != null && from.address.getAddress().isLoopbackAddress();
        byte[] v4 = pex.getIpv4().toByteArray();
        for (int i = 0; i < v4Count; i++) {
            offerToldV4(CompactAddresses.ip(v4, i), CompactAddresses.port(v4, i), CompactAddresses.primaryPlus1(v4, i),
                    from, fromLoopback, nowNs);
        }
        for (PeerAddress pa : pex.getPeersList()) {
            ByteString ip = pa.getIp();
            if (ip.size() == 4) {
                offerToldV4((ip.byteAt(0) & 0xFF) << 24 | (ip.byteAt(1) & 0xFF) << 16 | (ip.byteAt(2) & 0xFF) << 8
                        | (ip.byteAt(3) & 0xFF), pa.getPort(), pa.getPrimarySubstream(), from, fromLoopback, nowNs);
                continue;
            }
            if (ip.size() != 16 || !validPort(pa.getPort())) {
                counters.peerAddressesRefused++;
                continue;
            }
            try {
                InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(ip.toByteArray()), pa.getPort());
                offerCandidate(a, from, fromLoopback, primaryHint(pa.getPrimarySubstream()), from.broadcaster, nowNs);
            } catch (UnknownHostException e) {
                // Not reachable: the length was checked above.
            }
        }
    }

    /** A primary substream as peer exchange says it (plus one, 0: not known), or -1. */
    private int primaryHint(int said) {
        return said > 0 && said <= substreams ? said - 1 : -1;
    }

    /** An IPv4 address a peer told of: checked and looked up as numbers, no address object for one already held. */
    private void offerToldV4(int ip, int port, int primarySaid, Peer from, boolean fromLoopback, long nowNs) {
        if (!validPort(port)) {
            counters.peerAddressesRefused++;
            return;
        }
        if (!banned.isEmpty()) {
            offerCandidate(new InetSocketAddress(CandidatePool.v4Address(ip), port), from, fromLoopback,
                    primaryHint(primarySaid), from.broadcaster, nowNs);
            return;
        }
        long bits = CandidatePool.v4Bits(ip, port);
        if (!CandidatePool.dialableV4(bits, fromLoopback)
                || !candidates.offerHeardV4(bits, from, nowNs, primaryHint(primarySaid), from.broadcaster)) {
            counters.peerAddressesRefused++;
        }
    }

    // ------------------------------------------------------------------ pieces in

    private void onPiece(Peer from, Piece piece, long nowNs) {
        long seq = piece.seq();
        if (epoch >= 0 && piece.epoch() < epoch) {
            reject(piece, RejectReason.STALE_EPOCH);
            return;
        }
        if (piece.epoch() == epoch) {
            RejectReason window = windowCheck(seq);
            if (window != null) {
                if (window == RejectReason.REPLAYED_SEQUENCE) {
                    counters.duplicatePieces++;
                } else if (started && seq < nextPlaySeq && seq >= startSeq) {
                    counters.piecesLate++; // skipped as a gap, then arrived
                }
                piece.payload().release();
                return;
            }
        }
        RejectReason bad = verifier.verify(piece);
        if (bad != null) {
            reject(piece, bad);
            dropPeer(from, "sent a forged or corrupt piece (" + bad + ") seq " + seq, true, nowNs);
            return;
        }
        piece = verifier.canonical(piece);
        if (piece.epoch() > epoch) {
            if (isBroadcaster) {
                // Someone else signs with our key and a newer epoch: we are the stale one.
                piece.payload().release();
                return;
            }
            switchEpoch(piece.epoch());
        }
        clearRequest(seq, from);
        long nowUs = nowNs / 1000;
        if (!offsetKnown || piece.publishTimeUs() - nowUs > offsetUs) {
            offsetUs = piece.publishTimeUs() - nowUs;
            offsetKnown = true;
        }
        if (!piece.isEndOfStream() && piece.publishTimeUs() + playoutUs < nowUs + offsetUs) {
            strainedAtNs[substream(seq)] = nowNs; // it came too late to play
            if (started && seq >= nextPlaySeq) {
                counters.piecesLate++; // wanted, but past its deadline: it can no longer be played
            }
            piece.payload().release();
            return;
        }
        if (from.broadcaster) {
            counters.bytesFromBroadcaster += piece.length();
        } else {
            counters.bytesFromPeers += piece.length();
        }
        from.receivedScore += piece.length();
        int k = substream(seq);
        if ((from.parentMask & (1 << k)) != 0) {
            lastPushNs[k] = nowNs;
            pushedSeq[k] = seq;
        }
        storePiece(piece);
        if (piece.isEndOfStream()) {
            eosSeq = seq;
            for (Peer p : peers) {
                if (p != from && p.handshaken) {
                    sendPiece(p, piece, seq, false);
                }
            }
        } else {
            pushToChildren(piece, from);
        }
        advancePlayback(nowNs);
    }

    private RejectReason windowCheck(long seq) {
        if (newestSeq < 0) {
            return null;
        }
        if (held(seq) != null) {
            return RejectReason.REPLAYED_SEQUENCE;
        }
        long low = Math.max(newestSeq - windowPieces, started ? nextPlaySeq : Long.MIN_VALUE);
        if (seq < low || seq > newestSeq + windowPieces) {
            return started && seq < nextPlaySeq && seq >= nextPlaySeq - windowPieces && wasDelivered(seq)
                    ? RejectReason.REPLAYED_SEQUENCE : RejectReason.OUTSIDE_LIVE_WINDOW;
        }
        return null;
    }

    private boolean wasDelivered(long seq) {
        Piece p = store[(int) (seq & mask)];
        return p != null && p.seq() == seq;
    }

    private void reject(Piece piece, RejectReason reason) {
        counters.piecesRejected++;
        lastReject = reason;
        piece.payload().release();
    }

    private RejectReason lastReject;

    /** @return the reason the last piece was rejected (for tests and logs), or null */
    public RejectReason lastRejectReason() {
        return lastReject;
    }

    /**
     * Checks a piece as if it had arrived, without storing it: the window, epoch and replay checks, then the
     * signature. For tests and diagnostics.
     *
     * @return null if it would be accepted
     */
    public RejectReason check(Piece piece) {
        if (epoch >= 0 && piece.epoch() < epoch) {
            return RejectReason.STALE_EPOCH;
        }
        if (piece.epoch() == epoch) {
            RejectReason w = windowCheck(piece.seq());
            if (w != null) {
                return w;
            }
        }
        return verifier.verify(piece);
    }

    private void switchEpoch(long newEpoch) {
        epoch = newEpoch;
        for (Peer p : peers) {
            p.newerEpochAskedNs = 0;
        }
        for (int i = 0; i < store.length; i++) {
            if (store[i] != null) {
                store[i].payload().release();
                store[i] = null;
            }
            requestedAtNs[i] = 0;
            announcedAtNs[i] = 0;
        }
        for (Peer p : peers) {
            p.clearRequests();
        }
        newestSeq = -1;
        latestRap = -1;
        eosSeq = -1;
        Arrays.fill(pushedSeq, -1);
        offsetKnown = false;
        started = false;
        ended = false;
    }

    private void storePiece(Piece piece) {
        long seq = piece.seq();
        int slot = (int) (seq & mask);
        Piece old = store[slot];
        if (old != null) {
            old.payload().release();
        }
        store[slot] = piece;
        requestedAtNs[slot] = 0;
        if (seq > newestSeq) {
            long before = newestSeq;
            newestSeq = seq;
            newestPublishUs = piece.publishTimeUs();
            forgetOlderThanTwoWindows(before);
        }
        if (piece.isRandomAccessPoint() && seq > latestRap) {
            latestRap = seq;
        }
    }

    /**
     * Lets go of pieces more than two live windows behind the newest: past every deadline, never requested, and
     * older than any replay check looks (one window behind the playback point). The ring would otherwise keep them
     * until overwritten, a third of its memory, which thousands of engines in one simulator share.
     */
    private void forgetOlderThanTwoWindows(long previousNewest) {
        long keep = 2L * windowPieces;
        long to = newestSeq - keep;
        for (long s = Math.max(0, Math.max(previousNewest - keep + 1, to - store.length + 1)); s <= to; s++) {
            int slot = (int) (s & mask);
            Piece p = store[slot];
            if (p != null && p.seq() == s) {
                p.payload().release();
                store[slot] = null;
            }
        }
    }

    private Piece held(long seq) {
        if (seq < 0 || newestSeq < 0 || seq > newestSeq || seq <= newestSeq - store.length) {
            return null;
        }
        Piece p = store[(int) (seq & mask)];
        return p != null && p.seq() == seq ? p : null;
    }

    /** @return whether the address is among those this node may dial (tests) */
    boolean holdsCandidate(InetSocketAddress a) {
        return candidates.contains(a);
    }

    /** @return the substream this node forwards (tests) */
    int primarySubstream() {
        return primarySubstream;
    }

    private void dropFailingRoots(long nowNs) {
        if (newestSeq - REFORMING_CHECK_OLDEST_US / pieceIntervalUs < 0) {
            return;
        }
        for (int k = 0; k < substreams; k++) {
            boolean reforming = nowNs - rootDroppedAtNs[k] < TREE_REFORMING_NS;
            long oldest = newestSeq - (reforming ? REFORMING_CHECK_OLDEST_US : ROOT_CHECK_OLDEST_US) / pieceIntervalUs;
            long newest = newestSeq - (reforming ? REFORMING_CHECK_NEWEST_US : ROOT_CHECK_NEWEST_US) / pieceIntervalUs;
            int judges = 0;
            int lacking = 0;
            boolean rootOnTrial = false;
            for (Peer p : peers) {
                if ((p.treeChildMask() & (1 << k)) != 0) {
                    rootOnTrial |= nowNs - p.childSinceNs >= ROOT_TRIAL_NS;
                } else if (p.handshaken && !p.broadcaster && p.bmEpoch == epoch
                        && nowNs - p.connectedNs >= ROOT_JUDGE_AFTER_NS) {
                    judges++;
                    if (!holdsAnyOf(p, k, oldest, newest)) {
                        lacking++;
                    }
                }
            }
            if (!rootOnTrial || judges < ROOT_MIN_JUDGES || lacking <= ROOT_FAILING_SHARE * judges) {
                continue;
            }
            for (int i = peers.size() - 1; i >= 0; i--) {
                Peer root = peers.get(i);
                if ((root.treeChildMask() & (1 << k)) != 0 && nowNs - root.childSinceNs >= ROOT_TRIAL_NS) {
                    counters.rootsDropped++;
                    rootDroppedAtNs[k] = nowNs;
                    barFromRooting(root, nowNs + ROOT_BAR_NS);
                    removeChild(root, k, nowNs);
                    replySubscribe(root, k, false);
                }
            }
        }
    }

    /** Whether p's buffer map shows any piece of substream k among seqs oldest..newest. */
    private boolean holdsAnyOf(Peer p, int k, long oldest, long newest) {
        for (long s = oldest + Math.floorMod(k - oldest, (long) substreams); s <= newest; s += substreams) {
            if (p.has(epoch, s)) {
                return true;
            }
        }
        return false;
    }

    /** Broadcaster: p may not root a tree before untilNs, nor be ranked by the upload it declared. */
    private void barFromRooting(Peer p, long untilNs) {
        p.rootBarredUntilNs = untilNs;
        p.declaredUploadBps = 0;
        InetSocketAddress la = p.listenAddress();
        if (la != null) {
            rootBars.remove(la);
            rootBars.put(la, untilNs);
        }
    }

    private int substream(long seq) {
        return (int) (seq % substreams);
    }

    // ------------------------------------------------------------------ pieces out

    private void pushToChildren(Piece piece, Peer from) {
        int k = substream(piece.seq());
        int bit = 1 << k;
        // The uplink sends one copy after another, so the order is latency: see servedBefore.
        int n = 0;
        for (Peer p : peers) {
            if ((p.childMask & bit) != 0 && p != from) {
                if (n == forwardOrder.length) {
                    forwardOrder = Arrays.copyOf(forwardOrder, n * 2);
                }
                Peer q = p;
                int i = n++;
                for (; i > 0 && servedBefore(q, forwardOrder[i - 1], k); i--) {
                    forwardOrder[i] = forwardOrder[i - 1]; // insertion sort: stable, and children are few
                }
                forwardOrder[i] = q;
            }
        }
        for (int i = 0; i < n; i++) {
            pushTo(forwardOrder[i], piece, bit);
            forwardOrder[i] = null;
        }
    }

    /**
     * Whether child a gets a piece of substream k before child b. First the child more nodes wait on there (its
     * subtree, from its buffer map): the path to a typical viewer runs through the big subtrees, and serving them
     * first at every hop took latency p50 at 10,000 viewers from 1085 to 908 ms. Then children that forward k. Then
     * the child whose other trees are shallower: it plays in order, so a piece that comes early in this tree is
     * of no use to a child still waiting on a deeper one. Last, the most upload (it passes the piece on fastest).
     */
    private static boolean servedBefore(Peer a, Peer b, int k) {
        if (a.subtree[k] != b.subtree[k]) {
            return a.subtree[k] > b.subtree[k];
        }
        if ((a.primarySubstream == k) != (b.primarySubstream == k)) {
            return a.primarySubstream == k;
        }
        int da = deepestTreeBesides(a, k);
        int db = deepestTreeBesides(b, k);
        if (da != db) {
            return da < db;
        }
        return a.declaredUploadBps > b.declaredUploadBps;
    }

    /** The depth of a neighbour's deepest tree other than k, detached counting as deepest. */
    private static int deepestTreeBesides(Peer c, int k) {
        int d = 0;
        for (int j = 0; j < c.depth.length; j++) {
            if (j != k) {
                d = Math.max(d, Math.min(c.depth[j], MAX_DEPTH));
            }
        }
        return d;
    }

    /** How many nodes this one feeds in substream k: its children there and, as they last said, theirs. */
    private int subtreeIn(int k) {
        int bit = 1 << k;
        long n = 0;
        for (Peer c : peers) {
            if ((c.childMask & bit) != 0) {
                n += 1 + c.subtree[k];
            }
        }
        return (int) Math.min(MAX_SUBTREE, n);
    }

    private void pushTo(Peer child, Piece piece, int bit) {
        sendPiece(child, piece, piece.seq(), true);
        if ((child.reserveMask & bit) != 0) {
            counters.bytesUploadedReserve += piece.length();
        }
    }

    private void sendPiece(Peer to, Piece piece, long seq, boolean push) {
        out.send(to.id, to.link, PieceCodec.encodeHeader(piece), piece.payload().retain(), localDeadlineNs(piece));
        uploadTokens -= piece.length();
        counters.bytesUploaded += piece.length();
        if (push) {
            counters.bytesUploadedPush += piece.length();
        } else {
            counters.bytesUploadedRepair += piece.length();
        }
    }

    private void sendControl(Peer p, Control c) {
        out.send(p.id, p.link, ControlCodec.encode(c), Payload.empty(), Long.MAX_VALUE);
    }

    // ------------------------------------------------------------------ playback

    /**
     * When a piece stops being worth sending, on this node's clock: its playout deadline (publish time plus playout
     * delay, on the broadcaster's clock as estimated here). A transport that retransmits gives it up after that.
     */
    private long localDeadlineNs(Piece piece) {
        if (piece.isEndOfStream() || !offsetKnown) {
            return Long.MAX_VALUE;
        }
        return (piece.publishTimeUs() + playoutUs - offsetUs) * 1000;
    }

    private long broadcasterNowUs(long nowNs) {
        return nowNs / 1000 + offsetUs;
    }

    private void advancePlayback(long nowNs) {
        if (isBroadcaster || ended || newestSeq < 0) {
            return;
        }
        if (!started) {
            if (eosSeq >= 0 && latestRap < 0) {
                ended = true;
                out.endOfStream(epoch);
                return;
            }
            tryStart(nowNs);
            if (!started) {
                return;
            }
        }
        long bNow = broadcasterNowUs(nowNs);
        while (nextPlaySeq <= newestSeq) {
            Piece p = held(nextPlaySeq);
            if (p != null) {
                if (p.isEndOfStream()) {
                    ended = true;
                    out.endOfStream(epoch);
                    return;
                }
                counters.piecesDelivered++;
                counters.latencyMsLast = Math.max(0, (bNow - p.publishTimeUs()) / 1000);
                out.deliver(p);
                nextPlaySeq++;
                continue;
            }
            // Missing: due by the publish time of the next piece we hold (it was published no earlier).
            long from = nextPlaySeq;
            long nextHeld = from + 1;
            while (nextHeld <= newestSeq && held(nextHeld) == null) {
                nextHeld++;
            }
            // Skip a little before the estimated deadline: the estimate trails the broadcaster's clock by up to
            // a path's delay, and everything behind a missing piece waits for it.
            Piece after = held(nextHeld);
            if (after == null || after.publishTimeUs() + playoutUs - gapMarginUs > bNow) {
                return;
            }
            long to = nextHeld - 1;
            for (long s = from; s <= to && s < from + substreams; s++) {
                strainedAtNs[substream(s)] = nowNs;
            }
            counters.piecesMissed += to - from + 1;
            out.gap(new Gap(epoch, from, to, Gap.Reason.MISSED_DEADLINE));
            nextPlaySeq = nextHeld;
        }
    }

    private void tryStart(long nowNs) {
        boolean treesReady = true;
        for (int k = 0; k < substreams && strategy != Strategy.PULL_MESH; k++) {
            treesReady &= parent[k] != null && pushedSeq[k] >= 0;
        }
        boolean patienceOver = nowNs - joinedNs >= START_WITHOUT_TREES_NS;
        if (!treesReady && !patienceOver && nowNs - joinedNs < START_ON_ARRIVED_RUN_NS) {
            return;
        }
        // Start at the newest random access point held that leaves a third of the playout delay, and from
        // which everything up to the live edge has already arrived (bar the last piece of each substream, which
        // may be in flight): proof that the trees deliver, so the start needs no race against deadlines.
        // Without a parent in every tree the run must hold a piece of every substream beyond that, or a missing
        // tree would pass unseen. After the patience runs out, the newest one with time left will do.
        long bNow = broadcasterNowUs(nowNs);
        long newestProvable = newestSeq - (treesReady ? substreams : 2L * substreams - 1);
        long contiguousFrom = newestSeq - substreams + 1;
        for (long s = newestSeq - substreams; s >= 0 && s > newestSeq - windowPieces; s--) {
            if (held(s) == null) {
                break;
            }
            contiguousFrom = s;
        }
        for (long s = newestSeq; s >= 0 && s > newestSeq - windowPieces; s--) {
            Piece p = held(s);
            if (p == null || !p.isRandomAccessPoint()) {
                continue;
            }
            long leftUs = p.publishTimeUs() + playoutUs - bNow;
            if (leftUs < playoutUs / 3) {
                return; // older ones have even less time left
            }
            if ((s >= contiguousFrom && s <= newestProvable) || patienceOver) {
                started = true;
                nextPlaySeq = s;
                startSeq = s;
                return;
            }
        }
    }

    // ------------------------------------------------------------------ buffer maps

    private void sendBufferMaps(long nowNs) {
        if (peers.isEmpty()) {
            return;
        }
        Control bm = bufferMap(nowNs);
        byte[] h = ControlCodec.encode(bm);
        for (Peer p : peers) {
            if (p.handshaken) {
                out.send(p.id, p.link, h, Payload.empty(), Long.MAX_VALUE);
            }
        }
    }

    private void sendBufferMap(Peer p, long nowNs) {
        sendControl(p, bufferMap(nowNs));
    }

    private Control bufferMap(long nowNs) {
        BufferMap.Builder b = BufferMap.newBuilder().setEpoch(Math.max(0, epoch));
        if (offsetKnown) {
            b.setBroadcasterNowUs(broadcasterNowUs(nowNs));
        }
        if (newestSeq >= 0) {
            long base = Math.max(0, newestSeq - windowPieces + 1);
            int n = (int) (newestSeq - base + 1);
            byte[] bits = new byte[(n + 7) / 8];
            for (int i = 0; i < n; i++) {
                if (held(base + i) != null) {
                    bits[i >>> 3] |= (byte) (1 << (i & 7));
                }
            }
            b.setBaseSeq(base).setHave(UnsafeByteOperations.unsafeWrap(bits));
            b.setNewestPublishTimeUs(newestPublishUs);
        }
        b.setLatestRapSeq(latestRap + 1);
        for (int k = 0; k < substreams; k++) {
            b.addDepth(depth[k]);
        }
        b.setFreeSlots(freeSlots());
        int open = 0;
        int displaceable = 0;
        int riders = 0;
        for (int k = 0; k < substreams; k++) {
            if (onReserveIn(k)) {
                continue;
            }
            if (wouldAccept(k)) {
                open |= 1 << k;
            }
            if (leafChildIn(k) != null || (isBroadcaster && (strongerRootAround(k, nowNs) || extraRootRoom(k)))) {
                displaceable |= 1 << k;
            }
            if (!isBroadcaster && (open & (1 << k)) == 0 && freeRiderChildIn(k) != null) {
                riders |= 1 << k;
            }
        }
        b.setOpenSubstreams(open);
        b.setDisplaceableSubstreams(displaceable);
        b.setFreeRiderSubstreams(riders);
        int feeding = 0;
        for (int k = 0; k < substreams; k++) {
            if (childrenPerSubstream[k] > 0) {
                feeding |= 1 << k;
            }
        }
        b.setFeedingSubstreams(feeding);
        for (int k = 0; k < substreams; k++) {
            b.addSubtree(subtreeIn(k));
        }
        if (reserveSlots > 0 && (reserveInUse() < reserveSlots || longestReserveTurn(null, nowNs) != null)) {
            b.setReserveSubstreams((1 << substreams) - 1);
        }
        if (isBroadcaster && shortOfSlots()) {
            b.setSwarmShortOfUpload(true);
        }
        return Control.newBuilder().setBufferMap(b).build();
    }

    /**
     * Whether a subscribe for substream k would be taken now. As in SplitStream, each viewer has a primary
     * substream that it forwards: it may give that tree all its slots, taking them back from other trees'
     * children (who have forwarders of their own) unless they feed subtrees there. Children of other trees fit in
     * three quarters of its slots at most. So each tree's interior is mostly its own set of nodes with wide fanout
     * (shallow trees), and no tree starves because its forwarders' slots went to other trees. (With half, viewers
     * that were leaves in a tree found their few neighbours forwarding it full and lived on the broadcaster's
     * reserve: 1.748 and 2.319 copies at 10,000 viewers, seeds 1 and 2, against 1.300 and 1.471 with three
     * quarters.)
     */
    private boolean wouldAccept(int k) {
        if (ended) {
            return false;
        }
        if (isBroadcaster) {
            return childrenPerSubstream[k] < cfg.serverFanout();
        }
        if (k == primarySubstream) {
            return childCount < slotCapacity || otherTreeChild() != null;
        }
        int others = childCount - childrenPerSubstream[primarySubstream];
        return childCount < slotCapacity && others < slotCapacity * 3 / 4;
    }

    /**
     * Whether this viewer is fed in k by the broadcaster's reserve. It then takes no new children in k: it would look
     * like a root to its neighbours (depth 1), draw a subtree onto the reserve and hold the slot for it, where the
     * reserve is meant to tide one viewer over until a neighbour has room.
     */
    private boolean onReserveIn(int k) {
        return (reserveParentMask & (1 << k)) != 0;
    }

    /** A child in a substream other than this node's primary, that feeds no subtree there, or null. */
    private Peer otherTreeChild() {
        for (Peer c : peers) {
            if (otherTreesEvictable(c) != 0) {
                return c;
            }
        }
        return null;
    }

    /** The substreams other than this node's primary in which c is a child that feeds no subtree of its own. */
    private int otherTreesEvictable(Peer c) {
        return c.treeChildMask() & ~(1 << primarySubstream) & ~c.feedingSubstreams;
    }

    /**
     * Whether c may be turned away from k to make room: a viewer never evicts a child that feeds a subtree there
     * (it would cut off every node below it); the broadcaster may, to re-root a tree at a stronger forwarder.
     */
    private boolean evictable(Peer c, int k) {
        return (c.treeChildMask() & (1 << k)) != 0 && (isBroadcaster || (c.feedingSubstreams & (1 << k)) == 0);
    }

    private int freeSlots() {
        if (!isBroadcaster) {
            return Math.max(0, slotCapacity - childCount);
        }
        int free = 0;
        for (int k = 0; k < substreams; k++) {
            free += Math.max(0, cfg.serverFanout() - childrenPerSubstream[k]);
        }
        return free;
    }

    private void onBufferMap(Peer p, BufferMap bm, long nowNs) throws WireException {
        ByteString have = bm.getHave();
        if (have.size() > MAX_BUFFER_MAP_BYTES) {
            throw new WireException("buffer map of " + have.size() + " bytes exceeds " + MAX_BUFFER_MAP_BYTES);
        }
        if (bm.getDepthCount() != substreams) {
            throw new WireException("buffer map has " + bm.getDepthCount() + " substream depths, expected "
                    + substreams);
        }
        if (bm.getSubtreeCount() != substreams && bm.getSubtreeCount() != 0) {
            throw new WireException("buffer map has " + bm.getSubtreeCount() + " subtree sizes, expected "
                    + substreams);
        }
        if (bm.getEpoch() < 0 || bm.getEpoch() > MAX_NEIGHBOUR_SEQ || bm.getBaseSeq() < 0
                || bm.getBaseSeq() > MAX_NEIGHBOUR_SEQ || bm.getLatestRapSeq() < 0
                || bm.getLatestRapSeq() > MAX_NEIGHBOUR_SEQ + 1) {
            throw new WireException("buffer map out of range: epoch " + Long.toUnsignedString(bm.getEpoch())
                    + ", base " + Long.toUnsignedString(bm.getBaseSeq()) + ", latest random access point + 1 "
                    + Long.toUnsignedString(bm.getLatestRapSeq()));
        }
        p.bufferMap(bm.getEpoch(), bm.getBaseSeq(), have);
        p.bmLatestRap = bm.getLatestRapSeq() - 1;
        for (int k = 0; k < substreams; k++) {
            int d = bm.getDepth(k); // uint32: from 2^31 up it reads negative, and counts as detached too
            p.depth[k] = d < 0 || d > DETACHED ? DETACHED : d;
        }
        if (p.reserveMask != 0) {
            reclaimStrayReserveSlots(p, nowNs);
        }
        if (bm.getEpoch() == epoch && offsetKnown && bm.getBroadcasterNowUs() > 0 && !isBroadcaster) {
            // A neighbour's estimate of the broadcaster's clock, one link behind the truth at most: it tightens
            // our deadlines. Unauthenticated, so it may never run more than a second past the newest piece we
            // verified ourselves, and a liar cannot make us give up on pieces early.
            long nowUs = nowNs / 1000;
            long claimed = Math.min(bm.getBroadcasterNowUs(), newestPublishUs + CLOCK_SLACK_US);
            offsetUs = Math.max(offsetUs, claimed - nowUs);
        }
        for (int k = 0; k < substreams; k++) {
            p.subtree[k] = bm.getSubtreeCount() == 0 ? 0 : (int) Math.min(MAX_SUBTREE, bm.getSubtree(k) & 0xFFFFFFFFL);
        }
        p.freeSlots = bm.getFreeSlots();
        p.openSubstreams = bm.getOpenSubstreams();
        p.displaceableSubstreams = bm.getDisplaceableSubstreams();
        p.freeRiderSubstreams = bm.getFreeRiderSubstreams();
        p.feedingSubstreams = bm.getFeedingSubstreams();
        p.reserveOpen = p.broadcaster ? bm.getReserveSubstreams() : 0;
        if (p.broadcaster) {
            swarmShortSaid = bm.getSwarmShortOfUpload();
        }
        boolean cutOffOrBack = false;
        for (int k = 0; k < substreams; k++) {
            if (parent[k] == p) {
                int d = p.depth[k] >= MAX_DEPTH ? DETACHED : p.depth[k] + 1;
                cutOffOrBack |= (d == DETACHED) != (depth[k] == DETACHED) && childrenPerSubstream[k] > 0;
                depth[k] = d;
            }
        }
        if (cutOffOrBack) {
            sendBufferMaps(nowNs); // the subtree hears it at once, not a map interval per level later
        }
        if (p.bmEpoch == epoch && !isBroadcaster) {
            // Announcements matter only for pieces still wanted: from the playback point (or the window's
            // start, before playback) to the neighbour's newest, as far as it can hold them: claims far ahead would
            // land in the ring slots of real holes and restart their push grace with every honest map.
            long top = Math.min(p.bmTop(), plausibleNewestSeq(nowNs));
            long wantedFrom = started ? nextPlaySeq : newestSeq - windowPieces;
            for (long s = Math.max(p.bmBase, wantedFrom); s <= top; s++) {
                int slot = (int) (s & mask);
                if (held(s) == null && p.has(epoch, s) && announcedSeq(slot) != s) {
                    announcedAtNs[slot] = nowNs;
                    announcedSeqs[slot] = s;
                }
            }
        }
    }

    private long announcedSeq(int slot) {
        return announcedSeqs[slot];
    }

    // ------------------------------------------------------------------ push trees

    private void onSubscribe(Peer p, int k, boolean switching, boolean lastResort, long nowNs) throws WireException {
        if (k < 0 || k >= substreams) {
            throw new WireException("subscribe to substream " + k + " of " + substreams);
        }
        int bit = 1 << k;
        if ((p.childMask & bit) != 0) {
            // Its request or our answer was lost: answer again, saying whether the slot is the reserve's (told it is
            // a root, a reserve child would take a subtree onto the reserve).
            replySubscribe(p, k, true, (p.reserveMask & bit) != 0);
            return;
        }
        boolean accept = false;
        boolean cycle = parent[k] == p;
        if (!cycle && !ended && !onReserveIn(k)) {
            if (isBroadcaster && strategy == Strategy.CLIENT_SERVER) {
                accept = true;
            } else if (isBroadcaster) {
                // The broadcaster roots every substream's tree itself: serverFanout children per substream (more
                // while the swarm is short of upload, see extraRootRoom),
                // and (while there are enough viewers) each on a different viewer, so no one viewer carries
                // several trees.
                boolean spread = (p.childMask == 0 || countHandshaken() <= substreams) && p.rootBarredUntilNs <= nowNs;
                if (spread && childrenPerSubstream[k] < cfg.serverFanout()) {
                    accept = true;
                } else if (lastResort) {
                    // The reserve, never a root's place: displacing a root would cut off its whole subtree.
                    if (!switching && admitToReserve(p, k, nowNs)) {
                        replySubscribe(p, k, true, true);
                        return;
                    }
                } else if (spread && p.primarySubstream == k && leafChildIn(k) != null) {
                    // Root each tree at a node that forwards it.
                    unroot(leafChildIn(k), k, nowNs);
                    accept = true;
                } else if (p.primarySubstream == k && p.treeChildMask() == 0 && p.rootBarredUntilNs <= nowNs
                        && contributes(p) && extraRootRoom(k)) {
                    if (childrenPerSubstream[k] >= cfg.serverFanout()) {
                        counters.extraRoots++;
                    }
                    accept = true;
                } else if (spread) {
                    Peer victim = weakestChildIn(k, p, nowNs, true);
                    if (victim != null) {
                        counters.rootsReplaced++;
                        unroot(victim, k, nowNs);
                        accept = true;
                    }
                }
            } else if (wouldAccept(k)) {
                if (childCount >= slotCapacity) {
                    // Full: our primary tree takes a slot back from another tree's child.
                    Peer other = otherTreeChild();
                    int j = Integer.numberOfTrailingZeros(otherTreesEvictable(other));
                    removeChild(other, j, nowNs);
                    replySubscribe(other, j, false);
                }
                accept = true;
            } else if (!switching && p.primarySubstream == k && leafChildIn(k) != null) {
                // A node that forwards this substream takes the place of one that would be a leaf here.
                Peer leaf = leafChildIn(k);
                removeChild(leaf, k, nowNs);
                replySubscribe(leaf, k, false);
                accept = true;
            } else if (!switching && contributes(p) && freeRiderChildIn(k) != null) {
                // Contributors come first: one that uploads takes the place of a child that uploads nothing.
                Peer rider = freeRiderChildIn(k);
                removeChild(rider, k, nowNs);
                replySubscribe(rider, k, false);
                accept = true;
            } else if (!switching) {
                // Full for k: a requester that has given us more than a settled child of k takes its place.
                Peer victim = weakestChildIn(k, p, nowNs, true);
                if (victim != null) {
                    removeChild(victim, k, nowNs);
                    replySubscribe(victim, k, false);
                    accept = true;
                }
            }
        }
        if (accept) {
            if (p.childMask == 0) {
                p.childSinceNs = nowNs;
            }
            p.childMask |= bit;
            childCount++;
            childrenPerSubstream[k]++;
        }
        replySubscribe(p, k, accept);
    }

    /**
     * A child in substream k that does not forward k (its primary is another) and may be evicted there (see
     * {@link #evictable}), or null. Reserve slots aside.
     */
    private Peer leafChildIn(int k) {
        for (Peer c : peers) {
            if (evictable(c, k) && c.primarySubstream != k) {
                return c;
            }
        }
        return null;
    }

    /** A child in substream k that uploads nothing, or null. */
    private Peer freeRiderChildIn(int k) {
        for (Peer c : peers) {
            if (evictable(c, k) && !contributes(c)) {
                return c;
            }
        }
        return null;
    }

    /** Whether a peer says it uploads at least one substream's worth: it can forward to a child of its own. */
    private boolean contributes(Peer p) {
        return p.declaredUploadBps >= substreamBps;
    }

    private void removeChild(Peer p, int k, long nowNs) {
        int bit = 1 << k;
        p.childMask &= ~bit;
        if ((p.reserveMask & bit) != 0) {
            p.reserveMask &= ~bit;
            p.strayMask &= ~bit; // a slot it gets again later starts with a clean record
            reserveIn[k]--;
            if (p.reserveMask == 0) {
                p.reserveLeftNs = nowNs;
            }
            return;
        }
        childCount--;
        childrenPerSubstream[k]--;
    }

    /**
     * Broadcaster: takes back the reserve slots of a viewer whose buffer maps have shown, for STRAY_CHILD_NS, a
     * depth other than 1 there: it takes that tree from someone else (its unsubscribe was lost) or never heard the
     * acceptance (the reply was lost and its request timed out), and discards every piece the slot pushes.
     * Subscriptions are soft state, and without this one lost frame (0.5% in the simulator) kept a slot for good:
     * 0.74 copies of the stream at 10,000 viewers, seed 2. The grace covers maps a round trip old. Viewers keep
     * such children (tried: releasing them too raised the broadcaster's share at seed 1 from 1.372 to 1.510).
     */
    private void reclaimStrayReserveSlots(Peer p, long nowNs) {
        for (int m = p.reserveMask; m != 0; m &= m - 1) {
            int k = Integer.numberOfTrailingZeros(m);
            int bit = 1 << k;
            if (p.depth[k] == 1) {
                p.strayMask &= ~bit;
                continue;
            }
            if (p.straySinceNs == null) {
                p.straySinceNs = new long[substreams]; // only reserve holders ever need it
            }
            if ((p.strayMask & bit) == 0) {
                p.strayMask |= bit;
                p.straySinceNs[k] = nowNs; // each slot its own grace: one granted late is not judged by another's
            } else if (nowNs - p.straySinceNs[k] >= STRAY_CHILD_NS) {
                removeChild(p, k, nowNs);
                // It ignores this unless the broadcaster is its parent there after all (then it looks elsewhere),
                // or it has asked for k again meanwhile (then this is the answer, and it asks again later).
                replySubscribe(p, k, false);
                counters.reserveSlotsReclaimed++;
            }
        }
    }

    /**
     * Broadcaster: takes a viewer that found no room among its neighbours in substream k into the reserve, if it
     * contributes (the reserve covers a shortage of upload, not a viewer's choice to give none). When the reserve
     * is full, the child that has held a reserve slot longest, for a turn at least, makes way: a shortfall the
     * reserve cannot cover then falls on viewers by turns instead of on the same ones all along.
     */
    private boolean admitToReserve(Peer p, int k, long nowNs) {
        if (reserveSlots == 0 || !contributes(p)) {
            return false;
        }
        if (reserveInUse() >= reserveSlots) {
            Peer longest = longestReserveTurn(p, nowNs);
            if (longest == null) {
                return false;
            }
            int j = Integer.numberOfTrailingZeros(longest.reserveMask);
            removeChild(longest, j, nowNs);
            replySubscribe(longest, j, false);
            counters.reserveTurnsEnded++;
        }
        // Back within a turn's length of its last slot, it goes on with that turn: otherwise unsubscribing and
        // subscribing again would start a fresh turn each time, and a few peers could keep the reserve for good.
        if (p.reserveMask == 0 && (p.reserveLeftNs == Long.MIN_VALUE || nowNs - p.reserveLeftNs >= RESERVE_TURN_NS)) {
            p.reserveSinceNs = nowNs;
        }
        p.childMask |= 1 << k;
        p.reserveMask |= 1 << k;
        p.lastReserveNs = nowNs;
        reserveIn[k]++;
        counters.reserveAdmitted++;
        return true;
    }

    /**
     * Broadcaster, swarm short of upload: whether tree k may take one more root beyond serverFanout, a viewer
     * forwarding k. While the reserve feeds more children in k than k has extra roots, the swarm lacks room there;
     * a forwarder moved up frees its slot lower down for one of them and takes its subtree up with it. Once that
     * reserve child has moved to the freed slot, the copy is the same, with fewer hops. Extra roots are paid from
     * the reserve's slots.
     */
    private boolean extraRootRoom(int k) {
        return reserveSlots > 0 && childrenPerSubstream[k] - cfg.serverFanout() < reserveIn[k]
                && reserveInUse() < reserveSlots && shortOfSlots();
    }

    /** Broadcaster: roots beyond serverFanout in all trees, taken while the swarm was short of upload. */
    private int extraRoots() {
        int extra = 0;
        for (int k = 0; k < substreams; k++) {
            extra += Math.max(0, childrenPerSubstream[k] - cfg.serverFanout());
        }
        return extra;
    }

    /** Broadcaster: the reserve's slots in use, by reserve children and by extra roots (only a DEFAULT one has any). */
    private int reserveInUse() {
        int inUse = extraRoots();
        for (int k = 0; k < substreams; k++) {
            inUse += reserveIn[k];
        }
        return inUse;
    }

    /**
     * Broadcaster, once a second: when the swarm is no longer short of upload, one extra root a tree makes way, so
     * the copies they cost go back as the shortage ends.
     */
    private void demoteExtraRoots(long nowNs) {
        if (shortOfSlots()) {
            return;
        }
        for (int k = 0; k < substreams; k++) {
            if (childrenPerSubstream[k] > cfg.serverFanout()) {
                Peer root = weakestChildIn(k, null, nowNs, false);
                if (root != null) {
                    counters.extraRootsDemoted++;
                    unroot(root, k, nowNs);
                }
            }
        }
    }

    /** The reserve child whose turn is over and has lasted longest, other than {@code except}, or null. */
    private Peer longestReserveTurn(Peer except, long nowNs) {
        Peer longest = null;
        for (Peer c : peers) {
            if (c.reserveMask != 0 && c != except && nowNs - c.reserveSinceNs >= RESERVE_TURN_NS
                    && (longest == null || c.reserveSinceNs < longest.reserveSinceNs)) {
                longest = c;
            }
        }
        return longest;
    }

    /** Broadcaster: drops peers that came for a reserve slot and have held none for a while. */
    private void dropIdleReserveSeekers(long nowNs) {
        if (countHandshaken() <= cfg.stream().maxPeers()) {
            return;
        }
        for (Peer p : new ArrayList<>(peers)) {
            if (!p.seeksReserve) {
                continue;
            }
            if (p.reserveMask != 0) {
                p.lastReserveNs = nowNs;
            } else if (p.childMask == 0 && nowNs - p.lastReserveNs > RESERVE_IDLE_NS) {
                sendControl(p, Control.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("reserve idle")).build());
                dropPeer(p, "came for the reserve and holds no slot", false, nowNs);
            }
        }
    }

    /**
     * A substream in which this viewer needs the broadcaster's reserve (see {@link #RESERVE_AFTER_NS}): no parent,
     * no neighbour offering room, pieces being lost; or -1.
     */
    private int needsReserve(long nowNs) {
        for (int k = 0; k < substreams; k++) {
            if (needsReserveIn(k, nowNs)) {
                return k;
            }
        }
        return -1;
    }

    private boolean needsReserveIn(int k, long nowNs) {
        if (isBroadcaster || strategy != Strategy.DEFAULT || ended || slotCapacity == 0 || parent[k] != null
                || nowNs - detachedSinceNs[k] < reserveAfterNs[k]) {
            return false;
        }
        boolean strained = nowNs - strainedAtNs[k] <= RESERVE_STRAIN_NS;
        // Short of slots, it asks without waiting out the trees' forming, and before it starts without having lost
        // a piece first (it has none to lose yet, and without the tree it would start late).
        boolean due = shortOfSlots() ? strained || !started : strained && nowNs - joinedNs >= RESERVE_AFTER_JOIN_NS;
        return due && !roomAmongNeighbours(k, nowNs);
    }

    /**
     * Whether the swarm is short of upload: the viewers the broadcaster has heard from (a moving mean over about
     * SWARM_SAMPLE_WINDOW handshakes, MIN_SHORTAGE_SAMPLE at least, of viewers that upload, none that came for
     * the reserve) declare fewer push slots on average than one parent in every tree.
     * Then detachment is no passing state of trees forming but a deficit only the broadcaster's reserve covers. A
     * viewer goes by what the broadcaster said: its own neighbours are no sample (with the default upload mix,
     * viewers judging by them took 1.1 copies of reserve at 10,000 viewers instead of 0.1, for nothing).
     */
    private boolean shortOfSlots() {
        if (!isBroadcaster) {
            return swarmShortSaid;
        }
        return swarmSamples >= MIN_SHORTAGE_SAMPLE && swarmSlotsPerViewer < substreams;
    }

    /** Broadcaster: p's declared upload into the moving mean, unless its subnet already has its share of it. */
    private void sampleSwarm(Peer p) {
        if (p.address.isUnresolved()) {
            return;
        }
        long subnet = CandidatePool.subnetOf(p.address.getAddress());
        if (samplesPerSubnet.get(subnet) >= cfg.peerExchange().maxPerSubnet()) {
            return;
        }
        int slot = (int) (swarmSamples % SWARM_SAMPLE_WINDOW);
        if (swarmSamples >= SWARM_SAMPLE_WINDOW) {
            samplesPerSubnet.add(sampledSubnets[slot], -1); // out of the window
        }
        sampledSubnets[slot] = subnet;
        samplesPerSubnet.add(subnet, 1);
        swarmSamples++;
        swarmSlotsPerViewer += (pushSlotsOf(p.declaredUploadBps) - swarmSlotsPerViewer)
                / Math.min(swarmSamples, SWARM_SAMPLE_WINDOW);
    }

    /** The push slots a peer declaring this upload has (as slotCapacity), its claim capped as in merit. */
    private long pushSlotsOf(long declaredUploadBps) {
        long capped = Math.min(declaredUploadBps, MERIT_CAP_BITRATES * substreams * substreamBps);
        return (long) (PUSH_SHARE * capped / substreamBps);
    }

    private boolean roomAmongNeighbours(int k, long nowNs) {
        int bit = 1 << k;
        for (Peer p : peers) {
            if ((p.pendingMask & bit) != 0) {
                return true;
            }
            if (!p.broadcaster && p.handshaken && (mayTake(p, k) & bit) != 0 && p.rejectedUntilNs[k] <= nowNs
                    && p.depth[k] < MAX_DEPTH) {
                return true;
            }
        }
        return false;
    }

    /** The substreams in which neighbour p would take this node as a child, as its buffer map said. */
    private int mayTake(Peer p, int k) {
        return p.openSubstreams | (k == primarySubstream ? p.displaceableSubstreams : 0)
                | (slotCapacity > 0 ? p.freeRiderSubstreams : 0);
    }

    /** The child of substream k, settled past its protection, with the least merit; null if none or if
     * {@code mustBeBetter} and the requester is not clearly better. */
    private Peer weakestChildIn(int k, Peer requester, long nowNs, boolean mustBeBetter) {
        long protectNs = isBroadcaster ? ROOT_PROTECT_NS : PROTECT_CHILD_NS;
        Peer worst = null;
        for (Peer c : peers) {
            if (!evictable(c, k) || c == requester || nowNs - c.childSinceNs < protectNs) {
                continue;
            }
            if (worst == null || merit(c) < merit(worst)) {
                worst = c;
            }
        }
        if (worst == null) {
            return null;
        }
        return !mustBeBetter || clearlyBetter(requester, worst) ? worst : null;
    }

    /**
     * Broadcaster: a root of tree k makes way (for a better one, or as the shortage it was taken for ends). It is
     * told so, and keeps getting that tree's pieces for a while: its subtree hangs on it and would otherwise go
     * without them until it has found a new parent, for 2-3 s: most of the tree, since one root feeds it (14 of 15 of
     * the broadcaster's neighbours lacked the tree's pieces of 2 s to 0.8 s ago, 2 s after such a change).
     */
    private void unroot(Peer formerRoot, int k, long nowNs) {
        removeChild(formerRoot, k, nowNs);
        replySubscribe(formerRoot, k, false);
        if (nowNs >= formerRoot.handingOverUntilNs) {
            formerRoot.handingOverMask = 0;
        }
        formerRoot.handingOverMask |= 1 << k;
        formerRoot.handingOverUntilNs = nowNs + ROOT_HANDOVER_NS;
    }

    private boolean clearlyBetter(Peer candidate, Peer incumbent) {
        return merit(candidate) > merit(incumbent) * 1.25 + 1;
    }

    private double merit(Peer p) {
        // The broadcaster receives nothing, so it ranks by declared capacity (capped: it is the peer's own word):
        // strong uploaders near the roots.
        return isBroadcaster ? Math.min(p.declaredUploadBps, MERIT_CAP_BITRATES * cfg.stream().bitrateHintBps())
                : p.receivedScore;
    }

    private void replySubscribe(Peer p, int k, boolean accepted) {
        replySubscribe(p, k, accepted, false);
    }

    private void replySubscribe(Peer p, int k, boolean accepted, boolean reserve) {
        sendControl(p, Control.newBuilder().setSubscribeReply(
                SubscribeReply.newBuilder().setSubstream(k).setAccepted(accepted).setReserve(reserve)).build());
    }

    private void onSubscribeReply(Peer p, SubscribeReply r, long nowNs) throws WireException {
        int k = r.getSubstream();
        if (k < 0 || k >= substreams) {
            throw new WireException("subscribe reply for substream " + k + " of " + substreams);
        }
        int bit = 1 << k;
        if ((p.pendingMask & bit) != 0) {
            p.pendingMask &= ~bit;
            if (r.getAccepted() && parent[k] == null) {
                parent[k] = p;
                p.parentMask |= bit;
                if (r.getReserve() && p.broadcaster) {
                    reserveParentMask |= bit;
                    reserveParentSinceNs[k] = nowNs;
                }
                depth[k] = p.depth[k] >= MAX_DEPTH ? DETACHED : p.depth[k] + 1;
                lastPushNs[k] = nowNs;
                if (depth[k] != DETACHED) {
                    // Tell the neighbours at once that this node can now be a parent in k: trees then grow a
                    // level per round trip instead of per buffer-map interval.
                    sendBufferMaps(nowNs);
                }
            } else if (r.getAccepted()) {
                // Already have a parent for k (switching): take the better one, drop the other.
                Peer old = parent[k];
                boolean leavingReserve = (reserveParentMask & bit) != 0 && !p.broadcaster;
                if (p.depth[k] < old.depth[k] || leavingReserve) {
                    unsubscribe(old, k);
                    reserveParentMask &= ~bit; // the reserve slot goes back to whoever needs it more
                    parent[k] = p;
                    p.parentMask |= bit;
                    depth[k] = p.depth[k] + 1;
                    lastPushNs[k] = nowNs;
                } else {
                    unsubscribe(p, k);
                }
            } else {
                p.rejectedUntilNs[k] = nowNs + REJECT_BACKOFF_NS;
            }
        } else if (!r.getAccepted() && parent[k] == p) {
            p.rejectedUntilNs[k] = nowNs + REJECT_BACKOFF_NS;
            clearParent(k, nowNs); // evicted by the parent
        }
    }

    private void onUnsubscribe(Peer p, int k, long nowNs) throws WireException {
        if (k < 0 || k >= substreams) {
            throw new WireException("unsubscribe from substream " + k + " of " + substreams);
        }
        if ((p.childMask & (1 << k)) != 0) {
            removeChild(p, k, nowNs);
        }
    }

    private void unsubscribe(Peer p, int k) {
        p.parentMask &= ~(1 << k);
        sendControl(p, Control.newBuilder().setUnsubscribe(Unsubscribe.newBuilder().setSubstream(k)).build());
    }

    private void clearParent(int k, long nowNs) {
        clearParent(k, nowNs, RESERVE_AFTER_NS);
    }

    /** Detaches from substream k's parent; the node may ask the reserve there {@code reserveWaitNs} later. */
    private void clearParent(int k, long nowNs, long reserveWaitNs) {
        Peer p = parent[k];
        parent[k] = null;
        int before = depth[k];
        depth[k] = DETACHED;
        reserveParentMask &= ~(1 << k);
        if (p != null) {
            p.parentMask &= ~(1 << k);
            detachedSinceNs[k] = nowNs;
            reserveAfterNs[k] = reserveWaitNs;
            depthBeforeLoss[k] = before;
            if (childrenPerSubstream[k] > 0) {
                sendBufferMaps(nowNs); // the subtree hears at once that it is cut off, before this node reattaches
            }
        }
    }

    private void maintainParents(long nowNs) {
        if (strategy == Strategy.PULL_MESH) {
            return;
        }
        long stallNs = 2_000_000_000L + 2 * substreams * pieceIntervalUs * 1000;
        for (int k = 0; k < substreams; k++) {
            Peer cur = parent[k];
            if (cur != null) {
                // A parent cut off from the tree keeps its children: it is reattaching, and they come back with
                // it, whereas children that left it would each detach their own subtrees in turn. A child moves
                // to a neighbour with a valid depth, keeping its parent until that one accepts (below), or leaves
                // when pushes stall.
                boolean stalled = nowNs - lastPushNs[k] > stallNs && !ended && !epochStale(nowNs);
                // Not while it feeds children there: its whole subtree would be cut off with it.
                boolean heldLongEnough = onReserveIn(k) && childrenPerSubstream[k] == 0
                        && nowNs - reserveParentSinceNs[k] >= RESERVE_HOLD_NS
                        && (nowNs - reserveParentSinceNs[k] >= SHORTAGE_RESERVE_HOLD_NS || !shortOfSlots());
                if (heldLongEnough) {
                    counters.reserveHandedBack++;
                    unsubscribe(cur, k);
                    clearParent(k, nowNs);
                    cur = null;
                } else if (stalled) {
                    unsubscribe(cur, k);
                    cur.rejectedUntilNs[k] = nowNs + REJECT_BACKOFF_NS;
                    clearParent(k, nowNs);
                    cur = null;
                }
            }
            boolean pending = false;
            for (Peer p : peers) {
                int bit = 1 << k;
                if ((p.pendingMask & bit) != 0) {
                    if (nowNs - p.pendingSinceNs[k] > SUBSCRIBE_TIMEOUT_NS) {
                        p.pendingMask &= ~bit; // the request or its answer was lost
                    } else {
                        pending = true;
                    }
                }
            }
            if (pending) {
                continue;
            }
            int deepestSafe = cur == null && childrenPerSubstream[k] > 0 && nowNs - detachedSinceNs[k] < REATTACH_SAFE_NS
                    ? depthBeforeLoss[k] : MAX_DEPTH - 1;
            Peer best = null;
            for (Peer p : peers) {
                if (!p.handshaken || (p.childMask & (1 << k)) != 0 || p == cur || (mayTake(p, k) & (1 << k)) == 0
                        || p.depth[k] > deepestSafe || p.rejectedUntilNs[k] > nowNs
                        || (!p.broadcaster && p.bmEpoch != epoch && epoch >= 0)) {
                    continue;
                }
                if (best == null || p.depth[k] < best.depth[k]
                        || (p.depth[k] == best.depth[k] && p.freeSlots > best.freeSlots)) {
                    best = p;
                }
            }
            if (best == null) {
                Peer fed = cur == null ? fullForwarderItFeeds(k, deepestSafe, nowNs) : null;
                if (fed != null) {
                    subscribe(fed, k, Subscribe.newBuilder(), nowNs);
                } else if (cur == null) {
                    askReserve(k, nowNs);
                }
                continue;
            }
            // Attach whenever detached; switch only for a clearly shallower parent with a free slot, or off the
            // broadcaster's reserve to any neighbour with room. Under a parent cut off from the tree, it asks as
            // one without a parent would (it may take a leaf's place), but keeps the parent until then.
            if (cur == null || best.depth[k] + 1 < cur.depth[k] || (onReserveIn(k) && !best.broadcaster)) {
                boolean switching = cur != null && cur.depth[k] < MAX_DEPTH;
                subscribe(best, k, Subscribe.newBuilder().setSwitching(switching), nowNs);
            }
        }
    }

    /** Asks q to be this node's parent in k; the answer, or SUBSCRIBE_TIMEOUT_NS without one, ends the wait. */
    private void subscribe(Peer q, int k, Subscribe.Builder request, long nowNs) {
        q.pendingMask |= 1 << k;
        q.pendingSinceNs[k] = nowNs;
        sendControl(q, Control.newBuilder().setSubscribe(request.setSubstream(k)).build());
    }

    /**
     * Called when no neighbour offers room in k: a neighbour that forwards k (full there, then) and is this node's
     * child in another tree, or null. It ranks children by what they gave it, so it likely makes room for the node
     * that feeds it ({@link #weakestChildIn}), which its buffer map cannot say. Before this, strong forwarders of
     * one tree went without a parent in another from the start, living on pulled pieces until they asked the
     * broadcaster's reserve (10,000 viewers, seed 2: 14 of 17 reserve requests came within 3.5 s of the join
     * gate opening, 10 of 17 from viewers never attached in that tree, each with every forwarder of it among its
     * 16-19 neighbours full).
     */
    private Peer fullForwarderItFeeds(int k, int deepestSafe, long nowNs) {
        int bit = 1 << k;
        Peer best = null;
        for (Peer q : peers) {
            if (!q.handshaken || q.broadcaster || q.primarySubstream != k || q.childMask == 0
                    || (q.childMask & bit) != 0 || q.depth[k] > deepestSafe || q.rejectedUntilNs[k] > nowNs
                    || (q.bmEpoch != epoch && epoch >= 0)) {
                continue;
            }
            if (best == null || q.depth[k] < best.depth[k]) {
                best = q;
            }
        }
        return best;
    }

    /** Detached in k long enough with no neighbour offering room: asks the broadcaster's reserve, if it has one. */
    private void askReserve(int k, long nowNs) {
        if (!needsReserveIn(k, nowNs)) {
            return;
        }
        for (Peer b : peers) {
            if (b.broadcaster && b.handshaken && (b.reserveOpen & (1 << k)) != 0 && b.rejectedUntilNs[k] <= nowNs) {
                subscribe(b, k, Subscribe.newBuilder().setLastResort(true), nowNs);
                return;
            }
        }
    }

    // ------------------------------------------------------------------ pull repair

    private void onRequest(Peer p, Request r, long nowNs) throws WireException {
        if (r.getSeqsCount() > MAX_REQUEST_SEQS) {
            throw new WireException("request for " + r.getSeqsCount() + " pieces exceeds " + MAX_REQUEST_SEQS);
        }
        if (r.getEpoch() != epoch) {
            return;
        }
        long bNow = broadcasterNowUs(nowNs);
        for (int i = 0; i < r.getSeqsCount(); i++) {
            long seq = r.getSeqs(i);
            Piece piece = held(seq);
            if (piece == null) {
                continue;
            }
            if (!piece.isEndOfStream() && piece.publishTimeUs() + playoutUs < bNow) {
                continue; // it can no longer be played: do not spend upload on it
            }
            if (isBroadcaster) {
                if (repairTokens < piece.length()) {
                    continue;
                }
                repairTokens -= piece.length();
            } else if (!contributes(p) && uploadTokens < uploadBurstBytes() * RIDER_REPAIR_TOKENS_SHARE) {
                // Contributors first, as for slots: a viewer that uploads nothing is repaired from spare upload
                // only, so its pulls do not crowd out those of viewers that give.
                continue;
            } else if (out.queuedBytes(p.id) > repairQueueLimitBytes) {
                continue; // repair never queues far ahead of pushes: the requester retries elsewhere
            } else if (uploadTokens < piece.length()) {
                continue; // over the upload limit: the requester retries elsewhere
            }
            sendPiece(p, piece, seq, false);
        }
    }

    private void refillUploadTokens(long nowNs) {
        if (uploadCapacityBps <= 0 || uploadCapacityBps >= Long.MAX_VALUE / 16) {
            uploadTokens = uploadCapacityBps <= 0 ? 0 : Double.MAX_VALUE / 4;
            return;
        }
        double perNs = uploadCapacityBps / 8.0 / 1e9;
        uploadTokens = Math.min(uploadTokens + (nowNs - lastUploadRefillNs) * perNs, uploadBurstBytes());
        lastUploadRefillNs = nowNs;
    }

    /** Upload tokens a viewer may save up: a quarter second, enough for one push round, too little to flood a link. */
    private double uploadBurstBytes() {
        return uploadCapacityBps <= 0 || uploadCapacityBps >= Long.MAX_VALUE / 16 ? Double.MAX_VALUE / 4
                : uploadCapacityBps / 8.0 / 4;
    }

    private void refillRepairTokens(long nowNs) {
        if (strategy != Strategy.DEFAULT) {
            repairTokens = Double.MAX_VALUE / 4; // baselines: the broadcaster serves whatever is asked
            return;
        }
        double perNs = cfg.serverRepairShare() * cfg.stream().bitrateHintBps() / 8.0 / 1e9;
        repairTokens = Math.min(repairTokens + (nowNs - lastRefillNs) * perNs, 8.0 * cfg.stream().pieceBytes()
                + cfg.stream().bitrateHintBps() / 8.0 * cfg.serverRepairShare());
        lastRefillNs = nowNs;
    }

    private void clearRequest(long seq, Peer from) {
        int slot = (int) (seq & mask);
        if (requestedAtNs[slot] != 0 && requestedSeqs[slot] == seq) {
            Peer asked = peerById.get(requestedFrom[slot]);
            if (asked != null) {
                asked.removeRequest(seq);
            }
            requestedAtNs[slot] = 0;
        }
        from.removeRequest(seq);
    }

    /**
     * The newest piece a neighbour can hold, as far as this node can tell: its own newest, plus what the broadcaster
     * has published since (by its clock as estimated here), plus slack for that estimate. A neighbour's buffer map
     * claiming more is not believed beyond it: a liar's claim of pieces far ahead would otherwise move the pull
     * window off this node's real holes. Unbounded until a piece was verified.
     */
    private long plausibleNewestSeq(long nowNs) {
        if (newestSeq < 0 || !offsetKnown) {
            return Long.MAX_VALUE;
        }
        long sinceUs = Math.max(0, broadcasterNowUs(nowNs) - newestPublishUs);
        return newestSeq + sinceUs / pieceIntervalUs + windowPieces / 4 + 2L * substreams;
    }

    /** Whether p claims a newer epoch than this node's and the claim is not being ignored (see requestNewestRap). */
    private boolean believedNewerEpoch(Peer p, long nowNs) {
        return p.bmEpoch > epoch && p.newerEpochDoubtedUntilNs <= nowNs;
    }

    /** One scheduling decision: what to pull, from whom. Package-private for {@code ScheduleBenchmark}. */
    void repair(long nowNs) {
        long timeoutNs = ms(cfg.requestTimeoutMs());
        for (Peer p : peers) {
            p.expireRequests(nowNs, timeoutNs);
        }
        boolean newerEpochAround = false;
        for (Peer p : peers) {
            newerEpochAround |= p.handshaken && p.bmLatestRap >= 0 && believedNewerEpoch(p, nowNs);
        }
        if ((newestSeq < 0 || newerEpochAround) && !peers.isEmpty()) {
            // A neighbour claims a newer epoch (a restarted broadcaster): fetch its newest random access point,
            // which proves the claim or gets the neighbour dropped for forging.
            requestNewestRap(nowNs);
            return;
        }
        long plausible = plausibleNewestSeq(nowNs);
        long from;
        if (started) {
            from = nextPlaySeq;
        } else {
            long rap = latestRap;
            for (Peer p : peers) {
                if (p.bmEpoch == epoch && p.bmLatestRap > rap && p.bmLatestRap <= plausible) {
                    rap = p.bmLatestRap;
                }
            }
            if (rap < 0) {
                requestNewestRap(nowNs);
                return;
            }
            from = rap;
        }
        long top = newestSeq;
        for (Peer p : peers) {
            if (p.bmEpoch == epoch) {
                top = Math.max(top, Math.min(p.bmTop(), plausible));
            }
        }
        from = Math.max(from, top - windowPieces + 1);
        long graceNs = ms(cfg.pushGraceMs());
        long[] wanted = new long[(int) Math.max(0, top - from + 1)];
        int n = 0;
        for (long s = from; s <= top; s++) {
            if (held(s) != null) {
                continue;
            }
            int slot = (int) (s & mask);
            if (requestedAtNs[slot] != 0 && requestedSeq(slot) == s) {
                if (nowNs - requestedAtNs[slot] < timeoutNs) {
                    continue;
                }
                Peer asked = peerById.get(requestedFrom[slot]);
                if (asked != null) {
                    asked.removeRequest(s);
                }
                requestedAtNs[slot] = 0;
            }
            // Under a parent, links keep order: once it has pushed a later piece of this substream, this one
            // was lost; otherwise give push a grace period. Without a parent, pull at once.
            int k = substream(s);
            boolean pushExpected = parent[k] != null && s > pushedSeq[k];
            long announced = announcedSeq(slot) == s ? announcedAtNs[slot] : nowNs;
            if (pushExpected && nowNs - announced < graceNs) {
                continue;
            }
            wanted[n++] = s;
        }
        if (strategy == Strategy.PULL_MESH && n > 1) {
            orderRarestFirst(wanted, n);
        }
        Map<Peer, Request.Builder> batch = null;
        for (int i = 0; i < n; i++) {
            long s = wanted[i];
            int slot = (int) (s & mask);
            // The broadcaster seeds each piece into the swarm about once: it answers a pull only when no
            // neighbour has the piece half a second after it was first announced, or its deadline is near.
            long firstSeen = announcedSeq(slot) == s ? announcedAtNs[slot] : nowNs;
            Piece next = held(s + 1);
            boolean nearDeadline = next != null && next.publishTimeUs() + playoutUs - broadcasterNowUs(nowNs) < playoutUs / 3;
            boolean serverAllowed = strategy != Strategy.DEFAULT || nowNs - firstSeen >= SERVER_PULL_WAIT_NS
                    || nearDeadline;
            Peer src = pickSource(s, serverAllowed);
            if (src == null) {
                continue;
            }
            if (batch == null) {
                batch = new LinkedHashMap<>();
            }
            Request.Builder rb = batch.computeIfAbsent(src, q -> Request.newBuilder().setEpoch(epoch));
            rb.addSeqs(s);
            src.addRequest(s, nowNs);
            requestedAtNs[slot] = nowNs;
            requestedFrom[slot] = src.id;
            requestedSeqs[slot] = s;
        }
        if (batch != null) {
            for (Map.Entry<Peer, Request.Builder> e : batch.entrySet()) {
                sendControl(e.getKey(), Control.newBuilder().setRequest(e.getValue()).build());
            }
        }
    }

    /**
     * The pull-mesh baseline's order (CoolStreaming): the oldest few (closest to their deadline) first, then
     * rarest first among the neighbours, older before newer on ties.
     */
    private void orderRarestFirst(long[] wanted, int n) {
        int urgent = Math.min(n, substreams);
        long[] keys = new long[n - urgent];
        for (int i = urgent; i < n; i++) {
            int holders = 0;
            for (Peer p : peers) {
                if (p.has(epoch, wanted[i])) {
                    holders++;
                }
            }
            keys[i - urgent] = ((long) holders << 32) | (i - urgent);
        }
        Arrays.sort(keys);
        long[] rest = Arrays.copyOfRange(wanted, urgent, n);
        for (int i = 0; i < keys.length; i++) {
            wanted[urgent + i] = rest[(int) (keys[i] & 0xFFFFFFFFL)];
        }
    }

    private long requestedSeq(int slot) {
        return requestedSeqs[slot];
    }

    private void requestNewestRap(long nowNs) {
        Peer best = null;
        long bestRap = -1;
        long bestEpoch = epoch;
        for (Peer p : peers) {
            if (!p.handshaken || p.bmLatestRap < 0 || p.bmEpoch < bestEpoch
                    || (p.bmEpoch > epoch && !believedNewerEpoch(p, nowNs))) {
                continue;
            }
            if (p.bmEpoch > bestEpoch || p.bmLatestRap > bestRap
                    || (p.bmLatestRap == bestRap && best != null && best.broadcaster && !p.broadcaster)) {
                best = p;
                bestRap = p.bmLatestRap;
                bestEpoch = p.bmEpoch;
            }
        }
        if (best == null || best.outstanding >= cfg.maxRequestsPerPeer()) {
            return;
        }
        if (bestEpoch > epoch && newestSeq >= 0) {
            // Only against a stream this node already plays: joining, asking for the first piece is all it can do.
            if (best.newerEpochAskedNs == 0) {
                best.newerEpochAskedNs = nowNs;
            } else if (nowNs - best.newerEpochAskedNs >= 2 * ms(cfg.requestTimeoutMs())) {
                // Asked twice, no proof: ignore the claim for a while and repair as before.
                best.newerEpochDoubtedUntilNs = nowNs + EPOCH_CLAIM_DOUBT_NS;
                best.newerEpochAskedNs = 0;
                best.removeRequest(bestRap);
                return;
            }
        }
        if (best.removeRequest(bestRap)) {
            best.addRequest(bestRap, nowNs); // still waiting: keep the original time
            return;
        }
        best.addRequest(bestRap, nowNs);
        sendControl(best, Control.newBuilder().setRequest(
                Request.newBuilder().setEpoch(bestEpoch).addSeqs(bestRap)).build());
    }

    private Peer pickSource(long seq, boolean serverAllowed) {
        Peer best = null;
        Peer server = null;
        int ties = 0;
        for (Peer p : peers) {
            if (!p.handshaken || !p.has(epoch, seq) || p.outstanding >= cfg.maxRequestsPerPeer()) {
                continue;
            }
            if (p.broadcaster) {
                server = p;
                continue;
            }
            if (best == null || p.outstanding < best.outstanding) {
                best = p;
                ties = 1;
            } else if (p.outstanding == best.outstanding && random.nextInt(++ties) == 0) {
                best = p;
            }
        }
        return best != null ? best : serverAllowed ? server : null;
    }

    // ------------------------------------------------------------------ queries

    /** @return the counters (read on the engine's loop) */
    public EngineCounters counters() {
        return counters;
    }

    /** @return a snapshot of the counters as public stats */
    public dev.starling.api.Stats stats() {
        return counters.snapshot(countHandshaken());
    }

    /** @return the epoch followed (broadcaster: its own), -1 before any */
    public long epoch() {
        return epoch;
    }

    /** @return whether playback has started */
    public boolean started() {
        return started;
    }

    /** @return the next sequence number to deliver */
    public long nextPlaySeq() {
        return nextPlaySeq;
    }

    /** @return whether the end of stream was delivered */
    public boolean ended() {
        return ended;
    }

    /** @return connected peers that completed the handshake */
    public int peerCount() {
        return countHandshaken();
    }

    /** @return push children, counted per substream */
    public int childCount() {
        return childCount;
    }

    /** @return how many substreams have a parent */
    public int parentCount() {
        int n = 0;
        for (Peer p : parent) {
            if (p != null) {
                n++;
            }
        }
        return n;
    }

    /** @return this node's depth in substream k (0 for the broadcaster) */
    public int depth(int k) {
        return depth[k];
    }

    /** @return the channel */
    public ChannelId channel() {
        return channel;
    }

    private static long ms(long millis) {
        return millis * 1_000_000L;
    }
}
