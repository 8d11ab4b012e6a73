//! Every GraphQL example of README.md and docs/*.md runs against a real server, and the answer
//! the page shows must be the answer it gets, so the documentation cannot drift from the code.
//! The convention the pages follow is in `docs/testing.md`, "Documentation examples".

mod compare;
mod scanner;

use std::collections::HashMap;
use std::path::Path;

use entity::sea_orm_active_enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use compare::Ids;
use scanner::{Page, Run};

/// README.md, then docs/*.md in name order.
fn pages() -> Vec<Page> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|entry| {
            entry
                .expect("docs/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    names.sort();
    names.insert(0, "README.md".to_owned());
    names.iter().map(|name| Page::read(root, name)).collect()
}

#[tokio::test]
async fn every_graphql_example_in_the_docs_answers_as_shown() {
    let pages = pages();
    // Reading pages share one server; a page that writes gets a fresh one, so its session
    // starts from the seeded graph and cannot change what the other pages show.
    let reader = spawn_app().await;
    let mut failures = Vec::new();
    let mut ran = 0;
    for page in &pages {
        let fresh;
        let app = if page.writes() {
            fresh = spawn_app().await;
            &fresh
        } else {
            &reader
        };
        ran += run_page(app, page, &mut failures).await;
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} documentation examples answer otherwise than shown:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // A scanner that stopped finding examples would pass with nothing checked.
    assert!(ran >= 25, "only {ran} examples ran");
}

/// Runs the examples of `page` in order; returns how many ran.
async fn run_page(app: &TestApp, page: &Page, failures: &mut Vec<String>) -> usize {
    let mut tokens = HashMap::new();
    for (name, role) in &page.tokens {
        let role = match role.as_str() {
            "editor" => Role::Editor,
            "reviewer" => Role::Reviewer,
            "admin" => Role::Admin,
            other => panic!("{}: unknown role {other}", page.name),
        };
        tokens.insert(name.clone(), app.token(name, role).await);
    }
    let mut ids = Ids::default();
    let mut ran = 0;
    for example in &page.examples {
        let at = format!("{}:{}", page.name, example.line);
        let token = match &example.run {
            Run::Skip => continue,
            Run::Anonymous => None,
            Run::As(name) => Some(tokens.get(name).unwrap_or_else(|| {
                panic!("{at}: no `$ caregraph token create --name {name} …` line before it")
            })),
        };
        ran += 1;
        if let Err(e) = run_example(app, example, token, &mut ids).await {
            failures.push(format!("{at}: {e}"));
        }
    }
    ran
}

async fn run_example(
    app: &TestApp,
    example: &scanner::Example,
    token: Option<&String>,
    ids: &mut Ids,
) -> Result<(), String> {
    let query = ids.substitute(&example.query)?;
    let variables = match &example.variables {
        Some(text) => serde_json::from_str(&ids.substitute(text)?)
            .map_err(|e| format!("the variables are not JSON: {e}"))?,
        None => json!({}),
    };
    let (status, answer) = match token {
        Some(token) => app.gql_as(token, &query, variables).await,
        None => app.gql(&query, variables).await,
    };
    let pretty = |v: &Value| serde_json::to_string_pretty(v).expect("JSON");
    match &example.output {
        Some(text) => {
            let shown: Value = serde_json::from_str(text)
                .map_err(|e| format!("the answer shown is not JSON: {e}"))?;
            compare::matches(&shown, &answer, ids)
                .map_err(|e| format!("{e}\nthe whole answer ({status}):\n{}", pretty(&answer)))
        }
        // No answer shown: it must at least run without errors.
        None if status.is_success() && answer.get("errors").is_none() => Ok(()),
        None => Err(format!(
            "no answer is shown, so it must run without errors; it got ({status}):\n{}",
            pretty(&answer)
        )),
    }
}
