//! Seeding is idempotent and never overwrites content edited since.

use caregraph::seed::{self, Seed};
use entity::node;
use entity::sea_orm_active_enums::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};
use serde_json::json;

use crate::helpers::{assert_code, node_id, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_empty_database_seeds_itself_and_a_second_seed_changes_nothing() {
    let app = spawn_app().await;
    let bundled = Seed::bundled().expect("bundled seed");
    let nodes = node::Entity::find().count(&app.db).await.expect("count");
    assert_eq!(nodes as usize, bundled.content.nodes.len());

    let report = seed::apply(&app.db, &bundled).await.expect("second seed");
    assert_eq!(
        report.nodes_added + report.edges_added + report.citations_added,
        0,
        "{report}"
    );
    assert!(report.skipped.is_empty(), "{report}");
    assert_eq!(
        report.unchanged,
        bundled.content.nodes.len() + bundled.content.links.len()
    );
    assert_eq!(
        node::Entity::find().count(&app.db).await.expect("count"),
        nodes
    );
}

#[tokio::test]
async fn content_edited_after_seeding_is_never_overwritten() {
    let app = spawn_app().await;
    // Given an editor renamed a seeded node.
    let massage = node::Entity::find()
        .filter(node::Column::Slug.eq("massage"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("massage is seeded");
    let mut edit = massage.into_active_model();
    edit.name = Set("Massage therapy".to_owned());
    edit.version = Set(2);
    edit.update(&app.db).await.expect("edit");

    // When the seed runs again.
    let report = seed::apply(&app.db, &Seed::bundled().expect("bundled"))
        .await
        .expect("seed");

    // Then it reports the edited node as skipped and the edit stands.
    assert_eq!(report.skipped, vec!["node massage".to_owned()], "{report}");
    let data = app
        .data(
            r#"{ treatment(slug: "massage") { name version } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["treatment"]["name"], "Massage therapy");
    assert_eq!(data["treatment"]["version"], 2);
}

#[tokio::test]
async fn a_server_told_not_to_seed_starts_empty_and_the_seed_command_fills_it() {
    let app = spawn_app_with(false).await;
    let data = app.data("{ conditions { totalCount } }", json!({})).await;
    assert_eq!(data["conditions"]["totalCount"], 0);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .arg("seed")
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "off")
        .output()
        .expect("run caregraph seed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("added 3") || stdout.contains("added "),
        "{stdout}"
    );
    // Written by another process: the server sees it within a second (its response cache
    // notices the change on its next poll of the content generation).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let data = app.data("{ conditions { totalCount } }", json!({})).await;
        if data["conditions"]["totalCount"].as_u64().expect("count") >= 8 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the seeded graph is not served a second later: {data}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn seeded_content_is_audited_as_written_by_the_system() {
    let app = spawn_app().await;
    let token = app.token("auditor", Role::Reviewer).await;
    let id = node_id(&app.db, "postpartum-low-back-pain").await;
    let data = app
        .data_as(
            &token,
            r#"query($id: ID) { auditEvents(targetId: $id) {
                events { actor actorRole action targetType after } } }"#,
            json!({ "id": id.to_string() }),
        )
        .await;
    let events = data["auditEvents"]["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "{data}");
    let created = &events[0];
    assert_eq!(created["actor"], "system");
    assert_eq!(created["actorRole"], "ADMIN");
    assert_eq!(created["action"], "create_node");
    assert_eq!(created["targetType"], "node");
    let after = &created["after"];
    assert_eq!(after["row"]["status"], "PUBLISHED", "{after}");
    assert!(
        !after["citations"].as_array().expect("citations").is_empty(),
        "the event keeps the node's citations: {after}"
    );

    // Every seeded node and link has its event, and nothing else was written.
    let bundled = Seed::bundled().expect("bundled");
    let all = app
        .data_as(
            &token,
            "{ auditEvents(first: 100) { events { actor action } nextCursor } }",
            json!({}),
        )
        .await;
    assert_eq!(
        all["auditEvents"]["nextCursor"],
        json!(null),
        "one page holds them"
    );
    let events: Vec<&serde_json::Value> = all["auditEvents"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["action"] != "create_token")
        .collect();
    let count = |action: &str| events.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("create_node"), bundled.content.nodes.len());
    assert_eq!(count("link"), bundled.content.links.len());
    assert_eq!(count("create_source"), 1);
    assert!(events.iter().all(|e| e["actor"] == "system"), "{all}");
}

#[tokio::test]
async fn undoing_the_seed_needs_what_deleting_the_content_needs() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let creation = |id: uuid::Uuid| {
        let (app, reviewer) = (&app, reviewer.clone());
        async move {
            let data = app
                .data_as(
                    &reviewer,
                    "query($id: ID) { auditEvents(targetId: $id) { events { id action } } }",
                    json!({ "id": id.to_string() }),
                )
                .await;
            data["auditEvents"]["events"][0]["id"].clone()
        }
    };
    let revert = "mutation($e: ID!) { revert(auditEventId: $e) { action } }";

    // The seeded source: deleting it takes every citation along, an admin's decision.
    let source: uuid::Uuid = app.source_id().await.parse().expect("uuid");
    let event = creation(source).await;
    for token in [&editor, &reviewer] {
        let (_, resp) = app.gql_as(token, revert, json!({ "e": event })).await;
        assert_code(&resp, "FORBIDDEN");
    }

    // A seeded, published node: deleting it is an admin's decision too.
    let node = node_id(&app.db, "postpartum-low-back-pain").await;
    let event = creation(node).await;
    let (_, resp) = app.gql_as(&editor, revert, json!({ "e": event })).await;
    assert_code(&resp, "FORBIDDEN");

    // A seeded, published link: removing it is a reviewer's decision.
    let link = entity::edge::Entity::find()
        .filter(entity::edge::Column::SubjectId.eq(node))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the node has links");
    let event = creation(link.id).await;
    let (_, resp) = app.gql_as(&editor, revert, json!({ "e": event })).await;
    assert_code(&resp, "FORBIDDEN");
    let data = app.data_as(&reviewer, revert, json!({ "e": event })).await;
    assert_eq!(data["revert"]["action"], "revert");
    assert!(
        entity::edge::Entity::find_by_id(link.id)
            .one(&app.db)
            .await
            .expect("query")
            .is_none(),
        "the link is gone"
    );
}
