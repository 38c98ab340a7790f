/**
 * Interpretability: features, the alignment measures (pointwise S, span A, gradient flow F),
 * the noise baseline and dataset summaries, the alignment reward for training, and
 * attribution methods beside the paper. Every choice METHOD.md marks as ours is an option whose
 * default is documented where it is declared.
 */
export * as features from './features/index.ts';
export {
  brightness, brightnessFeature, extent, extentFeature, logAspectRatio, logAspectRatioFeature, xpos, xposFeature, ypos, yposFeature, size, sizeFeature,
  momentFeatures, MOMENT_FEATURE_NAMES, noise, noiseDraws, defineFeature, checkFeatureDomain, featureDomainIssue,
  type MomentFeatureOptions, type MomentOptions,
} from './features/index.ts';
export { FeatureError, UserFunctionError, type FeatureIssueKind, type Issue, type IssueKind, type SampleId, type UserFunctionRole } from './errors.ts';
export type { Feature, FeatureContext, FeatureSet, DomainLevel, Image, ImageBatch, Region, Sample, SampleBatch, ImageFunction, BatchFunction } from './types.ts';
export type { Spacing } from './spacing.ts';
export { alignment, alignmentBatch, type AlignmentOptions, type BatchAlignmentOptions, type AlignmentResult } from './alignment.ts';
export { flowAlignment, flowAlignmentBatch, type FlowOptions, type BatchFlowOptions, type FlowResult, type FlowPath, type Integrator, type StopReason } from './flow.ts';
export {
  summarize, summarizeAlignment, summarizeFlow, summarizeIssues, noiseBaseline, compareWithNoise, column, quantile,
  type Stats, type AlignmentSummary, type FlowSummary, type IssueSummary, type IssueCount, type NoiseComparison,
} from './summary.ts';
export { alignmentReward, withAlignmentReward, alignmentLoss, type RewardOptions, type RewardBatch, type RewardTerm, type RewardKind, type ApplyFn } from './reward.ts';
export { imageChannelModel, perImage } from './model.ts';
export { defaultRankTolerance } from './linalg.ts';
export { DEFAULTS, ASSUMPTIONS, type Assumption } from './defaults.ts';
export * from './attributions/index.ts';
