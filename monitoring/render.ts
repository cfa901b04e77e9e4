// The committed files of the mixin as build.ts writes them: rendered, then formatted by
// the repository's prettier, so `prettier --check .` and the freshness test agree.
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { dashboardJson, MIXIN_DEFAULTS, rulesYaml, type MixinConfig } from './mixin.js';

/** The directory of the committed files. */
export const MONITORING_DIR = import.meta.dirname;

/** File name (in MONITORING_DIR) to text, for `config`. */
export async function renderFiles(
  config: MixinConfig = MIXIN_DEFAULTS,
): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    'health-probes.rules.yml': rulesYaml(config),
    'health-probes.dashboard.json': dashboardJson(config),
  };
  for (const [name, text] of Object.entries(files)) {
    const filepath = join(MONITORING_DIR, name);
    files[name] = await format(text, { ...(await resolveConfig(filepath)), filepath });
  }
  return files;
}
