//! GraphiQL in a real browser: headless Chromium, driven through chromedriver.
//!
//! The test opens `/graphiql`, types the README's first question into the query editor with
//! real keystrokes, runs it with the run button and reads the answer from the response pane.
//! Along the way it checks that the page sends no request anywhere but caregraph (Chrome's
//! network log and the page's own resource timings) and that the browser logs no
//! Content-Security-Policy violation.
//!
//! It needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them
//! it prints why and passes, unless `CAREGRAPH_REQUIRE_BROWSER=1` (set by `.ci/run`), in which
//! case it fails.
//!
//! chromedriver is spoken to in plain W3C WebDriver (JSON over HTTP) with `reqwest`, not with
//! `fantoccini`: `fantoccini`'s rustls connector builds its TLS config from rustls' process-wide
//! default crypto provider, and with `reqwest` (ring) and `fantoccini` (aws-lc-rs) both in the
//! dev-dependencies rustls cannot pick one and panics. Nothing here needs TLS anyway.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::spawn_app;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Upper bound of every single wait (driver start, page load, editor, response).
const WAIT: Duration = Duration::from_secs(20);
/// Upper bound of the whole browser session, from the first command to the last.
const SESSION: Duration = Duration::from_secs(60);

/// The README's first question, as the README shows it (comment line included).
const README_QUERY: &str = r#"# What are the symptoms of back pain after an epidural?
{
  condition(slug: "epidural-related-back-pain") {
    name
    symptomLinks {
      symptom { name }
      timing
      citations { quote }
    }
  }
}"#;

/// The same query as typed: the comment line, then the operation on one line. CodeMirror
/// closes brackets and quotes by itself and steps over a typed closing one only when it is the
/// next character, which holds on a single line; over several lines it would double them.
const TYPED_COMMENT: &str = "# What are the symptoms of back pain after an epidural?";
const TYPED_QUERY: &str = r#"{ condition(slug: "epidural-related-back-pain") { name symptomLinks { symptom { name } timing citations { quote } } } }"#;

/// WebDriver key codes.
const CONTROL: char = '\u{e009}';
const ENTER: char = '\u{e007}';
const ESCAPE: char = '\u{e00c}';

/// The query editor's text (CodeMirror 5 hangs its instance on its wrapper element).
const EDITOR_VALUE: &str = "const cm = document.querySelector('.graphiql-query-editor .CodeMirror'); \
     return cm && cm.CodeMirror ? cm.CodeMirror.getValue() : null;";
/// The response editor's text.
const RESPONSE_VALUE: &str = "const cm = document.querySelector('.graphiql-response .CodeMirror'); \
     return cm && cm.CodeMirror ? cm.CodeMirror.getValue() : null;";

