//! Clinical codes: codings on nodes, `codeLookup` (exact, roll-up, OIDs, batching), the
//! reviewed workflow for codings, and `/infobutton` as EHRs call it.

use entity::sea_orm_active_enums::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ICD10CM, SNOMED, TestApp, assert_code, coding, spawn_app};

const LOOKUP: &str = r#"query($codings: [CodingInput!]!) {
  codeLookup(codings: $codings) {
    system code display
    matches { rolledUpFrom via { system code display match source { name url } } node { slug kind } }
  }
}"#;

async fn lookup(app: &TestApp, token: Option<&str>, codings: Value) -> Vec<Value> {
    let vars = json!({ "codings": codings });
    let data = match token {
        Some(t) => app.data_as(t, LOOKUP, vars).await,
        None => app.data(LOOKUP, vars).await,
    };
    data["codeLookup"].as_array().expect("results").clone()
}

fn slugs(result: &Value) -> Vec<&str> {
    result["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|m| m["node"]["slug"].as_str().expect("slug"))
        .collect()
}

fn ask(system: &str, code: &str) -> Value {
    json!({ "system": system, "code": code })
}

#[tokio::test]
async fn the_article_is_found_by_its_codes() {
    let app = spawn_app().await;
    let results = lookup(
        &app,
        None,
        json!([
            ask(ICD10CM, "M48.00"),
            ask(SNOMED, "76107001"),
            // As an EHR sends it: the Infobutton OID, ICD-10-CM without its dot.
            { "system": "2.16.840.1.113883.6.90", "code": "m48062", "display": "Lumbar stenosis" },
            // Cervical stenosis: no node of its own; rolls up to the category M48.0.
            ask(ICD10CM, "M48.02"),
            ask("urn:oid:2.16.840.1.113883.6.96", "279039007"),
            ask(ICD10CM, "M62.830"),
            // SNOMED CT "Pain": a real concept the article does not code.
            ask(SNOMED, "22253000"),
        ]),
    )
    .await;
    assert_eq!(results.len(), 7, "one result per asked coding");

    assert_eq!(slugs(&results[0]), ["spinal-stenosis"], "{}", results[0]);
    let m = &results[0]["matches"][0];
    assert_eq!(m["via"]["match"], "EXACT");
    assert_eq!(m["via"]["display"], "Spinal stenosis, site unspecified");
    assert!(m["rolledUpFrom"].is_null());
    assert!(
        m["via"]["source"]["name"]
            .as_str()
            .expect("source")
            .contains("ICD-10-CM"),
        "{m}"
    );

    assert_eq!(slugs(&results[1]), ["spinal-stenosis"]);

    // The OID is answered by its URI and the code in its normal form.
    assert_eq!(results[2]["system"], ICD10CM);
    assert_eq!(results[2]["code"], "M48.062");
    assert_eq!(results[2]["display"], "Lumbar stenosis");
    assert_eq!(slugs(&results[2]), ["spinal-stenosis"]);
    assert_eq!(results[2]["matches"][0]["via"]["match"], "NARROWER");

    assert_eq!(slugs(&results[3]), ["spinal-stenosis"]);
    assert_eq!(results[3]["matches"][0]["rolledUpFrom"], "M48.02");
    assert_eq!(results[3]["matches"][0]["via"]["code"], "M48.0");

    // Low back pain: postpartum back pain is one case of it.
    assert_eq!(slugs(&results[4]), ["postpartum-low-back-pain"]);
    assert_eq!(results[4]["matches"][0]["via"]["match"], "BROADER");

    assert_eq!(slugs(&results[5]), ["muscle-spasms"]);
    assert!(results[6]["matches"].as_array().expect("list").is_empty());
}

#[tokio::test]
async fn several_nodes_for_one_code_come_exact_first() {
    let app = spawn_app().await;
    let results = lookup(&app, None, json!([ask(SNOMED, "161891005")])).await;
    let found = slugs(&results[0]);
    assert_eq!(found[0], "back-pain", "the EXACT match leads: {found:?}");
    assert!(found.contains(&"acute-back-pain"), "{found:?}");
    assert!(found.contains(&"epidural-related-back-pain"), "{found:?}");
    for m in &results[0]["matches"].as_array().expect("list")[1..] {
        assert_eq!(m["via"]["match"], "BROADER", "{m}");
    }
}

#[tokio::test]
async fn fifty_codings_cost_as_many_statements_as_one() {
    let app = spawn_app().await;
    let one = json!({ "codings": [ask(ICD10CM, "M48.062")] });
    let fifty: Vec<Value> = (0..50)
        .map(|i| match i % 3 {
            0 => ask(ICD10CM, "M48.062"),
            1 => ask(ICD10CM, &format!("M48.0{}", i % 10)),
            _ => ask(SNOMED, "76107001"),
        })
        .collect();
    let (data_one, statements_one) = app.gql_counted(LOOKUP, one).await;
    let (data_fifty, statements_fifty) = app.gql_counted(LOOKUP, json!({ "codings": fifty })).await;
    assert_eq!(slugs(&data_one["codeLookup"][0]), ["spinal-stenosis"]);
    let answers = data_fifty["codeLookup"].as_array().expect("list");
    assert_eq!(answers.len(), 50);
    assert!(answers.iter().all(|a| !slugs(a).is_empty()), "{data_fifty}");
    assert_eq!(statements_one, statements_fifty);
    assert!(statements_fifty <= 3, "{statements_fifty} statements");
}

#[tokio::test]
async fn malformed_codes_are_refused_by_name() {
    let app = spawn_app().await;
    let (status, resp) = app
        .gql(
            LOOKUP,
            json!({ "codings": [ask(ICD10CM, "M48.062"), ask(ICD10CM, "M4")] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_code(&resp, "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "codings[1].code");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("\"M4\""),
        "{resp}"
    );

    let (_, resp) = app
        .gql(LOOKUP, json!({ "codings": [ask(SNOMED, "76107002")] }))
        .await;
    assert_code(&resp, "BAD_USER_INPUT");
    let (_, resp) = app
        .gql(LOOKUP, json!({ "codings": [ask("ICD-10", "M48.0")] }))
        .await;
    assert_eq!(
        resp["errors"][0]["extensions"]["field"],
        "codings[0].system"
    );
    let many: Vec<Value> = (0..101).map(|_| ask(SNOMED, "76107001")).collect();
    let (_, resp) = app.gql(LOOKUP, json!({ "codings": many })).await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "codings");
}

const NODE_CODINGS: &str = r#"query($id: ID!) { node(id: $id) {
  version status pendingStatus codings { system code match }
  pending { codings { system code match } }
  ... on Condition { icd10cm snomedCt } } }"#;

