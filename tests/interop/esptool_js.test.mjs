// SPDX-License-Identifier: MIT
// Independent check of the simulated board and of MicroFlash's stub: Espressif's esptool-js (the
// browser flasher, run here under Node) talks to esp8266-sim through RFC 2217, resets it into the
// ROM loader with DTR/RTS, identifies the chip and reads MAC, crystal and flash ID, writes through
// the ROM, and runs its whole normal flow (main(), compressed write, MD5 verify, read-back) with
// our stub uploaded in place of its own. Whatever esptool-js needs that the board gets wrong is a
// simulator bug; whatever it needs that the stub gets wrong is a stub bug.
//
// Run through ctest (interop.esptool_js): run_esptool_js.cmake installs our stub into the build
// tree's esptool-js and sets ESP8266_SIM, MICROFLASH_STUB_JSON and ESPTOOL_JS_STUB_JSON.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { ESPLoader, Transport } from "esptool-js";
import { Rfc2217SerialPort } from "./rfc2217_serial_port.mjs";
import { startSimulator } from "./sim.mjs";

const MAC = "5c:cf:7f:01:02:03";
const BOARD = ["--mac", MAC.toUpperCase(), "--flash-size", "4M", "--flash-vendor", "winbond"];
const WINBOND = 0xef;
const W25Q32_DEVICE = 0x4016; // 4 MB: capacity byte 0x16
// What the simulated board's USB-serial adapter (a CH340) would report to a browser.
const CH340 = { usbVendorId: 0x1a86, usbProductId: 0x7523 };
// The ESP8266 ROM loader's flash block (esptool's ROM FLASH_WRITE_SIZE, protocol doc §6.4).
const ROM_FLASH_BLOCK = 0x400;
// A test takes about a second; a hang (a board that never answers) fails instead.
const LIMIT = { timeout: 30000 };

/** esptool-js prints through this; the log is shown when a test fails. */
function makeTerminal() {
  const log = [];
  let line = "";
  return {
    log,
    clean() {},
    write(s) {
      line += s;
    },
    writeLine(s) {
      log.push(line + s);
      line = "";
    },
  };
}

/**
 * Starts a board, connects esptool-js to it through our RFC 2217 adapter and runs `body` with
 * the loader and its terminal; always disconnects and stops the simulator. Returns what the
 * simulator printed on stderr (its narration with `--log -`).
 */
async function withBoard(t, simArgs, body, { baudrate = 115200, timeScale = 0 } = {}) {
  const sim = await startSimulator(["--rfc2217", "0", "--time-scale", String(timeScale), ...simArgs]);
  assert.equal(sim.kind, "rfc2217", "esp8266-sim should serve RFC 2217");
  const terminal = makeTerminal();
  const port = new Rfc2217SerialPort("127.0.0.1", Number(sim.endpoint), CH340);
  const transport = new Transport(port, false);
  // esptool-js connects at romBaudrate and, in main() only, switches to baudrate after the
  // stub is up (the ESP8266 ROM cannot change its rate).
  const loader = new ESPLoader({ transport, baudrate, romBaudrate: 115200, terminal });
  let failed = true;
  let code;
  try {
    await body(loader, terminal);
    failed = false;
  } finally {
    await transport.disconnect().catch(() => {});
    code = await sim.stop();
    if (failed) {
      // One diagnostic per line: TAP cannot carry a multi-line one.
      t.diagnostic("esptool-js said:");
      for (const line of terminal.log.join("\n").split(/[\r\n]+/)) t.diagnostic(`  ${line}`);
      t.diagnostic(`esp8266-sim (exit ${code}) said:`);
      for (const line of sim.output().split("\n")) t.diagnostic(`  ${line}`);
    }
  }
  return sim.output();
}

/**
 * The part of ESPLoader.main() that runs before the stub upload: connect with the default
 * reset (DTR/RTS classic reset, then SYNC), chip detection, eFuse reads. main() itself always
 * goes on to upload a flasher stub (the tests at the end).
 */
