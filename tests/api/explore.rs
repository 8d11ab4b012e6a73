//! Finding and exploring: full-text search, neighbourhoods, shortest paths, symptom ranking
//! and JSON-LD, on the article's graph (and a small fixture for the ranking order).

use std::collections::BTreeSet;

use entity::node;
use entity::sea_orm_active_enums::{NodeKind, Predicate, Role};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_code, edge_row, node_id, node_row, spawn_app};

const SEARCH: &str = r#"query($text: String!, $kinds: [NodeKind!], $first: Int, $after: String) {
  search(text: $text, kinds: $kinds, first: $first, after: $after) {
    edges { cursor snippet score node { id slug kind } }
    pageInfo { hasNextPage endCursor }
    matchedAnyWord } }"#;

async fn search(app: &TestApp, text: &str, kinds: Value) -> Vec<Value> {
    let data = app
        .data(SEARCH, json!({ "text": text, "kinds": kinds }))
        .await;
    data["search"]["edges"].as_array().expect("edges").clone()
}

fn slugs(edges: &[Value]) -> Vec<String> {
    edges
        .iter()
        .map(|e| e["node"]["slug"].as_str().expect("slug").to_owned())
        .collect()
}

#[tokio::test]
async fn search_finds_word_forms_synonyms_and_partial_names() {
    let app = spawn_app().await;
    for (text, kinds, first) in [
        (
            "tingling",
            json!(null),
            "numbness-or-tingling-around-injection-area",
        ),
        // Another form of the word.
        (
            "tingle",
            json!(null),
            "numbness-or-tingling-around-injection-area",
        ),
        // Synonyms of postpartum low back pain.
        (
            "lumbar pain",
            json!(["CONDITION"]),
            "postpartum-low-back-pain",
        ),
        (
            "lower back pain",
            json!(["CONDITION"]),
            "postpartum-low-back-pain",
        ),
        ("stenosis", json!(["CONDITION"]), "spinal-stenosis"),
        // Someone still typing.
        ("stenos", json!(["CONDITION"]), "spinal-stenosis"),
    ] {
        let edges = search(&app, text, kinds).await;
        let found = slugs(&edges);
        assert_eq!(
            found.first().map(String::as_str),
            Some(first),
            "{text}: {found:?}"
        );
        let scores: Vec<f64> = edges
            .iter()
            .map(|e| e["score"].as_f64().expect("score"))
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{text}: not ranked: {scores:?}"
        );
    }
    // Without a kind filter, "stenosis" finds both the condition and the cause.
    let found = slugs(&search(&app, "stenosis", json!(null)).await);
    for slug in ["spinal-stenosis", "spinal-stenosis-cause"] {
        assert!(found.contains(&slug.to_owned()), "{found:?}");
    }
    // The snippet marks the matched word.
    let edges = search(&app, "tingling", json!(["SYMPTOM"])).await;
    let snippet = edges[0]["snippet"]
        .as_str()
        .expect("snippet")
        .to_lowercase();
    assert!(snippet.contains("**tingling**"), "{snippet}");
}

#[tokio::test]
async fn search_falls_back_to_any_word_and_pages_without_overlap() {
    let app = spawn_app().await;
    let data = app
        .data(SEARCH, json!({ "text": "tingling xylophone" }))
        .await;
    assert_eq!(data["search"]["matchedAnyWord"], true);
    assert_eq!(
        data["search"]["edges"][0]["node"]["slug"],
        "numbness-or-tingling-around-injection-area"
    );

    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                SEARCH,
                json!({ "text": "pain", "first": 4, "after": after }),
            )
            .await;
        let page = &data["search"];
        seen.extend(slugs(page["edges"].as_array().expect("edges")));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "a result repeated across pages: {seen:?}"
    );
    assert!(seen.len() > 4, "{seen:?}");
    assert!(seen.contains(&"postpartum-low-back-pain".to_owned()));
}

