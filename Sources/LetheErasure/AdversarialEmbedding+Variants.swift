import LetheTensor

/// RECE's other closed forms (CharlesGong12/RECE, utils/embedding_calculation/close_form_emb.py `close_form_emb`),
/// chosen in the authors' train.py by `--emb_computing`. With E = Σ WᵀW (edited), X = Σ WᵀW₀ (edited × original)
/// over every key and value projection, each row a of the adversarial embedding solves N a = R c + τ o:
///
///     regzero      N = λr I + E              R = X                 (close_form_emb_regzero)
///     standardreg  N = λr I + E              R = X,  τ o = λr o    (old_target_concept given: o its embedding row)
///     surrogatereg 1st   N = (1+λr) E         R = X + λr E
///                  2nd   N = λr I + E         R = X + λr I
///                  both  N = λr I + (1+λr) E  R = X + λr I + λr E
///
/// i.e. the minimiser of Σ ‖W a − W₀ c‖² plus λr‖a‖² (regzero), λr‖a − o‖² (standardreg), λr Σ ‖W a − W c‖² (1st),
/// λr‖a − c‖² (2nd) or both. The authors sum (1+λr) WᵀW per projection; here λr scales the summed E, which differs
/// only in rounding. Every rank builds N and R from the same Gram sums in the same order, so the bits agree.
extension AdversarialEmbedding {
    public static func solver(_ grams: Grams, settings: RECESettings) throws -> Solver {
        let reg = settings.regularization
        var normal = grams.edited
        var right = grams.cross
        var targetScale = 0.0
        switch settings.variant {
        case .regzero:
            normal.addToDiagonal(reg)
        case .standardreg:
            normal.addToDiagonal(reg)
            targetScale = reg
        case .surrogatereg:
            let terms = settings.surrogateTerms
            if terms != .second {
                normal.scale(by: 1 + reg)
                try right.add(grams.edited, scaledBy: reg)
            }
            if terms != .first {
                normal.addToDiagonal(reg)
                right.addToDiagonal(reg)
            }
        }
        guard normal.elements.allSatisfy(\.isFinite), right.elements.allSatisfy(\.isFinite) else {
            throw ErasureError.nonFinite(stage: "RECE's adversarial-embedding matrices")
        }
        return Solver(normal: try normal.choleskyFactorization(), cross: right, targetScale: targetScale)
    }
}
