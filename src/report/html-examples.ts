/**
 * The report's example images: for each example test image, its gradients blended over the CT
 * (the view of Captum's `visualize_image_attr` and MONAI's `blend_images`), the same maps as
 * separate panels with colour bars, and frames along the gradient-flow path.
 */
import { f3, figure, lambdaText, pill, prettyFeature, type SectionBody } from './html-parts.ts';
import { EMPTY, html, type Markup } from './markup.ts';
import { colorRange, encodeOverlay, imageDataUri, overlayScale, pngDataUri, type ColorRange } from './png.ts';
import type { Example, FlowFrame, ModelResult, ReportImage, ReportJson } from './schema.ts';
import { fmt } from './svg.ts';

const colorbar = (range: ColorRange, colormap: ReportImage['colormap']): Markup =>
  html`<div class="cbar cbar-${colormap}" aria-hidden="true"></div><div class="cbar-labels"><span>${fmt(range.min, 2)}</span>${colormap === 'diverging' ? html`<span>0</span>` : EMPTY}<span>${fmt(range.max, 2)}</span></div>`;

const img = (uri: string, w: number, h: number, alt: string): Markup => html`<img src="${uri}" width="${w}" height="${h}" alt="${alt}"${w < 200 ? html` class="pixelated"` : EMPTY} />`;

const caption = (title: string, sub: string | undefined): Markup => html`<figcaption><strong>${title}</strong>${sub !== undefined && sub !== '' ? html`<span class="muted">${sub}</span>` : EMPTY}</figcaption>`;

const imagePanel = (im: ReportImage): Markup => {
  const uri = imageDataUri(im.width, im.height, im.data, im.colormap, { mask: im.mask });
  return html`<figure class="figure image-panel" data-figure="example-image">${img(uri, im.width, im.height, im.title)}${colorbar(colorRange(im.data, im.colormap), im.colormap)}${caption(im.title, im.caption)}</figure>`;
};

/** A signed map over the CT; its caption gives the magnitude at which the colours saturate. */
const overlayPanel = (ct: ReportImage, map: ReportImage): Markup => {
  const uri = pngDataUri(encodeOverlay(map.width, map.height, ct.data, map.data, { mask: ct.mask }));
  return html`<figure class="figure image-panel" data-figure="overlay">${img(uri, map.width, map.height, `${map.title} over the CT`)}${caption(map.title, `${map.caption ? `${map.caption} · ` : ''}full colour at |v| ≥ ${fmt(overlayScale(map.data), 2)}`)}</figure>`;
};

const OVERLAY_LEGEND = html`<div class="overlay-legend" aria-label="legend of the overlays"><span><div class="cbar cbar-diverging"></div></span><span><span class="swatch" style="background:#2166ac"></span>blue: brightening the pixel lowers the output</span><span><span class="swatch" style="background:#b2182b"></span>red: brightening it raises the output</span><span>opacity grows with |gradient|: where the CT shows through, the gradient is near 0</span><span><span class="swatch" style="background:#ffb000"></span>tumour mask outline</span></div>`;

/** The CT (the first gray image) and every signed map of its size, blended over it. */
const overlays = (ex: Example): Markup => {
  const ct = ex.images.find((im) => im.colormap === 'gray');
  const maps = ex.images.filter((im) => im.colormap === 'diverging' && ct !== undefined && im.width === ct.width && im.height === ct.height);
  if (ct === undefined || maps.length === 0) return EMPTY;
  return html`<h4 class="row-title">Gradients blended over the CT</h4>${OVERLAY_LEGEND}<div class="image-row overlays">${maps.map((m) => overlayPanel(ct, m))}</div><p class="row-caption">Each map tints the CT where it acts, on a colour scale of its own (saturating at the 98th percentile of |value|, so a few outliers do not wash out the rest): ∇f shows where the model looks; each ∇g<sub>i</sub> where a feature does; ∇f⊥ what no feature explains.</p>`;
};

