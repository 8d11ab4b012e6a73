//! The write rules through the real entry point: `createNode` and `link` over HTTP agree with
//! the domain's rules, and a refused write leaves nothing behind.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use caregraph::domain::rules::validate::{self, NAME_MAX};
use entity::sea_orm_active_enums::{NodeKind, Predicate, Role};
use entity::{audit_event, edge, node};
use proptest::prelude::*;
use proptest::sample::select;
use sea_orm::{ActiveEnum as _, ColumnTrait as _, EntityTrait as _, Iterable as _};
use sea_orm::{PaginatorTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::domain::documented_rules;
use crate::harness::Server;
use crate::run;

/// A sentence of the article, so citations are valid.
const QUOTE: &str =
    "It is vital to note that epidural is not the cause of low back pain after giving birth.";

const CREATE: &str = r#"mutation($input: CreateNodeInput!) {
  createNode(input: $input) { id slug name kind status version citations { quote } } }"#;

const LINK: &str = r#"mutation($input: LinkInput!) {
  link(input: $input) { id predicate status subject { id } object { id } citations { quote } } }"#;

fn source_id(server: &Server) -> String {
    let body = server
        .gql(None, "{ sources { id } }", json!({}))
        .json()
        .expect("JSON");
    body["data"]["sources"][0]["id"]
        .as_str()
        .expect("the article's source")
        .to_owned()
}

