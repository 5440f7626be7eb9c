#!/usr/bin/env python3
"""Summarise a run-anchors.sh results dir: medians over rounds -> markdown on stdout.

usage: summarize.py RESULTS_DIR   (REF=system to divide by, default nginx-php4)
"""
import os
import statistics as st
import sys
from collections import defaultdict

d = sys.argv[1]
REF = os.environ.get("REF", "nginx-php4")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")

ORDER = ["nginx-static", "caddy-static", "nginx-php2", "nginx-php4", "nginx-gohello", "nginx-ss-js", "nginx-ss-lua",
         "caddy-php4", "caddy-gohello", "caddy-ss-js", "caddy-ss-lua", "caddy-ss-http-js", "caddy-ss-http-lua",
         "nginx-gofcgi", "nginx-gofcgi-ka", "caddy-gofcgi", "nginx-lua",
         "node-1", "node-cluster2", "ss-http-js", "ss-http-lua", "go-http",
         "direct-gohello", "direct-ss-js", "direct-ss-lua"]
LABEL = {
    "nginx-static": "nginx `return 200` (front-end ceiling)",
    "caddy-static": "Caddy `respond` (front-end ceiling)",
    "nginx-php2": "nginx → php-fpm, static 2",
    "nginx-php4": "nginx → php-fpm, static 4",
    "caddy-php4": "Caddy → php-fpm, static 4",
    "nginx-gofcgi": "nginx → Go net/http/fcgi",
    "nginx-gofcgi-ka": "nginx → Go fcgi, keep-conn",
    "caddy-gofcgi": "Caddy → Go net/http/fcgi",
    "nginx-lua": "nginx content_by_lua (LuaJIT)",
    "node-1": "node http, 1 process",
    "node-cluster2": "node http, cluster 2",
    "go-http": "Go net/http (plain)",
    "nginx-gohello": "nginx → native Go handler on scriptsrv's fcgi, keep-conn (ceiling)",
    "nginx-ss-js": "**nginx → scriptsrv JS**, keep-conn",
    "nginx-ss-lua": "**nginx → scriptsrv Lua**, keep-conn",
    "caddy-gohello": "Caddy → native Go handler on scriptsrv's fcgi (ceiling)",
    "caddy-ss-js": "**Caddy → scriptsrv JS**",
    "caddy-ss-lua": "**Caddy → scriptsrv Lua**",
    "caddy-ss-http-js": "**Caddy reverse_proxy → scriptsrv HTTP front, JS**",
    "caddy-ss-http-lua": "**Caddy reverse_proxy → scriptsrv HTTP front, Lua**",
    "ss-http-js": "**scriptsrv HTTP front, JS**",
    "ss-http-lua": "**scriptsrv HTTP front, Lua**",
    "direct-gohello": "direct FastCGI → native Go handler on scriptsrv's fcgi",
    "direct-ss-js": "**direct FastCGI → scriptsrv JS**",
    "direct-ss-lua": "**direct FastCGI → scriptsrv Lua**",
}


def kv(fields):
    out = {}
    for f in fields:
        for tok in f.split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                try:
                    out[k] = float(v)
                except ValueError:
                    out[k] = v
    return out


