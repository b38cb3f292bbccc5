"""A real JupyterLab server and a logged-in Chromium page for browser tests.

One Lab server and one Chromium (with a profile on disk) per test module, a new page per test:
starting Lab costs seconds and these machines have two cores. Module scope (not session) also
ends Playwright's event loop before the rest of the suite, whose pytest-jupyter fixtures expect
none running. Everything Jupyter writes (config, data, runtime, IPython profile, the nbops
store) stays in temporary directories.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

# Debian's headless shell: the same Chromium build (Blink, V8) without the desktop browser around
# it, as Playwright runs headless by default. It costs ~14 % less CPU than the full `chromium`
# across the browser tests. The benchmarks time what a user's browser does: the full one.
CHROMIUM = os.environ.get("NBOPS_CHROMIUM", "/usr/bin/chromium-headless-shell")
USER_CHROMIUM = os.environ.get("NBOPS_USER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
START_TIMEOUT = 90
VIEWPORT = {"width": 1366, "height": 800}
LIGHT_THEME = "JupyterLab Light"
_LAYOUT_COLOUR = "getComputedStyle(document.body).getPropertyValue('--jp-layout-color0')"


@dataclass
class LabServer:
    url: str
    token: str
    root_dir: Path
    log_path: Path

    def page_url(self, path: str = "lab") -> str:
        return f"{self.url}/{path}?token={self.token}"

    def api(self, path: str, method: str = "GET"):
        """Call the nbops REST API as the logged-in user; its JSON answer (None if empty)."""
        request = urllib.request.Request(
            f"{self.url}/nbops/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200, (method, path, response.status)
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_answering(process: subprocess.Popen, server: LabServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    status_url = f"{server.url}/api/status?token={server.token}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(status_url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"jupyter lab did not answer within {START_TIMEOUT}s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """Stop Lab and the kernels it started (its own process group)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab_config() -> str:
    """Extra lines of the Lab server's jupyter_server_config.py; a test module may override it."""
    return ""


@pytest.fixture(scope="module")
def lab_server(request, tmp_path_factory, lab_config) -> LabServer:
    base = tmp_path_factory.mktemp("lab")
    root_dir = base / "root"
    dirs = {name: base / name for name in ("config", "data", "runtime", "ipython")}
    for path in (root_dir, *dirs.values()):
        path.mkdir()
    # The server's store is the nearest .nbops above its root: make it the root's own, or one a
    # developer left in a parent folder (the temp folder's .nbops) would be the one the panels show.
    (root_dir / ".nbops").mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    token = secrets.token_hex(16)
    port = _free_port()
    (dirs["config"] / "jupyter_server_config.py").write_text(
        "c.FileContentsManager.delete_to_trash = False\n" + lab_config
    )
    # No "get notified about Jupyter news?" toast over the screenshots.
    notification = dirs["config"] / "lab/user-settings/@jupyterlab/apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    # No build check on each page load: it runs `node yarn config` and walks the app folder,
    # ~0.75 CPU-seconds a load, for an extension that ships prebuilt (test_install checks it).
    (dirs["config"] / "labconfig").mkdir()
    (dirs["config"] / "labconfig" / "page_config.json").write_text('{"buildCheck": false, "buildAvailable": false}')
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "NBOPS_")) and key != "IPYTHONDIR"
    }
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        IPYTHONDIR=str(dirs["ipython"]),
        # Kernels must run this interpreter, the one nbops is installed in.
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    # one log per module: under pytest-xdist several modules' servers run at once
    log_path = ARTIFACTS / f"jupyter-lab-{request.module.__name__.rpartition('.')[2]}.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
    ]
    server = LabServer(url=f"http://127.0.0.1:{port}", token=token, root_dir=root_dir, log_path=log_path)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=root_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_answering(process, server)
        yield server
    finally:
        _stop(process)


@pytest.fixture
def jp_asyncio_loop():
    """Replace pytest-jupyter's autouse event loop (and its cleanup) in browser tests.

    Playwright's sync API drives its own asyncio loop; pytest-jupyter would pick that
    loop up as the current one and try to close it while it runs. These tests talk to
    a Lab subprocess, not to an in-process server.
    """
    yield None


@pytest.fixture
def jp_server_cleanup():
    yield


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """One Chromium profile on disk for the module's tests, each test with a page of its own.

    A profile on disk keeps what a user's browser keeps between visits, V8's code cache and the
    HTTP cache: Lab then loads in ~3.9 CPU-seconds of the machine instead of ~5.5 in a fresh
    in-memory context, whose caches die with it (a context shared in memory saved nothing).
    """
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_sync.sync_playwright() as playwright:
        # Reduced motion, as a user can ask for it: a spinning status icon otherwise makes
        # Chromium paint 60 frames a second for as long as a run shows as running, which cost
        # 7-11 % of a browser module's CPU; the screenshots hold still too.
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
            reduced_motion="reduce",
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


