/**
 * The assumptions a run makes, as listed in the method notes: every [ours] choice
 * (made where the paper is silent), plus the [paper] and [authors] facts the
 * method rests on. The experiment copies these into `report.assumptions`,
 * updating texts whose defaults the user changed.
 */
import type { Assumption } from './schema.ts';

export const PAPER_ASSUMPTIONS: readonly Assumption[] = [
  // [ours]
  {
    id: 'f-is-logit',
    source: 'ours',
    text: 'The classifier f is the logit (pre-sigmoid). Because σ′ > 0, ∇σ(f) is parallel to ∇f, so every squared-cosine measure is the same for the logit or the probability.',
  },
  {
    id: 'flow-normalised',
    source: 'ours',
    text: 'The gradient-flow path follows the normalised gradient, γ′ = −sign(f − t)·∇f/‖∇f‖, so its parameter is arc length (the authors’ code took raw-gradient Euler steps).',
  },
  {
    id: 'flow-integrator',
    source: 'ours',
    text: 'Flow integration: Euler by default (Heun and RK4 available), a fixed step relative to the image’s norm, a step budget; the boundary crossing (logit 0) is located by bisection on the last step. Paths that exhaust the budget are flagged, not dropped.',
  },
  {
    id: 'features-moments',
    source: 'ours',
    text: 'Features follow the authors’ differentiable-moment code: brightness (mean intensity in the mask), extent sqrt(λ1 + λ2) and log aspect ratio log λ1 − log λ2 of the intensity-weighted covariance; the CT is windowed to [0, 1] (centre 40 HU, width 400 HU). Gradients come from automatic differentiation.',
  },
  {
    id: 'undefined-features',
    source: 'ours',
    text: 'An empty or zero-intensity mask, or a degenerate covariance (λ2 = 0), makes a feature undefined: the run stops with an error naming the sample, or counts it in a flag; a NaN never enters the report.',
  },
  {
    id: 'span-reward',
    source: 'ours',
    text: 'Besides the paper’s pointwise reward −λ Σ_i S_i, a span-alignment reward −λ A is offered.',
  },
  {
    id: 'lambda-sweep',
    source: 'ours',
    text: 'λ is swept and the whole trade-off curve between alignment and balanced accuracy is reported, not one tuned point.',
  },
  {
    id: 'cnn-details',
    source: 'ours',
    text: 'CNN details the paper leaves open: 16/32/64 channels, 2×2 average pools, ‘same’ padding, input channels [windowed CT, mask], gradients taken with respect to the CT channel only.',
  },
  {
    id: 'class-weighted-bce',
    source: 'ours',
    text: 'Class-weighted binary cross-entropy on logits compensates the 13% positive rate.',
  },
  {
    id: 'stratified-split',
    source: 'ours',
    text: 'Each seed draws its own stratified train / validation / test split (by default 30% test, and a quarter of the rest for validation); the kept epoch is chosen on validation, and the test split is scored once, after selection.',
  },
  {
    id: 'seed-statistics',
    source: 'ours',
    text: 'Each seed varies the split, the initialisation and the batch order. Every figure is a mean over seeds with a 95% Student-t interval; each rewarded model is compared with the baseline of the same seeds by a paired t-test, Holm-corrected over the rewarded models.',
  },
  {
    id: 'logistic-ceiling',
    source: 'ours',
    text: 'On the phantom, a logistic regression on the true per-sample features (all the label’s features, and the visible ones only) is the ceiling the CNN is measured against, fit and scored on the same splits.',
  },
  {
    id: 'synthetic-phantom',
    source: 'ours',
    text: 'The paper’s CT collection cannot be downloaded here: the default data is a synthetic head-and-neck CT phantom whose label follows a known rule over the tumour’s features plus a hidden non-interpretable one; real files load through the data loaders.',
  },
  {
    id: 'span-projector',
    source: 'ours',
    text: 'The projector onto span{∇g_i} is computed by QR (Gram–Schmidt) with a rank tolerance; linearly dependent feature gradients do not inflate A.',
  },
  {
    id: 'noise-significance',
    source: 'ours',
    text: 'A feature’s alignment is compared with several noise draws: the report gives its ratio to the noise mean and a significance estimate over the draws.',
  },
  {
    id: 'paper-pairing',
    source: 'ours',
    text: 'The rewarded model set beside the paper is the one with the largest λ whose balanced accuracy is maintained: the 95% interval of its paired difference from the baseline lies above −0.02 (a non-inferiority margin). Every rewarded model’s comparison is reported.',
  },
  // [authors]
  {
    id: 'noise-baseline',
    source: 'authors',
    text: 'The noise baseline is a random linear functional r(x) = ⟨ρ, x⟩ with ρ ~ N(0, I); its alignment is what chance gives (≈ 1/d for d pixels).',
  },
  // [paper]
  {
    id: 'pointwise-alignment',
    source: 'paper',
    text: 'Pointwise alignment S_i(x) = cos²(∇f(x), ∇g_i(x)), in [0, 1] and invariant to rescaling f or g_i.',
  },
  {
    id: 'span-alignment',
    source: 'paper',
    text: 'Span alignment A(x) = ‖P∇f‖²/‖∇f‖², P the projector onto span{∇g_i}; the headline figures (16% without, 19% with the reward) are of this kind.',
  },
  {
    id: 'alignment-reward',
    source: 'paper',
    text: 'Training loss L(θ) = Σ BCE(f_θ(x), y) − Σ_x Σ_i λ_i S_i(x; θ), differentiated with second-order automatic differentiation; λ as large as possible without hurting performance.',
  },
  {
    id: 'paper-cnn',
    source: 'paper',
    text: 'CNN: conv 5×5 → avg pool → ELU, conv 3×3 → avg pool → ELU, conv 3×3 → avg pool → ELU, dense 256 → ELU, dense 128 → ELU, dense 1; Adam.',
  },
];
