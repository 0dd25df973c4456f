// Runs s3rver in its own process: it needs --openssl-legacy-provider (a DES cipher for listing
// continuation tokens), which the test process should not have to carry.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const port = Number(process.argv[4] ?? 0);
const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
