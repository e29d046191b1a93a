// Takes the host's address and route changes away from a dnsmasq that has no use for them.
//
// Why: every dnsmasq joins the netlink groups of address and route changes at start, whatever its options, and
// the kernel wakes each of them on each change. The waker pays: an `ip addr add` with 300 dnsmasqs on the host
// took 10 ms instead of 0.1 (the wakeups run inside its system call, so a lower priority for dnsmasq changes
// nothing), and every network start adds an address: starts one by one grew by ~35 µs per running network.
// A dnsmasq that binds its addresses once (bind-interfaces) and serves IPv4 only does nothing with these events
// (dnsmasq 2.90: newaddress() acts only for bind-dynamic, local-service, DHCPv6 and RA; a new route re-sends an
// upstream query for dial-on-demand links). Group membership belongs to the socket, so virtnetd takes a copy of
// the socket with pidfd_getfd(2) and leaves the groups on dnsmasq's behalf: dnsmasq keeps its socket and the
// interface dumps its DHCP answers rely on, and is no longer woken.
//
// Node has no syscall(2); Perl has, and perl-base is part of every Debian system. One Perl process serves all
// requests for the daemon's lifetime (a start of its own would cost more than the wakeups it saves), and ends when
// virtnetd does (end of its input).

import { type ChildProcess, spawn } from 'node:child_process';

// 434 pidfd_open, 438 pidfd_getfd: one number on every Linux architecture. 1 SOL_SOCKET, 39 SO_DOMAIN,
// 38 SO_PROTOCOL, 16 AF_NETLINK, 0 NETLINK_ROUTE, 270 SOL_NETLINK, 2 NETLINK_DROP_MEMBERSHIP; groups 5, 7, 9, 11:
// RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE.
const PERL_SOURCE = `
use strict; use warnings;
$| = 1;
sub mute {
  my ($pid) = @_;
  $pid =~ /^[1-9][0-9]{0,9}$/ or die "not a pid\\n";
  my $pidfd = syscall(434, $pid + 0, 0);
  $pidfd >= 0 or die "pidfd_open: $!\\n";
  my $muted = 0;
  my $ok = eval {
    opendir(my $dir, "/proc/$pid/fd") or die "/proc/$pid/fd: $!\\n";
    for my $n (grep { /^[0-9]+$/ } readdir $dir) {
      my $link = readlink("/proc/$pid/fd/$n");
      next unless defined $link && $link =~ /^socket:/;
      my $fd = syscall(438, $pidfd, $n + 0, 0);
      $fd >= 0 or die "pidfd_getfd: $!\\n";
      open(my $fh, '+<&=', $fd) or die "fd $fd: $!\\n";
      my $domain = getsockopt($fh, 1, 39);
      my $protocol = getsockopt($fh, 1, 38);
      if (defined $domain && defined $protocol && unpack('i', $domain) == 16 && unpack('i', $protocol) == 0) {
        for my $group (5, 7, 9, 11) { setsockopt($fh, 270, 2, pack('i', $group)) or die "leaving group $group: $!\\n" }
        $muted++;
      }
      close $fh;
    }
    1;
  };
  my $err = $@;
  POSIX::close($pidfd);
  die $err unless $ok;
  return $muted;
}
use POSIX ();
while (my $line = <STDIN>) {
  chomp $line;
  my $n = eval { mute($line) };
  if (defined $n) { print "ok $n\\n" } else { my $e = $@; $e =~ s/\\s+/ /g; print "error $e\\n" }
}
`;

/** Longer than any answer takes (under a millisecond; the helper's own start ~25 ms). */
const ANSWER_MS = 5000;

export type MuteResult = { ok: true; sockets: number } | { ok: false; reason: string };

export class RouteEventMute {
  private child: ChildProcess | undefined;
  private buffered = '';
  private readonly waiting: Array<(r: MuteResult) => void> = [];

  constructor(private readonly perl = 'perl') {}

  /** Starts the helper ahead of the first request (Perl takes ~25 ms to start here). */
  warm(): void {
    this.child ??= this.launch();
  }

  /** Leaves the address and route groups on every rtnetlink socket of our process `pid`. Never throws. */
  mute(pid: number): Promise<MuteResult> {
    if (!Number.isInteger(pid) || pid <= 0) return Promise.resolve({ ok: false, reason: 'not a pid' });
    const child = this.child ?? this.launch();
    return new Promise((resolve) => {
      // a helper that does not answer is ended: every request waiting on it fails (a start never hangs on this)
      const timer = setTimeout(() => child.kill('SIGKILL'), ANSWER_MS);
      this.waiting.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
      if (this.waiting.length === 1) holdLoop(child, true);
      child.stdin?.write(`${pid}\n`);
    });
  }

  private launch(): ChildProcess {
    const child = spawn(this.perl, ['-e', PERL_SOURCE], { stdio: ['pipe', 'pipe', 'pipe'] });
    holdLoop(child, false);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      this.buffered += text;
      for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.settle(
          line.startsWith('ok ')
            ? { ok: true, sockets: Number(line.slice(3)) }
            : { ok: false, reason: line.replace(/^error /, '').trim() },
        );
      }
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-500);
    });
    child.stdin?.on('error', () => {});
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.buffered = '';
      const reason = `${this.perl}: ${stderr.trim() || why}`;
      while (this.waiting.length) this.settle({ ok: false, reason });
    };
    child.on('error', (e) => gone(e.message));
    child.on('exit', (code) => gone(`exited with status ${code}`));
    this.child = child;
    return child;
  }

  private settle(r: MuteResult): void {
    this.waiting.shift()?.(r);
    if (this.waiting.length === 0 && this.child) holdLoop(this.child, false);
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}

/** The helper keeps the daemon's event loop alive only while a request waits for its answer. */
function holdLoop(child: ChildProcess, hold: boolean): void {
  for (const h of [child, child.stdin, child.stdout, child.stderr] as Array<{
    ref?(): void;
    unref?(): void;
  } | null>)
    hold ? h?.ref?.() : h?.unref?.();
}
