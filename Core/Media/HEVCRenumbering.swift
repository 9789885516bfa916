import RedactSupport

/// x265 numbers its VPS, SPS and PPS 0, as cameras do, and has no setting for another id
/// (x264 has `sps-id`). Where the re-encoded GOPs must sit beside copied source GOPs under one
/// hvcC, this rewrites what x265 wrote to use `id` instead: the id fields of its parameter
/// sets, and `slice_pic_parameter_set_id` in every slice header.
///
/// The id is 15 (`id`), the one value every field can hold that also makes the slice rewrite
/// exact without parsing the rest of the slice header: the VPS id is 4 bits and an SPS id at
/// most 15, and ue(15) takes 9 bits where ue(0) takes 1, so a slice header grows by exactly
/// one byte, the bits after the id keep their place within a byte, and the slice data after
/// the header's byte alignment is carried over as it is.
public struct HEVCRenumbering: Sendable {
    public static let id = 15
    private let label: String

    public init(label: String) { self.label = label }

    /// An Annex B access unit with every parameter set and slice renumbered.
    public func annexB(_ packet: [UInt8]) throws(MediaError) -> [UInt8] {
        NALFraming.annexB(try NALFraming.units(annexB: packet).map { (nal) throws(MediaError) in try renumbered(nal) })
    }

    /// One NAL unit renumbered; any other than a parameter set or a slice as it is.
    func renumbered(_ nal: ArraySlice<UInt8>) throws(MediaError) -> [UInt8] {
        guard nal.count >= 3 else { return Array(nal) }
        let type = HEVCParameterSets.type(nal)
        let header = Array(nal.prefix(2))
        var rbsp = RBSP.unescaped(nal.dropFirst(2))
        switch type {
        case HEVCParameterSets.videoType:
            rbsp[0] = UInt8(Self.id << 4) | (rbsp[0] & 0x0F)
        case HEVCParameterSets.sequenceType:
            rbsp = try sequence(rbsp)
        case HEVCParameterSets.pictureType:
            rbsp = try picture(rbsp)
        case 0...9, 16...21:
            rbsp = try slice(rbsp, type: type)
        default:
            return Array(nal)
        }
        return header + RBSP.escaped(rbsp)
    }

    /// The SPS with its VPS id and its own id changed; the fields after them moved along and
    /// the trailing bits written again.
    private func sequence(_ rbsp: [UInt8]) throws(MediaError) -> [UInt8] {
        var reader = BitReader(rbsp)
        guard reader.skipToSequenceID() else { throw fail("an SPS too short for its profile, tier and level") }
        let idAt = reader.position
        guard reader.ue() == 0 else { throw fail("an SPS whose id is not 0") }
        var writer = BitWriter()
        writer.bits(Self.id, 4)
        var head = BitReader(rbsp, position: 4)
        try copy(&head, to: &writer, bits: idAt - 4)
        writer.ue(Self.id)
        try finish(&reader, rbsp, into: &writer)
        return writer.bytes
    }

    /// The PPS with its own id and its SPS's changed.
    private func picture(_ rbsp: [UInt8]) throws(MediaError) -> [UInt8] {
        var reader = BitReader(rbsp)
        guard reader.ue() == 0, reader.ue() == 0 else { throw fail("a PPS whose id or SPS id is not 0") }
        var writer = BitWriter()
        writer.ue(Self.id)
        writer.ue(Self.id)
        try finish(&reader, rbsp, into: &writer)
        return writer.bytes
    }

    /// The slice header's PPS id changed, and everything after it carried over one byte later.
    private func slice(_ rbsp: [UInt8], type: Int) throws(MediaError) -> [UInt8] {
        var reader = BitReader(rbsp)
        var writer = BitWriter()
        let flags = (16...23).contains(type) ? 2 : 1  // first_slice_segment_in_pic_flag, no_output_of_prior_pics_flag
        try copy(&reader, to: &writer, bits: flags)
        guard reader.ue() == 0 else { throw fail("a slice whose PPS id is not 0") }
        writer.ue(Self.id)
        while !writer.isByteAligned {
            guard let b = reader.bit() else { throw fail("a slice header cut short") }
            writer.bit(b)
        }
        writer.append(bytes: rbsp[(reader.position / 8)...])
        return writer.bytes
    }

    /// The bits from `reader` up to the RBSP's stop bit, then the stop bit and byte alignment.
    private func finish(_ reader: inout BitReader, _ rbsp: [UInt8], into writer: inout BitWriter) throws(MediaError) {
        guard let last = rbsp.lastIndex(where: { $0 != 0 }) else { throw fail("a parameter set with no stop bit") }
        let stop = last * 8 + 7 - rbsp[last].trailingZeroBitCount
        guard stop >= reader.position else { throw fail("a parameter set whose stop bit comes before its id") }
        try copy(&reader, to: &writer, bits: stop - reader.position)
        writer.bit(1)
        while !writer.isByteAligned { writer.bit(0) }
    }

    private func copy(_ reader: inout BitReader, to writer: inout BitWriter, bits: Int) throws(MediaError) {
        for _ in 0..<bits {
            guard let b = reader.bit() else { throw fail("a NAL unit cut short") }
            writer.bit(b)
        }
    }

    private func fail(_ what: String) -> MediaError {
        MediaError(path: label, reason: "cannot renumber x265's parameter sets for copying beside the source's: \(what)")
    }
}