const flowRow = (flow: readonly FlowFrame[]): Markup => {
  if (flow.length === 0) return EMPTY;
  // One gray range for all frames, so brightness changes along the path stay visible.
  const range = colorRange(flow.flatMap((fr) => fr.data), 'gray');
  const frames = flow.map((fr) => {
    const sub = [fr.t !== undefined ? `t = ${fmt(fr.t)}` : '', fr.prob !== undefined ? `p = ${fr.prob.toFixed(2)}` : ''].filter((s) => s !== '').join(' · ');
    return html`<figure class="figure image-panel flow-frame" data-figure="flow-frame">${img(imageDataUri(fr.width, fr.height, fr.data, 'gray', { range }), fr.width, fr.height, fr.title)}${caption(fr.title, sub)}</figure>`;
  });
  const first = flow[0] as FlowFrame;
  const last = flow[flow.length - 1] as FlowFrame;
  const change = flow.length > 1 && first.width === last.width && first.height === last.height ? imagePanel({ title: 'change along the path', caption: 'last − first frame', width: last.width, height: last.height, data: last.data.map((v, i) => v - (first.data[i] ?? 0)), colormap: 'diverging' }) : EMPTY;
  return html`<h4 class="row-title">Along the gradient-flow path</h4><div class="image-row flow-row">${frames}${change}</div><p class="row-caption">The image moved along γ′ = −sign(f − t)·∇f/‖∇f‖ from the test image towards the decision boundary (all frames share one gray scale); the last panel shows what the path changed (red brighter, blue darker).</p>`;
};

const examplePills = (ex: Example, model: ModelResult | undefined, features: readonly string[]): Markup => {
  const S = ex.measures?.S ?? {};
  const ordered = [...features.filter((n) => n in S), ...Object.keys(S).filter((n) => !features.includes(n))];
  return html`<div class="pills">${[
    pill(ex.label === 1 ? 'pill-pos' : 'pill-neg', `label ${ex.label} · ${ex.label === 1 ? 'positive' : 'negative'}`),
    pill('', `model ${ex.model}${model !== undefined ? ` · ${lambdaText(model)}` : ''} · seed ${ex.seed}`),
    pill('', `p(positive) = ${ex.prob.toFixed(2)}`),
    ex.measures ? pill('pill-strong', `A = ${f3(ex.measures.spanAlignment)}`) : EMPTY,
    ex.measures ? pill('', `unexplained ${(ex.measures.unexplained * 100).toFixed(1)}%`) : EMPTY,
    ordered.map((n) => pill('', html`S<sub>${prettyFeature(n)}</sub> = ${f3(S[n])}`)),
    ex.path ? pill(ex.path.reached ? '' : 'pill-warn', `flow: ${ex.path.reached ? 'reached the boundary' : 'did not reach the boundary'} · length ${fmt(ex.path.length)} · ${ex.path.steps} steps`) : EMPTY,
  ]}</div>`;
};

const exampleCard = (ex: Example, model: ModelResult | undefined, features: readonly string[]): Markup =>
  html`<article class="example card"><h3>Example ${ex.id} <span class="muted">under ${ex.model}</span></h3>${examplePills(ex, model, features)}${overlays(ex)}<h4 class="row-title">Separate panels</h4><div class="image-row">${ex.images.map(imagePanel)}</div><p class="row-caption">The CT with its tumour mask outlined; ∇f, the model’s gradient; each interpretable feature’s gradient ∇g<sub>i</sub>; and ∇f⊥, the part of ∇f that no feature gradient explains. Gradients use a blue–white–red scale symmetric around 0 (white = no effect).</p>${flowRow(ex.flow ?? [])}</article>`;

export const examplesSection = (report: ReportJson, features: readonly string[]): SectionBody | null => {
  const ex = report.examples ?? [];
  if (ex.length === 0) return null;
  const byName = new Map(report.models.map((m) => [m.name, m] as const));
  return {
    title: 'Examples',
    lead: 'Where on the image each gradient acts, for individual test images (the same images under the baseline and the rewarded model), and how the image changes along the flow path to the decision boundary.',
    body: ex.map((e) => exampleCard(e, byName.get(e.model), features)),
  };
};
