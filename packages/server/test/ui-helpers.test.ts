/**
 * The UI helper endpoints MLflow serves under /ajax-api/2.0/mlflow/: search-datasets,
 * create-promptlab-run and gateway-proxy (forwarding to a deployments server on loopback).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileServer } from './helpers.js';
import { getJson, postJson, raw } from './raw-http.js';

const AJAX = '/ajax-api/2.0/mlflow';
let server: Awaited<ReturnType<typeof fileServer>>;
let gatewayServer: Awaited<ReturnType<typeof fileServer>>;
let gateway: Server;
let seen: { method: string; url: string; body: string }[] = [];
let experimentId: string;

beforeAll(async () => {
  gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      if (req.url === '/gateway/broken/invocations') {
        res.writeHead(500).end('upstream exploded');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.method === 'GET' ? JSON.stringify({ endpoints: [{ name: 'chat' }] }) : JSON.stringify({ choices: [{ text: 'hi' }] }));
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  const port = (gateway.address() as AddressInfo).port;
  server = await fileServer();
  gatewayServer = await fileServer({ deploymentsTarget: `http://127.0.0.1:${port}` });
  experimentId = (await postJson(server.url, '/api/2.0/mlflow/experiments/create', { name: 'helpers' })).json.experiment_id as string;
});
afterAll(async () => {
  await server.close();
  await gatewayServer.close();
  await new Promise((r) => gateway.close(r));
});

function expectInvalid(r: { status: number; json: Record<string, unknown> }, message: string): void {
  expect(r.status, JSON.stringify(r.json)).toBe(400);
  expect(r.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message });
}

describe('experiments/search-datasets', () => {
  it('lists the distinct datasets the runs of the experiments read, with their context', async () => {
    const dataset = { name: 'iris', digest: 'abc123', source_type: 'local', source: '{}' };
    // One run per input: a run keeps one input per dataset, whatever its context.
    for (const context of ['training', 'training', 'eval']) {
      const run = await postJson(server.url, '/api/2.0/mlflow/runs/create', { experiment_id: experimentId });
      const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
      const logged = await postJson(server.url, '/api/2.0/mlflow/runs/log-inputs', {
        run_id: runId,
        datasets: [{ tags: [{ key: 'mlflow.data.context', value: context }], dataset }],
      });
      expect(logged.status, JSON.stringify(logged.json)).toBe(200);
    }
    const r = await postJson(server.url, `${AJAX}/experiments/search-datasets`, { experiment_ids: [experimentId] });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const summaries = (r.json.dataset_summaries as { context: string }[]).sort((a, b) => a.context.localeCompare(b.context));
    expect(summaries).toEqual([
      { experiment_id: experimentId, name: 'iris', digest: 'abc123', context: 'eval' },
      { experiment_id: experimentId, name: 'iris', digest: 'abc123', context: 'training' },
    ]);
  });

  it('refuses no or too many experiment ids with MLflow’s text', async () => {
    expectInvalid(
      await postJson(server.url, `${AJAX}/experiments/search-datasets`, {}),
      'SearchDatasets request must specify at least one experiment_id.',
    );
    const many = Array.from({ length: 21 }, (_, i) => String(i));
    expectInvalid(
      await postJson(server.url, `${AJAX}/experiments/search-datasets`, { experiment_ids: many }),
      'SearchDatasets request cannot specify more than 20 experiment_ids. Received 21 experiment_ids.',
    );
  });
});

describe('runs/create-promptlab-run', () => {
  const body = {
    experiment_id: '',
    run_name: 'prompt-1',
    prompt_template: 'Say {{ word }}',
    prompt_parameters: [{ key: 'word', value: 'hello' }],
    model_route: 'chat',
    model_parameters: [{ key: 'temperature', value: 0.5 }],
    model_input: 'Say hello',
    model_output: 'hello',
    model_output_parameters: [{ key: 'latency', value: 12 }],
    mlflow_version: '2.10.0',
  };

  it('creates a finished run with the prompt, its parameters and the evaluation table', async () => {
    const r = await postJson(server.url, `${AJAX}/runs/create-promptlab-run`, { ...body, experiment_id: experimentId });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const run = r.json.run as {
      info: { run_id: string; status: string; run_name: string };
      data: { params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
    };
    expect(run.info).toMatchObject({ status: 'FINISHED', run_name: 'prompt-1' });
    expect(Object.fromEntries(run.data.params.map((p) => [p.key, p.value]))).toEqual({
      temperature: '0.5',
      model_route: 'chat',
      prompt_template: 'Say {{ word }}',
    });
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    expect(tags['mlflow.runSourceType']).toBe('PROMPT_ENGINEERING');
    expect(JSON.parse(tags['mlflow.log-model.history'] ?? '[]')[0]).toMatchObject({ artifact_path: 'model', run_id: run.info.run_id });
    const table = await raw(server.url, 'GET', `/get-artifact?run_id=${run.info.run_id}&path=eval_results_table.json`);
    expect(JSON.parse(table.body)).toEqual({
      columns: ['word', 'prompt', 'output', 'latency'],
      data: [['hello', 'Say hello', 'hello', '12']],
    });
  });

  it.each(['experiment_id', 'prompt_template', 'prompt_parameters', 'model_route', 'model_input', 'mlflow_version'])(
    'refuses a request without %s with MLflow’s text',
    async (field) => {
      const without: Record<string, unknown> = { ...body, experiment_id: experimentId };
      delete without[field];
      expectInvalid(
        await postJson(server.url, `${AJAX}/runs/create-promptlab-run`, without),
        `CreatePromptlabRun request must specify ${field}.`,
      );
    },
  );
});

describe('gateway-proxy', () => {
  it('answers an empty gateway when no deployments server is configured', async () => {
    expect(await getJson(server.url, `${AJAX}/gateway-proxy?gateway_path=api/2.0/endpoints`)).toEqual({
      status: 200,
      json: { endpoints: [] },
    });
  });

  it('forwards the two paths MLflow allows and refuses every other', async () => {
    seen = [];
    const list = await getJson(gatewayServer.url, `${AJAX}/gateway-proxy?gateway_path=api/2.0/endpoints/`);
    expect(list).toEqual({ status: 200, json: { endpoints: [{ name: 'chat' }] } });
    const call = await postJson(gatewayServer.url, `${AJAX}/gateway-proxy`, {
      gateway_path: 'gateway/chat/invocations',
      json_data: { prompt: 'hi' },
    });
    expect(call).toEqual({ status: 200, json: { choices: [{ text: 'hi' }] } });
    expect(seen).toEqual([
      { method: 'GET', url: '/api/2.0/endpoints', body: '' },
      { method: 'POST', url: '/gateway/chat/invocations', body: '{"prompt":"hi"}' },
    ]);
    expectInvalid(await postJson(gatewayServer.url, `${AJAX}/gateway-proxy`, {}), 'Deployments proxy request must specify a gateway_path.');
    for (const path of ['gateway/../invocations', 'gateway/a/b/invocations', 'admin', 'gateway/%2e%2e/invocations']) {
      expectInvalid(
        await postJson(gatewayServer.url, `${AJAX}/gateway-proxy`, { gateway_path: path }),
        `Invalid gateway_path: ${path} for method: POST`,
      );
    }
    expectInvalid(
      await getJson(gatewayServer.url, `${AJAX}/gateway-proxy?gateway_path=gateway/chat/invocations`),
      'Invalid gateway_path: gateway/chat/invocations for method: GET',
    );
    expect(seen).toHaveLength(2);
  });

  it('passes a failing gateway’s answer on as an error, never a 500 of its own', async () => {
    const r = await postJson(gatewayServer.url, `${AJAX}/gateway-proxy`, { gateway_path: 'gateway/broken/invocations' });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({
      error_code: 'TEMPORARILY_UNAVAILABLE',
      message: 'Deployments proxy request failed with error code 500. Error message: upstream exploded',
    });
  });
});