#[tokio::test]
async fn search_refuses_bad_input_and_keeps_serving() {
    let app = spawn_app().await;
    let long = "a".repeat(201);
    for vars in [
        json!({ "text": "   " }),
        json!({ "text": long }),
        json!({ "text": "?!*" }),
        json!({ "text": "pain", "first": 51 }),
        json!({ "text": "pain", "first": -1 }),
        json!({ "text": "pain", "after": "not-a-cursor" }),
    ] {
        let (status, resp) = app.gql(SEARCH, vars.clone()).await;
        assert_eq!(status, StatusCode::OK, "{vars}: {resp}");
        assert_code(&resp, "BAD_USER_INPUT");
    }
    // Quotes and operators are only words: they cannot change the query.
    let edges = search(&app, "\"tingling\" OR * NEAR(", json!(null)).await;
    assert_eq!(
        slugs(&edges).first().map(String::as_str),
        Some("numbness-or-tingling-around-injection-area")
    );
}

#[tokio::test]
async fn the_index_follows_every_write_in_its_transaction() {
    let app = spawn_app().await;
    let editor = app.token("eddie", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let admin = app.token("ada", Role::Admin).await;
    let quote = "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify.";
    let created = app
        .data_as(
            &editor,
            r#"mutation($input: CreateNodeInput!) { createNode(input: $input) { id version } }"#,
            json!({ "input": {
                "kind": "TREATMENT", "slug": "zephyr-bath", "name": "Zephyr bath",
                "treatmentType": "SELF_CARE",
                "citations": [{ "sourceId": app.source_id().await, "quote": quote }] } }),
        )
        .await;
    let id = created["createNode"]["id"].as_str().expect("id").to_owned();
    let as_editor = |text: &'static str| {
        let editor = editor.clone();
        let app = &app;
        async move {
            let data = app.data_as(&editor, SEARCH, json!({ "text": text })).await;
            slugs(data["search"]["edges"].as_array().expect("edges"))
        }
    };
    // A draft is found by content teams, and by its citation's words, but not by readers.
    assert_eq!(as_editor("zephyr").await, vec!["zephyr-bath"]);
    assert!(
        as_editor("intensify")
            .await
            .contains(&"zephyr-bath".to_owned())
    );
    assert!(search(&app, "zephyr", json!(null)).await.is_empty());

    // Renamed: the old name is gone from the index, the new one is there.
    let updated = app
        .data_as(
            &editor,
            r#"mutation($input: UpdateNodeInput!) { updateNode(input: $input) { version } }"#,
            json!({ "input": { "id": id, "version": 1, "name": "Quokka soak" } }),
        )
        .await;
    let version = updated["updateNode"]["version"].as_i64().expect("version");
    assert!(as_editor("zephyr").await.is_empty());
    assert_eq!(as_editor("quokka").await, vec!["zephyr-bath"]);

    // Published: readers find it.
    let step = |name: &'static str, token: String, version: i64| {
        let app = &app;
        let id = id.clone();
        async move {
            let q = format!(
                "mutation($id: ID!, $v: Int!) {{ {name}(id: $id, version: $v) {{ ... on Treatment {{ version }} }} }}"
            );
            app.data_as(&token, &q, json!({ "id": id, "v": version }))
                .await[name]["version"]
                .as_i64()
                .expect("version")
        }
    };
    let version = step("submitForReview", editor.clone(), version).await;
    let version = step("publish", reviewer.clone(), version).await;
    assert_eq!(
        slugs(&search(&app, "quokka", json!(null)).await),
        vec!["zephyr-bath"]
    );

    // Deleted: gone for everyone.
    app.data_as(
        &admin,
        "mutation($id: ID!, $v: Int!) { deleteNode(id: $id, version: $v) }",
        json!({ "id": id, "v": version }),
    )
    .await;
    assert!(search(&app, "quokka", json!(null)).await.is_empty());
    assert!(as_editor("quokka").await.is_empty());
}

