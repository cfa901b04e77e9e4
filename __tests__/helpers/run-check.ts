import { createHealth, type CheckDefinition, type ComponentReport } from '../../lib/index.js';

/** Runs `definition` once through a runner of its own and returns its component report. */
export async function runCheck(definition: CheckDefinition): Promise<ComponentReport> {
  const health = createHealth({ checks: { subject: definition } });
  try {
    const component = (await health.run()).components.subject;
    if (component === undefined) throw new Error('no component in the report');
    return component;
  } finally {
    health.close();
  }
}
