/**
 * What `fgflow explore` embeds in its page: the models (each checkpoint's bytes), the test images
 * they were trained beside (the model inputs, exactly as float32), and how to measure them. Plain
 * JSON, base64 for the binary parts; no Node built-ins, since the page decodes it.
 */
import type { Integrator } from '../interp/flow.ts';
import type { PrepareOptions } from '../experiment/prepare-sample.ts';

export interface ExplorerModel {
  /** The job's name, e.g. `pointwise-λ0.1-seed0`. */
  readonly name: string;
  readonly lambda: number;
  readonly seed: number;
  /** The checkpoint file's bytes, base64. */
  readonly checkpoint: string;
}

export interface ExplorerImage {
  readonly id: string;
  readonly label: 0 | 1;
  /** The seed whose test split it is in: the models of that seed never saw it. */
  readonly seed: number;
  readonly size: number;
  /** The windowed CT and the mask as the model takes them, float32 little-endian, base64. */
  readonly ct: string;
  readonly mask: string;
}

export interface ExplorerPayload {
  readonly format: 'fgflow-explorer';
  readonly version: 1;
  /** What the page was made from (a report.json or checkpoint paths), for its title. */
  readonly source: string;
  readonly features: readonly string[];
  readonly integrator: Integrator;
  readonly flowSteps: number;
  /** How a dropped image becomes a model input (the experiment's own preparation). */
  readonly prepare: PrepareOptions;
  readonly models: readonly ExplorerModel[];
  readonly images: readonly ExplorerImage[];
}

export const PAYLOAD_ELEMENT_ID = 'fgflow-explorer-data';

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function floatsToBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

export function bytesToFloats(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
