/**
 * fgflow's neural networks: layers as pure functions composed by `sequential`, the paper's CNN
 * built from them, losses, metrics, optimisers as chains of gradient transformations, a pure
 * train step and the drivers around it, and checkpoints as bytes (node.ts adds them as files).
 * Entry points: `paperCnn(config)` and `train(options)`.
 */
export {
  conv2d, avgPool2d, elu, relu, sigmoid, dense, flatten, sequential, named, toModel,
  type Layer, type NamedLayer, type ChannelBias, type Model, type ShapeFn, type ApplyShape, type OutShape, type ParamsOf, type EmptyParams, type WithBias,
  type SequentialParams, type Conv2dLayerOptions, type AvgPool2dLayerOptions, type DenseLayerOptions,
  type AnyNamed, type NamedParams, type AnyLayer,
} from './layers.ts';
export { heNormal, heUniform, glorotNormal, glorotUniform, initializers, fansOf, type Initializer, type InitializerName, type InitOptions, type Fans } from './init.ts';
export { paperCnn, validateCnnConfig, defaultCnnConfig, type CnnConfig, type CnnParams, type LayerParams, type PaperCnn } from './cnn.ts';
export { bceWithLogits, mse, binaryLabels, type BceOptions, type Labels } from './losses.ts';
export { accuracy, balancedAccuracy, rocAuc, confusionMatrix, classify, type ConfusionMatrix } from './metrics.ts';
export {
  adam, adamw, sgd, chain, clipByGlobalNorm, globalNorm, optimizerFromConfig,
  type Optimizer, type OptState, type OptimizerConfig, type AdamConfig, type SgdConfig,
} from './optim.ts';
export {
  scaleByAdam, momentum, addDecayedWeights, scale, scaleByLearningRate, transformationFromConfig,
  type GradientTransformation, type TransformationConfig, type Arith, type Update, type Product, type ElementIO,
} from './transformations.ts';
export { learningRateAt, type LearningRate, type Schedule } from './schedules.ts';
export {
  train, trainSteps, trainIterator, trainStep, initialState, trainKey, bceLoss, balancedPosWeight,
  type TrainOptions, type TrainResult, type TrainState, type StepState, type StepSpec, type TrainEvent, type StepEvent, type EpochEvent,
  type EpochMetrics, type LossFn, type EarlyStopping, type RestoreBest, type MetricName, type StopReason,
} from './train.ts';
export { gatherBatch, predict, scoreLogits, checkDataset, type Dataset, type Batch, type SplitMetrics } from './batches.ts';
export {
  encodeCheckpoint, decodeCheckpoint, decodeHeader, CHECKPOINT_MAGIC, CHECKPOINT_VERSION,
  type CheckpointData, type CheckpointHeader, type TensorEntry, type LoadExpectation,
} from './checkpoint.ts';
export { ConfigError, LabelError, DataError, CheckpointError, type DataErrorCode, type CheckpointErrorCode } from './errors.ts';
export { augmentDihedral, dihedral, dihedralEach, dihedralDraws } from './augment.ts';
export { fromOnnx, decodeOnnx, binaryLogit, OnnxError, SUPPORTED_OPS as ONNX_OPS, type OnnxModel, type OnnxParams, type OnnxImportOptions, type OnnxErrorCode, type BinaryLogitModel, type OnnxGraph, type OnnxValueInfo, type OnnxNode, type OnnxTensor, type OnnxAttribute } from './onnx/index.ts';
