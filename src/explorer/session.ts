/**
 * The explorer's computations, without the page: models decoded from checkpoint bytes, test
 * images and dropped files turned into model inputs, and one image explained. No DOM and no Node
 * built-ins, so the page runs it and a Node test can check it against fgflow's own measures.
 */
import * as E from 'fp-ts/lib/Either.js';
import { concat, reshape } from '../ad/ops.ts';
import { decodeImage, type DataError, type Image2D } from '../data/index.ts';
import { explainSample, type SampleExplanation } from '../experiment/explain-sample.ts';
import { modelFromConfig, type ExperimentModel } from '../experiment/model.ts';
import { prepareSample } from '../experiment/prepare-sample.ts';
import { imageChannelModel } from '../interp/model.ts';
import type { BatchFunction } from '../interp/types.ts';
import { decodeCheckpoint, decodeHeader, type CnnParams } from '../nn/index.ts';
import { Tensor } from '../tensor/tensor.ts';
import { base64ToBytes, bytesToFloats, type ExplorerImage, type ExplorerModel, type ExplorerPayload } from './payload.ts';

export interface LoadedModel {
  readonly name: string;
  readonly lambda: number;
  readonly seed: number;
  readonly model: ExperimentModel;
  /** The kept epoch's params, else the last epoch's (what explain measures). */
  readonly params: CnnParams;
}

/** Decodes a model of the page (its checkpoint bytes, checked as loadCheckpoint checks a file). */
export function loadModel(m: ExplorerModel): LoadedModel {
  const bytes = base64ToBytes(m.checkpoint);
  const { header } = decodeHeader(bytes, m.name);
  const model = modelFromConfig(header.model, m.name);
  const { state } = decodeCheckpoint<CnnParams>(bytes, { model }, m.name);
  return { name: m.name, lambda: m.lambda, seed: m.seed, model, params: state.bestEpoch?.params ?? state.params };
}

/** One model input: the windowed CT and the mask, `size`², float32. */
export interface ExplorerInput {
  readonly id: string;
  readonly size: number;
  readonly ct: Float32Array;
  readonly mask: Float32Array;
  readonly label?: 0 | 1;
  /** How a dropped image was read (shown beside it). */
  readonly note?: string;
}

export function payloadInput(image: ExplorerImage): ExplorerInput {
  return { id: image.id, size: image.size, ct: bytesToFloats(base64ToBytes(image.ct)), mask: bytesToFloats(base64ToBytes(image.mask)), label: image.label };
}

export interface DroppedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Stored values of a PNG as HU: `fgflow phantom` writes HU + 1024. */
export const PNG_HU_OFFSET = 1024;

/**
 * Dropped files as a model input, prepared as the experiment prepares its data. A file whose name
 * contains "mask" is the mask; without one the image is resized whole and `fallbackMask` (the
 * selected test image's) stands in. PNG values are HU + `pngOffset`; DICOM carries its rescale.
 */
export function droppedInput(files: readonly DroppedFile[], payload: Pick<ExplorerPayload, 'prepare'>, fallbackMask: ExplorerInput, pngOffset = PNG_HU_OFFSET): E.Either<DataError | Error, ExplorerInput> {
  const maskFile = files.find((f) => /mask/i.test(f.name));
  const imageFile = files.find((f) => f !== maskFile);
  if (!imageFile) return E.left(new Error('drop an image (PNG or DICOM), optionally with its mask (a file whose name contains "mask")'));
  const decoded = decodeImage(imageFile.bytes, imageFile.name);
  if (E.isLeft(decoded)) return decoded;
  const image: Image2D = /\.png$/i.test(imageFile.name) ? { ...decoded.right, data: decoded.right.data.map((v) => v - pngOffset) } : decoded.right;
  const size = payload.prepare.size;
  if (maskFile) {
    const mask = decodeImage(maskFile.bytes, maskFile.name, {}, true);
    if (E.isLeft(mask)) return mask;
    const prepared = prepareSample(image, mask.right, payload.prepare);
    if (E.isLeft(prepared)) return prepared;
    return E.right({ id: imageFile.name, size, ct: Float32Array.from(prepared.right.image.data), mask: Float32Array.from(prepared.right.mask.data), note: `mask from ${maskFile.name}` });
  }
  const blank: Image2D = { width: image.width, height: image.height, data: new Float32Array(image.width * image.height) };
  const prepared = prepareSample(image, blank, { ...payload.prepare, crop: undefined });
  if (E.isLeft(prepared)) return prepared;
  return E.right({ id: imageFile.name, size, ct: Float32Array.from(prepared.right.image.data), mask: fallbackMask.mask, note: `resized whole; the mask of test image ${fallbackMask.id} stands in` });
}

/** f as a function of the CT channel of `input` (the mask held fixed), over a batch of that one image. */
export function inputModel(m: LoadedModel, input: ExplorerInput): BatchFunction {
  const plane = (v: Float32Array) => Tensor.fromBuffer([1, 1, input.size, input.size], 'f32', v);
  const x = concat([plane(input.ct), plane(input.mask)], 1);
  const f = imageChannelModel((batch) => m.model.apply(m.params, batch as never), x, 0);
  return (images) => f(images, [0]);
}

/** Explains `input` under `m`: ∇f, ∇g_i, S, A, ∇f⊥ and the flow path, as the report's examples are. */
export function explainInput(m: LoadedModel, input: ExplorerInput, payload: Pick<ExplorerPayload, 'features' | 'integrator' | 'flowSteps'>): SampleExplanation {
  const side = (v: Float32Array) => reshape(Tensor.fromBuffer([input.size * input.size], 'f32', v), [1, input.size, input.size]);
  return explainSample(inputModel(m, input), side(input.ct), side(input.mask), input.id, { features: payload.features, integrator: payload.integrator, flowSteps: payload.flowSteps });
}
