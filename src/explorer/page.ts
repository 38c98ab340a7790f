/// <reference lib="dom" />
/**
 * The explorer page (the browser bundle's entry): pick a model and a test image, or drop a PNG or
 * DICOM; see ∇f blended over the CT, each ∇g_i and ∇f⊥ with S and A, scrub along the gradient-flow
 * path, and switch the backend. Everything is computed here, in the page, by fgflow itself.
 */
import 'gpu.js';
import * as E from 'fp-ts/lib/Either.js';
import { backendInfo, setBackend } from '../backend/registry.ts';
import { disposeGpujs, gpujsModeUnavailable, useGpujs, type GpujsMode } from '../backend/gpujs.ts';
import type { SampleExplanation } from '../experiment/explain-sample.ts';
import { encodeOverlay, imageDataUri, pngDataUri } from '../report/png.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { PAYLOAD_ELEMENT_ID, type ExplorerPayload } from './payload.ts';
import { droppedInput, explainInput, loadModel, payloadInput, type ExplorerInput, type LoadedModel } from './session.ts';

type Child = Node | string;

function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const f3 = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3));

/** A measure's cell: three decimals shown, the full value kept in data-value for whoever reads the page. */
function measure(name: string, v: number | null | undefined): HTMLElement {
  return el('td', { 'data-measure': name, 'data-value': v === null || v === undefined ? '' : String(v) }, f3(v));
}

function figure(title: string, src: string, caption = ''): HTMLElement {
  return el('figure', {}, el('img', { src, alt: title, width: '192', height: '192' }), el('figcaption', {}, title, caption ? el('br') : '', caption));
}

const values = (t: Tensor): number[] => Array.from(t.data);

const BACKENDS: readonly { readonly value: string; readonly label: string; readonly mode?: GpujsMode }[] = [
  { value: 'cpu', label: 'cpu (fgflow kernels)' },
  { value: 'gpujs-auto', label: 'gpu.js, best mode', mode: 'auto' },
  { value: 'gpujs-webgl2', label: 'gpu.js WebGL2', mode: 'webgl2' },
  { value: 'gpujs-webgl', label: 'gpu.js WebGL', mode: 'webgl' },
  { value: 'gpujs-webgpu', label: 'gpu.js WebGPU', mode: 'webgpu' },
  { value: 'gpujs-webasm', label: 'gpu.js WebAssembly', mode: 'webasm' },
  { value: 'gpujs-cpu', label: 'gpu.js JavaScript', mode: 'cpu' },
];

interface State {
  readonly payload: ExplorerPayload;
  readonly models: Map<number, LoadedModel>;
  model: number;
  input: ExplorerInput;
  result?: SampleExplanation;
}

function loadedModel(s: State): LoadedModel {
  let m = s.models.get(s.model);
  if (!m) s.models.set(s.model, (m = loadModel(s.payload.models[s.model]!)));
  return m;
}

/** Selects the backend the picker names; a mode gpu.js cannot run here falls back, and the page says so. */
async function selectBackend(value: string): Promise<void> {
  const choice = BACKENDS.find((b) => b.value === value) ?? BACKENDS[0]!;
  await disposeGpujs();
  if (choice.mode === undefined) setBackend('cpu');
  else useGpujs({ mode: choice.mode, minWork: 0, elementwiseMinSize: 0 });
}

function describeRun(ms: number): string {
  const info = backendInfo();
  const calls = (info.details as { gpuCalls?: Record<string, number> } | undefined)?.gpuCalls;
  const onGpu = calls ? Object.values(calls).reduce((a, b) => a + b, 0) : 0;
  const engine = info.backend === 'cpu' ? 'cpu' : `gpu.js ${info.actual}${info.kernelClass ? ` (${info.kernelClass}, ${onGpu} kernel calls)` : ''}`;
  return `ran on ${engine} in ${ms.toFixed(0)} ms${info.reason ? ` — ${info.reason}` : ''}`;
}

function renderMeasures(s: State, r: SampleExplanation): void {
  const { alignment: al, flow } = r;
  const prob = al.value === null ? null : 1 / (1 + Math.exp(-al.value));
  const rows = s.payload.features.map((name, i) => el('tr', {}, el('th', {}, name), measure(`S:${name}`, al.S[i]), measure(`F:${name}`, flow.F[i])));
  $('measures').replaceChildren(
    el('table', {},
      el('tr', {}, el('th', {}, 'f (logit)'), measure('f', al.value), el('td', {}, `p = ${f3(prob)}`)),
      el('tr', {}, el('th', {}, ''), el('th', {}, 'S at the image'), el('th', {}, 'F along the flow')),
      ...rows,
      el('tr', {}, el('th', {}, 'span A'), measure('A', al.A), measure('FA', flow.FA)),
      el('tr', {}, el('th', {}, 'unexplained ‖∇f⊥‖²/‖∇f‖²'), measure('unexplained', al.unexplained), el('td', {}, flow.reached ? `boundary after ${flow.steps} steps` : `no boundary in ${flow.steps} steps`)),
    ),
  );
}