/// The single error of a refused write: (code, field).
fn refusal(body: &Value) -> (String, String) {
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    let ext = &errors[0]["extensions"];
    (
        ext["code"].as_str().unwrap_or_default().to_owned(),
        ext["field"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Exhaustively, over HTTP: `link` accepts a (subject kind, predicate, object kind) exactly
/// when `schema.graphql` documents it; a refusal is BAD_USER_INPUT on `predicate` and writes
/// nothing (no edge, no citation, no audit event).
#[test]
fn link_is_accepted_iff_the_documented_table_allows_it() {
    let server = Server::start();
    let editor = server.token("props-linker", Role::Editor);
    let source = source_id(&server);
    let citations = json!([{ "sourceId": source, "quote": QUOTE }]);

    // Two fresh nodes of every kind: links go from the first to the second, so a kind can
    // be linked to itself without linking a node to itself.
    let mut nodes: HashMap<(NodeKind, usize), String> = HashMap::new();
    for kind in NodeKind::iter() {
        for i in 0..2 {
            let slug = format!("props-{}-{i}", kind.to_value().to_lowercase());
            let body = server
                .gql(
                    Some(&editor),
                    CREATE,
                    json!({ "input": { "kind": kind.to_value(), "slug": slug, "name": slug, "citations": citations } }),
                )
                .json()
                .expect("JSON");
            assert!(body.get("errors").is_none(), "{body}");
            let id = body["data"]["createNode"]["id"].as_str().expect("id");
            nodes.insert((kind, i), id.to_owned());
        }
    }
    let ours: Vec<uuid::Uuid> = nodes.values().map(|id| id.parse().expect("uuid")).collect();
    let count_edges = || {
        server
            .block_on(
                edge::Entity::find()
                    .filter(edge::Column::SubjectId.is_in(ours.clone()))
                    .count(&server.db),
            )
            .expect("count edges")
    };
    let count_events = || {
        server
            .block_on(
                audit_event::Entity::find()
                    .filter(audit_event::Column::ActorName.eq("props-linker"))
                    .filter(audit_event::Column::Action.eq("link"))
                    .count(&server.db),
            )
            .expect("count events")
    };

    let documented = documented_rules();
    let mut accepted = 0;
    for subject in NodeKind::iter() {
        for predicate in Predicate::iter() {
            for object in NodeKind::iter() {
                let shape = (subject.to_value(), predicate.to_value(), object.to_value());
                let name = predicate.to_value().to_uppercase();
                let input = json!({
                    "subjectId": nodes[&(subject, 0)], "predicate": name,
                    "objectId": nodes[&(object, 1)], "citations": citations,
                });
                let edges_before = count_edges();
                let body = server
                    .gql(Some(&editor), LINK, json!({ "input": input }))
                    .json()
                    .expect("JSON");
                if documented.contains(&shape) {
                    assert!(body.get("errors").is_none(), "{shape:?} refused: {body}");
                    let link = &body["data"]["link"];
                    assert_eq!(link["predicate"], name);
                    assert_eq!(link["status"], "DRAFT");
                    assert_eq!(link["citations"][0]["quote"], QUOTE);
                    accepted += 1;
                } else {
                    assert_eq!(
                        refusal(&body),
                        ("BAD_USER_INPUT".to_owned(), "predicate".to_owned()),
                        "{shape:?}: {body}"
                    );
                    assert!(body["data"].is_null(), "{body}");
                    assert_eq!(count_edges(), edges_before, "{shape:?} left an edge behind");
                }
            }
        }
    }
    assert_eq!(accepted, documented.len());
    assert_eq!(count_edges(), documented.len() as u64);
    assert_eq!(
        count_events(),
        documented.len() as u64,
        "one audit event per link"
    );
    server.assert_still_serves();
}

/// `createNode` over HTTP accepts a (slug, name) exactly when the domain's rules do and the
/// slug is still free; an accepted node reads back as sent, with its citation; a refused one
/// names the offending field and leaves no node behind.
#[test]
fn create_node_agrees_with_the_validation_rules() {
    let server = Server::start();
    let editor = server.token("props-creator", Role::Editor);
    let source = source_id(&server);
    let taken: RefCell<BTreeSet<String>> = RefCell::new(BTreeSet::new());
    let slug = prop_oneof![
        3 => "[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}",
        2 => "[a-zA-Z0-9 _-]{0,10}",
        1 => any::<String>(),
        // Slugs of the seeded article graph are taken.
        1 => select(&["spinal-stenosis", "postpartum-low-back-pain"][..]).prop_map(str::to_owned),
    ];
    let name = prop_oneof![
        4 => "[A-Za-zé ’-]{1,20}",
        1 => any::<String>(),
        1 => Just(" \t ".to_owned()),
        1 => Just("x".repeat(NAME_MAX + 1)),
    ];
    let kind = select(NodeKind::iter().collect::<Vec<_>>());
    run(96, (slug, name, kind), |(slug, name, kind)| {
        let slug_ok = validate::slug("slug", &slug).is_ok();
        // Only a valid slug goes to the database (PostgreSQL refuses a NUL in text).
        let nodes_with_slug = || {
            if !slug_ok {
                return 0;
            }
            server
                .block_on(
                    node::Entity::find()
                        .filter(node::Column::Slug.eq(slug.as_str()))
                        .count(&server.db),
                )
                .expect("count")
        };
        let seeded = nodes_with_slug();
        let expected_field = if !slug_ok {
            Some("slug")
        } else if validate::text_line("name", &name, NAME_MAX).is_err() {
            Some("name")
        } else if seeded > 0 || taken.borrow().contains(&slug) {
            Some("slug")
        } else {
            None
        };
        let input = json!({
            "kind": kind.to_value(), "slug": slug, "name": name,
            "citations": [{ "sourceId": source, "quote": QUOTE }],
        });
        let body = server
            .gql(Some(&editor), CREATE, json!({ "input": input }))
            .json()
            .ok_or_else(|| TestCaseError::fail("not JSON"))?;
        match expected_field {
            None => {
                prop_assert!(body.get("errors").is_none(), "refused: {}", body);
                let created = &body["data"]["createNode"];
                prop_assert_eq!(&created["slug"], &json!(slug));
                prop_assert_eq!(&created["name"], &json!(name));
                prop_assert_eq!(&created["kind"], &json!(kind.to_value()));
                prop_assert_eq!(&created["status"], "DRAFT");
                prop_assert_eq!(&created["version"], 1);
                prop_assert_eq!(&created["citations"], &json!([{ "quote": QUOTE }]));
                taken.borrow_mut().insert(slug);
            }
            Some(field) => {
                let (code, got) = refusal(&body);
                prop_assert_eq!(code, "BAD_USER_INPUT", "{}", body);
                prop_assert_eq!(got, field, "{}", body);
                prop_assert_eq!(
                    nodes_with_slug(),
                    seeded,
                    "a refused createNode left a node behind"
                );
            }
        }
        Ok(())
    });
    server.assert_still_serves();
}
