// What the package ships beside the compiled code, made from it after tsc: report.json's JSON
// Schema (dist/report.schema.json, from the zod definition, so the two never disagree) and the
// explorer's browser bundle (dist/explorer/explorer.js, which `fgflow explore` inlines in a page).
import { mkdirSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const { reportJsonSchema } = await import(new URL('dist/report/schema.js', root).href);
writeFileSync(new URL('dist/report.schema.json', root), `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
const { bundleExplorer } = await import(new URL('dist/explorer/bundle.js', root).href);
mkdirSync(new URL('dist/explorer/', root), { recursive: true });
writeFileSync(new URL('dist/explorer/explorer.js', root), await bundleExplorer());
