//! Migrations that move data: what a database of an earlier release holds survives them.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::Value;

use crate::helpers::fresh_database;

/// The two single-code columns of the first schema become EXACT codings, indexed for lookup;
/// an open pending edit keeps them, so publishing it later does not drop them.
#[tokio::test]
async fn single_code_columns_become_codings() {
    let scratch = fresh_database().await;
    let db = Database::connect(&scratch.url).await.expect("connect");
    Migrator::up(&db, Some(9))
        .await
        .expect("the first nine migrations");
    let backend = db.get_database_backend();
    let (id, json) = match backend {
        DbBackend::Postgres => ("'0190b5d4-0000-7000-8000-000000000001'::uuid", "::jsonb"),
        _ => ("'0190b5d4-0000-7000-8000-000000000001'", ""),
    };
    db.execute_unprepared(&format!(
        "INSERT INTO node (id, kind, slug, name, synonyms, icd10cm, snomed_ct, status, pending, \
         pending_status, version, created_at, updated_at) VALUES ({id}, 'CONDITION', \
         'spinal-stenosis', 'Spinal stenosis', '[]'{json}, 'M48.00', '76107001', 'PUBLISHED', \
         '{{\"name\": \"Spinal stenosis (edited)\", \"synonyms\": [], \"summary\": null, \
         \"treatment_type\": null, \"icd10cm\": \"M48.00\", \"snomed_ct\": \"76107001\"}}'{json}, \
         'DRAFT', 1, '2026-11-26 00:00:00+00:00', '2026-11-26 00:00:00+00:00')"
    ))
    .await
    .expect("a node of the first schema");

    Migrator::up(&db, None)
        .await
        .expect("the codings migration");

    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT codings, pending FROM node WHERE slug = 'spinal-stenosis'",
        ))
        .await
        .expect("read")
        .expect("the node");
    let json_of = |col: &str| -> Value {
        row.try_get::<Value>("", col)
            .or_else(|_| {
                row.try_get::<String>("", col)
                    .map(|s| serde_json::from_str(&s).expect("json text"))
            })
            .expect(col)
    };
    let codings = json_of("codings");
    let codes: Vec<(&str, &str, &str)> = codings
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            (
                c["system"].as_str().expect("system"),
                c["code"].as_str().expect("code"),
                c["match"].as_str().expect("match"),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("http://hl7.org/fhir/sid/icd-10-cm", "M48.00", "EXACT"),
            ("http://snomed.info/sct", "76107001", "EXACT"),
        ]
    );
    assert!(codings[0]["source"]["name"].is_string(), "{codings}");
    assert_eq!(json_of("pending")["codings"], codings);

    let indexed = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT system, code FROM node_coding ORDER BY system",
        ))
        .await
        .expect("index");
    let indexed: Vec<(String, String)> = indexed
        .iter()
        .map(|r| {
            (
                r.try_get("", "system").expect("system"),
                r.try_get("", "code").expect("code"),
            )
        })
        .collect();
    assert_eq!(
        indexed,
        [
            (
                "http://hl7.org/fhir/sid/icd-10-cm".to_owned(),
                "M48.00".to_owned()
            ),
            ("http://snomed.info/sct".to_owned(), "76107001".to_owned()),
        ]
    );

    // Published before review dates existed: due twelve months after its creation, in the
    // form the server reads back.
    let due = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT review_due FROM node WHERE slug = 'spinal-stenosis'",
        ))
        .await
        .expect("read")
        .expect("the node")
        .try_get::<chrono::DateTime<chrono::Utc>>("", "review_due")
        .expect("a timestamp");
    assert_eq!(due.to_rfc3339(), "2027-11-26T00:00:00+00:00");

    // And back: `down` (to before the codings migration) restores the columns from them.
    let after_codings = Migrator::get_migration_files()
        .iter()
        .position(|m| m.name().contains("node_codings"))
        .expect("the codings migration");
    let newer = Migrator::get_migration_files().len() - after_codings;
    Migrator::down(&db, Some(u32::try_from(newer).expect("few")))
        .await
        .expect("down past the codings migration");
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT icd10cm, snomed_ct FROM node WHERE slug = 'spinal-stenosis'",
        ))
        .await
        .expect("read")
        .expect("the node");
    assert_eq!(
        row.try_get::<String>("", "icd10cm").expect("icd10cm"),
        "M48.00"
    );
    assert_eq!(
        row.try_get::<String>("", "snomed_ct").expect("snomed_ct"),
        "76107001"
    );
    db.close().await.expect("close");
}