async function identify(loader) {
  await loader.detectChip("default_reset");
  return {
    chip: loader.chip.CHIP_NAME,
    description: await loader.chip.getChipDescription(loader),
    features: await loader.chip.getChipFeatures(loader),
    crystal: await loader.chip.getCrystalFreq(loader),
    mac: await loader.chip.readMac(loader),
  };
}

/**
 * FLASH_BEGIN as the ESP8266 ROM takes it: four words. esptool-js's flashBegin() appends a 5th
 * word (the "encrypt" flag of newer ROMs) whenever no stub runs; esptool never sends that word
 * to this ROM (protocol doc §2.1 note b), and the board refuses the 20-byte form with error
 * 0x05, so this one goes through esptool-js's checkCommand() directly.
 */
async function romFlashBegin(loader, eraseSize, blocks, blockSize, offset) {
  const data = new Uint8Array(16);
  const view = new DataView(data.buffer);
  [eraseSize, blocks, blockSize, offset].forEach((w, i) => view.setUint32(4 * i, w, true));
  const timeout = loader.timeoutPerMb(loader.ERASE_REGION_TIMEOUT_PER_MB, eraseSize);
  await loader.checkCommand("enter Flash download mode", loader.ESP_FLASH_BEGIN, data, 0, 0, timeout);
}

/**
 * RDID (0x9F) through the SPI registers, with esptool-js's runSpiflashCommand().
 *
 * Two things differ from esptool on this chip:
 * - The ROM attaches the flash only on FLASH_BEGIN, so as esptool does for the ESP8266 ROM,
 *   FLASH_BEGIN(0, 0) goes first (esptool-js's flashSpiAttach() sends SPI_ATTACH, which this
 *   ROM does not have; its main() never needs it because the stub attaches the flash).
 * - esptool-js 0.7.0's ESP8266 class sets SPI_MOSI_DLEN_OFFS / SPI_MISO_DLEN_OFFS to 0 ("not in
 *   esp8266") and runSpiflashCommand() tests them with `!= null`, so it takes the ESP32 path:
 *   it writes the MISO length (23) to base + 0, i.e. SPI_CMD, and never sets USR1. The read
 *   length then is whatever USR1 held (reset value 0 on the board: 1 bit, so only the
 *   manufacturer byte arrives). Clearing the two offsets selects esptool-js's own ESP8266
 *   branch (lengths in USR1, as esptool does - protocol doc §6.1).
 */
async function flashId(loader) {
  await romFlashBegin(loader, 0, 0, ROM_FLASH_BLOCK, 0);
  loader.chip.SPI_MOSI_DLEN_OFFS = undefined;
  loader.chip.SPI_MISO_DLEN_OFFS = undefined;
  const id = await loader.readFlashId();
  return { id, manufacturer: id & 0xff, device: (((id >> 8) & 0xff) << 8) | ((id >> 16) & 0xff) };
}

test("esptool-js identifies an ESP8266EX board through DTR/RTS reset (ROM loader)", LIMIT, async (t) => {
  await withBoard(t, BOARD, async (loader) => {
    const info = await identify(loader);
    assert.equal(info.chip, "ESP8266");
    assert.equal(info.description, "ESP8266EX");
    assert.deepEqual(info.features, ["WiFi"]);
    assert.equal(info.crystal, 26);
    assert.equal(info.mac, MAC);
    // The ROM answers SYNC with a non-zero value; all zeros would mean a stub was talking.
    assert.equal(loader.syncStubDetected, false);
    const flash = await flashId(loader);
    assert.equal(flash.manufacturer, WINBOND, `flash ID 0x${flash.id.toString(16)}`);
    assert.equal(flash.device, W25Q32_DEVICE, `flash ID 0x${flash.id.toString(16)}`);
    assert.equal(loader.DETECTED_FLASH_SIZES[(flash.id >> 16) & 0xff], "4MB");
  });
});

