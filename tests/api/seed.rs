//! Seeding is idempotent and never overwrites content edited since.

use caregraph::seed::{self, Seed};
use entity::node;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn an_empty_database_seeds_itself_and_a_second_seed_changes_nothing() {
    let app = spawn_app().await;
    let bundled = Seed::bundled().expect("bundled seed");
    let nodes = node::Entity::find().count(&app.db).await.expect("count");
    assert_eq!(nodes as usize, bundled.file.node.len());

    let report = seed::apply(&app.db, &bundled).await.expect("second seed");
    assert_eq!(
        report.nodes_added + report.edges_added + report.citations_added,
        0,
        "{report}"
    );
    assert!(report.skipped.is_empty(), "{report}");
    assert_eq!(
        report.unchanged,
        bundled.file.node.len() + bundled.file.edge.len()
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
