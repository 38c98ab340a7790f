/**
 * Every tolerance the property tests use, in one place, with the reason for its size.
 * A failing check is a finding to explain (a wrong rule, a bad domain), never a reason to
 * raise a number here.
 *
 * Comparisons (see numeric.ts):
 *  - `approx` (finite differences): elementwise |ad − fd| ≤ atol + rtol·|fd|, with inputs and
 *    directions of order one (direction entries lie in [-1, 1]).
 *  - `identity` (quantities equal in exact arithmetic, e.g. ⟨u, Jv⟩ = ⟨Jᵀu, v⟩): |a − b| ≤ rel·S,
 *    with S the sum of the absolute values of the terms of both inner products. Rounding errors
 *    of a dot product scale with S, not with the result, which cancellation can make tiny.
 *  - `exact`: === on every element (so -0 equals 0): results that are exact in floating point,
 *    such as symbolic zeros and polynomial derivatives at dyadic points.
 */
export interface FiniteDifferenceTolerance {
  /** Central-difference step, relative: the step used is h·max(1, ‖x‖∞). */
  readonly h: number;
  readonly rtol: number;
  readonly atol: number;
}

/**
 * Central differences in f64 with h = 1e-5: truncation error h²/6·|f'''| ≈ 2e-11 and rounding
 * error ε·|f|/h ≈ 2e-11·|f| for values of order one, so 1e-6 leaves a margin of ~10⁴ while
 * still catching any wrong factor, sign or missing term in a rule. The same numbers serve
 * every order, because higher orders difference an AD derivative of one order lower.
 */
export const FD: Readonly<Record<'f64', FiniteDifferenceTolerance>> = {
  f64: { h: 1e-5, rtol: 1e-6, atol: 1e-6 },
};

/**
 * Exact identities evaluated in floating point: different summation orders only, so a few
 * hundred ulps of the terms' scale at most for the sizes used here.
 */
export const IDENTITY: Readonly<Record<'f64', { readonly rel: number }>> = {
  f64: { rel: 1e-10 },
};

/**
 * Two AD modes computing the same derivative (jacfwd vs jacrev, hvp vs a Jacobian of the
 * gradient), compared elementwise on values of order one: only the accumulation order
 * differs, so they agree to ~1e-15; 1e-10 catches any real discrepancy.
 */
export const MODES = { f64: { rtol: 1e-10, atol: 1e-10 } } as const;

/**
 * Checks on an exact dyadic grid (the astype round trip): inputs, directions and the step are
 * multiples of small powers of two, so every value and every difference is exact in f32 and
 * f64, and the ordinary f64 finite-difference tolerance applies unchanged.
 */
export const GRID = { h: 2 ** -6, unit: 2 ** -4 } as const;

/** Property-test budget: a fixed seed so failures replay, and run counts that keep props/ad under two minutes on two cores. */
export const SEED = 20240521;
export const RUNS = { first: 100, second: 50, third: 30, heavy: 10, cnn: 4 } as const;

/**
 * fgflow against PyTorch on the same ONNX model (test/nn/onnx): |fgflow − torch| ≤ rtol·|torch| +
 * atolOfMax·max|torch| elementwise. In f32 the two sum the same products in different orders
 * (and PyTorch's convolutions are blocked differently): a few ulps per accumulation of a few
 * hundred terms, ~1e-6 relative, so 1e-5. In f64 the limit is the ONNX file itself, which stores
 * attributes (LeakyRelu's alpha, BatchNormalization's epsilon) in float32 while PyTorch's
 * float64 run uses the exact constants: a relative deviation of ~1e-9 in the affected terms, so 1e-8.
 */
export const ONNX_PARITY = {
  f32: { rtol: 1e-5, atolOfMax: 1e-5 },
  f64: { rtol: 1e-8, atolOfMax: 1e-8 },
} as const;
