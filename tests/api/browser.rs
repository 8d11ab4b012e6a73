//! GraphiQL in a real browser: headless Chromium, driven through chromedriver.
//!
//! The test opens `/graphiql`, types the README's question (the first of `docs/queries.md`) into
//! the query editor with real keystrokes, runs it with the run button and reads the answer from
//! the response pane. Then it does what an analyst does next: opens an example tab (one of the
//! questions of `docs/queries.md`) and runs it, opens the Docs panel on `QueryRoot`, and opens
//! the Explorer plugin. Throughout, it checks that the page sends no request anywhere but
//! caregraph (Chrome's network log and the page's own resource timings) and that the browser
//! logs no Content-Security-Policy violation nor any other error.
//!
//! With `CAREGRAPH_SCREENSHOTS=<dir>` it saves `graphiql-docs.png` and
//! `graphiql-explorer.png` there (`docs/graphiql.md` shows the committed ones).
//!
//! The browser plumbing (chromedriver, sessions, logs) is in `webdriver.rs`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::graphiql_examples::{examples, operation_name};
use crate::webdriver::{PageLog, Session, browser_installed, with_browser};
/// Upper bound of the whole browser session, from the first command to the last.
const SESSION: Duration = Duration::from_secs(60);

/// The example tab the test runs, and a fact its answer shows.
const EXAMPLE: &str = "DoesTheEpiduralCauseIt";
const EXAMPLE_FACT: &str =
    "It is vital to note that epidural is not the cause of low back pain after giving birth.";
/// Some of `QueryRoot`'s fields, which Docs and the Explorer list once introspection works.
const ROOT_FIELDS: [&str; 4] = ["condition", "conditions", "search", "node"];

/// The README's question (the first of `docs/queries.md`), comment line included, as an
/// anonymous operation.
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
pub(crate) const EDITOR_VALUE: &str = "const cm = document.querySelector('.graphiql-query-editor .CodeMirror'); \
     return cm && cm.CodeMirror ? cm.CodeMirror.getValue() : null;";
/// The response editor's text.
pub(crate) const RESPONSE_VALUE: &str = "const cm = document.querySelector('.graphiql-response .CodeMirror'); \
     return cm && cm.CodeMirror ? cm.CodeMirror.getValue() : null;";
/// The active tab's title.
pub(crate) const ACTIVE_TAB: &str = "const t = document.querySelector('.graphiql-tab-active .graphiql-tab-button'); \
     return t ? t.textContent : null;";
/// The field names the Docs panel lists, and its title.
const DOCS_FIELDS: &str = "return [...document.querySelectorAll('.graphiql-doc-explorer-field-name')] \
     .map(e => e.textContent);";
const DOCS_TITLE: &str = "const t = document.querySelector('.graphiql-doc-explorer-title'); \
     return t ? t.textContent : null;";
/// The fields the Explorer lists at the top of the operation: those in no other field's node
/// (a field ticked with arguments gets an extra wrapper, so no fixed child selector).
const EXPLORER_FIELDS: &str = "return [...document.querySelectorAll('.graphiql-explorer-root [data-field-name]')] \
     .filter(e => !e.parentElement.parentElement.closest('.graphiql-explorer-node')) \
     .map(e => e.dataset.fieldName);";

#[tokio::test]
async fn graphiql_answers_the_readme_question_in_headless_chromium() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let app = crate::helpers::spawn_app().await;
    let example = examples()
        .into_iter()
        .find(|q| operation_name(q) == EXAMPLE)
        .unwrap_or_else(|| panic!("no {EXAMPLE} in examples.js"));
    let shots = std::env::var_os("CAREGRAPH_SCREENSHOTS").map(PathBuf::from);
    let seen = with_browser(SESSION, async |s| {
        drive(s, &app.address, &example, shots.as_deref()).await
    })
    .await;

    seen.log.assert_offline_and_clean(
        &app.address,
        &[
            "/graphiql",
            "/graphiql/assets/react.production.min.js",
            "/graphiql/assets/graphiql.min.js",
            "/graphiql/assets/graphiql-plugin-explorer.umd.js",
            "/graphiql/assets/examples.js",
            "/graphiql/assets/init.js",
        ],
    );
    let graphql = format!("{}/graphql", app.address);
    assert!(
        seen.log.resources.contains(&graphql),
        "the page timed no /graphql request: {:?}",
        seen.log.resources
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

    // The example tab holds its question as `docs/queries.md` shows it, and running it shows the API's answer.
    assert_eq!(seen.example_editor, example, "the {EXAMPLE} tab's text");
    assert!(
        seen.example_response_text.contains(EXAMPLE_FACT),
        "the response pane does not show {EXAMPLE_FACT:?}: {}",
        seen.example_response_text
    );
    let shown: Value = serde_json::from_str(&seen.example_response).unwrap_or_else(|e| {
        panic!(
            "the response pane holds no JSON ({e}): {}",
            seen.example_response
        )
    });
    let (_, expected) = app.gql(&example, json!({})).await;
    assert!(expected.get("errors").is_none(), "{expected}");
    assert_eq!(
        shown, expected,
        "GraphiQL shows another answer than the API for {EXAMPLE}"
    );

    // Docs and the Explorer know the schema, which takes a working introspection.
    assert_eq!(seen.docs_title, "QueryRoot");
    for field in ROOT_FIELDS {
        assert!(
            seen.docs_fields.iter().any(|f| f == field),
            "Docs do not list QueryRoot.{field}: {:?}",
            seen.docs_fields
        );
        assert!(
            seen.explorer_fields.iter().any(|f| f == field),
            "the Explorer does not list {field}: {:?}",
            seen.explorer_fields
        );
    }
    // Opening the Explorer leaves the tab's query as it was.
    assert_eq!(seen.explorer_editor, example);

    eprintln!("browser test took {:.1?}", started.elapsed());
}

