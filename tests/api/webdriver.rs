//! Headless Chromium driven through chromedriver in plain W3C WebDriver (JSON over HTTP),
//! for the browser tests (`browser.rs`, the GraphiQL page; `explore_page.rs`, the graph page).
//!
//! It needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them
//! [`browser_installed`] prints why and the tests pass, unless `CAREGRAPH_REQUIRE_BROWSER=1` (set
//! by `.ci/run`), in which case they fail.
//!
//! `reqwest` speaks WebDriver, not `fantoccini`: `fantoccini`'s rustls connector builds its TLS
//! config from rustls' process-wide default crypto provider, and with `reqwest` (ring) and
//! `fantoccini` (aws-lc-rs) both in the dev-dependencies rustls cannot pick one and panics.
//! Nothing here needs TLS anyway.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Upper bound of every single wait (driver start, page load, element, response).
pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// Whether a console message reports a Content-Security-Policy violation.
pub(crate) fn is_csp(line: &str) -> bool {
    line.contains("Content Security Policy") || line.contains("Content-Security-Policy")
}

/// "LEVEL message" of every entry in a browser log.
pub(crate) fn console_in(log: &Value) -> Vec<String> {
    log.as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{} {}",
                e["level"].as_str().unwrap_or("?"),
                e["message"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// The (method, URL) of every `Network.requestWillBeSent` (and WebSocket) in a performance log.
pub(crate) fn requests_in(log: &Value) -> Vec<(String, String)> {
    let mut requests = Vec::new();
    for entry in log.as_array().into_iter().flatten() {
        let Some(message) = entry["message"]
            .as_str()
            .and_then(|m| serde_json::from_str::<Value>(m).ok())
        else {
            continue;
        };
        let event = &message["message"];
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Network.requestWillBeSent") => requests.push((
                params["request"]["method"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned(),
                params["request"]["url"].as_str().unwrap_or("?").to_owned(),
            )),
            Some("Network.webSocketCreated") => requests.push((
                "WEBSOCKET".to_owned(),
                params["url"].as_str().unwrap_or("?").to_owned(),
            )),
            _ => {}
        }
    }
    requests
}

/// A URL or log line cut to a printable length (`data:` URLs of fonts run to tens of
/// kilobytes, and chromedriver logs whole responses).
pub(crate) fn shorten(line: &str) -> String {
    match line.char_indices().nth(100) {
        Some((end, _)) => format!("{}… ({} bytes)", &line[..end], line.len()),
        None => line.to_owned(),
    }
}

