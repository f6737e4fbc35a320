// SPDX-License-Identifier: MIT
// A Web Serial `SerialPort` look-alike over an RFC 2217 (telnet COM-PORT-OPTION) connection, so
// that esptool-js's `Transport` can drive the simulated board (esp8266-sim --rfc2217) exactly as
// it drives a USB-serial adapter in a browser: data through `readable`/`writable` web streams,
// the baud rate through `open()`, DTR/RTS (the board's auto-reset circuit) through
// `setSignals()`. Written from RFC 854/855 and RFC 2217; it implements only what a client of one
// serial port needs.

import net from "node:net";

// Telnet (RFC 854) command bytes.
const IAC = 0xff;
const DONT = 0xfe;
const DO = 0xfd;
const WONT = 0xfc;
const WILL = 0xfb;
const SB = 0xfa;
const SE = 0xf0;

// Options: BINARY (RFC 856) so 8-bit data passes untouched, SUPPRESS-GO-AHEAD (RFC 858) for a
// full-duplex stream, COM-PORT-OPTION (RFC 2217) for the serial line.
const OPT_BINARY = 0;
const OPT_SGA = 3;
const OPT_COM_PORT = 44;
const SUPPORTED_OPTIONS = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT]);

// COM-PORT-OPTION commands (client → server); the server answers with code + 100.
const CPO_SET_BAUDRATE = 1;
const CPO_SET_DATASIZE = 2;
const CPO_SET_PARITY = 3;
const CPO_SET_STOPSIZE = 4;
const CPO_SET_CONTROL = 5;
const CPO_SERVER_OFFSET = 100;

// SET-CONTROL values.
const CONTROL_BREAK_ON = 5;
const CONTROL_BREAK_OFF = 6;
const CONTROL_DTR_ON = 8;
const CONTROL_DTR_OFF = 9;
const CONTROL_RTS_ON = 11;
const CONTROL_RTS_OFF = 12;

const PARITY_CODES = { none: 1, odd: 2, even: 3 };
const STOPSIZE_CODES = { 1: 1, 2: 2 };

// A server that does not confirm within this time is broken (the simulator answers at once).
const REPLY_TIMEOUT_MS = 5000;

// Per-option negotiation state for one side (RFC 1143 without the queue bits: our requests are
// never withdrawn, so NO / YES / WANTYES suffice).
const Q_NO = 0;
const Q_YES = 1;
const Q_WANTYES = 2;

/** Doubles every 0xFF so data bytes are never read as telnet commands. */
function escapeIac(bytes) {
  let count = 0;
  for (const b of bytes) if (b === IAC) count++;
  if (count === 0) return bytes;
  const out = new Uint8Array(bytes.length + count);
  let j = 0;
  for (const b of bytes) {
    out[j++] = b;
    if (b === IAC) out[j++] = IAC;
  }
  return out;
}

export class Rfc2217SerialPort {
  /**
   * @param {string} host  address of the RFC 2217 server
   * @param {number} port  its TCP port
   * @param {{usbVendorId?: number, usbProductId?: number}} info  what getInfo() reports
   */
  constructor(host, port, info = {}) {
    this.host = host;
    this.port = port;
    this.info = { ...info };
    this.readable = null;
    this.writable = null;
    this.socket = null;
    this.baudRate = 0;
    // Negotiation state of our side ("us": WILL/WONT we send) and the server's ("him": DO/DONT).
    this.us = new Map();
    this.him = new Map();
    // Waiters for server confirmations, by answer code, oldest first.
    this.waiters = new Map();
    this.comPortWaiter = null;
    this.failure = null;
    this.resetParser();
  }

  getInfo() {
    return { ...this.info };
  }

