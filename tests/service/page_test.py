"""The page at / (src/service/assets/) driven in headless Chromium against `depict serve` with
the tiny checkpoint, on loopback: the plan it shows is the API's, a refusal is shown with its
reasons and never generated, a job shows its progress and then its images with their casts,
errors are shown in words, and the browser logs no errors."""
import base64
import io
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

import requests
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import serve_util

DEPICT = os.environ["DEPICT"]
FIXTURES = os.environ["DEPICT_FIXTURES"]
MODELS = os.environ["DEPICT_MODELS_DIR"]
MAKE_TINY = os.environ["MAKE_TINY_CHECKPOINT"]
KEY = "correct-horse-battery-staple"
PEOPLE_PROMPT = "a 1940s German soldier and a nurse"
REFUSED_PROMPT = "a nude child"
DIMS = ("gender", "ethnicity", "age")
WAIT = 20  # seconds any one thing on the page may take, generation aside
GENERATE_WAIT = 60


def start_server(args, log):
    """`depict serve ARGS` on a free loopback port, two threads (serve_util.py)."""
    return serve_util.start_server(args, log, threads=2)


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=ChromeService("/usr/bin/chromedriver"))
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    return driver


# The page's way of writing a cast (app.js memberText/castText), to compare with the API's.
def words(value):
    return value.replace("_", " ")


def member_text(member):
    if member is None:
        return "not cast"
    values = [words(member[d]) for d in DIMS if member.get(d) is not None]
    return ", ".join(values) if values else "drawn as themselves"


def cast_lines(people, cast):
    lines = []
    for i, entry in enumerate(cast):
        text = ("group of %d: " % len(entry) + "; ".join(member_text(m) for m in entry)
                if isinstance(entry, list) else member_text(entry))
        lines.append(people[i]["text"] + ": " + text)
    return lines