const NEIGHBORHOOD: &str = r#"query($id: ID!, $depth: Int, $predicates: [Predicate!], $kinds: [NodeKind!]) {
  neighborhood(id: $id, depth: $depth, predicates: $predicates, kinds: $kinds) {
    nodes { depth node { slug } }
    edges { predicate negated subject { slug } object { slug } }
    truncated } }"#;

async fn neighborhood(app: &TestApp, slug: &str, vars: Value) -> Value {
    let mut vars = vars;
    vars["id"] = json!(node_id(&app.db, slug).await.to_string());
    app.data(NEIGHBORHOOD, vars).await["neighborhood"].clone()
}

fn node_slugs(hood: &Value) -> BTreeSet<String> {
    hood["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["node"]["slug"].as_str().expect("slug").to_owned())
        .collect()
}

const PPLBP_DEPTH_1: &[&str] = &[
    "postpartum-low-back-pain",
    // causes, the denied one included (its edge says negated)
    "back-and-abdominal-muscles-shifting",
    "pregnancy-and-birth",
    "epidural",
    "spinal-stenosis-cause",
    "inflammatory-spinal-disease-cause",
    "acute-back-pain",
    "not-taking-care-of-yourself",
    "epidural-related-back-pain",
    "back-pain",
    "rest-and-self-care",
    "massage",
    "cold-and-hot-therapy",
    "exercise",
    "physical-therapy",
    "diagnosis-and-x-rays",
    "anti-inflammatory-medication",
    "surgery",
    "seek-advice-diagnosis-or-treatment",
    "muscle-relaxants",
    "expert-help",
];

const PPLBP_DEPTH_2_MORE: &[&str] = &[
    "heavy-lifting",
    "having-given-birth",
    "arthritis-or-musculoskeletal-issues-risk",
    "numbness-or-tingling-around-injection-area",
    "soreness-in-back-after-epidural",
    "spinal-stenosis",
    "inflammatory-spinal-disease",
    "muscle-spasms",
    // Labour pain is caused by giving birth (pregnancy-and-birth, a cause at depth 1).
    "labour-pain",
];

fn set(slugs: &[&[&str]]) -> BTreeSet<String> {
    slugs
        .iter()
        .flat_map(|s| s.iter())
        .map(|s| (*s).to_owned())
        .collect()
}

#[tokio::test]
async fn the_neighborhood_of_postpartum_back_pain_at_depth_1_and_2() {
    let app = spawn_app().await;
    let one = neighborhood(&app, "postpartum-low-back-pain", json!({ "depth": 1 })).await;
    assert_eq!(node_slugs(&one), set(&[PPLBP_DEPTH_1]));
    assert_eq!(one["nodes"][0]["depth"], 0);
    assert_eq!(one["nodes"][0]["node"]["slug"], "postpartum-low-back-pain");
    assert_eq!(one["truncated"], false);
    let edges = one["edges"].as_array().expect("edges");
    // Every link among these nodes: the 20 of the centre plus those between its neighbours.
    assert!(edges.len() >= 20, "{}", edges.len());
    let denial = edges
        .iter()
        .find(|e| {
            e["object"]["slug"] == "epidural" && e["subject"]["slug"] == "postpartum-low-back-pain"
        })
        .expect("the denied cause is shown");
    assert_eq!(denial["negated"], true);

    let two = neighborhood(&app, "postpartum-low-back-pain", json!({ "depth": 2 })).await;
    assert_eq!(node_slugs(&two), set(&[PPLBP_DEPTH_1, PPLBP_DEPTH_2_MORE]));
    let depth_of = |slug: &str| {
        two["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["node"]["slug"] == slug)
            .map(|n| n["depth"].clone())
    };
    assert_eq!(depth_of("massage"), Some(json!(1)));
    assert_eq!(depth_of("muscle-spasms"), Some(json!(2)));

    // Filters: only symptoms, only one relation.
    let symptoms = neighborhood(
        &app,
        "postpartum-low-back-pain",
        json!({ "depth": 2, "predicates": ["HAS_SYMPTOM"] }),
    )
    .await;
    // Acute back pain is a symptom of both back pains: the walk goes on to the other one.
    assert_eq!(
        node_slugs(&symptoms),
        set(&[&[
            "postpartum-low-back-pain",
            "acute-back-pain",
            "epidural-related-back-pain"
        ]])
    );
    let conditions = neighborhood(
        &app,
        "postpartum-low-back-pain",
        json!({ "depth": 1, "kinds": ["CONDITION"] }),
    )
    .await;
    assert_eq!(
        node_slugs(&conditions),
        set(&[&[
            "postpartum-low-back-pain",
            "back-pain",
            "epidural-related-back-pain"
        ]])
    );
}

#[tokio::test]
async fn walks_end_on_cycles_and_list_each_node_once() {
    let app = spawn_app().await;
    // postpartum → massage → epidural-related → postpartum is a cycle (links walked either
    // way); so is postpartum → back-pain → seek-advice → postpartum.
    let three = neighborhood(&app, "postpartum-low-back-pain", json!({ "depth": 3 })).await;
    let nodes = three["nodes"].as_array().expect("nodes");
    assert_eq!(node_slugs(&three).len(), nodes.len(), "a node listed twice");
    let depths: Vec<i64> = nodes
        .iter()
        .map(|n| n["depth"].as_i64().expect("depth"))
        .collect();
    assert!(depths.windows(2).all(|w| w[0] <= w[1]), "{depths:?}");
    assert!(depths.iter().all(|d| *d <= 3));
    // The path search on the same cycles ends and finds every shortest path once.
    let paths = paths(&app, "postpartum-low-back-pain", "muscle-spasms", 6).await;
    let via: BTreeSet<String> = paths
        .iter()
        .map(|p| p["nodes"][1]["slug"].as_str().expect("slug").to_owned())
        .collect();
    assert_eq!(paths.len(), via.len());
    assert_eq!(
        via,
        set(&[&[
            "cold-and-hot-therapy",
            "exercise",
            "massage",
            "physical-therapy",
            "rest-and-self-care"
        ]])
    );
    assert!(paths.iter().all(|p| p["length"] == 2));
}

const PATHS: &str = r#"query($from: ID!, $to: ID!, $max: Int) {
  paths(from: $from, to: $to, maxDepth: $max) {
    truncated
    paths { length nodes { slug } edges { predicate subject { slug } object { slug } }
      elements { __typename ... on Treatment { slug } ... on Risk { slug } ... on Condition { slug }
        ... on Link { predicate } } } } }"#;

async fn paths(app: &TestApp, from: &str, to: &str, max: i64) -> Vec<Value> {
    let vars = json!({
        "from": node_id(&app.db, from).await.to_string(),
        "to": node_id(&app.db, to).await.to_string(),
        "max": max,
    });
    app.data(PATHS, vars).await["paths"]["paths"]
        .as_array()
        .expect("paths")
        .clone()
}

#[tokio::test]
async fn the_paths_from_the_epidural_to_nerve_damage() {
    let app = spawn_app().await;
    let found = paths(&app, "epidural-anesthesia", "nerve-damage", 4).await;
    let routes: Vec<Vec<&str>> = found
        .iter()
        .map(|p| {
            p["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["slug"].as_str().expect("slug"))
                .collect()
        })
        .collect();
    let mut sorted = routes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            vec!["epidural-anesthesia", "bleeding", "nerve-damage"],
            vec![
                "epidural-anesthesia",
                "wrong-medicine-or-dosage",
                "nerve-damage"
            ],
        ]
    );
    let first = &found[0];
    assert_eq!(first["length"], 2);
    assert_eq!(first["edges"][0]["predicate"], "HAS_ADVERSE_RISK");
    assert_eq!(first["edges"][1]["predicate"], "MAY_LEAD_TO");
    let kinds: Vec<&str> = first["elements"]
        .as_array()
        .expect("elements")
        .iter()
        .map(|e| e["__typename"].as_str().expect("typename"))
        .collect();
    assert_eq!(
        kinds,
        vec!["Treatment", "Link", "Risk", "Link", "Condition"]
    );

    // The cause "epidural" is another part of the graph: no path, and no error.
    assert!(paths(&app, "epidural", "nerve-damage", 6).await.is_empty());
    // Too short a bound finds nothing either.
    assert!(
        paths(&app, "epidural-anesthesia", "nerve-damage", 1)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn exploration_refuses_bad_input_and_keeps_serving() {
    let app = spawn_app().await;
    let pplbp = node_id(&app.db, "postpartum-low-back-pain")
        .await
        .to_string();
    let missing = uuid::Uuid::now_v7().to_string();
    for (query, vars, code) in [
        (
            NEIGHBORHOOD,
            json!({ "id": pplbp, "depth": 4 }),
            "BAD_USER_INPUT",
        ),
        (
            NEIGHBORHOOD,
            json!({ "id": pplbp, "depth": 0 }),
            "BAD_USER_INPUT",
        ),
        (
            NEIGHBORHOOD,
            json!({ "id": "not-a-uuid" }),
            "BAD_USER_INPUT",
        ),
        (NEIGHBORHOOD, json!({ "id": missing }), "NOT_FOUND"),
        (
            PATHS,
            json!({ "from": pplbp, "to": pplbp }),
            "BAD_USER_INPUT",
        ),
        (PATHS, json!({ "from": pplbp, "to": missing }), "NOT_FOUND"),
        (
            PATHS,
            json!({ "from": pplbp, "to": missing, "max": 7 }),
            "BAD_USER_INPUT",
        ),
    ] {
        let (status, resp) = app.gql(query, vars.clone()).await;
        assert_eq!(status, StatusCode::OK, "{vars}: {resp}");
        assert_code(&resp, code);
        assert!(resp["data"].is_null(), "{resp}");
    }
    let hood = neighborhood(&app, "spinal-stenosis", json!({})).await;
    assert_eq!(hood["nodes"].as_array().map(Vec::len), Some(2));
}

const RANK: &str = r#"query($symptoms: [ID!], $text: String) {
  rankConditions(symptoms: $symptoms, text: $text) {
    disclaimer
    symptoms { slug }
    results {
      score
      condition { slug }
      matched { symptom { slug } timing citations { quote } }
      unmatched { slug }
      careAdvice { statedFor { slug } advice { circumstance treatment { slug } citations { quote } } }
    } } }"#;

#[tokio::test]
async fn numbness_and_soreness_rank_epidural_related_back_pain_first() {
    let app = spawn_app().await;
    let ids = vec![
        node_id(&app.db, "numbness-or-tingling-around-injection-area")
            .await
            .to_string(),
        node_id(&app.db, "soreness-in-back-after-epidural")
            .await
            .to_string(),
    ];
    let data = app.data(RANK, json!({ "symptoms": ids })).await;
    let ranking = &data["rankConditions"];
    assert!(
        ranking["disclaimer"]
            .as_str()
            .expect("disclaimer")
            .contains("not a diagnosis"),
        "{ranking}"
    );
    let best = &ranking["results"][0];
    assert_eq!(best["condition"]["slug"], "epidural-related-back-pain");
    // Two of its three symptoms: the third is the acute back pain women complained of.
    assert_eq!(best["score"], 2.0 / 3.0);
    assert_eq!(best["matched"].as_array().map(Vec::len), Some(2));
    assert_eq!(best["unmatched"], json!([{ "slug": "acute-back-pain" }]));
    for m in best["matched"].as_array().expect("matched") {
        assert!(
            !m["citations"].as_array().expect("citations").is_empty(),
            "{m}"
        );
    }
    // The advice on when to seek help, stated for back pain in general.
    let advice = best["careAdvice"].as_array().expect("care advice");
    assert!(
        advice.iter().any(|a| a["statedFor"]["slug"] == "back-pain"
            && a["advice"]["treatment"]["slug"] == "seek-advice-diagnosis-or-treatment"
            && !a["advice"]["citations"]
                .as_array()
                .expect("citations")
                .is_empty()),
        "{advice:?}"
    );

    // The same in words.
    let data = app
        .data(RANK, json!({ "text": "tingling and soreness" }))
        .await;
    let ranking = &data["rankConditions"];
    assert_eq!(
        ranking["results"][0]["condition"]["slug"],
        "epidural-related-back-pain"
    );
    let read: BTreeSet<&str> = ranking["symptoms"]
        .as_array()
        .expect("symptoms")
        .iter()
        .map(|s| s["slug"].as_str().expect("slug"))
        .collect();
    assert!(
        read.contains("numbness-or-tingling-around-injection-area"),
        "{read:?}"
    );
    assert!(read.contains("soreness-in-back-after-epidural"), "{read:?}");
}

#[tokio::test]
async fn ranking_orders_a_fixture_by_how_well_symptoms_agree() {
    let app = spawn_app_empty_fixture().await;
    let data = app
        .0
        .data(RANK, json!({ "symptoms": [app.1[0], app.1[1]] }))
        .await;
    let order: Vec<(&str, f64)> = data["rankConditions"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["condition"]["slug"].as_str().expect("slug"),
                r["score"].as_f64().expect("score"),
            )
        })
        .collect();
    // exact: {s1, s2} = 2/2; wider: {s1, s2, s3} = 2/3; partial: {s1} = 1/2;
    // loose: {s1, s3, s4} = 1/4; unrelated ({s3}) is not listed.
    assert_eq!(
        order,
        vec![
            ("fx-exact", 1.0),
            ("fx-wider", 2.0 / 3.0),
            ("fx-partial", 0.5),
            ("fx-loose", 0.25),
        ]
    );
}