function renderMaps(s: State, r: SampleExplanation): void {
  const { input } = s;
  const n = input.size;
  const ct = Array.from(input.ct);
  const mask = Array.from(input.mask);
  const al = r.alignment;
  $('maps').replaceChildren(
    figure('CT with ∇f blended over it', pngDataUri(encodeOverlay(n, n, ct, values(r.gradF), { mask })), 'red: raising the pixel raises f'),
    ...s.payload.features.map((name, i) => figure(`∇ ${name}`, imageDataUri(n, n, values(r.featureGrads[i]!), 'diverging'), `S = ${f3(al.S[i])}`)),
    ...(al.gradPerp ? [figure('∇f⊥ (unexplained)', imageDataUri(n, n, values(al.gradPerp), 'diverging'), `${((al.unexplained ?? 0) * 100).toFixed(1)}% of ‖∇f‖²`)] : []),
  );
}

function renderPathPoint(s: State, r: SampleExplanation): void {
  const path = r.flow.path;
  const slider = $('scrub') as HTMLInputElement;
  if (!path || !path.images.length) {
    $('path').replaceChildren('no path');
    return;
  }
  slider.max = String(path.images.length - 1);
  const k = Math.min(Number(slider.value), path.images.length - 1);
  const n = s.input.size;
  const S = path.S[k] ?? [];
  $('path').replaceChildren(
    figure(`point ${k} of ${path.images.length - 1}`, imageDataUri(n, n, values(path.images[k]!), 'gray', { mask: Array.from(s.input.mask) }), `arc length ${path.arc[k]!.toFixed(3)}, f = ${f3(path.values[k])}`),
    el('p', {}, `A = ${f3(path.A[k])}; `, ...s.payload.features.map((name, i) => `S ${name} = ${f3(S[i])}; `)),
  );
}

/** Explains the current input under the current model and backend, then redraws everything. */
function compute(s: State): void {
  $('status').textContent = 'computing…';
  // let the status paint before the synchronous work
  setTimeout(() => {
    try {
      const started = performance.now();
      const r = explainInput(loadedModel(s), s.input, s.payload);
      s.result = r;
      $('backend-ran').textContent = describeRun(performance.now() - started);
      renderMeasures(s, r);
      renderMaps(s, r);
      (document.getElementById('scrub') as HTMLInputElement).value = '0';
      renderPathPoint(s, r);
      $('status').textContent = `${s.payload.models[s.model]!.name} on ${s.input.id}${s.input.label !== undefined ? ` (label ${s.input.label})` : ''}${s.input.note ? `: ${s.input.note}` : ''}`;
      document.body.dataset.state = 'ready';
    } catch (e) {
      $('status').textContent = `could not compute: ${e instanceof Error ? e.message : String(e)}`;
      document.body.dataset.state = 'failed';
    }
  });
}

function options(items: readonly { value: string; label: string; disabled?: string | null }[]): HTMLElement[] {
  return items.map((o) => {
    const opt = el('option', { value: o.value, ...(o.disabled ? { disabled: '', title: o.disabled } : {}) }, o.disabled ? `${o.label} (unavailable: ${o.disabled})` : o.label);
    return opt;
  });
}

async function readDropped(list: FileList, s: State): Promise<void> {
  const files = await Promise.all([...list].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  const offset = Number(($('png-offset') as HTMLInputElement).value);
  const input = droppedInput(files, s.payload, s.input, offset);
  if (E.isLeft(input)) {
    $('status').textContent = input.left.message;
    return;
  }
  s.input = input.right;
  compute(s);
}

function wire(s: State): void {
  const images = s.payload.images.map(payloadInput);
  ($('model') as HTMLSelectElement).replaceChildren(...options(s.payload.models.map((m, i) => ({ value: String(i), label: `${m.name} (λ = ${m.lambda})` }))));
  ($('image') as HTMLSelectElement).replaceChildren(...options(s.payload.images.map((im, i) => ({ value: String(i), label: `${im.id}, label ${im.label}, seed ${im.seed}` }))));
  const unavailable = (b: (typeof BACKENDS)[number]) => (b.mode === undefined || b.mode === 'auto' ? null : gpujsModeUnavailable(b.mode));
  ($('backend') as HTMLSelectElement).replaceChildren(...options(BACKENDS.map((b) => ({ value: b.value, label: b.label, disabled: unavailable(b) }))));
  $('model').addEventListener('change', (e) => {
    s.model = Number((e.target as HTMLSelectElement).value);
    compute(s);
  });
  $('image').addEventListener('change', (e) => {
    s.input = images[Number((e.target as HTMLSelectElement).value)]!;
    compute(s);
  });
  $('backend').addEventListener('change', async (e) => {
    await selectBackend((e.target as HTMLSelectElement).value);
    compute(s);
  });
  $('scrub').addEventListener('input', () => s.result && renderPathPoint(s, s.result));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer?.files.length) void readDropped(e.dataTransfer.files, s);
  });
  $('files').addEventListener('change', (e) => {
    const list = (e.target as HTMLInputElement).files;
    if (list?.length) void readDropped(list, s);
  });
}

function start(): void {
  const payload = JSON.parse($(PAYLOAD_ELEMENT_ID).textContent ?? '') as ExplorerPayload;
  if (payload.format !== 'fgflow-explorer' || !payload.models.length || !payload.images.length) throw new Error('the page holds no models or images');
  $('source').textContent = payload.source;
  const s: State = { payload, models: new Map(), model: 0, input: payloadInput(payload.images[0]!) };
  wire(s);
  setBackend('cpu');
  compute(s);
}

start();
