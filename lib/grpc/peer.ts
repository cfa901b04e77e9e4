import { createRequire } from 'node:module';
import { MissingPeerError } from '../errors.js';

/** The `grpc.health.v1.Health` methods a usable service definition must describe. */
const METHODS = ['Check', 'Watch', 'List'] as const;

/**
 * Loads the `grpc.health.v1.Health` service definition that `grpc-health-check` builds
 * from its `health.proto`, synchronously and only when called, so importing this package
 * never loads gRPC. `grpc-health-check` is CommonJS; it is resolved from this package.
 *
 * @param where - the calling factory, for the error message.
 * @param specifier - the package to load; tests point it at a missing one.
 * @throws {MissingPeerError} when the package cannot be loaded or its definition lacks
 *   `Check`, `Watch` or `List` (versions before 2.1.0).
 */
export function loadHealthServiceDefinition(
  where: string,
  specifier = 'grpc-health-check',
): object {
  const hint = `${where} needs the optional peer dependency \`${specifier}\` (^2.1.0): npm install @grpc/grpc-js ${specifier}`;
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)(specifier);
  } catch (error) {
    throw new MissingPeerError(hint, specifier, { cause: error });
  }
  const service = (loaded as { service?: unknown } | null)?.service;
  if (typeof service !== 'object' || service === null || !METHODS.every((m) => m in service)) {
    throw new MissingPeerError(
      `${hint} (the installed version has no ${METHODS.join('/')} service definition)`,
      specifier,
    );
  }
  return service;
}
