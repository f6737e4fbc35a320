#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Interop of our RFC 2217 code with independent implementations: pySerial's client against our
# server, our client against pySerial's example server and against ser2net (telnet(rfc2217)).
# Usage: interop.py TOOL   (TOOL = rfc2217_tool). Exits 77 when no other implementation exists.
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty

SKIP = 77
OPEN_BAUD = 115200
FAST_BAUD = 460800
TOOL_FAST_BAUD = 230400  # what rfc2217_tool's client switches to
DATA = bytes((i * 131 + (i >> 8)) & 0xFF for i in range(65536))
START_TIMEOUT = 10.0
IO_TIMEOUT = 10.0
PYSERIAL_EXAMPLE = "/usr/share/doc/python3-serial/examples/rfc2217_server.py"


def log(*args):
    print(*args, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_listening(port):
    """True when a socket listens on 127.0.0.1:port or any address (from /proc/net/tcp, so
    no probe connection disturbs a server that serves one client at a time)."""
    tcp_listen = "0A"
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].split(":")[1], 16)
            if local_port == port and fields[3] == tcp_listen:
                return True
    return False


def wait_listening(port, proc):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        if is_listening(port):
            return
        time.sleep(0.1)
    raise RuntimeError("server did not start listening")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def pyserial_client_vs_our_server(tool):
    """pySerial's rfc2217:// client drives our server (run as an echo server by TOOL)."""
    import serial

    proc = subprocess.Popen([tool, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        first = proc.stdout.readline().split()
        assert first[0] == "port", first
        url = "rfc2217://127.0.0.1:%s" % first[1]
        ser = serial.serial_for_url(url, baudrate=OPEN_BAUD, timeout=IO_TIMEOUT)
        ser.baudrate = FAST_BAUD
        ser.dtr = False
        ser.rts = True
        ser.rts = False
        ser.reset_input_buffer()
        ser.write(DATA)
        echo = ser.read(len(DATA))
        assert echo == DATA, "echo differs (%d of %d bytes)" % (len(echo), len(DATA))
        ser.close()
        time.sleep(0.5)
        proc.stdin.close()
        out = proc.stdout.read()
    finally:
        stop(proc)
    events = [line.split()[1:3] for line in out.splitlines() if line.startswith("event")]
    kinds = [e[0] for e in events]
    log("  server saw:", " ".join(kinds))
    bauds = [e[1] for e in events if e[0] == "BAUD"]
    assert "baud=%d" % OPEN_BAUD in bauds and "baud=%d" % FAST_BAUD in bauds, bauds
    assert kinds[0] == "CONNECT" and kinds[-1] == "DISCONNECT", kinds
    assert "LINES" in kinds and "PURGE" in kinds and "FORMAT" in kinds, kinds
    lines = [line for line in out.splitlines() if " LINES " in line]
    assert "dtr=0 rts=1" in lines[-2] and "dtr=0 rts=0" in lines[-1], lines


def our_client(tool, url):
    res = subprocess.run([tool, "client", url], capture_output=True, text=True,
                         timeout=60)
    for line in res.stdout.splitlines():
        log("  " + line)
    assert res.returncode == 0, res.stderr


def our_client_vs_pyserial_server(tool):
    """Our client against pySerial's example server on a loop:// port (an echo)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, PYSERIAL_EXAMPLE, "-p", str(port), "loop://"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, proc)
        our_client(tool, "rfc2217://127.0.0.1:%d" % port)
    finally:
        stop(proc)


class PtyEcho:
    """A pty whose far end echoes; ser2net serves the near end as its serial device."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.running = True
        self.speeds = set()  # tty speeds seen while data flowed
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            try:
                data = os.read(self.master, 4096)
                self.speeds.add(termios.tcgetattr(self.slave)[5])
            except (OSError, termios.error):
                break
            os.write(self.master, data)

    def close(self):
        self.running = False
        os.close(self.slave)
        os.close(self.master)


def our_client_vs_ser2net(tool, ser2net):
    """Our client against ser2net 4 with a telnet(rfc2217) accepter on a pty."""
    pty = PtyEcho()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "ser2net.yaml")
        with open(conf, "w") as f:
            f.write("connection: &interop\n"
                    "  accepter: telnet(rfc2217),tcp,127.0.0.1,%d\n"
                    "  connector: serialdev,%s,%dn81,local\n" % (port, pty.path, OPEN_BAUD))
        proc = subprocess.Popen([ser2net, "-n", "-c", conf, "-P", os.path.join(tmp, "pid")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_listening(port, proc)
            # A pty has no modem lines: ser2net cannot set them and does not confirm them
            # (pySerial needs ign_set_control there too).
            our_client(tool, "rfc2217://127.0.0.1:%d?ign_set_control" % port)
            # The echo ran after the baud change: the tty must have been at the new rate.
            assert termios.B230400 in pty.speeds, "baud did not reach the tty"
            log("  the tty runs at 230400 baud")
        finally:
            stop(proc)
            pty.close()


def main():
    tool = sys.argv[1]
    try:
        import serial  # noqa: F401
        have_pyserial = True
    except ImportError:
        have_pyserial = False
    ser2net = shutil.which("ser2net") or shutil.which("ser2net", path="/usr/sbin:/sbin")
    cases = []
    if have_pyserial:
        cases.append(("pySerial client -> our server", lambda: pyserial_client_vs_our_server(tool)))
        if os.path.exists(PYSERIAL_EXAMPLE):
            cases.append(("our client -> pySerial rfc2217_server.py",
                          lambda: our_client_vs_pyserial_server(tool)))
    if ser2net:
        cases.append(("our client -> ser2net", lambda: our_client_vs_ser2net(tool, ser2net)))
    if not cases:
        log("SKIP: neither python3-serial nor ser2net is installed")
        return SKIP
    failed = 0
    for name, case in cases:
        log("== " + name)
        try:
            case()
            log("   PASS")
        except Exception as e:  # report every case, then fail
            failed += 1
            log("   FAIL: %r" % (e,))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