  /** Web Serial's open(): connect, agree on the options, then set the line format. */
  async open(options = {}) {
    if (this.socket) throw new Error("port already open");
    const baudRate = options.baudRate;
    if (!Number.isInteger(baudRate) || baudRate <= 0) throw new TypeError("baudRate required");
    this.failure = null;
    this.resetParser();
    this.us.clear();
    this.him.clear();

    const socket = net.createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true); // each SLIP frame should leave at once, as on a USB adapter
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    this.socket = socket;
    this.makeStreams();
    socket.on("data", (chunk) => this.onBytes(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.onSocketClosed());

    // RFC 2217 §2: the client offers COM-PORT-OPTION and must not send its commands before the
    // server has agreed with DO.
    const agreed = new Promise((resolve, reject) => {
      this.comPortWaiter = { resolve, reject };
    });
    const offers = [
      this.offer(this.us, WILL, OPT_BINARY),
      this.offer(this.him, DO, OPT_BINARY),
      this.offer(this.us, WILL, OPT_SGA),
      this.offer(this.him, DO, OPT_SGA),
      this.offer(this.us, WILL, OPT_COM_PORT),
    ];
    this.sendRaw(new Uint8Array(offers.flat()));
    await this.withTimeout(agreed, "COM-PORT-OPTION negotiation");

    const dataBits = options.dataBits ?? 8;
    const parity = PARITY_CODES[options.parity ?? "none"];
    const stopBits = STOPSIZE_CODES[options.stopBits ?? 1];
    if (parity === undefined || stopBits === undefined || dataBits < 5 || dataBits > 8) {
      throw new TypeError("unsupported line format");
    }
    await this.commands([
      [CPO_SET_BAUDRATE, this.u32(baudRate)],
      [CPO_SET_DATASIZE, [dataBits]],
      [CPO_SET_PARITY, [parity]],
      [CPO_SET_STOPSIZE, [stopBits]],
    ]);
    this.baudRate = baudRate;
  }

  /** Not in Web Serial: esptool-js's Transport uses it, when present, to change the rate without
   * reopening the port (RFC 2217 can, a browser cannot). */
  async setBaudRate(baudRate) {
    await this.commands([[CPO_SET_BAUDRATE, this.u32(baudRate)]]);
    this.baudRate = baudRate;
  }

  /** Web Serial's setSignals(): members left out keep their state. Resolves once the server has
   * confirmed every change, i.e. the line has moved - esptool-js times its reset pulses from
   * here. All changes go out in one TCP segment, DTR before RTS as esptool's own reset code
   * orders them. */
  async setSignals(signals = {}) {
    const cmds = [];
    if (signals.dataTerminalReady !== undefined) {
      cmds.push([CPO_SET_CONTROL, [signals.dataTerminalReady ? CONTROL_DTR_ON : CONTROL_DTR_OFF]]);
    }
    if (signals.requestToSend !== undefined) {
      cmds.push([CPO_SET_CONTROL, [signals.requestToSend ? CONTROL_RTS_ON : CONTROL_RTS_OFF]]);
    }
    if (signals.break !== undefined) {
      cmds.push([CPO_SET_CONTROL, [signals.break ? CONTROL_BREAK_ON : CONTROL_BREAK_OFF]]);
    }
    await this.commands(cmds);
  }

  /** Web Serial's close(): the streams must already be unlocked (esptool-js waits for that). */
  async close() {
    const socket = this.socket;
    if (!socket) return;
    if (this.readable?.locked || this.writable?.locked) {
      throw new TypeError("cannot close: a stream is locked");
    }
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.end();
    await closed;
  }

  // ---- streams ----

  makeStreams() {
    const socket = this.socket;
    this.readController = null;
    this.readable = new ReadableStream({
      start: (controller) => {
        this.readController = controller;
      },
      cancel: () => {
        // A cancelled readable is gone for good (Web Serial hands out a new one only after
        // reopening); esptool-js cancels it on disconnect.
        this.readController = null;
      },
    });
    this.writable = new WritableStream({
      write: (chunk) => {
        if (this.failure) throw this.failure;
        return new Promise((resolve, reject) => {
          socket.write(escapeIac(chunk), (err) => (err ? reject(err) : resolve()));
        });
      },
    });
  }

  onSocketClosed() {
    this.readController?.close();
    this.readController = null;
    this.socket = null;
    this.readable = null;
    this.writable = null;
    this.fail(new Error("connection closed"));
    this.failure = null;
  }

  fail(err) {
    this.failure ??= err;
    try {
      this.readController?.error(err);
    } catch {
      // already closed
    }
    this.readController = null;
    this.comPortWaiter?.reject(err);
    this.comPortWaiter = null;
    for (const list of this.waiters.values()) for (const w of list) w.reject(err);
    this.waiters.clear();
  }

  // ---- sending ----

  sendRaw(bytes) {
    if (!this.socket) throw new Error("port not open");
    this.socket.write(bytes);
  }

  u32(v) {
    return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  }

