import { invalidParameter } from '@labbook/core/plugin';

/** The parts of a `wasbs://container@account.blob.core.windows.net/path` URI. */
export interface WasbsLocation {
  container: string;
  account: string;
  /** `blob.core.windows.net` or `blob.core.chinacloudapi.cn`. */
  apiSuffix: string;
  /** Blob name prefix without leading or trailing `/`. */
  prefix: string;
}

const NETLOC = /^([^@]+)@([^.]+)\.(blob\.core\.(?:windows\.net|chinacloudapi\.cn))$/;

/** Parses a `wasbs://` URI as MLflow does (container, account, path, API suffix). */
export function parseWasbsUri(uri: string): WasbsLocation {
  const m = /^wasbs:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(uri);
  const net = m?.[1] ? NETLOC.exec(m[1]) : null;
  if (!m || !net) {
    throw invalidParameter(`Not a valid Azure Blob URI: '${uri}'. Expected wasbs://<container>@<account>.blob.core.windows.net/<path>.`, {
      field: 'artifact_uri',
    });
  }
  const prefix = decodeURIComponent(m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((s) => s === '..' || s === '.')) {
    throw invalidParameter(`Invalid Azure Blob URI '${uri}': '.' and '..' segments are not allowed`, { field: 'artifact_uri' });
  }
  return { container: net[1]!, account: net[2]!, apiSuffix: net[3]!, prefix };
}