test("esptool-js identifies an ESP8285 board", LIMIT, async (t) => {
  await withBoard(t, ["--chip", "esp8285n08", "--mac", MAC.toUpperCase()], async (loader) => {
    const info = await identify(loader);
    assert.equal(info.chip, "ESP8266"); // esptool-js has one class for both
    assert.equal(info.description, "ESP8285");
    assert.deepEqual(info.features, ["WiFi", "Embedded Flash"]);
    assert.equal(info.mac, MAC);
  });
});

/** Every byte value, 0xC0/0xDB (SLIP) and 0xFF (telnet IAC) many times, in an odd length. */
function testImage(size) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 131 + (i >> 8)) & 0xff;
  return data;
}

test("esptool-js writes flash through the ROM loader (no stub)", LIMIT, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "mf-interop-"));
  const flashOut = path.join(dir, "flash.bin");
  const image = testImage(5000);
  const blocks = Math.ceil(image.length / ROM_FLASH_BLOCK);
  try {
    await withBoard(t, [...BOARD, "--flash-state", "blank", "--flash-out", flashOut], async (loader) => {
      await identify(loader);
      // esptool's --no-stub write on an ESP8266: FLASH_BEGIN (the ROM erases), then 1 KiB
      // FLASH_DATA blocks, the last one padded with 0xFF, and no FLASH_END (it would leave the
      // loader). esptool-js's writeFlash() cannot do this against this ROM: it sends a 20-byte
      // FLASH_BEGIN and 16 KiB blocks (more than the board's ROM takes in one frame), so its
      // building blocks are used in esptool's order. The erase size is esptool-js's, which
      // lacks esptool's workaround for the ROM's over-erase (protocol doc §6.3): the ROM
      // erases two sectors more than needed here, which a blank flash does not show.
      await romFlashBegin(loader, loader.chip.getEraseSize(0, image.length), blocks, ROM_FLASH_BLOCK, 0);
      for (let seq = 0; seq < blocks; seq++) {
        const block = new Uint8Array(ROM_FLASH_BLOCK).fill(0xff);
        block.set(image.subarray(seq * ROM_FLASH_BLOCK, (seq + 1) * ROM_FLASH_BLOCK));
        await loader.flashBlock(block, seq, loader.DEFAULT_TIMEOUT);
      }
      // No MD5 and no read-back in ROM mode: the simulator's flash image is the evidence.
    });
    const flash = readFileSync(flashOut);
    assert.equal(flash.length, 4 * 1024 * 1024);
    assert.deepEqual(new Uint8Array(flash.subarray(0, image.length)), image);
    assert.ok(flash.subarray(image.length, blocks * ROM_FLASH_BLOCK).every((b) => b === 0xff));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- esptool-js's own flow with MicroFlash's stub ----
//
// esptool-js uploads the stub JSON it ships for the ESP8266; the ctest driver
// (run_esptool_js.cmake) has put MicroFlash's stub (stub_json, from src/core/stub_blob.c) in its
// place in the build tree's node_modules, and esp8266-sim runs the stub's real logic only for
// exactly those bytes. So the test below is esptool-js's normal flow against our stub.

const STUB_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "node_modules/esptool-js/lib/targets/stub_flasher/esp8266.json",
);
const FAST_BAUD = 921600;
const BOOT_ADDR = 0x0;
const APP_ADDR = 0x10000;
const SECTOR = 0x1000;
const FLASH_4M = 4 * 1024 * 1024;
// The stub's commands (esptool-js's opcodes, protocol doc §2.1 and §8.3).
const OP = {
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  READ_FLASH: 0xd2,
};

/** The stub JSON files: ours (as the driver generated it) and esptool-js's own. */
function stubJson(envName) {
  const file = process.env[envName];
  if (!file) throw new Error(`${envName} is not set: run the test through ctest (run_esptool_js.cmake)`);
  return JSON.parse(readFileSync(file, "utf8"));
}