/// A fixture of five conditions over four symptoms; returns the symptom ids.
async fn spawn_app_empty_fixture() -> (TestApp, Vec<String>) {
    let app = crate::helpers::spawn_app_with(false).await;
    let symptoms: Vec<node::ActiveModel> = (1..=4)
        .map(|i| node_row(NodeKind::Symptom, format!("fx-s{i}")))
        .collect();
    let ids: Vec<uuid::Uuid> = symptoms.iter().map(|s| *s.id.as_ref()).collect();
    node::Entity::insert_many(symptoms)
        .exec(&app.db)
        .await
        .expect("symptoms");
    let mut edges = Vec::new();
    for (slug, has) in [
        ("fx-exact", vec![0, 1]),
        ("fx-wider", vec![0, 1, 2]),
        ("fx-partial", vec![0]),
        ("fx-loose", vec![0, 2, 3]),
        ("fx-unrelated", vec![2]),
    ] {
        let c = node_row(NodeKind::Condition, slug.to_owned());
        let cid = *c.id.as_ref();
        node::Entity::insert(c)
            .exec(&app.db)
            .await
            .expect("condition");
        edges.extend(
            has.into_iter()
                .map(|i| edge_row(cid, Predicate::HasSymptom, ids[i])),
        );
    }
    entity::edge::Entity::insert_many(edges)
        .exec(&app.db)
        .await
        .expect("edges");
    let ids = ids.iter().map(ToString::to_string).collect();
    (app, ids)
}

