package dev.starling.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

/** {@code benchmarks.jar jmh} finds the benchmarks: the annotation processor registered them. */
class BenchmarkListTest {
    @Test
    void thePiecePathBenchmarksAreRegistered() {
        var names = BenchmarkList.defaultList()
                .getAll(OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), java.util.List.of())
                .stream().map(b -> b.getUsername()).collect(Collectors.toSet());
        assertThat(names).contains("dev.starling.core.piece.PieceFloorBenchmark.floor",
                "dev.starling.core.piece.PieceFloorBenchmark.verify",
                "dev.starling.core.engine.PieceIngestBenchmark.ingest",
                "dev.starling.core.engine.PieceIngestBenchmark.floor",
                "dev.starling.core.engine.ScheduleBenchmark.decide",
                "dev.starling.core.wire.CodecBenchmark.encode",
                "dev.starling.core.wire.CodecBenchmark.decode",
                "dev.starling.transport.tcp.PieceForwardBenchmark.forward",
                "dev.starling.transport.TransportThroughputBenchmark.starlingTcp",
                "dev.starling.transport.TransportThroughputBenchmark.starlingUdp",
                "dev.starling.transport.TransportThroughputBenchmark.rawNetty");
    }
}