#[tokio::test]
async fn codings_are_written_reviewed_audited_and_reverted_like_other_content() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let source = app.source_id().await;
    let quote = "Additionally, lower back pain can be a result of an inflammatory disease along the spinal column or due to spinal stenosis and not due to epidural.";

    // Given an editor drafts a condition with a code (written without its dot).
    let created = app
        .data_as(
            &editor,
            r#"mutation($input: CreateNodeInput!) { createNode(input: $input) { id version codings { code } } }"#,
            json!({ "input": { "kind": "CONDITION", "slug": "cervical-stenosis", "name": "Cervical stenosis",
                "codings": [coding(ICD10CM, "M4802")],
                "citations": [{ "sourceId": source, "quote": quote }] } }),
        )
        .await["createNode"]
        .clone();
    assert_eq!(created["codings"][0]["code"], "M48.02");
    let id = created["id"].as_str().expect("id").to_owned();

    // Then anonymous lookups do not find the draft (the roll-up still answers), the editor does.
    let anonymous = lookup(&app, None, json!([ask(ICD10CM, "M48.02")])).await;
    assert_eq!(slugs(&anonymous[0]), ["spinal-stenosis"]);
    let team = lookup(&app, Some(&editor), json!([ask(ICD10CM, "M48.02")])).await;
    assert_eq!(slugs(&team[0]), ["cervical-stenosis"]);
    assert!(team[0]["matches"][0]["rolledUpFrom"].is_null());

    // When it is published, readers find it by its code.
    let step = |m: &'static str| {
        format!(
            "mutation($id: ID!, $v: Int!) {{ {m}(id: $id, version: $v) {{ ... on Condition {{ version }} }} }}"
        )
    };
    app.data_as(
        &editor,
        &step("submitForReview"),
        json!({ "id": id, "v": 1 }),
    )
    .await;
    app.data_as(&reviewer, &step("publish"), json!({ "id": id, "v": 2 }))
        .await;
    let anonymous = lookup(&app, None, json!([ask(ICD10CM, "M48.02")])).await;
    assert_eq!(slugs(&anonymous[0]), ["cervical-stenosis"]);

    // When an editor replaces its codes, the change waits for review: readers keep the old.
    let edited = app
        .data_as(
            &editor,
            r#"mutation($id: ID!) { updateNode(input: { id: $id, version: 3, codings: [
                { system: "2.16.840.1.113883.6.96", code: "76107001", match: BROADER,
                  source: { name: "SNOMED CT International Edition" } }] }) { version } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(edited["updateNode"]["version"], 4);
    let node = app
        .data_as(&editor, NODE_CODINGS, json!({ "id": id }))
        .await["node"]
        .clone();
    assert_eq!(node["codings"][0]["code"], "M48.02", "{node}");
    assert_eq!(node["pending"]["codings"][0]["code"], "76107001", "{node}");
    assert_eq!(node["pending"]["codings"][0]["match"], "BROADER");
    let anonymous = lookup(&app, None, json!([ask(SNOMED, "76107001")])).await;
    assert_eq!(slugs(&anonymous[0]), ["spinal-stenosis"]);

    // When the reviewer publishes the edit, lookups follow it.
    app.data_as(
        &editor,
        &step("submitForReview"),
        json!({ "id": id, "v": 4 }),
    )
    .await;
    app.data_as(&reviewer, &step("publish"), json!({ "id": id, "v": 5 }))
        .await;
    let after = lookup(
        &app,
        None,
        json!([ask(SNOMED, "76107001"), ask(ICD10CM, "M48.02")]),
    )
    .await;
    assert_eq!(
        slugs(&after[0]),
        ["spinal-stenosis", "cervical-stenosis"],
        "EXACT first"
    );
    assert_eq!(
        slugs(&after[1]),
        ["spinal-stenosis"],
        "M48.02 rolls up again"
    );
    let node = app.data(NODE_CODINGS, json!({ "id": id })).await["node"].clone();
    assert!(node["icd10cm"].is_null(), "no EXACT ICD-10-CM code: {node}");
    assert!(
        node["snomedCt"].is_null(),
        "BROADER is not the node's own code"
    );

    // The audit log holds the codes before and after; reverting the publish restores them.
    let events = app
        .data_as(
            &editor,
            r#"query($id: ID!) { auditEvents(targetId: $id) { events { id action before after } } }"#,
            json!({ "id": id }),
        )
        .await["auditEvents"]["events"]
        .clone();
    let publish = events
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["action"] == "publish")
        .expect("the last publish");
    assert!(
        publish.to_string().contains("76107001") && publish.to_string().contains("M48.02"),
        "{publish}"
    );
    let reverted = app
        .data_as(
            &reviewer,
            r#"mutation($id: ID!) { revert(auditEventId: $id) { action } }"#,
            json!({ "id": publish["id"] }),
        )
        .await;
    assert_eq!(reverted["revert"]["action"], "revert");
    let back = lookup(&app, None, json!([ask(ICD10CM, "M48.02")])).await;
    assert_eq!(
        slugs(&back[0]),
        ["cervical-stenosis"],
        "the revert restores the code"
    );
}