def metric(text, name):
    m = re.search("^" + re.escape(name) + r" ([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


class PageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_page_")
        cls.model = os.path.join(cls.dir, "tiny.safetensors")
        subprocess.run([MAKE_TINY, os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors"),
                        cls.model], check=True, timeout=60)
        line = subprocess.run([DEPICT, "serve", "--hash-key", KEY], check=True,
                              capture_output=True, text=True, timeout=60).stdout
        keys = os.path.join(cls.dir, "keys")
        with open(keys, "w") as f:
            f.write(line)
        cls.log = open(os.path.join(cls.dir, "serve.log"), "w+")
        cls.proc, port = start_server(["--model", cls.model, "--api-key-file", keys], cls.log)
        cls.url = "http://127.0.0.1:%d" % port
        cls.auth = {"Authorization": "Bearer " + KEY}
        cls.driver = None
        try:
            cls.driver = start_browser()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.driver is not None:
            cls.driver.quit()
        cls.proc.terminate()
        cls.proc.wait(timeout=30)
        cls.log.close()

    # ---- helpers ----
    def open_page(self, key=KEY, url=None):
        d = self.driver
        d.get((url or self.url) + "/")
        d.execute_script("sessionStorage.clear()")
        d.get((url or self.url) + "/")
        self.wait_idle()
        self.fill("key", key)
        self.drain_network()

    def el(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def els(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, element):
        return element.get_attribute("textContent")

    def fill(self, field, value):
        box = self.el("#" + field)
        box.clear()
        if value:
            box.send_keys(str(value))

    def fill_request(self, prompt, images, seed, width=None, height=None, steps=None):
        self.fill("prompt", prompt)
        self.fill("images", images)
        self.fill("seed", seed)
        for field, value in (("width", width), ("height", height), ("steps", steps)):
            if value is not None:
                self.fill(field, value)

    def wait_for(self, condition, what, seconds=WAIT):
        return WebDriverWait(self.driver, seconds, poll_frequency=0.05).until(
            lambda d: condition(), message="timed out waiting for " + what)

    def wait_idle(self, seconds=WAIT):
        self.wait_for(lambda: self.el("#request").get_attribute("data-state") == "idle",
                      "the page to be idle", seconds)

    def click(self, button, seconds=WAIT):
        self.el("#" + button).click()
        self.wait_idle(seconds)

    def visible(self, css):
        return self.driver.execute_script(
            "const e = document.querySelector(arguments[0]); return !!e && !e.closest('[hidden]')",
            css)

    def drain_network(self):
        self.driver.get_log("performance")

    def requests_made(self):
        """(method, path) of every request the page sent since the last call."""
        out = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                request = message["params"]["request"]
                out.append((request["method"], request["url"].replace(self.url, "")))
        return out

    def assert_console_clean(self, allowed=()):
        """No console message but the network errors the test caused on purpose."""
        bad = [e["message"] for e in self.driver.get_log("browser")
               if not any(re.search(pattern, e["message"]) for pattern in allowed)]
        self.assertEqual(bad, [], "the browser logged errors")

    def api_plan(self, prompt, images, seed):
        r = requests.post(self.url + "/v1/plan", headers=self.auth,
                          json={"prompt": prompt, "images": images, "seed": seed}, timeout=WAIT)
        self.assertEqual(r.status_code, 200)
        return r.json()

    def metrics(self):
        return requests.get(self.url + "/metrics", headers=self.auth, timeout=WAIT).text

    # ---- the tests ----
    def test_page_and_assets_are_public_strict_and_free_of_inline_code(self):
        page = requests.get(self.url + "/", timeout=WAIT)
        self.assertEqual(page.status_code, 200)
        self.assertTrue(page.headers["Content-Type"].startswith("text/html"))
        self.assertIn("default-src 'self'", page.headers["Content-Security-Policy"])
        self.assertIsNone(re.search(r"<script(?![^>]*\ssrc=)", page.text), "inline script")
        self.assertIsNone(re.search(r"\sstyle=|<style|\son[a-z]+=", page.text, re.I),
                          "inline style or handler")
        for name in ("app.js", "style.css"):
            r = requests.get(self.url + "/assets/" + name, timeout=WAIT)
            self.assertEqual(r.status_code, 200, name)
        self.assertNotIn("innerHTML",
                         requests.get(self.url + "/assets/app.js", timeout=WAIT).text)
        # The API itself still wants the key.
        self.assertEqual(requests.post(self.url + "/v1/plan", json={"prompt": "a cat"},
                                       timeout=WAIT).status_code, 401)

    def test_plan_shows_each_person_and_cast_as_the_api_plans_them(self):
        self.open_page()
        self.fill_request(PEOPLE_PROMPT, 2, 7)
        self.click("plan-btn")
        self.assertTrue(self.visible("#plan"))
        self.assertFalse(self.visible("#message"))
        expected = self.api_plan(PEOPLE_PROMPT, 2, 7)
        self.assertEqual(expected["decision"], "generate")
        self.assertTrue(self.text(self.el("#decision")).startswith("Decision: generate"))
        people = expected["people"]
        self.assertGreaterEqual(len(people), 2)  # the soldier and the nurse
        # Something is fixed (not open), so the sources shown are worth comparing.
        self.assertTrue(any(p["attributes"][d]["source"] != "open" for p in people for d in DIMS))
        shown = self.els("li.person")
        self.assertEqual(len(shown), len(people))
        prompt_bytes = PEOPLE_PROMPT.encode()
        marks = self.els(".marked-prompt mark")
        self.assertEqual(len(marks), len(people))
        for person, li, mark in zip(people, shown, marks):
            self.assertEqual(self.text(li.find_element(By.CSS_SELECTOR, ".person-text")),
                             person["text"])
            span = prompt_bytes[person["start"]:person["end"]].decode()
            self.assertIn(span, self.text(mark))
            for dim in DIMS:
                attribute = person["attributes"][dim]
                row = li.find_element(By.CSS_SELECTOR, 'tr[data-dim="%s"]' % dim)
                self.assertEqual(self.text(row.find_element(By.CSS_SELECTOR, ".source strong")),
                                 attribute["source"], (person["text"], dim))
                self.assertEqual(self.text(row.find_element(By.CSS_SELECTOR, ".values")),
                                 ", ".join(words(v) for v in attribute["values"])
                                 or "none added")
                self.assertEqual(self.text(row.find_element(By.CSS_SELECTOR, ".reason")),
                                 attribute["reason"])
        images = self.els("li.image-plan")
        self.assertEqual(len(images), 2)
        for image, li in zip(expected["images"], images):
            self.assertEqual(self.text(li.find_element(By.CSS_SELECTOR, ".cast-prompt")),
                             image["prompt"])
            self.assertEqual(self.text(li.find_element(By.CSS_SELECTOR, ".seed")),
                             "seed %d" % image["seed"])
            self.assertEqual([self.text(c) for c in li.find_elements(By.CSS_SELECTOR, ".cast li")],
                             cast_lines(people, image["cast"]))
        # Only POST /v1/plan went out; the key stays in this tab's sessionStorage.
        self.assertEqual(self.requests_made(), [("POST", "/v1/plan")])
        self.assertEqual(self.driver.execute_script("return sessionStorage.getItem('depict.apiKey')"),
                         KEY)
        self.assertEqual(self.driver.execute_script("return localStorage.length"), 0)
        # A blank seed is chosen by the page and filled in, and the plan shown is for it.
        self.fill("seed", "")
        self.click("plan-btn")
        seed = self.el("#seed").get_attribute("value")
        self.assertRegex(seed, r"^\d+$")
        again = self.api_plan(PEOPLE_PROMPT, 2, int(seed))
        self.assertEqual([self.text(e) for e in self.els("li.image-plan .cast-prompt")],
                         [image["prompt"] for image in again["images"]])
        self.assert_console_clean()

    def test_refused_prompt_shows_its_reasons_and_is_never_generated(self):
        self.open_page()
        before = self.metrics()
        self.fill_request(REFUSED_PROMPT, 2, 3, 64, 64, 2)
        self.click("generate-btn")
        expected = self.api_plan(REFUSED_PROMPT, 2, 3)
        self.assertEqual(expected["decision"], "refuse")
        refusal = expected["refusal"]
        self.assertEqual(refusal["category"], "sexual_minors")
        self.assertTrue(self.text(self.el("#decision")).startswith("Decision: refuse"))
        self.assertEqual(self.text(self.el(".refusal .category")), refusal["category"])
        self.assertEqual(self.text(self.el(".refusal .refusal-message")), refusal["message"])
        triggers = [self.text(e) for e in self.els(".refusal .triggers li")]
        self.assertEqual(triggers, refusal["triggers"])
        self.assertIn("child", triggers)
        self.assertIn("refused", self.text(self.el("#message")))
        self.assertFalse(self.visible("#progress"))
        self.assertFalse(self.visible("#results"))
        self.assertEqual(self.els("li.person"), [])
        # The page asked for the plan and nothing else; the server made no job, no image.
        self.assertEqual(self.requests_made(), [("POST", "/v1/plan")])
        after = self.metrics()
        for name in ('depict_http_responses_total{code="202"}', "depict_images_total"):
            self.assertEqual(metric(after, name), metric(before, name), name)
        self.assert_console_clean()

    def test_generate_shows_progress_then_images_with_their_casts(self):
        self.open_page()
        self.fill_request(PEOPLE_PROMPT, 2, 11, 64, 64, 4)
        # Every text the progress line shows, however briefly.
        self.driver.execute_script("""
            window.seenProgress = [];
            const line = document.getElementById('progress-text');
            new MutationObserver(() => window.seenProgress.push(line.textContent))
                .observe(line, {childList: true, characterData: true, subtree: true});""")
        self.el("#generate-btn").click()
        self.wait_for(lambda: self.visible("#progress"), "the progress to show")
        self.wait_idle(GENERATE_WAIT)
        self.assertFalse(self.visible("#message"), self.text(self.el("#message")))
        seen = self.driver.execute_script("return window.seenProgress")
        self.assertTrue(any(re.match(r"Running: image [12] of 2, step [1-4] of 4\b", s)
                            for s in seen), seen)
        self.assertTrue(self.text(self.el("#progress-text")).startswith("Completed"))
        self.assertEqual(float(self.el("#progress-bar").get_attribute("value")), 1.0)
        self.assertRegex(self.text(self.el("#job-id")), r"^Job [0-9a-f]{16}$")
        self.assertFalse(self.el("#cancel-btn").is_enabled())
        sent = self.requests_made()
        self.assertIn(("POST", "/v1/jobs"), sent)
        job = self.text(self.el("#job-id"))[len("Job "):]
        self.assertIn(("GET", "/v1/jobs/%s/events" % job), sent)

        expected = self.api_plan(PEOPLE_PROMPT, 2, 11)
        self.assertTrue(self.visible("#results"))
        figures = self.els("#gallery figure.result")
        self.assertEqual(len(figures), 2)
        for image, figure in zip(expected["images"], figures):
            img = figure.find_element(By.TAG_NAME, "img")
            self.assertTrue(img.is_displayed())
            src = img.get_attribute("src")
            self.assertTrue(src.startswith("data:image/png;base64,"))
            png = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
            self.assertEqual(png.format, "PNG")
            self.assertEqual(png.size, (64, 64))
            self.assertEqual(self.driver.execute_script("return arguments[0].naturalWidth", img),
                             64)  # the browser decoded it
            self.assertEqual(self.text(figure.find_element(By.CSS_SELECTOR, ".cast-prompt")),
                             image["prompt"])
            self.assertIn("seed %d" % image["seed"],
                          self.text(figure.find_element(By.CSS_SELECTOR, ".seed")))
            self.assertEqual(
                [self.text(c) for c in figure.find_elements(By.CSS_SELECTOR, ".cast li")],
                cast_lines(expected["people"], image["cast"]))
        # A new question clears the last answer: no images beside a refusal.
        self.fill_request(REFUSED_PROMPT, 2, 11)
        self.click("plan-btn")
        self.assertTrue(self.text(self.el("#decision")).startswith("Decision: refuse"))
        self.assertFalse(self.visible("#results"))
        self.assertFalse(self.visible("#progress"))
        self.assert_console_clean()

    def test_cancel_stops_a_running_job(self):
        self.open_page()
        self.fill_request("a lighthouse keeper", 2, 5, 256, 256, 150)
        self.el("#generate-btn").click()
        try:
            self.wait_for(lambda: self.text(self.el("#progress-text")).startswith("Running"),
                          "the job to run")
            self.el("#cancel-btn").click()
            self.wait_idle(GENERATE_WAIT)
        finally:  # never leave a two-minute job in the queue for the other tests
            job = self.text(self.el("#job-id"))[len("Job "):]
            if job:
                requests.delete(self.url + "/v1/jobs/" + job, headers=self.auth, timeout=WAIT)
        self.assertTrue(self.text(self.el("#progress-text")).startswith("Cancelled"),
                        self.text(self.el("#progress-text")))
        job = self.text(self.el("#job-id"))[len("Job "):]
        status = requests.get(self.url + "/v1/jobs/" + job, headers=self.auth, timeout=WAIT).json()
        self.assertEqual(status["status"], "cancelled")
        self.assertIn(("DELETE", "/v1/jobs/" + job), self.requests_made())
        self.assert_console_clean()

    def test_a_wrong_or_missing_key_is_reported_in_words(self):
        for key in ("wrong-key", ""):
            self.open_page(key=key)
            self.fill_request("a cat on a sofa", 1, 1)
            self.click("plan-btn")
            message = self.text(self.el("#message"))
            self.assertTrue(self.visible("#message"), key)
            self.assertIn("401", message)
            self.assertIn("API key", message)
            self.assertFalse(self.visible("#plan"))
            self.assert_console_clean(allowed=[r"/v1/plan .*status of 401"])
        # With the right key the same request is planned and the error goes away.
        self.fill("key", KEY)
        self.click("plan-btn")
        self.assertFalse(self.visible("#message"))
        self.assertTrue(self.visible("#plan"))
        self.assert_console_clean()

    def test_rate_limit_is_reported_with_its_retry_after(self):
        with open(os.path.join(self.dir, "limited.log"), "w+") as log:
            proc, port = start_server(["--model", self.model, "--rate-limit", "1",
                                       "--rate-burst", "1"], log)
            try:
                url = "http://127.0.0.1:%d" % port
                self.open_page(key="", url=url)
                self.fill_request("a cat on a sofa", 1, 1)
                self.click("plan-btn")
                self.assertFalse(self.visible("#message"))
                self.fill("seed", 2)
                self.click("plan-btn")
                message = self.text(self.el("#message"))
                self.assertRegex(message, r"Too many requests \(429\).*Try again in \d+ s")
                self.assert_console_clean(allowed=[r"/v1/plan .*status of 429"])
            finally:
                proc.terminate()
                proc.wait(timeout=30)

    def test_screenshot_is_a_rendered_page(self):
        self.open_page()
        self.fill_request(PEOPLE_PROMPT, 2, 7)
        self.click("plan-btn")
        # style.css applied under the CSP: the page background is its colour, not white.
        self.assertEqual(self.driver.execute_script(
            "return getComputedStyle(document.body).backgroundColor"), "rgb(243, 245, 249)")
        path = os.path.join(self.dir, "page.png")
        self.assertTrue(self.driver.save_screenshot(path))
        shot = Image.open(path)
        self.assertEqual(shot.format, "PNG")
        width, height, ratio = self.driver.execute_script(
            "return [innerWidth, innerHeight, devicePixelRatio]")
        self.assertEqual(shot.size, (round(width * ratio), round(height * ratio)))
        colours = shot.convert("RGB").getcolors(maxcolors=1 << 24)
        self.assertGreater(len(colours), 32, "the screenshot is (nearly) blank")
        # No one colour covers the whole window.
        self.assertLess(max(n for n, _ in colours), 0.98 * shot.size[0] * shot.size[1])
        self.assert_console_clean()


if __name__ == "__main__":
    unittest.main(verbosity=2)
