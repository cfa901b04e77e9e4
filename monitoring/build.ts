// Renders the mixin: npx tsx monitoring/build.ts [knobs.json] [out-dir]
// knobs.json holds any MixinConfig fields (e.g. {"selector": "job=\"checkout\""}); the
// others keep MIXIN_DEFAULTS. Without arguments it rewrites the committed files.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIXIN_DEFAULTS, type MixinConfig } from './mixin.js';
import { MONITORING_DIR, renderFiles } from './render.js';

const [knobsFile, outDir = MONITORING_DIR] = process.argv.slice(2);
const knobs =
  knobsFile === undefined
    ? {}
    : (JSON.parse(await readFile(knobsFile, 'utf8')) as Partial<MixinConfig>);
const unknown = Object.keys(knobs).filter((key) => !(key in MIXIN_DEFAULTS));
if (unknown.length > 0) {
  throw new Error(
    `unknown knobs: ${unknown.join(', ')}; known: ${Object.keys(MIXIN_DEFAULTS).join(', ')}`,
  );
}
const config: MixinConfig = { ...MIXIN_DEFAULTS, ...knobs };
for (const [name, text] of Object.entries(await renderFiles(config))) {
  await writeFile(join(outDir, name), text);
  console.log(`wrote ${join(outDir, name)}`);
}
