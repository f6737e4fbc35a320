/* SPDX-License-Identifier: MIT */
/* uidrive's commands that reach outside the window: the simulator's control channel (buttons,
 * unplug, statistics), a COM port held busy through mf_port, and the UI-thread stall probe. */
#include "uidrive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"

#define UI_SIM_REPLY_MAX  65536u
#define UI_SIM_TIMEOUT_MS 15000u
#define UI_PROBE_EVERY_MS 10u
#define UI_PROBE_LIMIT_MS 2000u

/* ---- the simulator's control channel ---- */

static int ui_sim_send(struct ui_ctx *c, const char *line, char *reply, size_t cap)
{
    SOCKET s;
    struct sockaddr_in a;
    DWORD tmo = UI_SIM_TIMEOUT_MS;
    size_t got = 0;
    int rc = 0;
    char out[1024];
    int n;
    if (c->control_port == 0) {
        return ui_fail(c, "no --control PORT given: cannot reach the simulator");
    }
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        return ui_fail(c, "socket() failed: %d", WSAGetLastError());
    }
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((u_short)c->control_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&tmo, sizeof tmo);
    n = snprintf(out, sizeof out, "%s\n", line);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        rc = ui_fail(c, "cannot connect to the simulator at 127.0.0.1:%u: %d", c->control_port,
                     WSAGetLastError());
    } else if (send(s, out, n, 0) != n) {
        rc = ui_fail(c, "cannot send to the simulator: %d", WSAGetLastError());
    }
    while (rc == 0 && (got == 0 || reply[got - 1] != '\n')) {
        int r = recv(s, reply + got, (int)(cap - 1 - got), 0);
        if (r <= 0) {
            rc = ui_fail(c, "the simulator did not answer \"%s\" (%s)", line,
                         r == 0 ? "connection closed" : "timed out");
            break;
        }
        got += (size_t)r;
        if (got + 1 >= cap) {
            break;
        }
    }
    closesocket(s);
    reply[got] = '\0';
    reply[strcspn(reply, "\r\n")] = '\0';
    return rc;
}

static void ui_join(int argc, char **argv, int from, int to, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = from; i < to && i < argc && o < cap; i++) {
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i > from ? " " : "", argv[i]);
    }
}

int ui_cmd_sim(struct ui_ctx *c, int argc, char **argv)
{
    static char reply[UI_SIM_REPLY_MAX];
    char line[1024];
    ui_join(argc, argv, 1, argc, line, sizeof line);
    if (ui_sim_send(c, line, reply, sizeof reply) != 0) {
        return -1;
    }
    printf("sim> %s\nsim< %.300s%s\n", line, reply, strlen(reply) > 300 ? " ..." : "");
    if (strncmp(reply, "OK", 2) != 0) {
        return ui_fail(c, "expected the simulator to answer OK to \"%s\"; it said \"%s\"", line,
                       reply);
    }
    return 0;
}

/* sim-expect COMMAND SUBSTRING: the reply (e.g. STATS's JSON) must contain SUBSTRING. */
int ui_cmd_sim_expect(struct ui_ctx *c, int argc, char **argv)
{
    static char reply[UI_SIM_REPLY_MAX];
    double limit = argc > 3 ? atof(argv[3]) : 0.0;
    uint64_t t0 = ui_now_ms();
    for (;;) {
        if (ui_sim_send(c, argv[1], reply, sizeof reply) != 0) {
            return -1;
        }
        if (strstr(reply, argv[2]) != NULL) {
            break;
        }
        if ((double)(ui_now_ms() - t0) >= limit * 1000.0) {
            return ui_fail(c, "expected the reply to \"%s\" to contain %s%s; it was: %s", argv[1],
                           argv[2], limit > 0.0 ? " in time" : "", reply);
        }
        Sleep(UI_POLL_MS);
    }
    printf("sim> %s\nsim< ... %s ...\n", argv[1], argv[2]);
    return 0;
}

/* ---- a busy port ---- */

int ui_cmd_hold_port(struct ui_ctx *c, int argc, char **argv)
{
    struct port_error err;
    (void)argc;
    if (c->held != NULL) {
        return ui_fail(c, "a port is held already");
    }
    if (port_open(argv[1], 115200, &c->held, &err) != PORT_OK) {
        c->held = NULL;
        return ui_fail(c, "cannot hold %s: %s", argv[1], err.message);
    }
    printf("holding %s\n", argv[1]);
    return 0;
}

