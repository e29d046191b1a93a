// virtnet: the virsh-compatible command line client of virtnetd. Global options, then one command.

import { writeSync } from 'node:fs';
import { VERSION } from '../version.js';
import { ApiClient } from './client.js';
import { runCommand } from './run-command.js';

const USAGE = `virtnet [-c|--connect unix:PATH] [-r|--readonly] [-q|--quiet] [-v|--version] COMMAND [OPTIONS]

  Commands: virtnet help (all of them), virtnet help COMMAND (one).
  Every read command accepts --json. The socket defaults to $VIRTNET_SOCKET or /run/virtnet/virtnet.sock.
`;

/**
 * A command's whole output in one go, straight to fd 1: setting up process.stdout costs a few milliseconds. A pipe
 * that would block falls back to the stream; a reader that went away (`| head`) ends the output silently.
 */
function writeOut(text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < buf.length) done += writeSync(1, buf, done);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') process.stdout.write(buf.subarray(done));
    else if (code !== 'EPIPE') throw e;
  }
}

/** One line on stderr when the daemon is another version: it still works, but the output may surprise. */
function versionWarning(socket: string): (daemon: string) => void {
  return (daemon) => {
    if (daemon !== VERSION) {
      process.stderr.write(
        `warning: virtnetd at ${socket} is version ${daemon}, this virtnet is ${VERSION}\n`,
      );
    }
  };
}

export async function main(argv: string[]): Promise<void> {
  let socket = process.env.VIRTNET_SOCKET || '/run/virtnet/virtnet.sock';
  let readonly = false;
  let quiet = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-c' || a === '--connect') socket = argv[++i] ?? '';
    else if (a.startsWith('--connect=')) socket = a.slice(10);
    else if (a === '-r' || a === '--readonly') readonly = true;
    else if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-v' || a === '--version') {
      writeOut(`${VERSION}\n`);
      return;
    } else if (a === '-h' || a === '--help') {
      writeOut(USAGE);
      return;
    } else break;
  }
  socket = socket.replace(/^unix:(\/\/)?/, '');
  if (readonly && !socket.endsWith('-ro.sock')) socket = socket.replace(/\.sock$/, '-ro.sock');
  const name = argv[i] ?? 'help';
  const out: string[] = [];
  const client = new ApiClient(socket, versionWarning(socket));
  const code = await runCommand(name, argv.slice(i + 1), client, out, quiet);
  writeOut(out.join(''));
  process.exitCode = code;
}
