#!/usr/bin/env python3
"""Benchmarks `depict serve` on loopback (issue 11's figures):

  plan     POST /v1/plan requests/s, p50 and p99 at 16 concurrent keep-alive connections
           (4 client processes of 4 connections each, so the client's GIL is not the limit)
  batch    4 concurrent alike txt2img requests, with --max-batch 4 against --max-batch 1:
           images/min and the speed-up
  memory   the server's resident memory at rest (tiny checkpoint) and with CHECKPOINT loaded

  python3 bench/serve_bench.py --depict build/depict --checkpoint sd15.safetensors \\
      --tiny tiny.safetensors [--size 256] [--steps 8] [--seconds 10]

Needs `requests` (build/pyenv has it). Each figure is printed as it is measured.
"""
import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

import requests

PLAN = {"prompt": "a 1940s German soldier and a nurse", "images": 8, "seed": 1}


def start(depict, model, *args):
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([depict, "serve", "--model", model, "--port", "0", "--no-watch"] +
                            list(args), stderr=log)
    deadline = time.time() + 600
    while time.time() < deadline:
        time.sleep(0.2)
        log.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
        if m:
            return proc, "http://127.0.0.1:" + m.group(1)
        if proc.poll() is not None:
            break
    log.seek(0)
    sys.exit("depict serve did not start: " + log.read())


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def plan_client(url, connections, seconds, out):
    latencies, errors = [], [0]
    stop = time.time() + seconds

    def run():
        s = requests.Session()
        while time.time() < stop:
            t = time.perf_counter()
            r = s.post(url + "/v1/plan", json=PLAN)
            latencies.append(time.perf_counter() - t)
            if r.status_code != 200:
                errors[0] += 1

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors[0]))


def bench_plan(url, seconds):
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=plan_client, args=(url, 4, seconds, q))
             for _ in range(4)]
    start_time = time.time()
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.time() - start_time
    latencies = sorted(l for r in results for l in r[0])
    errors = sum(r[1] for r in results)
    n = len(latencies)
    print("plan: %d requests in %.1f s = %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors" %
          (n, elapsed, n / elapsed, latencies[n // 2] * 1e3, latencies[int(n * 0.99)] * 1e3,
           errors), flush=True)


def bench_batch(depict, checkpoint, size, steps, batch):
    proc, url = start(depict, checkpoint, "--max-batch", str(batch))
    try:
        body = {"prompt": "a red apple on a wooden table", "width": size, "height": size,
                "steps": steps, "sampler_name": "Euler a"}
        # One warm-up image (first-call weight reorders).
        requests.post(url + "/sdapi/v1/txt2img", json=dict(body, seed=0, steps=1)).raise_for_status()
        codes = []

        def one(seed):
            codes.append(requests.post(url + "/sdapi/v1/txt2img", json=dict(body, seed=seed),
                                       timeout=3600).status_code)

        threads = [threading.Thread(target=one, args=(s,)) for s in range(1, 5)]
        t = time.time()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.time() - t
        text = requests.get(url + "/metrics").text
        batches = re.search(r"^depict_unet_batches_total (\S+)", text, re.M).group(1)
        print("batch %d: 4 requests of %dx%d, %d steps in %.1f s (%.2f images/min, %s UNet "
              "batches incl. warm-up, codes %s)" % (batch, size, size, steps, elapsed,
                                                     4 * 60 / elapsed, batches, codes), flush=True)
        return elapsed
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depict", default="build/depict")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--tiny", required=True)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--skip", default="", help="comma list of plan,batch,memory to skip")
    a = ap.parse_args()
    skip = set(a.skip.split(","))
    if "plan" not in skip or "memory" not in skip:
        proc, url = start(a.depict, a.tiny)
        time.sleep(1)
        print("memory at rest (tiny checkpoint): %.0f MB" % rss_mb(proc.pid), flush=True)
        if "plan" not in skip:
            bench_plan(url, a.seconds)
        proc.terminate()
        proc.wait()
    if "memory" not in skip:
        proc, url = start(a.depict, a.checkpoint)
        time.sleep(1)
        print("memory with %s loaded: %.0f MB" % (os.path.basename(a.checkpoint),
                                                  rss_mb(proc.pid)), flush=True)
        proc.terminate()
        proc.wait()
    if "batch" not in skip:
        one = bench_batch(a.depict, a.checkpoint, a.size, a.steps, 1)
        four = bench_batch(a.depict, a.checkpoint, a.size, a.steps, 4)
        print("batched vs one at a time: %.2fx" % (one / four), flush=True)


if __name__ == "__main__":
    main()
