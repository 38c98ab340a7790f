/** The report page's style sheet (inline: the page loads nothing). */
import { html } from './markup.ts';

export const REPORT_CSS = html`
:root{--bg:#f4f5f7;--card:#fff;--ink:#111827;--ink2:#374151;--muted:#6b7280;--line:#e5e7eb;--accent:#3b528b;--accent2:#21908c;--warn:#b45309;--radius:12px}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","DejaVu Sans",Arial,sans-serif;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.88em;background:#f1f3f6;border-radius:4px;padding:.05em .35em}
.hero{background:linear-gradient(135deg,#1e2a4a 0%,#2d3f6b 55%,#1f5f6b 100%);color:#fff;padding:40px 24px 34px}
.hero-inner{max-width:1240px;margin:0 auto}
.eyebrow{text-transform:uppercase;letter-spacing:.12em;font-size:12px;opacity:.75;font-weight:600}
.hero h1{font-size:30px;line-height:1.2;margin:.35em 0 .3em;font-weight:700;letter-spacing:-.01em;max-width:900px}
.hero-sub{margin:0 0 20px;opacity:.85;font-size:15.5px}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin:0}
.chip{background:rgba(255,255,255,.1);border:1px solid rgba(255,255,255,.18);border-radius:8px;padding:6px 12px;min-width:90px}
.chip dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;opacity:.7}
.chip dd{margin:0;font-weight:600;font-size:14px}
.toc{position:sticky;top:0;z-index:5;background:rgba(255,255,255,.94);backdrop-filter:blur(6px);border-bottom:1px solid var(--line);display:flex;gap:4px;flex-wrap:wrap;justify-content:center;padding:8px 16px}
.toc a{color:var(--ink2);text-decoration:none;font-size:13.5px;padding:4px 10px;border-radius:999px}
.toc a:hover{background:#eef1f6;color:var(--accent)}
main.page{max-width:1240px;margin:0 auto;padding:8px 24px 48px}
.section{margin-top:36px}
.section-head h2{font-size:22px;margin:0 0 4px;letter-spacing:-.01em}
.lead{margin:0 0 16px;color:var(--muted);max-width:900px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:20px;align-items:start}
.card,.figure:not(.image-panel){background:var(--card);border:1px solid var(--line);border-radius:var(--radius);box-shadow:0 1px 2px rgba(16,24,40,.04),0 2px 8px rgba(16,24,40,.04)}
.card{padding:18px 20px}
.figure{margin:0}
.figure:not(.image-panel){padding:16px 18px 14px;display:flex;flex-direction:column;align-items:stretch}
.figure:not(.image-panel) > svg{align-self:center}
figcaption{color:var(--muted);font-size:13px;line-height:1.5;margin-top:10px}
.fig-title{font-size:15px;margin:0 0 6px;display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.fig-title .dot{margin-right:0}
.howto{background:#eef2f9;border:1px solid #dbe3f1;border-radius:10px;padding:10px 14px;font-size:13.5px;color:var(--ink2);margin:0 0 18px}
.model-cell{white-space:nowrap}
table.data.compact th[scope=row]{white-space:nowrap}
.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:0 28px;margin:0}
.kv-item{display:flex;gap:12px;align-items:baseline;padding:7px 0;border-bottom:1px solid var(--line)}
.kv-item dt{flex:0 0 150px;overflow:hidden;text-overflow:ellipsis}
.kv-item dd{margin:0;min-width:0;overflow-wrap:anywhere}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:14px;margin-bottom:18px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:14px 18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.tile-label{font-size:13px;color:var(--muted);letter-spacing:.02em;font-weight:600}
.tile-value{font-size:28px;font-weight:700;letter-spacing:-.02em;margin:2px 0;color:var(--ink)}
.tile-sub{font-size:13px;color:var(--muted)}
table.data{border-collapse:collapse;width:100%;font-size:14px}
table.data th,table.data td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
table.data thead th{font-size:12.5px;letter-spacing:.02em;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);white-space:nowrap}
table.data tbody tr:nth-child(even){background:#fafbfc}
table.data th[scope=row]{font-weight:500}
table.data .num{text-align:right;white-space:nowrap}
table.data .strong{font-weight:700}
table.data.compact{font-size:13px;margin-top:8px}
table.data.compact th,table.data.compact td{padding:4px 6px}
table.data.compact thead th{font-size:11px;letter-spacing:.02em}
.noise-row th,.noise-row td{color:var(--muted)}
.paper-table td.ours{font-weight:700}
.delta.close{color:#15803d}.delta.far{color:var(--warn)}
.note{display:block;font-size:12px;color:var(--muted);font-weight:400}
.table-scroll{overflow-x:auto}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:8px;vertical-align:middle}
.pill{display:inline-block;font-size:12.5px;padding:3px 10px;border-radius:999px;background:#eef1f6;color:var(--ink2);white-space:nowrap}
.pill-base{background:#e5e7eb}.pill-rew{background:#dcefe9;color:#0f5132}
.pill-pos{background:#fde2e2;color:#8a1c1c}.pill-neg{background:#e0ecfb;color:#1e3a8a}
.pill-strong{background:#e4e9f5;color:#1e2a4a;font-weight:700}.pill-warn{background:#fef3c7;color:#92400e}
.pills{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 12px}
.flag{display:inline-block;font-size:12px;padding:1px 8px;border-radius:999px;background:#fef3c7;color:#92400e;margin:1px 0;white-space:nowrap}
.muted{color:var(--muted);font-weight:400}
.example{margin-bottom:20px}
.example h3{margin:0 0 4px;font-size:17px}
.row-title{margin:14px 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.row-caption{font-size:13px;color:var(--muted);margin:8px 0 0;max-width:980px}
.image-row{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:14px;max-width:1180px}
.image-panel{display:flex;flex-direction:column}
.image-panel img{width:100%;height:auto;border-radius:6px;border:1px solid var(--line);background:#000;display:block}
.image-panel img.pixelated{image-rendering:pixelated}
.image-panel figcaption{margin-top:4px;font-size:12.5px;display:flex;flex-direction:column;gap:1px}
.image-panel figcaption strong{color:var(--ink);font-weight:600}
.cbar{height:7px;border-radius:3px;margin-top:6px;border:1px solid var(--line)}
.cbar-gray{background:linear-gradient(to right,#000,#fff)}
.cbar-diverging{background:linear-gradient(to right,#053061,#2166ac,#67a9cf,#d1e5f0,#f7f7f7,#fddbc7,#ef8a62,#b2182b,#67001f)}
.cbar-labels{display:flex;justify-content:space-between;font-size:11px;color:var(--muted)}
.assumptions{list-style:none;margin:0;padding:0}
.assumptions li{display:flex;gap:12px;align-items:baseline;padding:8px 0;border-bottom:1px solid var(--line)}
.assumptions li:last-child{border-bottom:0}
.badge{display:inline-block;min-width:78px;text-align:center;font-size:11px;text-transform:uppercase;letter-spacing:.06em;font-weight:700;padding:2px 8px;border-radius:6px;flex:none}
.badge-ours{background:#ede9fe;color:#5b21b6}.badge-authors{background:#e0f2fe;color:#075985}.badge-paper{background:#dcfce7;color:#166534}
.aid{margin-right:4px}
code.json{white-space:pre-wrap;word-break:break-word;background:none;padding:0}
.ci{color:var(--muted);font-size:.86em;white-space:nowrap}
.mean{font-weight:600}
table.stacked .ci{display:block;font-size:.8em}
table.stacked .flag{white-space:normal}
.tile-value .ci{font-size:14px;font-weight:500}
.callout{border-left:4px solid var(--accent);background:#f6f8fc;border-radius:8px;padding:10px 14px;margin:14px 0 0;color:var(--ink2);font-size:14px}
.callout.good{border-color:#15803d;background:#f0faf3}.callout.warn{border-color:#b45309;background:#fdf8ee}
.verdicts{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 0}
.pill-good{background:#dcfce7;color:#166534}.pill-bad{background:#fef3c7;color:#92400e}.pill-none{background:#eef1f6;color:var(--muted)}
table.data td.vcell{white-space:normal;min-width:170px}
.overlay-legend{display:flex;flex-wrap:wrap;align-items:center;gap:10px 18px;font-size:12.5px;color:var(--ink2);margin:4px 0 8px}
.overlay-legend .cbar{width:160px;margin:0}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;vertical-align:-2px;margin-right:5px}
.image-row.overlays .image-panel img{border-color:#cbd2dc}
.model-card h3{margin:0 0 2px;font-size:16px}
.sub{font-size:13px;color:var(--muted);margin:0 0 8px}
.callout.check{margin:0 0 14px;font-size:14.5px}
.check-head{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;margin-bottom:4px;font-size:16px}
.pill.verdict-big{font-size:14px;font-weight:800;text-transform:uppercase;letter-spacing:.08em;padding:3px 14px}
.check-head .muted{font-size:13px}
.section > .figure + .figure,.section > .grid2 + .figure,.section > .figure + .grid2,.section > .callout + .figure{margin-top:16px}
table.data thead th.group-head{text-align:center;border-bottom:1px solid var(--line)}
table.data.recovery-matrix{width:auto}
table.data td.rcell{min-width:96px}
table.data td.rcell .ci{color:inherit;opacity:.78}
table.data td.rcell.diag{box-shadow:inset 0 0 0 2px #b45309}
table.data tr.hidden-row th{font-style:italic}
.ratio-legend{display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px;font-size:12.5px;color:var(--ink2);margin:14px 0 10px}
.ratio-legend .swatch{border:1px solid #cbd2dc}
.row-texts{margin:6px 0;padding-left:20px}
.row-texts li{margin:2px 0}
.card.explain{margin-top:16px;max-width:980px}
.card.explain p{margin:0 0 10px}
.card.explain p:last-child{margin:0}
footer{max-width:1240px;margin:0 auto;padding:18px 24px 40px;color:var(--muted);font-size:12.5px;border-top:1px solid var(--line)}
@media (max-width:640px){.grid2{grid-template-columns:1fr}.hero h1{font-size:24px}}
@media print{.toc{display:none}.hero{-webkit-print-color-adjust:exact;print-color-adjust:exact}.figure,.card{break-inside:avoid}}
`;
