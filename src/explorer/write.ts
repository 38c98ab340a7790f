/**
 * The explorer page (Node): one self-contained HTML file, the bundle and the data inline, with a
 * Content-Security-Policy that allows no request at all, so it works from file:// or any static
 * host and never reaches the network. gpu.js compiles its kernels at run time, hence
 * 'unsafe-eval' and 'wasm-unsafe-eval'; neither permits a request.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { makeDir, writeFileAtomic } from '../experiment/files.ts';
import { REPORT_CSS } from '../report/style.ts';
import { explorerScript } from './bundle.ts';
import { PAYLOAD_ELEMENT_ID, type ExplorerPayload } from './payload.ts';

export const EXPLORER_HTML = 'explorer.html';

const PAGE_CSS = `
  body { max-width: 1240px; margin: 0 auto; padding: 8px 24px 40px; }
  .controls { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: end; margin: 12px 0; }
  .controls label { display: flex; flex-direction: column; font-size: 13px; gap: 4px; }
  .controls select, .controls input { width: auto; max-width: 360px; }
  #drop { border: 2px dashed #999; border-radius: 8px; padding: 10px 16px; font-size: 13px; }
  #maps, #path { display: flex; flex-wrap: wrap; gap: 12px; }
  figure { margin: 0; text-align: center; font-size: 12px; }
  figure img { image-rendering: pixelated; border: 1px solid #ccc; }
  #measures td, #measures th { padding: 2px 10px; text-align: right; }
  #status, #backend-ran { font-size: 13px; color: #444; }
`;

/** The page's HTML for `payload`, running `script`. */
export function explorerHtml(payload: ExplorerPayload, script: string): string {
  if (/<\/script/i.test(script)) throw new Error('the explorer bundle contains "</script", which would end its inline script early');
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  const csp = [
    "default-src 'none'", `script-src 'sha256-${hash}' 'unsafe-eval' 'wasm-unsafe-eval'`, "style-src 'unsafe-inline'", 'img-src data:',
    "connect-src 'none'", "worker-src 'none'", "form-action 'none'", "base-uri 'none'",
  ].join('; ');
  const data = JSON.stringify(payload).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fgflow explorer</title>
<style>${REPORT_CSS.text}${PAGE_CSS}</style>
</head>
<body data-state="loading">
<h1>fgflow explorer</h1>
<p>Models from <code id="source"></code>. Everything below is computed in this page by fgflow: ∇f, each feature's ∇g_i, their alignments S and the span alignment A, the unexplained part ∇f⊥, and the gradient-flow path to the decision boundary.</p>
<div class="controls">
  <label>model <select id="model"></select></label>
  <label>test image <select id="image"></select></label>
  <label>backend <select id="backend"></select></label>
  <div id="drop">drop a PNG or DICOM here (and its mask: a file named *mask*) or <input id="files" type="file" multiple accept=".png,.dcm,.dicom,.ima"><br>
    <label>PNG values are HU + <input id="png-offset" type="number" value="1024" size="6"></label></div>
</div>
<p id="status"></p>
<p id="backend-ran"></p>
<div id="measures"></div>
<h2>Gradients at the image</h2>
<div id="maps"></div>
<h2>Along the gradient-flow path</h2>
<label>scrub <input id="scrub" type="range" min="0" max="0" value="0"></label>
<div id="path"></div>
<script type="application/json" id="${PAYLOAD_ELEMENT_ID}">${data}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Writes `<outDir>/explorer.html` atomically (a temporary file beside it, then a rename); returns its path. */
export async function writeExplorer(payload: ExplorerPayload, outDir: string): Promise<string> {
  const file = resolve(outDir, EXPLORER_HTML);
  const html = explorerHtml(payload, await explorerScript());
  await makeDir(outDir);
  await writeFileAtomic(file, html);
  return file;
}