/** mulberry32: a small seeded PRNG, so every run writes the same bytes. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * Firmware-like bytes: runs of random bytes (code, compressed assets), copies of earlier runs
 * (what deflate finds in code), zero and 0xFF fill (tables, padding) and text, so the stream
 * deflates to roughly half and carries every byte value (0xC0/0xDB for SLIP) many times.
 */
function fillFirmware(buf, rand) {
  const text = new TextEncoder().encode("MicroFlash interop: esptool-js writes, the stub inflates. ");
  let at = 0;
  while (at < buf.length) {
    const kind = rand() % 5;
    let n = 0;
    if (kind <= 1) {
      n = 16 + (rand() % 1024);
      for (let i = 0; i < n && at + i < buf.length; i++) buf[at + i] = rand() & 0xff;
    } else if (kind === 2 && at > 1024) {
      const from = rand() % (at - 512);
      n = 8 + (rand() % 256);
      for (let i = 0; i < n && at + i < buf.length; i++) buf[at + i] = buf[from + i];
    } else if (kind === 3) {
      n = 16 + (rand() % 512);
      buf.fill(rand() & 1 ? 0xff : 0x00, at, Math.min(at + n, buf.length));
    } else {
      n = text.length;
      buf.set(text.subarray(0, Math.min(n, buf.length - at)), at);
    }
    at += n;
  }
  return buf;
}

/**
 * A NONOS-SDK-like firmware: a version 1 ESP8266 image for 0x0 (IRAM code, two DRAM segments,
 * the checksum byte that the boot ROM and esp8266-sim check, written as qio / 1 MB / 40 MHz so
 * that esptool-js's flash_mode/size options visibly patch bytes 2 and 3) and the irom0 text for
 * 0x10000 with an odd length (esptool-js pads it to 4 with 0xFF). About 210 KiB in all.
 */
function makeFirmware(seed) {
  const rand = prng(seed);
  const segs = [
    { addr: 0x40100000, data: fillFirmware(new Uint8Array(28 * 1024 + 132), rand) },
    { addr: 0x3ffe8000, data: fillFirmware(new Uint8Array(1500), rand) },
    { addr: 0x3ffe85e0, data: fillFirmware(new Uint8Array(900), rand) },
  ];
  let len = 8 + segs.reduce((n, sg) => n + 8 + sg.data.length, 0);
  len += 16 - (len % 16); // the checksum is the last byte of a 16-byte line
  const boot = new Uint8Array(len);
  const view = new DataView(boot.buffer);
  boot.set([0xe9, segs.length, 0x00 /* qio */, 0x20 /* 1 MB, 40 MHz */]);
  view.setUint32(4, 0x40100004, true);
  let at = 8;
  let sum = 0xef;
  for (const sg of segs) {
    view.setUint32(at, sg.addr, true);
    view.setUint32(at + 4, sg.data.length, true);
    boot.set(sg.data, at + 8);
    at += 8 + sg.data.length;
    for (const b of sg.data) sum ^= b;
  }
  boot[len - 1] = sum;
  const app = fillFirmware(new Uint8Array(180 * 1024 + 3), rand);
  return { boot, app };
}

/** What esptool-js must write: the image header patched for dio / 4 MB / 40 MHz, 4-byte padding. */
function expectedWrites(fw) {
  const boot = new Uint8Array(fw.boot);
  boot[2] = 0x02; // dio
  boot[3] = 0x40; // 4 MB (0x40) + 40 MHz (0x0)
  const app = new Uint8Array(Math.ceil(fw.app.length / 4) * 4).fill(0xff);
  app.set(fw.app);
  return [
    { addr: BOOT_ADDR, data: boot },
    { addr: APP_ADDR, data: app },
  ];
}

/** The count of one opcode in esp8266-sim's statistics. */
function commandCount(stats, op) {
  return stats.commands.find((c) => c.opcode === op)?.count ?? 0;
}

