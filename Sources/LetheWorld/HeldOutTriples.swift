/// The shape × colour × artist triples never drawn in the train split, to test generalisation: a fixed subset,
/// the same for every seed, so a model trained on one seed's images is judged on another's.
///
/// A triple is held out when 3·shape + 7·colour + 11·artist ≡ 0 (mod 20). Since 11 is invertible mod 20, each
/// shape × colour pair has at most one held-out artist, so every pair, every shape, colour and artist still appears
/// in training: 53 of the 1,000 triples are held out.
public enum HeldOutTriples {
    public static func contains(shape: WorldShape, color: WorldColor, artist: WorldArtist) -> Bool {
        (3 * shape.rawValue + 7 * color.rawValue + 11 * artist.rawValue) % 20 == 0
    }

    /// Every held-out triple, in (shape, colour, artist) order.
    public static let all: [(shape: WorldShape, color: WorldColor, artist: WorldArtist)] = WorldShape.allCases.flatMap { shape in
        WorldColor.allCases.flatMap { color in
            WorldArtist.allCases.filter { contains(shape: shape, color: color, artist: $0) }.map { (shape, color, $0) }
        }
    }
}
