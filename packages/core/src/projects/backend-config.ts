import { readFileSync } from 'node:fs';
import { invalidParameter } from '../errors.js';

/**
 * `-c/--backend-config` as MLflow reads it: a path ending in `.json`, or an inline JSON object.
 */
export function parseBackendConfig(value: string | Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'string') return { ...value };
  let text = value;
  if (value.trim().endsWith('.json')) {
    try {
      text = readFileSync(value.trim(), 'utf8');
    } catch (error) {
      throw invalidParameter(
        `Backend config file ${value} could not be read: ${(error as Error).message}. Pass an existing .json file or inline JSON.`,
        {
          field: 'backend_config',
        },
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidParameter(
      `Backend config is not valid JSON (${(error as Error).message}); pass a .json file path or an inline JSON object.`,
      {
        field: 'backend_config',
      },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter('Backend config must be a JSON object ({"key": value}).', { field: 'backend_config' });
  }
  return parsed as Record<string, unknown>;
}