/// Whether a URL the page used stays on caregraph (or never touches the network). A
/// WebSocket to caregraph's own host (`ws://` for `http://`) stays too.
pub(crate) fn stays_local(url: &str, address: &str) -> bool {
    let socket = address.replacen("http", "ws", 1);
    let on_app = [address, socket.as_str()].iter().any(|base| {
        url.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    on_app
        || ["data:", "blob:", "about:"]
            .iter()
            .any(|s| url.starts_with(s))
}

/// Whether Chromium and chromedriver are there; panics when they are not and the run requires
/// them (`CAREGRAPH_REQUIRE_BROWSER=1`).
pub(crate) fn browser_installed() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let required = std::env::var("CAREGRAPH_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CAREGRAPH_REQUIRE_BROWSER=1 but {missing:?} missing: \
         install chromium and chromium-driver (.ci/run does)"
    );
    eprintln!("skipped: install chromium and chromium-driver (.ci/run does); missing {missing:?}");
    false
}

/// One WebDriver session of headless Chromium.
pub(crate) struct Session {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    url: String,
}

impl Session {
    pub(crate) async fn start(driver: &ChromeDriver, profile: &Path) -> Result<Self, String> {
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "perfLoggingPrefs": { "enableNetwork": true, "enablePage": false },
            },
            "goog:loggingPrefs": { "performance": "ALL", "browser": "ALL" },
        });
        let http = reqwest::Client::builder()
            .timeout(WAIT)
            .build()
            .map_err(|e| e.to_string())?;
        let value = send(
            http.post(format!("{}session", driver.url))
                .json(&json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )
        .await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {value}"))?;
        Ok(Self {
            url: format!("{}session/{id}", driver.url),
            http,
        })
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        send(self.http.post(format!("{}/{path}", self.url)).json(&body))
            .await
            .map_err(|e| format!("POST {path}: {e}"))
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Value, String> {
        send(self.http.get(format!("{}/{path}", self.url)))
            .await
            .map_err(|e| format!("GET {path}: {e}"))
    }

    pub(crate) async fn close(&self) -> Result<Value, String> {
        send(self.http.delete(&self.url)).await
    }

    pub(crate) async fn goto(&self, url: &str) -> Result<(), String> {
        self.post("url", json!({ "url": url })).await.map(drop)
    }

    /// The id of the first element matching a CSS selector, waiting for it up to [`WAIT`].
    pub(crate) async fn find(&self, css: &str) -> Result<String, String> {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self
                .post("element", json!({ "using": "css selector", "value": css }))
                .await;
            match found {
                Ok(element) => {
                    return element
                        .as_object()
                        .and_then(|o| o.values().next())
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or_else(|| format!("odd element reference: {element}"));
                }
                Err(e) if Instant::now() > deadline => {
                    return Err(format!("no {css} after {WAIT:?}: {e}"));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    pub(crate) async fn click(&self, element: &str) -> Result<(), String> {
        self.post(&format!("element/{element}/click"), json!({}))
            .await
            .map(drop)
    }

    pub(crate) async fn text(&self, element: &str) -> Result<String, String> {
        let text = self.get(&format!("element/{element}/text")).await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    pub(crate) async fn execute(&self, script: &str) -> Result<Value, String> {
        self.post("execute/sync", json!({ "script": script, "args": [] }))
            .await
    }

    /// Runs `script` every 100 ms until `done` accepts its result, for at most [`WAIT`].
    pub(crate) async fn poll(
        &self,
        script: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value, String> {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.execute(script).await?;
            if done(&value) {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(format!("no {what} after {WAIT:?}; last seen: {value}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Presses and releases keys on the keyboard, into whatever has the focus.
    pub(crate) async fn keys(&self, actions: &[Value]) -> Result<(), String> {
        self.post(
            "actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await?;
        send(self.http.delete(format!("{}/actions", self.url)))
            .await
            .map(drop)
    }

    /// Types `text` one key press per character.
    pub(crate) async fn type_text(&self, text: &str) -> Result<(), String> {
        let actions: Vec<Value> = text
            .chars()
            .flat_map(|c| {
                [
                    json!({ "type": "keyDown", "value": c.to_string() }),
                    json!({ "type": "keyUp", "value": c.to_string() }),
                ]
            })
            .collect();
        self.keys(&actions).await
    }

    /// Clicks the left mouse button `count` times in a row at a point of the viewport (CSS
    /// pixels), for what has no element of its own to click, such as a node drawn on a canvas.
    /// Two clicks in one sequence come fast enough for a page to see a double click.
    pub(crate) async fn click_at(&self, x: f64, y: f64, count: usize) -> Result<(), String> {
        let mut actions = vec![json!({
            "type": "pointerMove", "duration": 0, "origin": "viewport",
            "x": x.round() as i64, "y": y.round() as i64,
        })];
        for _ in 0..count {
            actions.push(json!({ "type": "pointerDown", "button": 0 }));
            actions.push(json!({ "type": "pointerUp", "button": 0 }));
        }
        self.post(
            "actions",
            json!({ "actions": [{
                "type": "pointer", "id": "mouse",
                "parameters": { "pointerType": "mouse" }, "actions": actions,
            }] }),
        )
        .await?;
        send(self.http.delete(format!("{}/actions", self.url)))
            .await
            .map(drop)
    }

    /// Resizes the window so that the page itself gets `width` x `height` CSS pixels:
    /// `--window-size` sets the outer size, and headless Chromium keeps part of it for its
    /// (invisible) toolbars.
    pub(crate) async fn set_viewport(&self, width: i64, height: i64) -> Result<(), String> {
        let frame = self
            .execute("return [outerWidth - innerWidth, outerHeight - innerHeight];")
            .await?;
        let extra = |i: usize| frame[i].as_i64().unwrap_or(0);
        self.post(
            "window/rect",
            json!({ "width": width + extra(0), "height": height + extra(1) }),
        )
        .await
        .map(drop)
    }

    /// Saves a PNG of the viewport to `path` (parent folders created).
    pub(crate) async fn screenshot(&self, path: &Path) -> Result<(), String> {
        use base64::Engine as _;
        let png = self.get("screenshot").await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .map_err(|e| format!("screenshot is not base64: {e}"))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads (and so empties) one of Chrome's logs: `performance` or `browser`.
    pub(crate) async fn log(&self, kind: &str) -> Result<Value, String> {
        self.post("se/log", json!({ "type": kind })).await
    }

    /// The id of the first element matching a CSS selector whose trimmed text is `text`,
    /// waiting for it up to [`WAIT`]: for buttons and links that only their label tells apart.
    pub(crate) async fn find_text(&self, css: &str, text: &str) -> Result<String, String> {
        // The W3C key under which WebDriver returns an element from a script.
        const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
        let script = "return [...document.querySelectorAll(arguments[0])] \
             .find(e => e.textContent.trim() === arguments[1]) || null;";
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self
                .post(
                    "execute/sync",
                    json!({ "script": script, "args": [css, text] }),
                )
                .await?;
            if let Some(id) = found.get(ELEMENT).and_then(Value::as_str) {
                return Ok(id.to_owned());
            }
            if Instant::now() > deadline {
                return Err(format!("no {css} reading {text:?} after {WAIT:?}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Sends a WebDriver command; its `value`, or the WebDriver error as text.
pub(crate) async fn send(request: reqwest::RequestBuilder) -> Result<Value, String> {
    let resp = request.send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let body: Value = resp.json().await.map_err(|e| format!("{status}: {e}"))?;
    let value = body["value"].clone();
    if status.is_success() && value.get("error").is_none() {
        Ok(value)
    } else {
        Err(format!(
            "{status}: {} {}",
            value["error"].as_str().unwrap_or("?"),
            value["message"].as_str().unwrap_or("?")
        ))
    }
}

/// A chromedriver on a free local port, in a process group of its own so that dropping it
/// also ends any Chromium it started.
pub(crate) struct ChromeDriver {
    child: Child,
    /// `http://127.0.0.1:PORT/`
    url: String,
    log_path: PathBuf,
}

impl ChromeDriver {
    pub(crate) async fn start(dir: &Path) -> Self {
        let log_path = dir.join("chromedriver.log");
        let mut last = String::new();
        // A port found free can be taken before chromedriver binds it: try a few.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let child = {
                use std::os::unix::process::CommandExt;
                Command::new(CHROMEDRIVER)
                    .arg(format!("--port={port}"))
                    .arg(format!("--log-path={}", log_path.display()))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .process_group(0)
                    .spawn()
                    .unwrap_or_else(|e| panic!("cannot run {CHROMEDRIVER}: {e}"))
            };
            let mut driver = Self {
                child,
                url: format!("http://127.0.0.1:{port}/"),
                log_path: log_path.clone(),
            };
            match driver.ready().await {
                Ok(()) => return driver,
                Err(e) => last = format!("{e}\n{}", driver.log()),
            }
        }
        panic!("chromedriver did not start: {last}");
    }

    /// Waits until chromedriver answers `GET /status` with `ready: true`.
    async fn ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("chromedriver exited: {status}"));
            }
            if let Ok(status) = send(http.get(format!("{}status", self.url))).await
                && status["ready"] == true
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("chromedriver not ready after {WAIT:?}"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The end of chromedriver's log, for failure messages.
    pub(crate) fn log(&self) -> String {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<String> = log.lines().map(shorten).collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        format!("--- end of {} ---\n{tail}", self.log_path.display())
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The group's id is chromedriver's pid; Chromium, started by it, is in the same group.
        let group = format!("kill -KILL -- -{} 2>/dev/null", self.child.id());
        let killed = Command::new("/bin/sh")
            .args(["-c", &group])
            .stdin(Stdio::null())
            .status();
        if !matches!(killed, Ok(s) if s.success()) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// What a page did, read from the browser at the end of a session.
pub(crate) struct PageLog {
    /// (method, URL) of every request Chrome's network log reports for the tab.
    pub(crate) requests: Vec<(String, String)>,
    /// URLs of the page, its resources and its fetches, from the Performance API.
    pub(crate) resources: Vec<String>,
    /// Level and message of every entry of the browser's console log.
    pub(crate) console: Vec<String>,
    /// The console log after an inline script was added on purpose (see [`Session::page_log`]).
    pub(crate) probe: Vec<String>,
}

impl Session {
    /// Reads (and so empties) the tab's logs, then proves that the console log is read and
    /// that the page's CSP is enforced: an inline script added now must be refused, and the
    /// refusal must show up in the log.
    pub(crate) async fn page_log(&self) -> Result<PageLog, String> {
        let resources = self
            .execute(
                "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));",
            )
            .await?;
        let resources = resources
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect();
        let requests = requests_in(&self.log("performance").await?);
        let console = console_in(&self.log("browser").await?);
        self.execute(
            "const el = document.createElement('script'); \
             el.textContent = 'window.inlineRan = true'; document.head.appendChild(el); \
             console.error('probe: ' + (window.inlineRan === true ? 'inline script ran' : 'blocked'));",
        )
        .await?;
        let mut probe = Vec::new();
        let deadline = Instant::now() + WAIT;
        while !(probe.iter().any(|l: &String| l.contains("probe:"))
            && probe.iter().any(|l| is_csp(l)))
        {
            if Instant::now() > deadline {
                return Err(format!("no probe messages after {WAIT:?}: {probe:?}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            probe.extend(console_in(&self.log("browser").await?));
        }
        Ok(PageLog {
            requests,
            resources,
            console,
            probe,
        })
    }
}

impl PageLog {
    /// Asserts that nothing left caregraph at `address` (network log and the page's own
    /// timings), that the log is not vacuous (it holds each of `paths` and a POST /graphql),
    /// and that the console shows no CSP violation and no error while the probe shows the CSP
    /// enforced.
    pub(crate) fn assert_offline_and_clean(&self, address: &str, paths: &[&str]) {
        let listed: Vec<String> = self
            .requests
            .iter()
            .map(|(method, url)| format!("{method} {}", shorten(url)))
            .collect();
        eprintln!("requests seen by Chrome ({}):", listed.len());
        for request in &listed {
            eprintln!("  {request}");
        }
        for (method, url) in &self.requests {
            assert!(
                stays_local(url, address),
                "request leaves caregraph: {method} {url}"
            );
        }
        for url in &self.resources {
            assert!(
                stays_local(url, address),
                "resource from outside caregraph: {url}"
            );
        }
        for path in paths {
            let expected = format!("{address}{path}");
            assert!(
                self.requests.iter().any(|(_, url)| *url == expected),
                "the network log misses {expected}: {listed:#?}"
            );
        }
        let graphql = format!("{address}/graphql");
        assert!(
            self.requests
                .iter()
                .any(|(method, url)| method == "POST" && *url == graphql),
            "the network log shows no POST /graphql: {listed:#?}"
        );
        eprintln!("browser console ({}):", self.console.len());
        for line in &self.console {
            eprintln!("  {line}");
        }
        let csp: Vec<_> = self.console.iter().filter(|l| is_csp(l)).collect();
        assert!(csp.is_empty(), "CSP violations: {csp:#?}");
        // Nor any other error (an uncaught exception, a failed load), but the missing favicon.
        let errors: Vec<_> = self
            .console
            .iter()
            .filter(|l| l.starts_with("SEVERE") && !l.contains("/favicon.ico"))
            .collect();
        assert!(errors.is_empty(), "errors in the console: {errors:#?}");
        // The probe's inline script was refused, and nothing else was refused meanwhile.
        let late: Vec<_> = self
            .probe
            .iter()
            .filter(|l| is_csp(l) && !l.contains("inline script"))
            .collect();
        assert!(late.is_empty(), "CSP violations: {late:#?}");
        assert!(
            self.probe.iter().any(|l| l.contains("probe: blocked"))
                && self
                    .probe
                    .iter()
                    .any(|l| is_csp(l) && l.contains("script-src")),
            "{:?}",
            self.probe
        );
    }
}

/// Runs `drive` in a fresh headless Chromium, for at most `limit`; always ends the session and
/// chromedriver, and panics with chromedriver's log when the drive fails or runs over.
pub(crate) async fn with_browser<T>(
    limit: Duration,
    drive: impl AsyncFnOnce(&Session) -> Result<T, String>,
) -> T {
    let tmp = tempfile::tempdir().expect("temp dir");
    let driver = ChromeDriver::start(tmp.path()).await;
    let session = match Session::start(&driver, &tmp.path().join("profile")).await {
        Ok(session) => session,
        Err(e) => panic!(
            "cannot start Chromium through chromedriver: {e}\n{}",
            driver.log()
        ),
    };
    let outcome = tokio::time::timeout(limit, drive(&session)).await;
    // Always end the session (Chromium exits with it); the driver is killed when dropped.
    let closed = session.close().await;
    let seen = match outcome {
        Ok(Ok(seen)) => seen,
        Ok(Err(e)) => panic!("{e}\n{}", driver.log()),
        Err(_) => panic!(
            "the browser session took more than {limit:?}\n{}",
            driver.log()
        ),
    };
    drop(driver);
    assert!(
        closed.is_ok(),
        "cannot close the browser session: {closed:?}"
    );
    seen
}
