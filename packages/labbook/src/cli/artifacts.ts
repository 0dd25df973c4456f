import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { type Client, invalidParameter } from '@labbook/core';
import { formatBytes, printRows } from './output.js';
import { type ProgressDisplay, type ProgressMode, progressDisplay } from './progress-display.js';

const progressOption = () =>
  new Option('--progress <when>', 'progress line on stderr: auto (on a terminal), always, never')
    .choices(['auto', 'always', 'never'])
    .default('auto');

/** Runs a transfer with a progress line, stopping the line whether it succeeds or fails. */
async function withProgressLine<T>(verb: string, mode: ProgressMode, transfer: (display: ProgressDisplay) => Promise<T>): Promise<T> {
  const display = progressDisplay(verb, mode);
  try {
    return await transfer(display);
  } finally {
    display.stop();
  }
}

/** `labbook artifacts list|download|log-artifact|log-artifacts`, as `mlflow artifacts` has them. */
export function artifactsCommand(program: Command, client: () => Client): void {
  const artifacts = program.command('artifacts').description("list, download and log a run's artifacts");

  artifacts
    .command('list')
    .description('list the files and folders directly under an artifact path of a run')
    .requiredOption('-r, --run-id <id>', 'the run')
    .option('-a, --artifact-path <path>', "folder inside the run's artifacts (default: the root)")
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { runId: string; artifactPath?: string; json?: boolean }) => {
      const files = await client().listArtifacts(opts.runId, opts.artifactPath);
      printRows(
        files.map((f) => ({
          path: f.isDir ? `${f.path}/` : f.path,
          size: f.isDir || f.fileSize === undefined ? '' : formatBytes(f.fileSize),
        })),
        ['path', 'size'],
        Boolean(opts.json),
        files.map((f) => ({ path: f.path, is_dir: f.isDir, ...(f.fileSize !== undefined ? { file_size: f.fileSize } : {}) })),
      );
    });

  artifacts
    .command('download')
    .description('download a file or folder of artifacts and print where it went')
    .option('-r, --run-id <id>', 'the run whose artifacts to download')
    .option('-a, --artifact-path <path>', 'with --run-id: the file or folder (default: all of them)')
    .option('-u, --artifact-uri <uri>', 'instead of --run-id: any artifact URI (runs:/, models:/, s3://, ...)')
    .option('-d, --dst-path <dir>', 'local folder to download into (default: a new temporary folder)')
    .option('-j, --concurrency <n>', 'files moved at once', (v) => Number.parseInt(v, 10), 8)
    .addOption(progressOption())
    .action(
      async (opts: {
        runId?: string;
        artifactPath?: string;
        artifactUri?: string;
        dstPath?: string;
        concurrency: number;
        progress: ProgressMode;
      }) => {
        if (Boolean(opts.runId) === Boolean(opts.artifactUri)) {
          throw invalidParameter('Give either --run-id (with an optional --artifact-path) or --artifact-uri', { field: 'run_id' });
        }
        if (opts.artifactUri && opts.artifactPath) {
          throw invalidParameter('--artifact-path goes with --run-id; put the path in --artifact-uri instead', { field: 'artifact_path' });
        }
        const local = await withProgressLine('downloading', opts.progress, (display) => {
          const options = { concurrency: checkedConcurrency(opts.concurrency), onPlan: display.onPlan, onProgress: display.onProgress };
          return opts.artifactUri
            ? client().downloadArtifactsFromUri(opts.artifactUri, opts.dstPath, options)
            : client().downloadArtifacts(opts.runId!, opts.artifactPath ?? '', opts.dstPath, options);
        });
        process.stdout.write(`${local}\n`);
      },
    );

  artifacts
    .command('log-artifact')
    .description("upload one local file into a run's artifacts")
    .requiredOption('-l, --local-file <file>', 'the file to upload')
    .requiredOption('-r, --run-id <id>', 'the run')
    .option('-a, --artifact-path <path>', "folder inside the run's artifacts to put it in (default: the root)")
    .addOption(progressOption())
    .action(async (opts: { localFile: string; runId: string; artifactPath?: string; progress: ProgressMode }) => {
      const written = await withProgressLine('uploading', opts.progress, async (display) => {
        const size = (await stat(opts.localFile).catch(() => undefined))?.size;
        if (size !== undefined) display.onPlan({ files: 1, bytesTotal: size });
        return client().logArtifact(opts.runId, opts.localFile, opts.artifactPath, { onProgress: display.onProgress });
      });
      process.stdout.write(`Logged artifact from local file ${basename(opts.localFile)} to ${written}\n`);
    });

  artifacts
    .command('log-artifacts')
    .description("upload a local folder, recursively, into a run's artifacts")
    .requiredOption('-l, --local-dir <dir>', 'the folder whose contents to upload')
    .requiredOption('-r, --run-id <id>', 'the run')
    .option('-a, --artifact-path <path>', "folder inside the run's artifacts to put them in (default: the root)")
    .option('-j, --concurrency <n>', 'files moved at once', (v) => Number.parseInt(v, 10), 8)
    .addOption(progressOption())
    .action(async (opts: { localDir: string; runId: string; artifactPath?: string; concurrency: number; progress: ProgressMode }) => {
      const written = await withProgressLine('uploading', opts.progress, (display) =>
        client().logArtifacts(opts.runId, opts.localDir, opts.artifactPath, {
          concurrency: checkedConcurrency(opts.concurrency),
          onPlan: display.onPlan,
          onProgress: display.onProgress,
        }),
      );
      process.stdout.write(
        `Logged ${written.length} artifact${written.length === 1 ? '' : 's'} from local folder ${opts.localDir} to ${opts.artifactPath || '/'}\n`,
      );
    });
}

function checkedConcurrency(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > 64) {
    throw invalidParameter(`--concurrency must be a whole number from 1 to 64; got ${Number.isNaN(n) ? 'not a number' : n}`, {
      field: 'concurrency',
    });
  }
  return n;
}