class LabPage:
    """A Playwright page on the Lab server, with the few steps tests share."""

    def __init__(self, page, server: LabServer):
        self.page = page
        self.server = server
        self.console_errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def open(self, path: str = "lab") -> None:
        """Load Lab (``lab`` or ``lab/tree/<file>``) and wait until its shell is restored.

        The workspace is reset, so tabs an earlier test left open do not come back.
        """
        self.page.goto(self.server.page_url(path) + "&reset")
        self.page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
        self.page.evaluate("() => window.jupyterapp.restored")
        self.page.locator("#jp-main-dock-panel").wait_for(state="visible")
        self.wait_for_splash()
        # The theme is a setting of the module's Lab server: a test that switched to dark left
        # it dark for the next one, whose "light" screenshots then came out dark.
        self.page.locator("body[data-jp-theme-name]").wait_for(state="attached")
        if self.page.get_attribute("body", "data-jp-theme-name") != LIGHT_THEME:
            self.set_theme(LIGHT_THEME)

    def set_theme(self, theme: str) -> None:
        """Switch the theme, e.g. ``"JupyterLab Dark"``, and wait until its colours apply."""
        if self.page.get_attribute("body", "data-jp-theme-name") == theme:
            return
        before = self.page.evaluate(f"() => {_LAYOUT_COLOUR}")
        self.page.evaluate(
            "theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
            theme,
        )
        self.page.locator(f'body[data-jp-theme-name="{theme}"]').wait_for(state="attached")
        # The theme's CSS may come in after the attribute flips: wait for its colours, then two
        # frames, in which panels that listen for the change repaint. A fixed 800 ms wait here
        # was about 40 s of the first wave's browser tests.
        self.page.wait_for_function(f"before => {_LAYOUT_COLOUR} !== before", arg=before)
        self.wait_for_splash()
        self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")

    def wait_for_splash(self) -> None:
        """Wait until Lab's splash screen is gone: Lab shows it while it loads or changes the
        theme, then fades it out over the page, so a screenshot taken meanwhile comes out dim."""
        self.page.locator("#jupyterlab-splash").wait_for(state="detached")

    def left_tab(self, widget_id: str):
        return self.page.locator(f'.jp-SideBar.jp-mod-left li[data-id="{widget_id}"]')

    def open_left_panel(self, widget_id: str):
        """Click a left sidebar tab unless its panel is already shown; return the panel."""
        tab = self.left_tab(widget_id)
        if tab.get_attribute("aria-selected") != "true":
            tab.click()
        panel = self.page.locator(f"#{widget_id}")
        panel.wait_for(state="visible")
        return panel

    def resize_left_sidebar(self, width: int) -> None:
        """Drag the handle right of the left sidebar until its panels are ``width`` px wide."""
        stack = self.page.locator("#jp-left-stack")
        handle = self.page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
        box = handle.bounding_box()
        current = stack.bounding_box()["width"]
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + width - current, y, steps=5)
        self.page.mouse.up()

    def focus_notebook(self):
        """Click the current notebook's first cell prompt so its commands target it."""
        notebook = self.page.locator(".jp-NotebookPanel:visible")
        notebook.locator(".jp-InputPrompt").first.click()
        return notebook

    def wait_for_kernel(self, timeout: float = 60_000) -> None:
        """Wait until the current notebook's kernel has started and is idle."""
        self.page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget?.sessionContext !== undefined",
            timeout=timeout,
        )
        self.page.evaluate(
            """async () => {
                const widget = window.jupyterapp.shell.currentWidget;
                await widget.context.ready;
                await widget.sessionContext.ready;
            }"""
        )
        self.page.wait_for_function(
            """() => {
                const widget = window.jupyterapp.shell.currentWidget;
                const kernel = widget && widget.sessionContext.session?.kernel;
                return kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
            }""",
            timeout=timeout,
        )

    def menu(self, *labels: str) -> None:
        """Click through the main menu, e.g. ``menu("Run", "Run All Cells")``."""
        self.page.locator("#jp-menu-panel").get_by_role("menuitem", name=labels[0], exact=True).click()
        for label in labels[1:]:
            name = re.compile(rf"^{re.escape(label)}")
            self.page.locator(".lm-Menu").get_by_role("menuitem", name=name).first.click()

    def screenshot(self, name: str, locator=None) -> Path:
        """Save a screenshot of the page (or one element) as tests/artifacts/<name>.png."""
        path = ARTIFACTS / f"{name}.png"
        self.wait_for_splash()
        (locator or self.page).screenshot(path=str(path))
        return path

    def screenshots_light_and_dark(self, name: str, locator=None) -> None:
        """<name>-light.png, then <name>-dark.png, and back to the light theme."""
        self.screenshot(f"{name}-light", locator)
        self.set_theme("JupyterLab Dark")
        self.screenshot(f"{name}-dark", locator)
        self.set_theme("JupyterLab Light")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def lab(request, browser_context, lab_server):
    """A new, logged-in page on the module's Lab server.

    What a page sets (routes, viewport, listeners) goes with it; what the module's browser
    profile would carry to the next test (permissions, cookies) is cleared after each test.
    A failing test leaves ``tests/artifacts/failed-<test>.png`` behind.
    """
    (ARTIFACTS / f"failed-{request.node.name}.png").unlink(missing_ok=True)
    lab_page = LabPage(browser_context.new_page(), lab_server)
    try:
        yield lab_page
    finally:
        if getattr(request.node, "call_failed", False):
            lab_page.screenshot(f"failed-{request.node.name}")
        lab_page.page.close()
        browser_context.clear_permissions()
        browser_context.clear_cookies()
