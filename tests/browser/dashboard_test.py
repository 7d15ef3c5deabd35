#!/usr/bin/python3
"""The dashboard in a real headless Chromium (Debian's chromium, chromedriver
and python3-selenium), against real rollcall-sim and rollcalld on loopback.

  dashboard_test.py --bin-dir build --out-dir build/dashboard        # the test
  dashboard_test.py --bin-dir build --out-dir DIR --load 10000       # the load check

The test: 200 tenants (t0007 stuck on its old image, t0131 dead), a read
token in the browser, a rollout started through the API; while it runs the
counts must move, and after it the stuck and dead tenants must show as
quarantined with their reasons and the counts equal the API's. The read
token sees no controls; an admin token pauses and resumes a rollout from the
page. Screenshots go to --out-dir; any browser console error fails it.
Exit 77 (skipped) when Chromium is not installed, unless
ROLLCALL_REQUIRE_BROWSER is set.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ADMIN = "dashboard-admin-token-0123456789"
READ = "dashboard-read-token-0123456789"
SKIP = 77


def fail(message):
    print(f"dashboard_test: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


class Process:
    """A child whose stdout says `listening on HOST:PORT` once ready."""

    def __init__(self, argv, env, work, name):
        self.out = os.path.join(work, f"{name}.out")
        self.err = os.path.join(work, f"{name}.err")
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(self.out) as f:
                for line in f:
                    if line.startswith("listening on "):
                        self.addr = line.split()[-1]
                        return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        fail(f"{name} never listened: {open(self.err).read()[-2000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Stack:
    def __init__(self, bins, work, tenants, faults, deploy_ms):
        env = {"PATH": "/usr/bin:/bin", "HOME": work}
        sim_args = [os.path.join(bins, "rollcall-sim"), "--tenants", str(tenants), "--listen", "127.0.0.1:0",
                    "--deploy-ms", str(deploy_ms), "--initial-image", "registry.dash/app:v1",
                    "--tenants-out", os.path.join(work, "tenants.json")]
        for f in faults:
            sim_args += ["--fault", f]
        self.sim = Process(sim_args, env, work, "sim")
        server_env = dict(env, ROLLCALL_ADMIN_TOKEN=ADMIN, ROLLCALL_READ_TOKEN=READ)
        self.server = Process([os.path.join(bins, "rollcalld"), "--listen", "127.0.0.1:0", "--db",
                               os.path.join(work, "rollcall.db"), "--image-repo", "registry.dash/app",
                               "--health-interval", "0.2", "--soak", "0", "--watch-interval", "0",
                               "--body-limit", "33554432"],
                              server_env, work, "rollcalld")
        self.url = f"http://{self.server.addr}"
        with open(os.path.join(work, "tenants.json")) as f:
            self.call("POST", "/v1/tenants:bulk", json.load(f))

    def call(self, method, path, body=None, token=ADMIN, expect=200):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            if e.code == expect:
                return json.loads(e.read() or b"null")
            fail(f"{method} {path}: HTTP {e.code}: {e.read()[:500]}")

    def rollout(self, tag, seq, policy):
        return self.call("POST", "/v1/rollouts", {"release": {"tag": tag, "git_sha": "abc1234", "seq": seq},
                                                  "policy": policy})["id"]

    def stop(self):
        self.server.stop()
        self.sim.stop()


def browser(work):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--enable-precise-memory-info", f"--user-data-dir={work}/chrome"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, what, fn, timeout=60):
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: fn(d))
    except Exception:
        driver.save_screenshot(os.path.join(OUT, "failure.png"))
        fail(f"timed out waiting for {what}")


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def count(driver, rollout_id, key):
    return js(driver, """
      const card = document.querySelector(`article[data-rollout="${arguments[0]}"]`);
      const n = card && card.querySelector(`[data-count="${arguments[1]}"] .n`);
      return n ? Number(n.textContent) : null;""", rollout_id, key)


def sign_in(driver, url, token):
    from selenium.webdriver.common.by import By
    driver.get(url)
    js(driver, "sessionStorage.clear()")
    driver.get(url)
    wait(driver, "the sign-in form", lambda d: d.find_element(By.ID, "token").is_displayed())
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "login-submit").click()
    wait(driver, "the live stream", lambda d: d.find_element(By.ID, "conn").text == "● live")


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def run_test(stack, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    sign_in(driver, stack.url, READ)
    wait(driver, "the fleet map's 200 tenants", lambda d: "200 tenants" in (d.find_element(By.ID, "fleetmap").get_attribute("aria-label") or ""))
    rid = stack.rollout("v2", 2, {"canary": ["t0000"], "max_parallel": 6, "max_stragglers": 2,
                                  "per_tenant_timeout_s": 4, "health_timeout_s": 4, "health_interval_s": 0.2})
    # While it runs, the counts move.
    seen = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = count(driver, rid, "done")
        if done is not None:
            seen.add(done)
        state = stack.call("GET", f"/v1/rollouts/{rid}")["state"]
        if len(seen) >= 3 and 0 < min(seen) and max(seen) < 200:
            break
        if state not in ("pending", "running"):
            break
        time.sleep(0.2)
    driver.save_screenshot(os.path.join(OUT, "running.png"))
    moving = sorted(s for s in seen if s is not None)
    if len(moving) < 3:
        fail(f"the done count did not move while the rollout ran: saw {moving}")
    # A read token gets no controls.
    if driver.find_elements(By.CSS_SELECTOR, "button[data-action]"):
        fail("a read token was shown rollout controls")
    wait(driver, "the rollout's end on the page", lambda d: d.find_elements(
        By.CSS_SELECTOR, f'article[data-rollout="{rid}"] [data-rollout-state="succeeded"]'), timeout=180)
    api = stack.call("GET", f"/v1/rollouts/{rid}", token=READ)
    rows = {r["slug"]: r for r in api["results"]}
    verified = sum(1 for r in rows.values() if r["verified_on_target"])
    if sorted(api["stragglers"]) != ["t0007", "t0131"]:
        fail(f"the API's stragglers: {api['stragglers']}")
    wait(driver, "the final counts", lambda d: count(d, rid, "done") == 200)
    page = {k: count(driver, rid, k) for k in ("done", "verified", "quarantined", "failed", "skipped", "inflight")}
    want = {"done": 200, "verified": verified, "quarantined": 2, "failed": 0, "skipped": 0, "inflight": 0}
    if page != want:
        fail(f"the page's counts {page} are not the API's {want}")
    for slug, status in (("t0007", "OffTarget"), ("t0131", "TimedOut")):
        item = driver.find_elements(By.CSS_SELECTOR, f'article[data-rollout="{rid}"] li[data-straggler="{slug}"]')
        if not item or status not in item[0].text:
            fail(f"straggler {slug} not listed with {status}: {[i.text for i in item]}")
        search = driver.find_element(By.ID, "search")
        search.clear()
        search.send_keys(slug, Keys.ENTER)
        wait(driver, f"{slug}'s details", lambda d: js(d, """
            const h = document.querySelector('#detail h3');
            return h && h.textContent === arguments[0] && !!document.querySelector("#detail dd[data-cell='quarantined']");""", slug))
        detail = driver.find_element(By.ID, "detail").text
        if f"rollout {rid}" not in detail or status not in detail:
            fail(f"{slug}'s details lack its quarantine reason: {detail!r}")
    js(driver, "const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));")
    driver.save_screenshot(os.path.join(OUT, "finished.png"))
    # An older release is refused by the fence, and the page says so.
    stack.call("POST", "/v1/rollouts", {"release": {"tag": "v1", "seq": 1}, "policy": {}}, expect=409)
    wait(driver, "the fence's refusal", lambda d: "v1 (seq 1)" in d.find_element(By.ID, "release").text)

    # An admin token pauses and resumes from the page.
    driver.find_element(By.ID, "signout").click()
    sign_in(driver, stack.url, ADMIN)
    rid2 = stack.rollout("v3", 3, {"max_parallel": 1, "max_stragglers": 2, "per_tenant_timeout_s": 4,
                                   "health_timeout_s": 4, "health_interval_s": 0.2})
    selector = f'article[data-rollout="{rid2}"] button[data-action="pause"]'
    wait(driver, "the pause button", lambda d: d.find_elements(By.CSS_SELECTOR, selector))
    driver.find_element(By.CSS_SELECTOR, selector).click()
    wait(driver, "the API to say paused", lambda d: stack.call("GET", f"/v1/rollouts/{rid2}")["state"] == "paused")
    wait(driver, "the page to say paused", lambda d: d.find_elements(
        By.CSS_SELECTOR, f'article[data-rollout="{rid2}"] [data-rollout-state="paused"]'))
    driver.save_screenshot(os.path.join(OUT, "paused.png"))
    resume = f'article[data-rollout="{rid2}"] button[data-action="resume"]'
    wait(driver, "the resume button", lambda d: d.find_elements(By.CSS_SELECTOR, resume))
    driver.find_element(By.CSS_SELECTOR, resume).click()
    wait(driver, "the API to say running", lambda d: stack.call("GET", f"/v1/rollouts/{rid2}")["state"] == "running")
    stack.call("POST", f"/v1/rollouts/{rid2}/cancel")
    wait(driver, "the page to say cancelled", lambda d: d.find_elements(
        By.CSS_SELECTOR, f'article[data-rollout="{rid2}"] [data-rollout-state="cancelled"]'))
    # A narrow screen still works.
    driver.set_window_size(420, 900)
    wait(driver, "the map at 420 px", lambda d: d.find_element(By.ID, "fleetmap").size["width"] <= 420)
    driver.save_screenshot(os.path.join(OUT, "narrow.png"))
    errors = console_errors(driver)
    if errors:
        fail(f"browser console errors: {errors}")
    print(f"dashboard_test: passed; screenshots in {OUT}")


def run_load(stack, driver, tenants):
    """Time to first render of the fleet map, then following a rollout of
    every tenant; the JS heap after it."""
    from selenium.webdriver.common.by import By
    started = time.monotonic()
    sign_in(driver, stack.url, READ)
    wait(driver, "the fleet map", lambda d: js(d, "return window.rollcallFirstRender || 0") > 0, timeout=120)
    # From the token's submission to the fleet map's first full draw.
    first_render = js(driver, "return window.rollcallFirstRender - window.rollcallSignedIn")
    rid = stack.rollout("v2", 2, {"max_parallel": 200, "max_stragglers": "1%", "per_tenant_timeout_s": 30,
                                  "health_timeout_s": 30, "health_interval_s": 0.2})
    t0 = time.monotonic()
    wait(driver, "the page to show every tenant done", lambda d: count(d, rid, "done") == tenants, timeout=600)
    followed = time.monotonic() - t0
    final = stack.call("GET", f"/v1/rollouts/{rid}")
    api_state = final["state"]
    at = lambda key: datetime.datetime.fromisoformat(final[key].replace("Z", "+00:00"))
    ran = (at("finished_at") - at("started_at")).total_seconds()
    heap = js(driver, "return performance.memory ? performance.memory.usedJSHeapSize : 0")
    driver.save_screenshot(os.path.join(OUT, f"load-{tenants}.png"))
    errors = console_errors(driver)
    print(json.dumps({"tenants": tenants, "first_render_ms": round(first_render), "rollout_followed_s": round(followed, 1),
                      "rollout_ran_s": round(ran, 1),
                      "rollout_state": api_state, "js_heap_mib": round(heap / 2**20, 1),
                      "total_s": round(time.monotonic() - started, 1), "console_errors": len(errors)}))
    if errors:
        fail(f"browser console errors: {errors}")


def main():
    global OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--load", type=int, default=0, help="tenants for the load check instead of the test")
    args = parser.parse_args()
    OUT = os.path.abspath(args.out_dir)
    os.makedirs(OUT, exist_ok=True)
    have = all(os.access(p, os.X_OK) for p in ("/usr/bin/chromium", "/usr/bin/chromedriver"))
    try:
        import selenium  # noqa: F401
    except ImportError:
        have = False
    if not have:
        if os.environ.get("ROLLCALL_REQUIRE_BROWSER"):
            fail("chromium, chromedriver or python3-selenium is missing (scripts/bootstrap.sh installs them)")
        print("dashboard_test: skipped: no chromium, chromedriver or python3-selenium")
        return SKIP
    work = tempfile.mkdtemp(prefix="rollcall-dashboard-")
    stack = driver = None
    try:
        if args.load:
            stack = Stack(args.bin_dir, work, args.load, [], 50)
        else:
            stack = Stack(args.bin_dir, work, 200, ["t0007=stuck", "t0131=dead"], 150)
        driver = browser(work)
        if args.load:
            run_load(stack, driver, args.load)
        else:
            run_test(stack, driver)
    finally:
        if driver:
            driver.quit()
        if stack:
            stack.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


OUT = ""
if __name__ == "__main__":
    sys.exit(main())
