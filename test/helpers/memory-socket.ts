import { EventEmitter } from 'node:events';
import { decodeSourceMessage, encodeMessage } from '../../common/federation/codec.js';
import type { LinkSocket, SocketFactory } from '../../common/federation/link-transport.js';
import type { HubMessage, SourceMessage } from '../../common/federation/messages.js';

/**
 * The hub's end of an in-memory federation socket: what the source sent (decoded), and the hub's
 * moves (open, answer, stay silent, close). A small real thing for unit tests of SourceLink with
 * fake timers: no network, no clock of its own.
 */
export class MemoryHubEnd {
  readonly received: SourceMessage[] = [];
  pings = 0;
  terminated = false;
  closed: { code: number | undefined; reason: string | undefined } | undefined;
  /** What the socket says it holds unsent (set by a test to simulate a slow hub). */
  bufferedAmount = 0;
  /** Answer pings with a pong (a live hub); false: a hub that stopped answering. */
  answersPings = true;
  readonly socket: LinkSocket;
  private readonly events = new EventEmitter();

  constructor(readonly url: string) {
    const end = this;
    this.socket = {
      get bufferedAmount() {
        return end.bufferedAmount;
      },
      send: (frame) => end.received.push(decodeSourceMessage(frame, 64 * 1024 * 1024)),
      ping: () => {
        end.pings++;
        if (end.answersPings) end.events.emit('pong');
      },
      terminate: () => {
        if (end.terminated) return;
        end.terminated = true;
        end.events.emit('close', 1006, Buffer.alloc(0));
      },
      close: (code, reason) => {
        if (end.closed !== undefined || end.terminated) return;
        end.closed = { code, reason };
        end.events.emit('close', code ?? 1005, Buffer.from(reason ?? ''));
      },
      on(event: string, listener: (...args: never[]) => void) {
        end.events.on(event, listener as (...args: unknown[]) => void);
        return this;
      },
    } as LinkSocket;
  }

  /** The upgrade succeeded. */
  open(): void {
    this.events.emit('open');
  }

  /** The hub sends a message. */
  send(message: HubMessage): void {
    this.events.emit('message', encodeMessage(message));
  }

  /** The hub sends raw bytes (a malformed frame). */
  sendRaw(frame: Buffer): void {
    this.events.emit('message', frame);
  }

  /** The hub goes away (the connection ends with a code). */
  drop(code = 1006, reason = ''): void {
    this.events.emit('close', code, Buffer.from(reason));
  }

  /** The last message of a type the source sent. */
  last<T extends SourceMessage['t']>(t: T): Extract<SourceMessage, { t: T }> | undefined {
    return this.received.filter((m): m is Extract<SourceMessage, { t: T }> => m.t === t).at(-1);
  }
}

/** A SocketFactory that hands out in-memory sockets; `ends` holds each connection's hub end, in order. */
export function memorySockets(): { connect: SocketFactory; ends: MemoryHubEnd[] } {
  const ends: MemoryHubEnd[] = [];
  return {
    ends,
    connect: (url) => {
      const end = new MemoryHubEnd(url);
      ends.push(end);
      return end.socket;
    },
  };
}
