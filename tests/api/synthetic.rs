//! `caregraph-tools synthetic`: a generated graph that follows the rules of the real one,
//! loads in one transaction, and is the same for the same seed.

use std::collections::{BTreeSet, HashMap};

use caregraph::domain::rules::predicate::{self, RULES};
use caregraph_tools::synthetic::{self, Options, Report, SyntheticError};
use entity::sea_orm_active_enums::{NodeKind, Predicate};
use entity::{citation, edge, node, source};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, Statement,
};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const NODES: u64 = 200;
const EDGES_PER_NODE: u32 = 5;

fn options(seed: u64) -> Options {
    Options {
        nodes: NODES,
        edges_per_node: EDGES_PER_NODE,
        seed,
        append: false,
        progress: false,
    }
}

async fn empty_app_with_graph(seed: u64) -> (TestApp, Report) {
    let app = spawn_app_with(false).await;
    let report = synthetic::load(&app.db, &options(seed))
        .await
        .expect("synthetic load");
    (app, report)
}

async fn count<E>(db: &DatabaseConnection) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find().count(db).await.expect("count")
}

#[tokio::test]
async fn a_synthetic_graph_has_every_kind_and_predicate_and_obeys_the_rules() {
    // Given an empty database, when a small synthetic graph is loaded.
    let (app, report) = empty_app_with_graph(7).await;

    // Then the report counts what is in the database.
    assert_eq!(report.nodes, NODES);
    assert_eq!(count::<node::Entity>(&app.db).await, report.nodes);
    assert_eq!(count::<edge::Entity>(&app.db).await, report.edges);
    assert_eq!(count::<citation::Entity>(&app.db).await, report.citations);
    assert_eq!(count::<source::Entity>(&app.db).await, report.sources);
    // About N × M edges: only subclass_of (earlier conditions only) can fall short.
    let wanted = NODES * u64::from(EDGES_PER_NODE);
    assert!(
        report.edges <= wanted + 10 && report.edges + wanted / 20 >= wanted,
        "{report}"
    );
    assert!(report.citations >= report.nodes + report.edges, "{report}");

    // Every kind, every rule, and only allowed shapes, never a self-link.
    let nodes: HashMap<_, _> = node::Entity::find()
        .all(&app.db)
        .await
        .expect("nodes")
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let kinds: BTreeSet<_> = nodes.values().map(|n| format!("{:?}", n.kind)).collect();
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    let edges = edge::Entity::find().all(&app.db).await.expect("edges");
    let mut shapes = BTreeSet::new();
    for e in &edges {
        let (s, o) = (&nodes[&e.subject_id], &nodes[&e.object_id]);
        predicate::check(s.kind, e.predicate, o.kind)
            .unwrap_or_else(|err| panic!("{} -> {}: {err}", s.slug, o.slug));
        assert_ne!(e.subject_id, e.object_id);
        assert!(
            e.place.is_none() || e.predicate == Predicate::TreatedBy,
            "{e:?}"
        );
        shapes.insert(format!("{:?} {:?} {:?}", s.kind, e.predicate, o.kind));
    }
    for r in RULES {
        let shape = format!("{:?} {:?} {:?}", r.subject, r.predicate, r.object);
        assert!(shapes.contains(&shape), "unused rule {shape}");
    }
    // Edge attributes are sometimes set.
    assert!(edges.iter().any(|e| e.place.is_some()));
    assert!(edges.iter().any(|e| e.timing.is_some()));
    assert!(
        edges
            .iter()
            .any(|e| e.place.is_none() && e.timing.is_none())
    );

    // Every node and edge cites a passage that its source holds verbatim.
    let sources: HashMap<_, _> = source::Entity::find()
        .all(&app.db)
        .await
        .expect("sources")
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let citations = citation::Entity::find()
        .all(&app.db)
        .await
        .expect("citations");
    let mut cited = BTreeSet::new();
    for c in &citations {
        let text = sources[&c.source_id]
            .content
            .as_deref()
            .expect("source text");
        assert!(text.contains(&c.quote), "{:?} not in its source", c.quote);
        cited.insert(c.node_id.or(c.edge_id).expect("a target"));
    }
    for id in nodes.keys().chain(edges.iter().map(|e| &e.id)) {
        assert!(cited.contains(id), "{id} has no citation");
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_graph() {
    let (a, _) = empty_app_with_graph(11).await;
    let (b, _) = empty_app_with_graph(11).await;
    let (c, _) = empty_app_with_graph(12).await;
    let (ga, gb, gc) = (graph(&a.db).await, graph(&b.db).await, graph(&c.db).await);
    assert_eq!(ga, gb);
    assert_ne!(ga.0, gc.0, "another seed gives other names");
}

/// Slugs with names, and links by slugs: everything but ids and timestamps.
async fn graph(db: &DatabaseConnection) -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let nodes = node::Entity::find().all(db).await.expect("nodes");
    let slug: HashMap<_, _> = nodes.iter().map(|n| (n.id, n.slug.clone())).collect();
    let edges = edge::Entity::find().all(db).await.expect("edges");
    (
        nodes
            .iter()
            .map(|n| (n.slug.clone(), n.name.clone()))
            .collect(),
        edges
            .iter()
            .map(|e| {
                format!(
                    "{} {:?} {} {:?} {:?}",
                    slug[&e.subject_id], e.predicate, slug[&e.object_id], e.place, e.timing
                )
            })
            .collect(),
    )
}

#[tokio::test]
async fn synthetic_nodes_are_searchable_and_their_pages_answer() {
    let (app, _) = empty_app_with_graph(3).await;
    let condition = node::Entity::find()
        .all(&app.db)
        .await
        .expect("nodes")
        .into_iter()
        .find(|n| n.kind == NodeKind::Condition)
        .expect("a condition");

    // Search by the words of its name finds it.
    let data = app
        .data(
            r#"query($text: String!) { search(text: $text, first: 50) { edges { score node { slug } } } }"#,
            json!({ "text": condition.name }),
        )
        .await;
    let found: Vec<_> = data["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["slug"].as_str().expect("slug").to_owned())
        .collect();
    assert!(found.contains(&condition.slug), "{found:?}");

    // Its condition page answers with links and citations.
    let data = app
        .data(
            crate::questions::CONDITION_PAGE,
            json!({ "slug": condition.slug }),
        )
        .await;
    let page = &data["condition"];
    assert_eq!(page["name"], condition.name.as_str());
    assert!(!page["citations"].as_array().expect("citations").is_empty());
    assert!(
        !page["symptomLinks"].as_array().expect("links").is_empty(),
        "{page}"
    );
}

#[tokio::test]
async fn the_bulk_built_search_index_equals_what_the_triggers_build() {
    let app = spawn_app_with(false).await;
    let triggers_before = search_triggers(&app.db).await;
    assert!(!triggers_before.is_empty());
    synthetic::load(&app.db, &options(5))
        .await
        .expect("synthetic load");
    // The triggers are back, enabled.
    assert_eq!(search_triggers(&app.db).await, triggers_before);

    // When every node's entry is rebuilt by its trigger, nothing changes.
    let bulk = search_index(&app.db).await;
    assert_eq!(bulk.len() as u64, NODES);
    app.db
        .execute_unprepared("UPDATE node SET name = name")
        .await
        .expect("touch every node");
    assert_eq!(search_index(&app.db).await, bulk);
}

/// Name, table and state of the search-index triggers.
async fn search_triggers(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT t.tgname || ' ' || c.relname || ' ' || t.tgenabled::text AS t \
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE NOT t.tgisinternal AND t.tgname LIKE 'node_search%' ORDER BY 1"
        }
        _ => {
            "SELECT name || ' ' || tbl_name || ' ' || sql AS t FROM sqlite_master \
             WHERE type = 'trigger' AND name LIKE 'node_search%' ORDER BY 1"
        }
    };
    rows(db, sql).await
}

