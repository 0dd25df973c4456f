import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './free-port.js';

const SSHD = '/usr/sbin/sshd';

/** A private OpenSSH server on a free loopback port, with throwaway host and client keys. */
export interface SshdTestServer {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  /** A folder on the server to use as an artifact root. */
  root: string;
  pid: number;
  /** Kills sshd and every session it forked, as in an outage. */
  kill(): Promise<void>;
  /** Starts sshd again after {@link kill}, on the same port with the same keys. */
  restart(): Promise<void>;
  /** Kills sshd and removes its folder. */
  stop(): Promise<void>;
}

/** Starts sshd with its own config (`sshd -f CFG -D -e`), keys and authorized_keys in a temp folder. */
export async function startSshd(): Promise<SshdTestServer> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing (apt-get install openssh-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'labbook-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  let child: ChildProcess;
  let stderr = '';
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  // sshd forks a process per connection: kill those too, so open sessions drop as in a real outage.
  const kill = () => {
    try {
      execFileSync('pkill', ['-KILL', '-P', String(child.pid)]);
    } catch {
      // no session open
    }
    return exited()
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
  };
  const launch = async () => {
    child = spawn(SSHD, ['-f', config, '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
    stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    await waitFor('sshd', async () => {
      if (exited()) throw new Error(`sshd exited: ${stderr}`);
      return new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
    });
  };
  try {
    await launch();
  } catch (error) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const root = join(dir, 'artifacts');
  mkdirSync(root);
  return {
    host: '127.0.0.1',
    port,
    user: userInfo().username,
    privateKeyPath: clientKey,
    root,
    get pid() {
      return child.pid ?? -1;
    },
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