#[tokio::test]
async fn graphiql_answers_the_readme_question_in_headless_chromium() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().expect("temp dir");
    let driver = ChromeDriver::start(tmp.path()).await;

    let session = match Session::start(&driver, &tmp.path().join("profile")).await {
        Ok(session) => session,
        Err(e) => panic!(
            "cannot start Chromium through chromedriver: {e}\n{}",
            driver.log()
        ),
    };
    let outcome = tokio::time::timeout(SESSION, drive(&session, &app.address)).await;
    // Always end the session (Chromium exits with it); the driver is killed when dropped.
    let closed = session.close().await;
    let seen = match outcome {
        Ok(Ok(seen)) => seen,
        Ok(Err(e)) => panic!("{e}\n{}", driver.log()),
        Err(_) => panic!(
            "the browser session took more than {SESSION:?}\n{}",
            driver.log()
        ),
    };
    drop(driver);
    assert!(
        closed.is_ok(),
        "cannot close the browser session: {closed:?}"
    );

    // Nothing left 127.0.0.1: neither in Chrome's network log nor in the page's own timings.
    let listed: Vec<String> = seen
        .requests
        .iter()
        .map(|(method, url)| format!("{method} {}", shorten(url)))
        .collect();
    eprintln!("requests seen by Chrome ({}):", listed.len());
    for request in &listed {
        eprintln!("  {request}");
    }
    eprintln!("URLs timed by the page ({}):", seen.resources.len());
    for url in &seen.resources {
        eprintln!("  {}", shorten(url));
    }
    for (method, url) in &seen.requests {
        assert!(
            stays_local(url, &app.address),
            "request leaves caregraph: {method} {url}"
        );
    }
    for url in &seen.resources {
        assert!(
            stays_local(url, &app.address),
            "resource from outside caregraph: {url}"
        );
    }
    // The log is not vacuous: it has the page, its scripts and the query.
    for expected in [
        "/graphiql",
        "/graphiql/assets/react.production.min.js",
        "/graphiql/assets/graphiql.min.js",
        "/graphiql/assets/init.js",
    ] {
        let expected = format!("{}{expected}", app.address);
        assert!(
            seen.requests.iter().any(|(_, url)| *url == expected),
            "the network log misses {expected}: {listed:#?}"
        );
    }
    let graphql = format!("{}/graphql", app.address);
    assert!(
        seen.requests
            .iter()
            .any(|(method, url)| method == "POST" && *url == graphql),
        "the network log shows no POST /graphql: {listed:#?}"
    );
    assert!(
        seen.resources.contains(&graphql),
        "the page timed no /graphql request: {:?}",
        seen.resources
    );

    // The browser logged no Content-Security-Policy violation.
    eprintln!("browser console ({}):", seen.console.len());
    for line in &seen.console {
        eprintln!("  {line}");
    }
    let csp: Vec<_> = seen.console.iter().filter(|l| is_csp(l)).collect();
    assert!(csp.is_empty(), "CSP violations: {csp:#?}");
    // Nor any other error (an uncaught exception, a failed load), but the missing favicon.
    let errors: Vec<_> = seen
        .console
        .iter()
        .filter(|l| l.starts_with("SEVERE") && !l.contains("/favicon.ico"))
        .collect();
    assert!(errors.is_empty(), "errors in the console: {errors:#?}");
    // The probe shows the log is read and the CSP enforced: its inline script was refused,
    // and nothing else was refused while the probe ran.
    let late: Vec<_> = seen
        .probe
        .iter()
        .filter(|l| is_csp(l) && !l.contains("inline script"))
        .collect();
    assert!(late.is_empty(), "CSP violations: {late:#?}");
    eprintln!("probe ({}):", seen.probe.len());
    for line in &seen.probe {
        eprintln!("  {line}");
    }
    assert!(
        seen.probe.iter().any(|l| l.contains("probe: blocked")),
        "{:?}",
        seen.probe
    );
    assert!(
        seen.probe
            .iter()
            .any(|l| is_csp(l) && l.contains("script-src")),
        "{:?}",
        seen.probe
    );

    // The typed text is the README's query, and the page shows its answer.
    assert_eq!(
        normalize(&seen.editor),
        normalize(README_QUERY),
        "the editor holds {:?}",
        seen.editor
    );
    for text in [
        "Epidural-related back pain",
        "Numbness or tingling around the injection area",
    ] {
        assert!(
            seen.response_text.contains(text),
            "the response pane does not show {text:?}: {}",
            seen.response_text
        );
    }
    let shown: Value = serde_json::from_str(&seen.response)
        .unwrap_or_else(|e| panic!("the response pane holds no JSON ({e}): {}", seen.response));
    let (_, expected) = app.gql(README_QUERY, json!({})).await;
    assert!(expected.get("errors").is_none(), "{expected}");
    assert_eq!(
        shown, expected,
        "GraphiQL shows another answer than the API"
    );

    eprintln!("browser test took {:.1?}", started.elapsed());
}

/// What the browser saw.
struct Seen {
    /// (method, URL) of every request Chrome's network log reports for the tab.
    requests: Vec<(String, String)>,
    /// URLs of the page, its resources and its fetches, from the Performance API.
    resources: Vec<String>,
    /// Level and message of every entry of the browser's console log.
    console: Vec<String>,
    /// The console log after an inline script was added on purpose (see [`drive`]).
    probe: Vec<String>,
    /// The query editor's text after typing.
    editor: String,
    /// The response editor's full text.
    response: String,
    /// The response pane's text as rendered.
    response_text: String,
}

