// SPDX-License-Identifier: MIT
// Runs esp8266-sim (the simulated board) as a child process for one test and stops it again.

import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import readline from "node:readline";

// Guard only: the simulator prints READY as soon as it listens (well under a second).
const READY_TIMEOUT_MS = 15000;
const EXIT_TIMEOUT_MS = 10000;

/** The simulator binary from $ESP8266_SIM; a missing one is an error, never a skip. */
export function simulatorPath() {
  const path = process.env.ESP8266_SIM;
  if (!path) throw new Error("ESP8266_SIM is not set: give the path of the esp8266-sim binary");
  accessSync(path, constants.X_OK);
  return path;
}

/**
 * Starts the simulator and resolves when it has printed
 * `READY <kind> <path-or-port> <control-port>`.
 * @returns {Promise<{kind: string, endpoint: string, control: string, output: () => string,
 *   stop: () => Promise<number|null>}>}
 */
export function startSimulator(args) {
  const proc = spawn(simulatorPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk) => {
    output += chunk;
  };
  proc.stderr.setEncoding("utf8").on("data", keep);
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve(code ?? signal)));

  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    let timer;
    const code = await Promise.race([
      exited,
      new Promise((resolve) => {
        timer = setTimeout(() => {
          proc.kill("SIGKILL");
          resolve("killed");
        }, EXIT_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    return code;
  };

  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: proc.stdout });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`esp8266-sim printed no READY line within ${READY_TIMEOUT_MS} ms:\n${output}`));
    }, READY_TIMEOUT_MS);
    proc.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`esp8266-sim exited (${code}) before READY:\n${output}`));
    });
    lines.on("line", (line) => {
      const m = /^READY (\S+) (\S+)(?: (\S+))?/.exec(line);
      if (!m) {
        keep(line + "\n");
        return;
      }
      clearTimeout(timer);
      resolve({ kind: m[1], endpoint: m[2], control: m[3], output: () => output, stop });
    });
  });
}