#[tokio::test]
async fn ranking_refuses_bad_input() {
    let app = spawn_app().await;
    let condition = node_id(&app.db, "spinal-stenosis").await.to_string();
    for (vars, code) in [
        (json!({}), "BAD_USER_INPUT"),
        (json!({ "symptoms": [] }), "BAD_USER_INPUT"),
        (json!({ "symptoms": ["nope"] }), "BAD_USER_INPUT"),
        (json!({ "symptoms": [condition] }), "BAD_USER_INPUT"),
        (
            json!({ "symptoms": [uuid::Uuid::now_v7().to_string()] }),
            "NOT_FOUND",
        ),
        (json!({ "text": "  " }), "BAD_USER_INPUT"),
    ] {
        let (status, resp) = app.gql(RANK, vars.clone()).await;
        assert_eq!(status, StatusCode::OK, "{vars}: {resp}");
        assert_code(&resp, code);
    }
}

const JSON_LD: &str = r#"query($slug: String!) { condition(slug: $slug) { jsonLd } }"#;

async fn json_ld(app: &TestApp, slug: &str) -> Value {
    app.data(JSON_LD, json!({ "slug": slug })).await["condition"]["jsonLd"].clone()
}

fn names(doc: &Value, key: &str) -> BTreeSet<String> {
    doc[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v["name"].as_str().or(v.as_str()).expect("name").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn conditions_are_schema_org_medical_conditions() {
    let app = spawn_app().await;
    let doc = json_ld(&app, "postpartum-low-back-pain").await;
    assert_eq!(doc["@context"], "https://schema.org");
    assert_eq!(doc["@type"], "MedicalCondition");
    assert_eq!(doc["name"], "Postpartum low back pain");
    assert!(names(&doc, "signOrSymptom").contains("Acute back pain"));
    let causes = names(&doc, "cause");
    assert!(causes.contains("Pregnancy and birth"), "{causes:?}");
    assert!(
        !causes.contains("Epidural"),
        "a denied cause must not be a cause: {causes:?}"
    );
    assert!(
        names(&doc, "riskFactor")
            .contains("Not taking care of yourself or giving yourself a break")
    );
    let treatments = names(&doc, "possibleTreatment");
    assert!(
        treatments.contains("Massage") && treatments.contains("Surgery"),
        "{treatments:?}"
    );
    assert!(
        doc["possibleTreatment"]
            .as_array()
            .expect("treatments")
            .iter()
            .all(|t| t["@type"] == "MedicalTherapy")
    );
    assert_eq!(doc["differentialDiagnosis"][0]["@type"], "DDxElement");
    assert_eq!(
        doc["differentialDiagnosis"][0]["diagnosis"]["name"],
        "Epidural-related back pain"
    );
    assert_eq!(doc["subjectOf"][0]["name"], "Back Pain After An Epidural");

    let stenosis = json_ld(&app, "spinal-stenosis").await;
    let codes: BTreeSet<(String, String)> = stenosis["code"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| {
            assert_eq!(c["@type"], "MedicalCode");
            (
                c["codingSystem"].as_str().expect("system").to_owned(),
                c["codeValue"].as_str().expect("value").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("ICD-10-CM".to_owned(), "M48.00".to_owned()),
            ("ICD-10-CM".to_owned(), "M48.0".to_owned()),
            ("SNOMED CT".to_owned(), "76107001".to_owned())
        ]
        .into_iter()
        .collect()
    );
    // Unsure codes are never made up.
    assert!(doc.get("code").is_none(), "{doc}");

    // A treatment's dangers travel with it.
    let labour = json_ld(&app, "labour-pain").await;
    let epidural = &labour["possibleTreatment"][0];
    assert_eq!(epidural["name"], "Epidural anesthesia");
    assert!(names(epidural, "adverseOutcome").contains("Bleeding"));
    assert!(names(epidural, "seriousAdverseOutcome").contains("Nerve damage"));
}

#[tokio::test]
async fn json_ld_is_served_for_pages_to_embed() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(format!("{}/conditions/spinal-stenosis.jsonld", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/ld+json")
    );
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body, json_ld(&app, "spinal-stenosis").await);

    let missing = app
        .client
        .get(format!("{}/conditions/no-such-thing.jsonld", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn responses_keep_the_order_of_the_selection_set() {
    let app = spawn_app().await;
    let body = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": r#"{ search(text: "stenosis", first: 1) {
            pageInfo { hasNextPage } edges { snippet score node { slug name } } } }"# }))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    // The GraphQL spec: a response map keeps the order in which the fields were asked for.
    let at = |needle: &str| {
        body.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {body}"))
    };
    assert!(at("\"pageInfo\"") < at("\"edges\""), "{body}");
    assert!(at("\"snippet\"") < at("\"score\""), "{body}");
    assert!(at("\"score\"") < at("\"node\""), "{body}");
    assert!(at("\"slug\"") < at("\"name\""), "{body}");
}
