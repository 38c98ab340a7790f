/**
 * The defaults of every choice the paper leaves open (METHOD.md marks them "ours") or takes from the authors' code
 * ([authors]), in one place: the modules read their defaults from here, and `ASSUMPTIONS`
 * lists them for reports, so a user sees what was assumed.
 */
export const DEFAULTS = {
  /** Pixel size [row, column] for samples that carry none: moments in pixels. */
  spacing: [1, 1] as const,
  /** ε in log(λ1 + ε) − log(λ2 + ε), in spacing² units. */
  logAspectRatioEpsilon: 1e-6,
  /** λ2 ≤ tol·λ1 (and λ1 + λ2 ≤ tol·pixel size²) is a degenerate covariance. */
  degeneracyTolerance: 1e-6,
  /** The noise functional is not restricted to the mask. */
  noiseMask: false,
  /** ‖∇‖ ≤ this is a zero gradient. */
  zeroTolerance: 0,
  /** Samples per reverse pass of a batch model (alignment, flow). */
  batchSize: 32,
  threshold: 0,
  normalise: true,
  integrator: 'euler' as const,
  /** Step = stepFraction·‖x‖ of arc length. */
  stepFraction: 0.005,
  maxSteps: 200,
  /** Crossing accepted where |f − t| ≤ this. */
  crossingTolerance: 1e-4,
  maxBisections: 60,
  /** F of a path that stops before the boundary is null. */
  includePartialPaths: false,
  rewardKind: 'pointwise' as const,
  imageChannel: 0,
  maskChannel: 1,
  integratedGradientsSteps: 64,
  integratedGradientsMethod: 'trapezoid' as const,
  smoothGradSamples: 32,
  /** SmoothGrad σ as a fraction of each sample's value range. */
  smoothGradNoiseLevel: 0.15,
} as const;

export interface Assumption {
  readonly option: string;
  readonly value: string;
  readonly source: 'paper' | 'authors' | 'ours';
  readonly note: string;
}

export const ASSUMPTIONS: readonly Assumption[] = Object.freeze([
  { option: 'features.spacing', value: '[1, 1]', source: 'ours', note: 'moments, extent and covariances in pixels unless the sample carries its pixel spacing (then mm)' },
  { option: 'features.region', value: 'mask', source: 'ours', note: "weights M ⊙ I; 'image' is the authors' whole-image variant (weights I)" },
  { option: 'logAspectRatio.epsilon', value: String(DEFAULTS.logAspectRatioEpsilon), source: 'ours', note: 'guard in log(λ1 + ε) − log(λ2 + ε)' },
  { option: 'logAspectRatio at λ1 = λ2', value: 'zero subgradient', source: 'ours', note: 'the cone-shaped minimum gets gradient 0, flagged as a zero gradient' },
  { option: 'degeneracyTolerance', value: String(DEFAULTS.degeneracyTolerance), source: 'ours', note: 'λ2 ≤ tol·λ1 is a line-shaped mask: log aspect ratio undefined' },
  { option: 'noise.mask', value: String(DEFAULTS.noiseMask), source: 'authors', note: 'r(x) = ⟨ρ, x⟩ over the whole image' },
  { option: 'zeroTolerance', value: String(DEFAULTS.zeroTolerance), source: 'ours', note: 'only an exactly zero gradient has no direction; every measure is scale-invariant' },
  { option: 'rankTolerance', value: '√ε of the dtype', source: 'ours', note: 'Gram–Schmidt drops a feature direction below tol × its norm' },
  { option: 'flow.threshold', value: String(DEFAULTS.threshold), source: 'paper', note: 'the logit’s decision boundary' },
  { option: 'flow.normalise', value: String(DEFAULTS.normalise), source: 'ours', note: 'unit-speed field (arc length); the authors’ code used raw-gradient steps' },
  { option: 'flow.integrator', value: DEFAULTS.integrator, source: 'ours', note: 'heun and rk4 available' },
  { option: 'flow.stepSize', value: `${DEFAULTS.stepFraction}·‖x‖`, source: 'ours', note: 'arc length per step (raw mode: the same first step)' },
  { option: 'flow.maxSteps', value: String(DEFAULTS.maxSteps), source: 'ours', note: 'with the default step, a path walks at most ‖x‖' },
  { option: 'flow.maxLength', value: '‖x‖', source: 'ours', note: '√d for a zero image' },
  { option: 'flow.tolerance', value: String(DEFAULTS.crossingTolerance), source: 'ours', note: '|f − t| at the located crossing' },
  { option: 'flow.crossing', value: 'bisection on the last step', source: 'ours', note: 'chord for Euler, cubic Hermite for Heun/RK4' },
  { option: 'F quadrature', value: 'trapezoid on arc length', source: 'ours', note: 'chord lengths between path points' },
  { option: 'flow.includePartialPaths', value: String(DEFAULTS.includePartialPaths), source: 'ours', note: 'F of a path that never reaches the boundary is null (flagged not-reached/stalled) and left out of means' },
  { option: 'batchSize', value: String(DEFAULTS.batchSize), source: 'ours', note: 'samples per reverse pass' },
  { option: 'reward.kind', value: DEFAULTS.rewardKind, source: 'paper', note: "'span' (−λA) is ours" },
  { option: 'reward.imageChannel / maskChannel', value: `${DEFAULTS.imageChannel} / ${DEFAULTS.maskChannel}`, source: 'ours', note: 'inputs [windowed CT, mask]' },
  { option: 'quantiles', value: 'type 7 (linear)', source: 'ours', note: 'NumPy’s default' },
  { option: 'noise p-value', value: '(1 + #{noise ≥ feature}) / (1 + K)', source: 'ours', note: 'never 0' },
  { option: 'integratedGradients', value: `${DEFAULTS.integratedGradientsSteps} steps, ${DEFAULTS.integratedGradientsMethod}`, source: 'ours', note: 'baseline zeros' },
  { option: 'smoothGrad / noiseTunnel', value: `${DEFAULTS.smoothGradSamples} samples, σ = ${DEFAULTS.smoothGradNoiseLevel}·range`, source: 'ours', note: 'Smilkov et al.’s 10–20% noise level' },
] satisfies Assumption[]);