int ui_cmd_release_port(struct ui_ctx *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (c->held == NULL) {
        return ui_fail(c, "no port is held");
    }
    port_close(c->held);
    c->held = NULL;
    return 0;
}

/* ---- the UI thread's responsiveness ---- */

static DWORD WINAPI ui_probe_main(LPVOID arg)
{
    struct ui_probe *p = arg;
    LARGE_INTEGER f, a, b;
    QueryPerformanceFrequency(&f);
    while (InterlockedCompareExchange(&p->stop, 0, 0) == 0) {
        DWORD_PTR r = 0;
        LONG ms;
        BOOL ok;
        QueryPerformanceCounter(&a);
        ok = SendMessageTimeoutW(p->wnd, WM_NULL, 0, 0, SMTO_NORMAL, UI_PROBE_LIMIT_MS, &r) != 0;
        QueryPerformanceCounter(&b);
        if (!ok && !IsWindow(p->wnd)) {
            break;
        }
        ms = (LONG)((b.QuadPart - a.QuadPart) * 1000 / f.QuadPart);
        if (!ok) {
            InterlockedIncrement(&p->timeouts);
        }
        if (ms > p->worst_ms) {
            InterlockedExchange(&p->worst_ms, ms);
            InterlockedExchange(&p->worst_at_ms, (LONG)(ui_now_ms() - p->start_ms));
        }
        if (ms > (LONG)UI_PROBE_NOTE_MS && p->nnotes < UI_PROBE_NOTES) {
            char *t = p->stage != NULL ? ui_text(p->stage) : NULL;
            p->notes[p->nnotes].at_ms = (uint32_t)(ui_now_ms() - p->start_ms);
            p->notes[p->nnotes].ms = (uint32_t)ms;
            snprintf(p->notes[p->nnotes].stage, sizeof p->notes[0].stage, "%s",
                     t != NULL ? t : "?");
            free(t);
            p->nnotes++;
        }
        InterlockedIncrement(&p->probes);
        Sleep(UI_PROBE_EVERY_MS);
    }
    return 0;
}

int ui_cmd_stall_probe(struct ui_ctx *c, int argc, char **argv)
{
    struct ui_probe *p = &c->probe;
    if (strcmp(argv[1], "start") == 0) {
        if (c->probe_running) {
            return ui_fail(c, "the probe runs already");
        }
        if (!c->running || c->wnd == NULL) {
            return ui_fail(c, "the application is not running (launch it first)");
        }
        memset(p, 0, sizeof *p);
        p->wnd = c->wnd;
        p->start_ms = ui_now_ms();
        p->stage = ui_control(c, ui_id_parse("IDC_STAGE"));
        p->thread = CreateThread(NULL, 0, ui_probe_main, p, 0, NULL);
        if (p->thread == NULL) {
            return ui_fail(c, "CreateThread failed");
        }
        c->probe_running = true;
        return 0;
    }
    if (strcmp(argv[1], "stop") == 0 && argc > 2) {
        long max = atol(argv[2]);
        if (!c->probe_running) {
            return ui_fail(c, "the probe is not running");
        }
        InterlockedExchange(&p->stop, 1);
        WaitForSingleObject(p->thread, INFINITE);
        CloseHandle(p->thread);
        c->probe_running = false;
        printf("worst UI stall: %ld ms (%.1f s after the probe started; %ld probes, %ld over %u "
               "ms)\n",
               (long)p->worst_ms, (double)p->worst_at_ms / 1000.0, (long)p->probes,
               (long)p->timeouts, UI_PROBE_LIMIT_MS);
        for (unsigned i = 0; i < p->nnotes; i++) {
            printf("  stall %u ms at %.1f s, then the stage read \"%s\"\n", p->notes[i].ms,
                   (double)p->notes[i].at_ms / 1000.0, p->notes[i].stage);
        }
        if (p->probes == 0) {
            return ui_fail(c, "the probe never got an answer");
        }
        if (p->worst_ms > max) {
            return ui_fail(c, "expected the UI thread to answer within %ld ms; worst was %ld ms",
                           max, (long)p->worst_ms);
        }
        return 0;
    }
    return ui_fail(c, "stall-probe start | stall-probe stop MAX_MS");
}
