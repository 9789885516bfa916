import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// The work protocol's codec: every message survives a round trip, and no damaged message
/// decodes or crashes.
@Suite struct WireCodecTests {
    static let id = TaskID(job: "jabc", file: 7, segment: 3, attempt: 2)
    static let messages: [WireMessage] = [
        .hello(WorkerHello(name: "w1", software: "redactfarm 0.1.0", models: ["face": "ab", "text": "cd"], inference: "OpenVINO test", cores: 8, slots: 2, credit: 3)),
        .welcome(Welcome(heartbeatMilliseconds: 1000, livenessMilliseconds: 5000)),
        .refuse(reason: "wrong version"),
        .task(TaskAssignment(id: id, muxer: "mp4", frameRate: SourceFrameRate(average: Rational(num: 30000, den: 1001), isConstant: true), firstTrackID: 3_000_000,
                             segmentSHA256: "cd", jobJSON: Array("{}".utf8), models: ["face": "ab"]), segment: [1, 2, 3]),
        .task(TaskAssignment(id: id, muxer: "avi", frameRate: nil, firstTrackID: 0, segmentSHA256: "", jobJSON: [], models: [:]), segment: []),
        .task({ var t = TaskAssignment(id: id, muxer: "mp4", frameRate: nil, firstTrackID: 1_000_000, segmentSHA256: "ef", jobJSON: [], models: [:])
                t.videoStream = 2
                return t }(), segment: [4]),
        .result(TaskResult(id: id, inputSHA256: "in", outputSHA256: "out", frameCount: 25, detections: 4, milliseconds: 900),
                segment: [9, 9], coverage: Array("[]".utf8)),
        .failure(id, .permanent, reason: "decoder failed"),
        .heartbeat([TaskProgress(id: id, framesDone: 12), TaskProgress(id: id, framesDone: -1)]),
        .heartbeat([]),
        .cancel(id),
        .bye([id]),
        .announceAgain,
    ]

    @Test(arguments: messages)
    func roundTrips(message: WireMessage) throws {
        #expect(try WireCodec.decode(WireCodec.encode(message)) == message)
    }

    @Test(arguments: messages)
    func everyTruncationIsRefused(message: WireMessage) {
        let frames = WireCodec.encode(message)
        for cut in 0..<frames[1].count {
            var damaged = frames
            damaged[1] = Array(frames[1].prefix(cut))
            #expect(throws: ProtocolError.self) { try WireCodec.decode(damaged) }
        }
        var extra = frames
        extra[1].append(0)
        #expect(throws: ProtocolError.self) { try WireCodec.decode(extra) }
        #expect(throws: ProtocolError.self) { try WireCodec.decode(Array(frames.dropLast())) }
    }

    @Test func headersAreChecked() {
        let frames = WireCodec.encode(.announceAgain)
        #expect((try? WireCodec.decode([Array("RFWX".utf8) + [1, 10], frames[1]])) == nil)
        let future = #expect(throws: ProtocolError.self) { try WireCodec.decode([WireCodec.magic + [WireCodec.version + 1, 10], frames[1]]) }
        #expect(future?.reason.contains("version \(WireCodec.version + 1)") == true)
        #expect(throws: ProtocolError.self) { try WireCodec.decode([]) }
    }
}

extension WireMessage: CustomTestStringConvertible {
    public var testDescription: String { "\(kind)" }
}
