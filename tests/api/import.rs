//! `caregraph import FILE [--check]`: a content file loaded for review, in one change set.

use std::path::{Path, PathBuf};

use entity::node;
use entity::sea_orm_active_enums::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::{TestApp, article, spawn_app};

const MASSAGE_SUMMARY: &str = "Massage is a non-invasive treatment that helps relieve pain by relaxing the muscles as they return to how they are normally aligned.";
const NEW_SUMMARY: &str = "Massage relaxes the muscles as they return to their usual alignment.";
const SELF_CARE: &str = "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify.";

/// The shipped article file with one summary edited and a new treatment linked to a
/// condition: what a content team's file looks like.
fn content_file(dir: &Path, extra_quote: &str) -> PathBuf {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/back-pain-after-epidural.toml"
    ))
    .expect("the shipped file");
    assert!(shipped.contains(MASSAGE_SUMMARY));
    let edited = shipped.replace(MASSAGE_SUMMARY, NEW_SUMMARY)
        + &format!(
            "\n[[node]]\nslug = \"warm-compress\"\nkind = \"TREATMENT\"\ntreatment_type = \"SELF_CARE\"\n\
             name = \"Warm compress\"\nquotes = [\"{SELF_CARE}\"]\n\n\
             [[edge]]\nsubject = \"postpartum-low-back-pain\"\npredicate = \"treated_by\"\n\
             object = \"warm-compress\"\nhow_to = \"a warm compress on the lower back\"\n\
             quotes = [\"{extra_quote}\"]\n"
        );
    std::fs::create_dir_all(dir.join("sources")).expect("dir");
    std::fs::write(dir.join("sources/back-pain-after-epidural.txt"), article()).expect("text");
    let file = dir.join("team.toml");
    std::fs::write(&file, edited).expect("file");
    file
}

fn import(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .arg("import")
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "off")
        .output()
        .expect("run caregraph import")
}

#[tokio::test]
async fn an_imported_file_arrives_as_drafts_and_is_published_by_a_reviewer() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = content_file(dir.path(), SELF_CARE);
    let file = file.to_str().expect("path");
    let nodes = node::Entity::find().count(&app.db).await.expect("count");

    // --check says what would happen and writes nothing.
    let out = import(&app, &[file, "--check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("nothing written"), "{stdout}");
    assert!(
        stdout.contains("added 1 nodes, 1 edges, 2 citations; 1 edited"),
        "{stdout}"
    );
    assert!(
        stdout.contains("edited (a pending edit where published): node massage"),
        "{stdout}"
    );
    assert_eq!(
        node::Entity::find().count(&app.db).await.expect("count"),
        nodes
    );

    // The import writes drafts, in one change set, by the importer.
    let out = import(&app, &[file, "--as", "importer-ina"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let change_set = stdout
        .lines()
        .find_map(|l| l.strip_prefix("change set ")?.split(':').next())
        .expect("the change set")
        .to_owned();

    let read = r#"{ treatment(slug: "warm-compress") { name } massage: treatment(slug: "massage") { summary } }"#;
    let anonymous = app.data(read, json!({})).await;
    assert!(
        anonymous["treatment"].is_null(),
        "drafts are invisible: {anonymous}"
    );
    assert_eq!(anonymous["massage"]["summary"], MASSAGE_SUMMARY);

    let editor = app.token("ed", Role::Editor).await;
    let team = app
        .data_as(
            &editor,
            r#"{ treatment(slug: "warm-compress") { id status }
                 massage: treatment(slug: "massage") { pendingStatus pending { summary } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(team["treatment"]["status"], "DRAFT");
    assert_eq!(team["massage"]["pending"]["summary"], NEW_SUMMARY);
    let events = app
        .data_as(
            &editor,
            r#"query($id: ID!) { auditEvents(targetId: $id) { events { actor action changeSetId } } }"#,
            json!({ "id": team["treatment"]["id"] }),
        )
        .await;
    assert_eq!(
        events["auditEvents"]["events"][0],
        json!({ "actor": "importer-ina", "action": "create_node", "changeSetId": change_set })
    );

    // Submitted and published as one, the file's content reaches readers.
    app.data_as(
        &editor,
        r#"mutation($id: ID!) { submitChangeSet(id: $id) { __typename } }"#,
        json!({ "id": change_set }),
    )
    .await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    app.data_as(
        &reviewer,
        r#"mutation($id: ID!) { publishChangeSet(id: $id) { __typename } }"#,
        json!({ "id": change_set }),
    )
    .await;
    let anonymous = app.data(read, json!({})).await;
    assert_eq!(
        anonymous["treatment"]["name"], "Warm compress",
        "{anonymous}"
    );
    assert_eq!(anonymous["massage"]["summary"], NEW_SUMMARY);
}

#[tokio::test]
async fn a_file_with_problems_is_refused_with_their_lines_and_nothing_is_written() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = content_file(dir.path(), "Not a sentence of the article.");
    let nodes = node::Entity::find().count(&app.db).await.expect("count");
    let out = import(&app, &[file.to_str().expect("path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let shipped_lines = std::fs::read_to_string(&file)
        .expect("file")
        .lines()
        .position(|l| l.starts_with("object = \"warm-compress\""))
        .expect("the new edge");
    // The edge's table starts three lines above its object line (1-based numbering).
    let line = shipped_lines - 2;
    assert!(
        stderr.contains(&format!(
            "line {line}: edge postpartum-low-back-pain treated_by warm-compress: quotes[0]"
        )),
        "{stderr}"
    );
    assert_eq!(
        node::Entity::find().count(&app.db).await.expect("count"),
        nodes
    );
}
