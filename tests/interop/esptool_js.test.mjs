// SPDX-License-Identifier: MIT
// Independent check of the simulated board: Espressif's esptool-js (the browser flasher, run
// here under Node) talks to esp8266-sim through RFC 2217, resets it into the ROM loader with
// DTR/RTS, identifies the chip and reads MAC, crystal and flash ID. Whatever esptool-js needs
// that the board gets wrong is a simulator bug.
//
// Run: ESP8266_SIM=/path/to/esp8266-sim node --test esptool_js.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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
 * the loader; always disconnects and stops the simulator.
 */
async function withBoard(t, simArgs, body, { baudrate = 115200 } = {}) {
  const sim = await startSimulator(["--rfc2217", "0", "--time-scale", "0", ...simArgs]);
  assert.equal(sim.kind, "rfc2217", "esp8266-sim should serve RFC 2217");
  const terminal = makeTerminal();
  const port = new Rfc2217SerialPort("127.0.0.1", Number(sim.endpoint), CH340);
  const transport = new Transport(port, false);
  // esptool-js connects at romBaudrate and, in main() only, switches to baudrate after the
  // stub is up (the ESP8266 ROM cannot change its rate).
  const loader = new ESPLoader({ transport, baudrate, romBaudrate: 115200, terminal });
  let failed = true;
  try {
    await body(loader);
    failed = false;
  } finally {
    await transport.disconnect().catch(() => {});
    const code = await sim.stop();
    if (failed) {
      // One diagnostic per line: TAP cannot carry a multi-line one.
      t.diagnostic("esptool-js said:");
      for (const line of terminal.log.join("\n").split(/[\r\n]+/)) t.diagnostic(`  ${line}`);
      t.diagnostic(`esp8266-sim (exit ${code}) said:`);
      for (const line of sim.output().split("\n")) t.diagnostic(`  ${line}`);
    }
  }
}

/**
 * The part of ESPLoader.main() that runs before the stub upload: connect with the default
 * reset (DTR/RTS classic reset, then SYNC), chip detection, eFuse reads. main() itself always
 * uploads esptool-js's flasher stub, which needs the stub model (see the todo test below).
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

// The whole of esptool-js's normal flow: main() uploads the ESP8266 flasher stub esptool-js
// ships (esp-flasher-stub, entry 0x4010C504: MEM_BEGIN/MEM_DATA/MEM_END, then it waits for
// "OHAI"), switches to 460800 baud; then a compressed write verified by MD5, and a read-back.
// Without a stub model the board falls silent after MEM_END (board.h, board_stub_hooks), so
// main() times out waiting for OHAI; this becomes a plain test when the stub issue lands.
test("esptool-js main(), flash write, verify and read-back with its stub", {
  ...LIMIT,
  todo: "needs the simulator's flasher-stub model (stub issue)",
}, async (t) => {
  const image = testImage(70000);
  await withBoard(t, BOARD, async (loader) => {
    assert.equal(await loader.main("default_reset"), "ESP8266EX");
    assert.equal(loader.IS_STUB, true);
    await loader.writeFlash({
      fileArray: [{ data: image, address: 0x10000 }],
      flashMode: "keep",
      flashFreq: "keep",
      flashSize: "keep",
      eraseAll: false,
      compress: true,
      // writeFlash() compares this with SPI_FLASH_MD5 from the stub and throws on a mismatch.
      calculateMD5Hash: (data) => createHash("md5").update(data).digest("hex"),
    });
    const back = await loader.readFlash(0x10000, image.length);
    assert.deepEqual(back, image);
    await loader.after("hard_reset");
  }, { baudrate: 460800 });
});