  /** Sends COM-PORT-OPTION commands in one write and waits for every confirmation. */
  async commands(cmds) {
    if (cmds.length === 0) return;
    const bytes = [];
    const answers = [];
    for (const [code, value] of cmds) {
      bytes.push(IAC, SB, OPT_COM_PORT, code, ...escapeIac(value), IAC, SE);
      answers.push(this.expect(code + CPO_SERVER_OFFSET, code));
    }
    this.sendRaw(new Uint8Array(bytes));
    await Promise.all(answers);
  }

  expect(answerCode, code) {
    const p = new Promise((resolve, reject) => {
      const list = this.waiters.get(answerCode) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(answerCode, list);
    });
    return this.withTimeout(p, `confirmation of COM-PORT-OPTION command ${code}`);
  }

  withTimeout(promise, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`RFC 2217: no ${what} from the server`)),
        REPLY_TIMEOUT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  // ---- negotiation (RFC 1143, simplified) ----

  /** Starts asking for an option; returns the bytes to send. */
  offer(table, verb, option) {
    table.set(option, Q_WANTYES);
    return [IAC, verb, option];
  }

  /** A WILL/WONT (about the server's side) or DO/DONT (about ours) arrived. */
  onVerb(verb, option) {
    const aboutUs = verb === DO || verb === DONT;
    const table = aboutUs ? this.us : this.him;
    const yes = aboutUs ? WILL : DO;
    const no = aboutUs ? WONT : DONT;
    const state = table.get(option) ?? Q_NO;
    if (verb === WILL || verb === DO) {
      if (state === Q_NO) {
        // The peer asks: agree to what we understand, refuse the rest.
        if (SUPPORTED_OPTIONS.has(option)) {
          table.set(option, Q_YES);
          this.sendRaw(new Uint8Array([IAC, yes, option]));
        } else {
          this.sendRaw(new Uint8Array([IAC, no, option]));
        }
      } else if (state === Q_WANTYES) {
        table.set(option, Q_YES); // the answer to our own request: not answered again
      }
    } else {
      if (state === Q_YES) {
        table.set(option, Q_NO);
        this.sendRaw(new Uint8Array([IAC, no, option]));
      } else if (state === Q_WANTYES) {
        table.set(option, Q_NO); // our request was refused
      }
    }
    if (aboutUs && option === OPT_COM_PORT && this.comPortWaiter && table.get(option) !== Q_WANTYES) {
      const w = this.comPortWaiter;
      this.comPortWaiter = null;
      if (table.get(option) === Q_YES) w.resolve();
      else w.reject(new Error("RFC 2217: the server refused COM-PORT-OPTION"));
    }
  }

  // ---- receiving ----

  resetParser() {
    this.state = "data";
    this.verb = 0;
    this.sb = [];
  }

  /** Splits the telnet stream into serial data (to `readable`) and telnet commands. */
  onBytes(chunk) {
    const data = new Uint8Array(chunk.length);
    let n = 0;
    for (const b of chunk) {
      switch (this.state) {
        case "data":
          if (b === IAC) this.state = "iac";
          else data[n++] = b;
          break;
        case "iac":
          if (b === IAC) {
            data[n++] = IAC; // an escaped 0xFF data byte
            this.state = "data";
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.verb = b;
            this.state = "verb";
          } else if (b === SB) {
            this.sb = [];
            this.state = "sb";
          } else {
            this.state = "data"; // NOP, GA, ...: nothing to do for a serial client
          }
          break;
        case "verb":
          this.onVerb(this.verb, b);
          this.state = "data";
          break;
        case "sb":
          if (b === IAC) this.state = "sb-iac";
          else this.sb.push(b);
          break;
        case "sb-iac":
          if (b === IAC) {
            this.sb.push(IAC);
            this.state = "sb";
          } else {
            // SE ends the subnegotiation; anything else aborts it (it is dropped).
            if (b === SE) this.onSubnegotiation(this.sb);
            this.state = "data";
          }
          break;
      }
    }
    if (n > 0 && this.readController) this.readController.enqueue(data.slice(0, n));
  }

  /** A server COM-PORT-OPTION message: a confirmation settles the oldest matching waiter;
   * notifications (line/modem state) need no action here. */
  onSubnegotiation(sb) {
    if (sb.length < 2 || sb[0] !== OPT_COM_PORT) return;
    const list = this.waiters.get(sb[1]);
    const w = list?.shift();
    if (w) w.resolve(sb.slice(2));
  }
}
