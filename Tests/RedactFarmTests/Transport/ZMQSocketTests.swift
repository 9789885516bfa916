import CZMQ
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// The libzmq wrapper over inproc and loopback TCP only (127.0.0.1).
@Suite struct ZMQSocketTests {
    @Test func multipartMessagesKeepEveryFrameExactly() throws {
        let ctx = try ZMQContext()
        let router = try ZMQSocket(ctx, .router)
        try router.bind("inproc://multipart")
        let dealer = try ZMQSocket(ctx, .dealer)
        try dealer.connect("inproc://multipart")
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try dealer.send([Array("hello".utf8), [], payload])
        let got = try #require(try router.receive(timeoutMilliseconds: 2000))
        #expect(got.count == 4)  // the ROUTER prepends the sender's identity
        #expect(Array(got.dropFirst()) == [Array("hello".utf8), [], payload])
        try router.send([got[0], Array("reply".utf8)])
        #expect(try dealer.receive(timeoutMilliseconds: 2000) == [Array("reply".utf8)])
    }

    @Test func receiveTimesOutWithNil() throws {
        let ctx = try ZMQContext()
        let s = try ZMQSocket(ctx, .dealer)
        try s.bind("inproc://quiet")
        #expect(try s.receive(timeoutMilliseconds: 50) == nil)
    }

    @Test func routerMandatoryRefusesAnUnknownPeer() throws {
        let ctx = try ZMQContext()
        let router = try ZMQSocket(ctx, .router)
        try router.set(ZMQ_ROUTER_MANDATORY, 1)
        try router.bind("inproc://mandatory")
        let error = #expect(throws: ZMQError.self) { try router.send([Array("nobody".utf8), [1]]) }
        #expect(error?.isUnroutable == true)
    }

    @Test func curveEncryptedLoopbackNeedsTheServersKey() throws {
        let ctx = try ZMQContext()
        let serverKeys = try CurveKeyPair.generate(), clientKeys = try CurveKeyPair.generate()
        let server = try ZMQSocket(ctx, .router)
        try server.makeCurveServer(serverKeys)
        try server.bind("tcp://127.0.0.1:*")
        let endpoint = server.lastEndpoint

        let good = try ZMQSocket(ctx, .dealer)
        try good.makeCurveClient(clientKeys, serverKey: serverKeys.publicKey)
        try good.connect(endpoint)
        try good.send([Array("segment".utf8)])
        let got = try #require(try server.receive(timeoutMilliseconds: 5000))
        #expect(got.last == Array("segment".utf8))

        // A client that trusts the wrong server key never completes the handshake.
        let wrong = try ZMQSocket(ctx, .dealer)
        try wrong.makeCurveClient(clientKeys, serverKey: try CurveKeyPair.generate().publicKey)
        try wrong.connect(endpoint)
        try wrong.send([Array("intruder".utf8)], dontWait: true)
        #expect(try server.receive(timeoutMilliseconds: 500) == nil)
    }

    @Test func publicKeyFollowsFromTheSecret() throws {
        let keys = try CurveKeyPair.generate()
        #expect(keys.publicKey.count == 40 && keys.secretKey.count == 40)
        #expect(try CurveKeyPair.publicKey(forSecret: keys.secretKey) == keys.publicKey)
        #expect(throws: ZMQError.self) { try CurveKeyPair.publicKey(forSecret: "short") }
    }
}