runs = defaultdict(list)  # (sys, wl, c) -> [dict]
with open(os.path.join(d, "runs.tsv")) as fh:
    for line in fh:
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 5:
            continue
        r, sysname, wl, c = cols[:4]
        m = kv(cols[4:])
        m["round"] = int(r)
        m["rps"] = m["requests"] / (m["duration_us"] / 1e6)
        m["errors"] = sum(m.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
        m["cpu_us_per_req"] = (m["front_ticks"] + m["back_ticks"]) * TICK_S * 1e6 / max(m["requests"], 1)
        m["back_us_per_req"] = m["back_ticks"] * TICK_S * 1e6 / max(m["requests"], 1)
        m["busy"] = m["machine_busy_ticks"] / max(m["machine_total_ticks"], 1)
        wc = m.get("wrk_cpu_s")
        m["wrk_share"] = (wc / (m["machine_total_ticks"] * TICK_S)) if isinstance(wc, float) and m["machine_total_ticks"] else float("nan")
        runs[(sysname, wl, int(c))].append(m)

mem = defaultdict(lambda: defaultdict(list))  # sys -> phase -> [(front_rss, front_pss, back_rss, back_pss)]
mp = os.path.join(d, "mem.tsv")
if os.path.exists(mp):
    with open(mp) as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 5:
                continue
            _, sysname, phase, fr, bk = cols[:5]
            f = [int(x) for x in fr.split("=", 1)[1].split(",")]
            b = [int(x) for x in bk.split("=", 1)[1].split(",")]
            mem[sysname][phase].append((f[0], f[1], b[0], b[1], b[2]))


def med(xs):
    xs = [x for x in xs if x == x]
    return st.median(xs) if xs else float("nan")


def agg(key):
    rs = runs.get(key)
    if not rs:
        return None
    rps = [m["rps"] for m in rs]
    return {
        "n": len(rs),
        "rps": med(rps), "min": min(rps), "max": max(rps),
        "p50": med([m["lat_p50_us"] for m in rs]) / 1000,
        "p99": med([m["lat_p99_us"] for m in rs]) / 1000,
        "cpu": med([m["cpu_us_per_req"] for m in rs]),
        "errors": sum(m["errors"] for m in rs),
        "busy": med([m["busy"] for m in rs]),
        "wrk": med([m["wrk_share"] for m in rs]),
    }


systems = [s for s in ORDER if any(k[0] == s for k in runs)] + sorted({k[0] for k in runs} - set(ORDER))
conns = sorted({k[2] for k in runs}, reverse=True)
wls = ["hello", "work", "fetch", "db", "db-pg"]


def fmt_rps(a):
    return f"{a['rps']:,.0f}"


def spread(a):
    return (a["max"] - a["min"]) / a["rps"] * 100 if a["rps"] else 0


print(f"# scriptsrv bench — {os.path.basename(os.path.abspath(d))}\n")
n_rounds = max((m["round"] for v in runs.values() for m in v), default=0)
print(f"Medians over {n_rounds} interleaved rounds. Ratio = req/s ÷ `{REF}` req/s for the same workload and concurrency.")
print("CPU µs/req = user+sys CPU of the serving processes (front end + backend, all workers) ÷ requests, same runs.\n")
for wl in wls:
    print(f"## Workload `{wl}`\n")
    hdr = "| system |"
    sep = "|---|"
    for c in conns:
        hdr += f" req/s c{c} | ×ref | spread | p50 / p99 ms c{c} | CPU µs/req c{c} |"
        sep += "---:|---:|---:|---:|---:|"
    print(hdr)
    print(sep)
    for s in systems:
        row = f"| {LABEL.get(s, s)} |"
        any_ = False
        for c in conns:
            a = agg((s, wl, c))
            ref = agg((REF, wl, c))
            if not a:
                row += " – | – | – | – | – |"
                continue
            any_ = True
            ratio = f"{a['rps'] / ref['rps']:.2f}" if ref and ref["rps"] else "–"
            err = f" ⚠{a['errors']:.0f} err" if a["errors"] else ""
            row += (f" {fmt_rps(a)}{err} | {ratio} | ±{spread(a) / 2:.0f}% |"
                    f" {a['p50']:.2f} / {a['p99']:.2f} | {a['cpu']:.0f} |")
        if any_:
            print(row)
    print()

print("## Memory (RSS / PSS, MiB, median over rounds)\n")
print("| system | backend RSS idle | backend RSS after load | backend PSS after load | backend procs | front-end RSS after load | front-end PSS after load |")
print("|---|---:|---:|---:|---:|---:|---:|")
for s in systems:
    ph = mem.get(s, {})
    idle = ph.get("idle", [])
    al = ph.get("after_load", [])
    if not al:
        continue
    mb = lambda xs, i: med([x[i] for x in xs]) / 1024 if xs else float("nan")
    bi, br, bp, bn = mb(idle, 2), mb(al, 2), mb(al, 3), med([x[4] for x in al])
    fr, fp = mb(al, 0), mb(al, 1)
    cell = lambda v: "–" if v != v or v == 0 else f"{v:.1f}"
    print(f"| {LABEL.get(s, s)} | {cell(bi)} | {cell(br)} | {cell(bp)} | {bn:.0f} | {cell(fr)} | {cell(fp)} |")
print()

print("## Noise\n")
print("spread = ±half of (max−min)/median of req/s across rounds. Machine busy = share of both cores busy during the run;")
print("wrk share = wrk's own CPU ÷ machine capacity (the load generator shares the 2 cores).\n")
print("| system | workload | c | rounds | req/s per round | machine busy | wrk share |")
print("|---|---|---:|---:|---|---:|---:|")
for s in systems:
    for wl in wls:
        for c in conns:
            rs = runs.get((s, wl, c))
            if not rs:
                continue
            a = agg((s, wl, c))
            per = ", ".join(f"{m['rps']:,.0f}" for m in sorted(rs, key=lambda m: m["round"]))
            print(f"| {s} | {wl} | {c} | {a['n']} | {per} | {a['busy'] * 100:.0f}% | {a['wrk'] * 100:.0f}% |")

print()
print("## scriptsrv targets (medians, this run)\n")
print("| target | measured | goal | met |")
print("|---|---:|---:|---|")
def ratio(a, b, wl, c):
    x, y = agg((a, wl, c)), agg((b, wl, c))
    return x["rps"] / y["rps"] if x and y and y["rps"] else float("nan")
def row(name, v, goal, fmt="{:.2f}×"):
    ok = "–" if v != v else ("yes" if v >= goal else "**no**")
    print(f"| {name} | {'–' if v != v else fmt.format(v)} | ≥ {fmt.format(goal)} | {ok} |")
for c in conns:
    for lang in ("js", "lua"):
        row(f"nginx → scriptsrv {lang} ÷ nginx → php-fpm, hello c{c}", ratio(f"nginx-ss-{lang}", "nginx-php4", "hello", c), 2.0)
        row(f"nginx → scriptsrv {lang} ÷ nginx → php-fpm, work c{c}", ratio(f"nginx-ss-{lang}", "nginx-php4", "work", c), 1.5)
        row(f"Caddy → scriptsrv {lang} ÷ Caddy → php-fpm, hello c{c}", ratio(f"caddy-ss-{lang}", "caddy-php4", "hello", c), 1.2)
        row(f"Caddy → scriptsrv HTTP front {lang} ÷ Caddy → scriptsrv FastCGI {lang}, hello c{c}", ratio(f"caddy-ss-http-{lang}", f"caddy-ss-{lang}", "hello", c), 1.0)
    for lang in ("js", "lua"):
        row(f"nginx → scriptsrv {lang} ÷ nginx → php-fpm, fetch c{c}", ratio(f"nginx-ss-{lang}", "nginx-php4", "fetch", c), 1.5)
    row(f"scriptsrv HTTP JS ÷ node 1 process, fetch c{c}", ratio("ss-http-js", "node-1", "fetch", c), 1.0)
    for wl in ("db", "db-pg"):
        for lang in ("js", "lua"):
            row(f"nginx → scriptsrv {lang} ÷ nginx → php-fpm, {wl} c{c}", ratio(f"nginx-ss-{lang}", "nginx-php4", wl, c), 1.5)
    row(f"scriptsrv HTTP JS ÷ node 1 process, hello c{c}", ratio("ss-http-js", "node-1", "hello", c), 1.3)
    row(f"scriptsrv HTTP JS ÷ node cluster 2, hello c{c}", ratio("ss-http-js", "node-cluster2", "hello", c), 1.0)
    row(f"direct JS hello ÷ native Go handler, c{c}", ratio("direct-ss-js", "direct-gohello", "hello", c), 0.7)
rss = [x[2] for s in ("nginx-ss-js", "nginx-ss-lua", "ss-http-js") for x in mem.get(s, {}).get("after_load", [])]
if rss:
    v = med(rss) / 1024
    print(f"| scriptsrv RSS after load (4 JS + 4 Lua warm) | {v:.1f} MiB | ≤ 40 MiB | {'yes' if v <= 40 else '**no**'} |")
ep = os.path.join(d, "extras.tsv")
if os.path.exists(ep):
    starts, growth = [], None
    for line in open(ep):
        cols = line.rstrip("\n").split("\t")
        if cols[0] == "startup" and "first_ok_ms=" in cols[-1]:
            try:
                starts.append(float(cols[-1].split("=")[1]))
            except ValueError:
                pass
        if cols[0] == "upload":
            growth = kv(cols[1:])
    if starts:
        v = med(starts)
        print(f"| start to first served request (median of {len(starts)}) | {v:.0f} ms | ≤ 150 ms | {'yes' if v <= 150 else '**no**'} |")
    if growth:
        g = growth["growth_kb"] / 1024
        print(f"| RSS growth during a 1 GiB upload read in 64 KiB pieces ({growth['bytes_read']} bytes read) | {g:.1f} MiB | ≤ 32 MiB | {'yes' if g <= 32 else '**no**'} |")
