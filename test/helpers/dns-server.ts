import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';

/**
 * A tiny authoritative DNS server over UDP on 127.0.0.1 (port 0), answering from `zone`, which a
 * test may change at any time. Unknown names get NXDOMAIN; a known name without records of the asked
 * type gets an empty NOERROR (NODATA); `servfail` answers SERVFAIL and `silent` drops the query.
 * Answers carry TTL 0 so resolvers do not cache them. Owned by one test; lives until `close()`.
 */

export interface SrvAnswer {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** The target host name, e.g. "a.svc.test". */
  readonly target: string;
}

export interface ZoneEntry {
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
  readonly SRV?: readonly SrvAnswer[];
  readonly servfail?: boolean;
  readonly silent?: boolean;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const TYPE_SRV = 33;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

export class TestDnsServer {
  /** Names are lower case, without the trailing dot. */
  readonly zone = new Map<string, ZoneEntry>();
  /** Queries answered so far (or dropped, for `silent` names). */
  queries = 0;
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (msg, peer) => this.#answer(msg, peer));
  }

  static async start(): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new TestDnsServer(socket);
  }

  /** "127.0.0.1:PORT", for `Resolver.setServers([server.address])`. */
  get address(): string {
    return `127.0.0.1:${this.#socket.address().port}`;
  }

  async close(): Promise<void> {
    this.#socket.close();
    await once(this.#socket, 'close');
  }

  #answer(query: Buffer, peer: RemoteInfo): void {
    const question = parseQuestion(query);
    if (question === undefined) return;
    this.queries += 1;
    const entry = this.zone.get(question.name);
    if (entry?.silent === true) return;
    let rcode = 0;
    let answers: Buffer[] = [];
    if (entry === undefined) rcode = RCODE_NXDOMAIN;
    else if (entry.servfail === true) rcode = RCODE_SERVFAIL;
    else answers = recordsOf(entry, question.type);

    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // id
    const flags = query.readUInt16BE(2);
    // QR, the query's opcode and RD, AA, RA, rcode.
    header.writeUInt16BE(0x8000 | (flags & 0x7800) | 0x0400 | (flags & 0x0100) | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    this.#socket.send(Buffer.concat([header, question.bytes, ...answers]), peer.port, peer.address);
  }
}

/** The first question of a query: its name, type and raw bytes (echoed back in the answer). */
function parseQuestion(msg: Buffer): { name: string; type: number; bytes: Buffer } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    const length = msg[offset];
    if (length === undefined || length > 63) return undefined;
    offset += 1;
    if (length === 0) break;
    labels.push(msg.toString('latin1', offset, offset + length));
    offset += length;
  }
  if (offset + 4 > msg.length) return undefined;
  return {
    name: labels.join('.').toLowerCase(),
    type: msg.readUInt16BE(offset),
    bytes: msg.subarray(12, offset + 4),
  };
}

function recordsOf(entry: ZoneEntry, type: number): Buffer[] {
  switch (type) {
    case TYPE_A:
      return (entry.A ?? []).map((ip) => record(TYPE_A, Buffer.from(ip.split('.').map(Number))));
    case TYPE_AAAA:
      return (entry.AAAA ?? []).map((ip) => record(TYPE_AAAA, ipv6Bytes(ip)));
    case TYPE_SRV:
      return (entry.SRV ?? []).map((srv) => {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(srv.priority, 0);
        fixed.writeUInt16BE(srv.weight, 2);
        fixed.writeUInt16BE(srv.port, 4);
        return record(TYPE_SRV, Buffer.concat([fixed, encodeName(srv.target)]));
      });
    default:
      return [];
  }
}

/** One answer: the name as a compression pointer to the question (offset 12), class IN, TTL 0. */
function record(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(0, 6);
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}

function encodeName(name: string): Buffer {
  const labels = name.split('.').filter((label) => label !== '');
  return Buffer.concat([...labels.map((label) => Buffer.from([label.length, ...Buffer.from(label, 'latin1')])), Buffer.from([0])]);
}

/** "fd00::1" -> 16 bytes (no embedded IPv4 form). */
function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}
