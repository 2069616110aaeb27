"""What the service test scripts share: the tiny checkpoint, starting `depict serve` (or `depict
worker`) on loopback and reading what it reports, and /metrics."""
import os
import re
import socket
import subprocess
import time

DEPICT = os.environ["DEPICT"]
FIXTURES = os.environ["DEPICT_FIXTURES"]
MODELS = os.environ["DEPICT_MODELS_DIR"]
MAKE_TINY = os.environ["MAKE_TINY_CHECKPOINT"]
# Under ASan and UBSan (a Debug build) the engine runs about 40 times slower and a reload of the
# tables takes seconds: the tests keep their logic but use smaller images, wait longer, and
# leave performance figures to the Release run.
SANITIZED = os.environ.get("DEPICT_SANITIZED") == "1"
WAIT = 10 if SANITIZED else 1
# A job long enough to act on while it runs, and short alike ones.
LONG = ({"width": 64, "height": 64, "steps": 60} if SANITIZED
        else {"width": 256, "height": 256, "steps": 60})
VERY_LONG = ({"width": 64, "height": 64, "steps": 150} if SANITIZED
             else {"width": 256, "height": 256, "steps": 150})
SHORT = ({"width": 64, "height": 64, "steps": 3} if SANITIZED
         else {"width": 128, "height": 128, "steps": 8})


def tiny_checkpoint(path):
    """The tiny SD 1.x checkpoint with a VAE encoder (so that img2img runs too), at `path`."""
    subprocess.run([MAKE_TINY, os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors"), path,
                    os.path.join(FIXTURES, "vae_encoder", "tiny_sd1_encoder.safetensors")],
                   check=True, stdout=subprocess.DEVNULL)
    return path


def start_server(args, log, threads=1):
    """Starts `depict serve ARGS` on a free loopback port; returns the process and the port."""
    proc = subprocess.Popen([DEPICT, "serve", "--models-dir", MODELS, "--port", "0",
                             "--threads", str(threads)] + args, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.1)
        log.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
    log.seek(0)
    proc.kill()
    raise RuntimeError("depict serve did not start: " + log.read())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric(text, name):
    """The value of one sample of /metrics' text (name with its labels, as written)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise KeyError(name)


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout * WAIT
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)