#[tokio::test]
async fn the_old_code_fields_are_derived_from_exact_codings() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ condition(slug: "spinal-stenosis") { icd10cm snomedCt codings { code } }
                 postpartum: condition(slug: "postpartum-low-back-pain") { icd10cm snomedCt } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["condition"]["icd10cm"], "M48.00");
    assert_eq!(data["condition"]["snomedCt"], "76107001");
    assert!(
        data["postpartum"]["icd10cm"].is_null(),
        "BROADER codes only"
    );
    assert!(data["postpartum"]["snomedCt"].is_null());
}

async fn infobutton(app: &TestApp, query: &str) -> (StatusCode, String, String) {
    let resp = app.get(&format!("/infobutton?{query}")).await;
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, resp.text().await.expect("body"))
}

#[tokio::test]
async fn infobutton_answers_an_ehr_in_atom_xml_and_json() {
    let app = spawn_app().await;

    // As an EHR sends it: OID, dotless code, display name, recipient; XML is the default.
    let (status, content_type, xml) = infobutton(
        &app,
        "mainSearchCriteria.v.cs=2.16.840.1.113883.6.90&mainSearchCriteria.v.c=M48062\
         &mainSearchCriteria.v.dn=Spinal%20stenosis%2C%20lumbar&informationRecipient=PAT",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    assert!(
        xml.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom""#),
        "{xml}"
    );
    assert!(
        xml.contains("<title type=\"text\">Spinal stenosis</title>"),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<link href="/conditions/spinal-stenosis.jsonld" rel="alternate""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<category scheme="urn:caregraph:match" term="NARROWER"/>"#),
        "{xml}"
    );
    assert_eq!(xml.matches("<entry>").count(), 1, "{xml}");
    assert!(
        xml.contains("<summary type=\"text\">A condition of the spine"),
        "{xml}"
    );

    // JSON in MedlinePlus Connect's layout; the roll-up is said.
    let (status, content_type, body) = infobutton(
        &app,
        "mainSearchCriteria.v.cs=2.16.840.1.113883.6.90&mainSearchCriteria.v.c=M48.02\
         &knowledgeResponseType=application/json&informationRecipient=PROV",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(content_type.starts_with("application/json"));
    let feed: Value = serde_json::from_str(&body).expect("json");
    let entries = feed["feed"]["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{feed}");
    assert_eq!(entries[0]["title"]["_value"], "Spinal stenosis");
    let categories = entries[0]["category"].to_string();
    assert!(categories.contains(r#""term":"M48.02""#), "{categories}");
    assert!(categories.contains("rolledUpFrom"), "{categories}");
    assert!(
        entries[0]["updated"]["_value"].is_string(),
        "the review date: {feed}"
    );

    // The GraphQL page an entry links to answers with the node's page.
    let page = entries[0]["link"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["title"] == "GraphQL page")
        .expect("a GraphQL link")["href"]
        .as_str()
        .expect("href")
        .to_owned();
    assert!(
        page.starts_with("/graphql?"),
        "relative to the server: {page}"
    );
    let answer: Value = app.get(&page).await.json().await.expect("json");
    assert_eq!(
        answer["data"]["condition"]["name"], "Spinal stenosis",
        "{answer}"
    );

    // Several criteria at once (numbered), SNOMED CT by OID.
    let (_, _, body) = infobutton(
        &app,
        "mainSearchCriteria.v.c=M62.830&mainSearchCriteria.v.cs=2.16.840.1.113883.6.90\
         &mainSearchCriteria.v.c1=86569001&mainSearchCriteria.v.cs1=2.16.840.1.113883.6.96\
         &knowledgeResponseType=application/json",
    )
    .await;
    let feed: Value = serde_json::from_str(&body).expect("json");
    let titles: Vec<&str> = feed["feed"]["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["title"]["_value"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["Muscle spasms", "Having given birth"]);
}

#[tokio::test]
async fn infobutton_falls_back_to_the_display_name_and_refuses_bad_requests() {
    let app = spawn_app().await;

    // A code nothing carries, with its display name: a name search answers.
    let (status, _, body) = infobutton(
        &app,
        "mainSearchCriteria.v.cs=2.16.840.1.113883.6.96&mainSearchCriteria.v.c=22253000\
         &mainSearchCriteria.v.dn=labour%20pain&knowledgeResponseType=application/json",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let feed: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        feed["feed"]["entry"][0]["title"]["_value"], "Labour pain",
        "{feed}"
    );
    assert!(
        feed["feed"]["entry"][0]["category"]
            .to_string()
            .contains("name search")
    );

    // Without a display name: an empty feed, not an error. An OID caregraph does not know
    // (ICD-9-CM) is a system with no codes here.
    for query in [
        "mainSearchCriteria.v.cs=2.16.840.1.113883.6.96&mainSearchCriteria.v.c=22253000",
        "mainSearchCriteria.v.cs=2.16.840.1.113883.6.103&mainSearchCriteria.v.c=724.2",
    ] {
        let (status, _, xml) = infobutton(&app, query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {xml}");
        assert!(xml.contains("<feed"), "{xml}");
        assert!(!xml.contains("<entry>"), "{xml}");
    }

    // Bad requests say what is wrong.
    for (query, says) in [
        ("mainSearchCriteria.v.c=M48.062", "mainSearchCriteria.v.cs"),
        ("", "required"),
        (
            "mainSearchCriteria.v.cs=2.16.840.1.113883.6.90&mainSearchCriteria.v.c=M4",
            "is not a ICD-10-CM code",
        ),
        (
            "mainSearchCriteria.v.cs=2.16.840.1.113883.6.96&mainSearchCriteria.v.c=76107001&knowledgeResponseType=text/html",
            "knowledgeResponseType",
        ),
    ] {
        let (status, _, body) = infobutton(&app, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body.contains(says), "{query}: {body}");
    }
}

#[tokio::test]
async fn infobutton_shows_published_pages_only() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let source = app.source_id().await;
    let quote = "Additionally, lower back pain can be a result of an inflammatory disease along the spinal column or due to spinal stenosis and not due to epidural.";
    app.data_as(
        &editor,
        r#"mutation($input: CreateNodeInput!) { createNode(input: $input) { id } }"#,
        json!({ "input": { "kind": "CONDITION", "slug": "draft-stenosis", "name": "Draft stenosis",
            "codings": [coding(ICD10CM, "M48.02")],
            "citations": [{ "sourceId": source, "quote": quote }] } }),
    )
    .await;
    let resp = app
        .client
        .get(format!(
            "{}/infobutton?mainSearchCriteria.v.cs=2.16.840.1.113883.6.90&mainSearchCriteria.v.c=M48.02",
            app.address
        ))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("infobutton");
    let xml = resp.text().await.expect("body");
    assert!(!xml.contains("Draft stenosis"), "{xml}");
    assert!(xml.contains("Spinal stenosis"), "{xml}");
}

/// The `/infobutton` call docs/codes.md shows answers with what it shows.
#[tokio::test]
async fn the_documented_infobutton_call_answers_as_shown() {
    let app = spawn_app().await;
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/codes.md"))
        .expect("docs/codes.md");
    let url = page
        .lines()
        .find_map(|l| l.strip_prefix("curl -s 'http://127.0.0.1:8080"))
        .and_then(|l| l.strip_suffix('\''))
        .expect("the documented call");
    let resp = app.get(url).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let feed: Value = resp.json().await.expect("json");
    let entry = &feed["feed"]["entry"][0];
    assert_eq!(entry["title"]["_value"], "Spinal stenosis", "{feed}");
    let categories = entry["category"].to_string();
    for shown in [
        r#"{"scheme":"urn:caregraph:kind","term":"CONDITION"}"#,
        r#"{"scheme":"http://hl7.org/fhir/sid/icd-10-cm","term":"M48.062"}"#,
        r#"{"scheme":"urn:caregraph:match","term":"NARROWER"}"#,
    ] {
        assert!(categories.contains(shown), "{categories}");
    }
    assert!(
        entry["summary"]["_value"]
            .as_str()
            .expect("summary")
            .starts_with("A condition of the spine that"),
        "{entry}"
    );
}
