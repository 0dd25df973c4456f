import { afterEach, describe, expect, it } from 'vitest';
import { appendToUri, getRegistryUri, getTrackingUri, parseModelsUri, parseRunsUri, setRegistryUri, setTrackingUri } from '../src/index.js';

describe('tracking URI resolution', () => {
  afterEach(() => {
    setTrackingUri(undefined);
    setRegistryUri(undefined);
    delete process.env.LABBOOK_TRACKING_URI;
    delete process.env.MLFLOW_TRACKING_URI;
    delete process.env.MLFLOW_REGISTRY_URI;
  });

  it('uses argument, then set value, then LABBOOK_, then MLFLOW_, then ./mlruns', () => {
    expect(getTrackingUri()).toMatch(/^file:\/\/.*\/mlruns$/);
    process.env.MLFLOW_TRACKING_URI = 'http://mlflow:5000';
    expect(getTrackingUri()).toBe('http://mlflow:5000');
    process.env.LABBOOK_TRACKING_URI = 'mysql://h/db';
    expect(getTrackingUri()).toBe('mysql://h/db');
    setTrackingUri('/data/runs');
    expect(getTrackingUri()).toBe('/data/runs');
    expect(getTrackingUri('memory://x')).toBe('memory://x');
  });

  it('falls back from the registry URI to the tracking URI', () => {
    setTrackingUri('memory://t');
    expect(getRegistryUri()).toBe('memory://t');
    process.env.MLFLOW_REGISTRY_URI = 'memory://r';
    expect(getRegistryUri()).toBe('memory://r');
    setRegistryUri('memory://s');
    expect(getRegistryUri()).toBe('memory://s');
  });
});

describe('artifact URIs', () => {
  it('parses runs:/ URIs', () => {
    expect(parseRunsUri('runs:/abc123/model/MLmodel')).toEqual({ runId: 'abc123', path: 'model/MLmodel' });
    expect(parseRunsUri('runs:/abc123')).toEqual({ runId: 'abc123', path: '' });
    expect(() => parseRunsUri('runs:/')).toThrow(/Not a valid runs URI/);
  });

  it('parses every models:/ form', () => {
    expect(parseModelsUri('models:/churn/3')).toEqual({ name: 'churn', version: '3' });
    expect(parseModelsUri('models:/churn/Production')).toEqual({ name: 'churn', stage: 'Production' });
    expect(parseModelsUri('models:/churn/latest')).toEqual({ name: 'churn', latest: true });
    expect(parseModelsUri('models:/churn@champion')).toEqual({ name: 'churn', alias: 'champion' });
    expect(() => parseModelsUri('models:/churn')).toThrow(/Not a valid models URI/);
  });

  it('appends paths before a query', () => {
    expect(appendToUri('s3://b/p/', 'a/b')).toBe('s3://b/p/a/b');
    expect(appendToUri('http://h/x?sig=1', 'f')).toBe('http://h/x/f?sig=1');
  });
});