test("esptool-js main(), flash write, verify and read-back with MicroFlash's stub", LIMIT, async (t) => {
  const ours = stubJson("MICROFLASH_STUB_JSON");
  // esptool-js must upload our stub: its ESP8266 stub file is the one the driver installed.
  assert.deepEqual(JSON.parse(readFileSync(STUB_FILE, "utf8")), ours);

  const dir = mkdtempSync(path.join(tmpdir(), "mf-interop-"));
  const flashIn = path.join(dir, "flash-in.bin");
  const flashOut = path.join(dir, "flash-out.bin");
  const statsFile = path.join(dir, "stats.json");
  // A used board, old firmware everywhere and no byte erased: the stub must erase every sector
  // it writes to.
  const before = fillFirmware(new Uint8Array(FLASH_4M), prng(7)).map((b) => (b === 0xff ? 0x5a : b));
  writeFileSync(flashIn, before);
  const fw = makeFirmware(2024);
  const want = expectedWrites(fw);
  const hashed = [];
  let terminal;
  let simLog = "";
  try {
    simLog = await withBoard(
      t,
      [...BOARD, "--flash-in", flashIn, "--flash-out", flashOut, "--stats", statsFile, "--log", "-"],
      async (loader, term) => {
        terminal = term;
        // main(): reset into the ROM, detect, upload the stub (MEM_* at 115200, then "OHAI"),
        // CHANGE_BAUDRATE to FAST_BAUD (RFC 2217 SET-BAUDRATE in place) and a READ_REG probe.
        assert.equal(await loader.main("default_reset"), "ESP8266EX");
        assert.equal(loader.IS_STUB, true);
        assert.equal(loader.transport.baudrate, FAST_BAUD);
        await loader.writeFlash({
          fileArray: [
            { data: fw.boot, address: BOOT_ADDR },
            { data: fw.app, address: APP_ADDR },
          ],
          flashMode: "dio",
          flashFreq: "40m",
          flashSize: "4MB",
          eraseAll: false,
          compress: true,
          // writeFlash() compares this with SPI_FLASH_MD5 from the stub and throws on a
          // mismatch; the images it hashes are the bytes it sent.
          calculateMD5Hash: (data) => {
            hashed.push(new Uint8Array(data));
            return createHash("md5").update(data).digest("hex");
          },
        });
        assert.equal(hashed.length, 2);
        for (const [i, w] of want.entries()) {
          assert.deepEqual(hashed[i], w.data, `esptool-js sent other bytes for 0x${w.addr.toString(16)}`);
          const back = await loader.readFlash(w.addr, w.data.length);
          assert.equal(back.length, w.data.length);
          assert.ok(Buffer.from(back).equals(Buffer.from(w.data)), `read-back at 0x${w.addr.toString(16)}`);
        }
        // esptool-js's end of a session. Its 0.7.0 HardReset only sets RTS false (never true), and
        // Transport.setRTS() re-sends a DTR state that setSignals() never cleared (it records
        // only a true DTR), so on an auto-reset circuit this asserts GPIO0 and resets nothing.
        await loader.after("hard_reset");
        // esptool's hard reset (EN pulse by RTS with DTR low, GPIO0 high): the board boots the
        // image esptool-js wrote, and esp8266-sim checks its segments and checksum.
        await loader.transport.setSignals(false, true);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await loader.transport.setSignals(false, false);
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
      // Real time: esptool-js's changeBaud() waits in wall time (50 ms, then at least 100 ms
      // of quiet input) before its first command at the new rate; at time scale 0 the board
      // would skip that idle time at once, past any deadline the stub keeps meanwhile.
      { baudrate: FAST_BAUD, timeScale: 1 },
    );
    const log = terminal.log.join("\n");
    assert.equal(log.match(/Hash of data verified\./g)?.length, 2, "esptool-js's MD5 checks");
    assert.match(simLog, /jump to 0x4010c500: stub running/);
    assert.match(simLog, new RegExp(`client: ${FAST_BAUD} baud`));
    assert.match(simLog, /flash boot: dio image \(entry 0x40100004\) starts/);

    // The flash, byte for byte: the two writes, the rest of their sectors erased (every sector
    // they touch held other bytes, so each needed its erase) and everything else as it was.
    const flash = readFileSync(flashOut);
    assert.equal(flash.length, FLASH_4M);
    const expected = Buffer.from(before);
    for (const w of want) {
      const lo = Math.floor(w.addr / SECTOR) * SECTOR;
      const hi = Math.ceil((w.addr + w.data.length) / SECTOR) * SECTOR;
      expected.fill(0xff, lo, hi);
      expected.set(w.data, w.addr);
    }
    const firstDiff = flash.findIndex((b, i) => b !== expected[i]);
    assert.equal(firstDiff, -1, `flash differs at 0x${firstDiff.toString(16)}`);

    // What the board saw: one stub start, our stub's commands, the fast rate, no violation.
    const stats = JSON.parse(readFileSync(statsFile, "utf8"));
    assert.equal(stats.board.stub_starts, 1);
    assert.equal(stats.host.max_baud, FAST_BAUD);
    assert.equal(commandCount(stats, OP.CHANGE_BAUDRATE), 1);
    assert.equal(commandCount(stats, OP.FLASH_DEFL_BEGIN), 2);
    assert.equal(commandCount(stats, OP.FLASH_DEFL_END), 2);
    assert.equal(commandCount(stats, OP.SPI_FLASH_MD5), 2);
    assert.equal(commandCount(stats, OP.READ_FLASH), 2);
    assert.ok(commandCount(stats, OP.FLASH_DEFL_DATA) >= 2);
    // detectChip() asks the ROM for GET_SECURITY_INFO (0x14), which the ESP8266 ROM does not
    // have (esptool-js takes the error reply); nothing else may break the protocol.
    assert.equal(stats.violations.log_truncated, false);
    const unexpected = stats.violations.log.filter((v) => !(v.kind === "unsupported" && v.arg0 === 0x14));
    assert.deepEqual(unexpected, []);
    assert.equal(stats.violations.total, stats.violations.log.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("esp8266-sim does not run esptool-js's own stub (code it cannot execute)", LIMIT, async (t) => {
  const theirs = stubJson("ESPTOOL_JS_STUB_JSON");
  const ours = stubJson("MICROFLASH_STUB_JSON");
  assert.notEqual(theirs.text, ours.text);
  const simLog = await withBoard(t, [...BOARD, "--log", "-"], async (loader) => {
    await identify(loader);
    // runStub()'s upload, with esptool-js's own stub JSON.
    for (const [start, b64] of [
      [theirs.text_start, theirs.text],
      [theirs.data_start, theirs.data],
    ]) {
      const bytes = new Uint8Array(Buffer.from(b64, "base64"));
      const blocks = Math.ceil(bytes.length / loader.ESP_RAM_BLOCK);
      await loader.memBegin(bytes.length, blocks, loader.ESP_RAM_BLOCK, start);
      for (let seq = 0; seq < blocks; seq++) {
        await loader.memBlock(bytes.slice(seq * loader.ESP_RAM_BLOCK, (seq + 1) * loader.ESP_RAM_BLOCK), seq);
      }
    }
    await loader.memFinish(theirs.entry);
    // No "OHAI": the chip runs code the simulator cannot execute and stays silent.
    await assert.rejects(loader.transport.read(500));
  });
  const hex = (n) => `0x${n.toString(16).padStart(8, "0")}`;
  assert.ok(simLog.includes(`stub model: entry ${hex(theirs.entry)} is not MicroFlash's stub entry ${hex(ours.entry)}`));
  assert.match(simLog, /no stub model for this code, the chip falls silent/);
});