/// Every entry of the search index as text, in a stable order.
async fn search_index(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT node_id::text || '|' || name || '|' || synonyms || '|' || summary || '|' \
             || quotes || '|' || document::text AS t FROM node_search ORDER BY node_id"
        }
        _ => {
            "SELECT k.key || '|' || hex(k.node_id) || '|' || s.name || '|' || s.synonyms || '|' \
             || s.summary || '|' || s.quotes AS t \
             FROM node_search s JOIN node_search_key k ON k.key = s.rowid ORDER BY k.key"
        }
    };
    rows(db, sql).await
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .iter()
        .map(|r| r.try_get::<String>("", "t").expect("text"))
        .collect()
}

#[tokio::test]
async fn a_database_with_content_is_refused_unless_told_and_a_failed_load_leaves_nothing() {
    // Given the article graph.
    let app = spawn_app().await;
    let article = count::<node::Entity>(&app.db).await;
    assert!(article > 0);

    // A synthetic load refuses to mix with it.
    let err = synthetic::load(&app.db, &options(9))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, SyntheticError::NotEmpty { nodes } if nodes == article),
        "{err}"
    );
    assert_eq!(count::<node::Entity>(&app.db).await, article);

    // With --append it lands next to the article.
    let append = Options {
        append: true,
        ..options(9)
    };
    let report = synthetic::load(&app.db, &append).await.expect("append");
    let (nodes, edges, citations) = (
        count::<node::Entity>(&app.db).await,
        count::<edge::Entity>(&app.db).await,
        count::<citation::Entity>(&app.db).await,
    );
    assert_eq!(nodes, article + report.nodes);
    let triggers = search_triggers(&app.db).await;

    // The same seed again collides on its slugs: the whole load is rolled back.
    let err = synthetic::load(&app.db, &append)
        .await
        .expect_err("duplicate slugs");
    assert!(matches!(err, SyntheticError::Db(_)), "{err}");
    assert_eq!(count::<node::Entity>(&app.db).await, nodes);
    assert_eq!(count::<edge::Entity>(&app.db).await, edges);
    assert_eq!(count::<citation::Entity>(&app.db).await, citations);
    assert_eq!(search_triggers(&app.db).await, triggers);

    // The article is still found by search, and so is its own content after the loads.
    let data = app
        .data(
            r#"{ search(text: "stenosis", first: 50) { edges { node { slug } } } }"#,
            json!({}),
        )
        .await;
    assert!(
        data["search"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|e| e["node"]["slug"] == "spinal-stenosis"),
        "{data}"
    );
}

#[tokio::test]
async fn bad_sizes_are_refused_before_touching_the_database() {
    let app = spawn_app_with(false).await;
    for (nodes, edges_per_node) in [(5, 5), (100, 0)] {
        let err = synthetic::load(
            &app.db,
            &Options {
                nodes,
                edges_per_node,
                ..options(1)
            },
        )
        .await
        .expect_err("refused");
        assert!(matches!(err, SyntheticError::Invalid(_)), "{err}");
    }
    assert_eq!(count::<node::Entity>(&app.db).await, 0);
}

#[test]
fn the_old_seed_synthetic_command_names_the_new_one_and_touches_nothing() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("never.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .args(["seed", "--synthetic", "--nodes", "2000", "--seed", "3"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .env("RUST_LOG", "off")
        .output()
        .expect("run caregraph seed --synthetic");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr
            .contains("cargo run --release -p caregraph-tools -- synthetic --nodes 2000 --seed 3"),
        "{stderr}"
    );
    assert!(!db.exists(), "no database is created");
}