async fn drive(s: &Session, address: &str) -> Result<Seen, String> {
    // A new tab starts on Chromium's own new-tab page (chrome:// URLs): leave it and empty the
    // logs, so that they hold only what the GraphiQL page does.
    s.goto("about:blank").await?;
    s.log("performance").await?;
    s.log("browser").await?;
    s.goto(&format!("{address}/graphiql")).await?;
    // init.js has run once the default query is in the editor.
    s.poll(EDITOR_VALUE, "the default query in the editor", |v| {
        v.as_str().is_some_and(|q| q.contains("caregraph"))
    })
    .await?;

    // Focus the editor, select everything and type over it, key by key.
    let editor = s.find(".graphiql-query-editor .CodeMirror").await?;
    s.click(&editor).await?;
    s.keys(&[
        json!({ "type": "keyDown", "value": CONTROL.to_string() }),
        json!({ "type": "keyDown", "value": "a" }),
        json!({ "type": "keyUp", "value": "a" }),
        json!({ "type": "keyUp", "value": CONTROL.to_string() }),
    ])
    .await?;
    s.type_text(TYPED_COMMENT).await?;
    // Escape closes a completion popup, if any, so that Enter starts a new line.
    s.type_text(&format!("{ESCAPE}{ENTER}")).await?;
    s.type_text(TYPED_QUERY).await?;
    s.type_text(&ESCAPE.to_string()).await?;
    let editor = s.execute(EDITOR_VALUE).await?;
    let editor = editor.as_str().unwrap_or_default().to_owned();

    let run = s.find(".graphiql-execute-button").await?;
    s.click(&run).await?;
    let response = s
        .poll(RESPONSE_VALUE, "the answer in the response pane", |v| {
            v.as_str()
                .is_some_and(|r| r.contains("Numbness or tingling around the injection area"))
        })
        .await?;
    let response = response.as_str().unwrap_or_default().to_owned();
    let pane = s.find(".graphiql-response").await?;
    let response_text = s.text(&pane).await?;

    let resources = s
        .execute(
            "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));",
        )
        .await?;
    let resources = resources
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();

    let requests = requests_in(&s.log("performance").await?);
    let console = console_in(&s.log("browser").await?);

    // Proof that the console log is read and that the page's CSP is enforced: an inline
    // script added now must be refused, and the refusal must show up in the log.
    s.execute(
        "const el = document.createElement('script'); \
         el.textContent = 'window.inlineRan = true'; document.head.appendChild(el); \
         console.error('probe: ' + (window.inlineRan === true ? 'inline script ran' : 'blocked'));",
    )
    .await?;
    let mut probe = Vec::new();
    let deadline = Instant::now() + WAIT;
    while !(probe.iter().any(|l: &String| l.contains("probe:")) && probe.iter().any(|l| is_csp(l)))
    {
        if Instant::now() > deadline {
            return Err(format!("no probe messages after {WAIT:?}: {probe:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        probe.extend(console_in(&s.log("browser").await?));
    }

    Ok(Seen {
        requests,
        resources,
        console,
        probe,
        editor,
        response,
        response_text,
    })
}

/// Whether a console message reports a Content-Security-Policy violation.
fn is_csp(line: &str) -> bool {
    line.contains("Content Security Policy") || line.contains("Content-Security-Policy")
}

/// "LEVEL message" of every entry in a browser log.
fn console_in(log: &Value) -> Vec<String> {
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
fn requests_in(log: &Value) -> Vec<(String, String)> {
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
fn shorten(line: &str) -> String {
    match line.char_indices().nth(100) {
        Some((end, _)) => format!("{}… ({} bytes)", &line[..end], line.len()),
        None => line.to_owned(),
    }
}

/// Whether a URL the page used stays on caregraph (or never touches the network).
fn stays_local(url: &str, address: &str) -> bool {
    let on_app = url
        .strip_prefix(address)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    on_app
        || ["data:", "blob:", "about:"]
            .iter()
            .any(|s| url.starts_with(s))
}

/// The query with its whitespace collapsed (comments kept on their own line), so the typed
/// and the README's layouts compare equal.
fn normalize(query: &str) -> String {
    query
        .lines()
        .map(|l| {
            let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
            if l.starts_with('#') {
                format!("{l}\n")
            } else {
                format!("{l} ")
            }
        })
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether Chromium and chromedriver are there; panics when they are not and the run requires
/// them (`CAREGRAPH_REQUIRE_BROWSER=1`).
fn browser_installed() -> bool {
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
struct Session {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    url: String,
}

impl Session {
    async fn start(driver: &ChromeDriver, profile: &Path) -> Result<Self, String> {
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

    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        send(self.http.post(format!("{}/{path}", self.url)).json(&body))
            .await
            .map_err(|e| format!("POST {path}: {e}"))
    }

    async fn get(&self, path: &str) -> Result<Value, String> {
        send(self.http.get(format!("{}/{path}", self.url)))
            .await
            .map_err(|e| format!("GET {path}: {e}"))
    }

    async fn close(&self) -> Result<Value, String> {
        send(self.http.delete(&self.url)).await
    }

    async fn goto(&self, url: &str) -> Result<(), String> {
        self.post("url", json!({ "url": url })).await.map(drop)
    }

    /// The id of the first element matching a CSS selector, waiting for it up to [`WAIT`].
    async fn find(&self, css: &str) -> Result<String, String> {
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

    async fn click(&self, element: &str) -> Result<(), String> {
        self.post(&format!("element/{element}/click"), json!({}))
            .await
            .map(drop)
    }

    async fn text(&self, element: &str) -> Result<String, String> {
        let text = self.get(&format!("element/{element}/text")).await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    async fn execute(&self, script: &str) -> Result<Value, String> {
        self.post("execute/sync", json!({ "script": script, "args": [] }))
            .await
    }

    /// Runs `script` every 100 ms until `done` accepts its result, for at most [`WAIT`].
    async fn poll(
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
    async fn keys(&self, actions: &[Value]) -> Result<(), String> {
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
    async fn type_text(&self, text: &str) -> Result<(), String> {
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

    /// Reads (and so empties) one of Chrome's logs: `performance` or `browser`.
    async fn log(&self, kind: &str) -> Result<Value, String> {
        self.post("se/log", json!({ "type": kind })).await
    }
}

/// Sends a WebDriver command; its `value`, or the WebDriver error as text.
async fn send(request: reqwest::RequestBuilder) -> Result<Value, String> {
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
struct ChromeDriver {
    child: Child,
    /// `http://127.0.0.1:PORT/`
    url: String,
    log_path: PathBuf,
}

impl ChromeDriver {
    async fn start(dir: &Path) -> Self {
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
    fn log(&self) -> String {
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