/// What the browser saw.
struct Seen {
    /// What the page requested and logged.
    log: PageLog,
    /// The query editor's text after typing.
    editor: String,
    /// The response editor's full text.
    response: String,
    /// The response pane's text as rendered.
    response_text: String,
    /// The query editor's text once the example tab is open.
    example_editor: String,
    /// The response editor's text after running the example.
    example_response: String,
    /// The response pane's text after running the example, as rendered.
    example_response_text: String,
    /// The title of the Docs panel after following its `QueryRoot` link.
    docs_title: String,
    /// The field names the Docs panel then lists.
    docs_fields: Vec<String>,
    /// The top-level fields the Explorer lists.
    explorer_fields: Vec<String>,
    /// The query editor's text with the Explorer open.
    explorer_editor: String,
}

/// Opens GraphiQL at `address` in a clean tab and waits for init.js to have run.
pub(crate) async fn open_graphiql(s: &Session, address: &str) -> Result<(), String> {
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
    Ok(())
}

async fn drive(
    s: &Session,
    address: &str,
    example: &str,
    shots: Option<&Path>,
) -> Result<Seen, String> {
    open_graphiql(s, address).await?;

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
    // GraphiQL reads the operation's name from the editor a moment after each edit: run before
    // that, and it would still send the welcome tab's "Welcome" for the typed anonymous query.
    // The tab's title shows when it has caught up.
    s.poll(ACTIVE_TAB, "the typed query's tab title", |v| {
        *v == json!("<untitled>")
    })
    .await?;

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

    // An example tab: one operation each, so the run button runs it without asking which.
    let tab = s.find_text(".graphiql-tab-button", EXAMPLE).await?;
    s.click(&tab).await?;
    let example_editor = s
        .poll(EDITOR_VALUE, "the example in the editor", |v| {
            v.as_str() == Some(example)
        })
        .await?;
    let example_editor = example_editor.as_str().unwrap_or_default().to_owned();
    let run = s.find(".graphiql-execute-button").await?;
    s.click(&run).await?;
    let example_response = s
        .poll(RESPONSE_VALUE, "the example's answer", |v| {
            v.as_str().is_some_and(|r| r.contains(EXAMPLE_FACT))
        })
        .await?;
    let example_response = example_response.as_str().unwrap_or_default().to_owned();
    let pane = s.find(".graphiql-response").await?;
    let example_response_text = s.text(&pane).await?;

    // Docs, opened on the query root type.
    let docs = s
        .find(".graphiql-sidebar button[aria-label='Show Documentation Explorer']")
        .await?;
    s.click(&docs).await?;
    let root = s
        .find_text(".graphiql-doc-explorer-type-name", "QueryRoot")
        .await?;
    s.click(&root).await?;
    let docs_fields = s
        .poll(DOCS_FIELDS, "QueryRoot's fields in Docs", |v| {
            ROOT_FIELDS
                .iter()
                .all(|f| v.as_array().is_some_and(|a| a.contains(&json!(f))))
        })
        .await?;
    let docs_fields = strings(&docs_fields);
    let docs_title = s.execute(DOCS_TITLE).await?;
    let docs_title = docs_title.as_str().unwrap_or_default().to_owned();
    if let Some(dir) = shots {
        s.screenshot(&dir.join("graphiql-docs.png")).await?;
    }

    // The Explorer, in Docs' place.
    let explorer = s
        .find(".graphiql-sidebar button[aria-label='Show GraphiQL Explorer']")
        .await?;
    s.click(&explorer).await?;
    let explorer_fields = s
        .poll(EXPLORER_FIELDS, "the Explorer's fields", |v| {
            ROOT_FIELDS
                .iter()
                .all(|f| v.as_array().is_some_and(|a| a.contains(&json!(f))))
        })
        .await?;
    let explorer_fields = strings(&explorer_fields);
    let explorer_editor = s.execute(EDITOR_VALUE).await?;
    let explorer_editor = explorer_editor.as_str().unwrap_or_default().to_owned();
    if let Some(dir) = shots {
        s.screenshot(&dir.join("graphiql-explorer.png")).await?;
    }

    // The logs are read last, so what they show covers Docs and the Explorer too.
    let log = s.page_log().await?;

    Ok(Seen {
        log,
        editor,
        response,
        response_text,
        example_editor,
        example_response,
        example_response_text,
        docs_title,
        docs_fields,
        explorer_fields,
        explorer_editor,
    })
}

/// The strings of a JSON list (a script's result).
fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
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
