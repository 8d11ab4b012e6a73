//! The seed graph says what the article says: every node and link cites it verbatim.

use serde_json::{Value, json};

use crate::helpers::{article, spawn_app};

const CITED: &str = "citations { quote source { title } }";

/// Every node of every kind with its citations and the citations of its outgoing links.
async fn whole_graph(app: &crate::helpers::TestApp) -> Vec<Value> {
    let link =
        |field: &str, target: &str| format!("{field} {{ {target} {{ slug }} negated {CITED} }}");
    let mut all = Vec::new();
    for (list, links) in [
        (
            "conditions",
            [
                link("symptomLinks", "symptom"),
                link("causeLinks", "cause"),
                link("notCausedBy", "cause"),
                link("treatmentLinks", "treatment"),
                link("riskFactorLinks", "risk"),
                link("differentialLinks", "condition"),
            ]
            .join(" "),
        ),
        ("causes", link("conditionLinks", "condition")),
        ("symptoms", link("conditionLinks", "condition")),
        (
            "risks",
            [
                link("leadsToLinks", "condition"),
                link("treatmentLinks", "treatment"),
            ]
            .join(" "),
        ),
        ("treatments", link("riskLinks", "risk")),
    ] {
        let q = format!(
            "{{ {list}(first: 100) {{ totalCount edges {{ node {{ slug name {CITED} {links} }} }} }} }}"
        );
        let data = app.data(&q, json!({})).await;
        let edges = data[list]["edges"].as_array().expect("edges").clone();
        assert_eq!(
            edges.len() as u64,
            data[list]["totalCount"].as_u64().expect("count")
        );
        all.extend(edges.into_iter().map(|e| e["node"].clone()));
    }
    all
}

fn quotes_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(q)) = map.get("quote") {
                out.push(q.clone());
            }
            map.values().for_each(|x| quotes_of(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| quotes_of(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_quote_is_a_verbatim_passage_of_the_article() {
    let app = spawn_app().await;
    let text = article();
    // The shipped copy is the article itself, byte for byte, where the original is at hand.
    if let Ok(original) = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/source/back-pain-after-epidural.txt"
    )) {
        assert_eq!(
            original, text,
            "data/sources/ must be an exact copy of the article"
        );
    }
    let graph = whole_graph(&app).await;
    let mut quotes = Vec::new();
    quotes_of(&Value::Array(graph.clone()), &mut quotes);
    assert!(quotes.len() > 100, "{}", quotes.len());
    for q in &quotes {
        assert!(text.contains(q.as_str()), "not verbatim: {q:?}");
    }
    // Every node and every link rests on at least one citation.
    for node in &graph {
        assert!(
            !node["citations"].as_array().expect("citations").is_empty(),
            "uncited node {}",
            node["slug"]
        );
        for (field, links) in node.as_object().expect("object") {
            let Some(links) = links
                .as_array()
                .filter(|_| field.ends_with("Links") || field == "notCausedBy")
            else {
                continue;
            };
            for l in links {
                assert!(
                    !l["citations"].as_array().expect("citations").is_empty(),
                    "uncited link {field} of {}",
                    node["slug"]
                );
            }
        }
    }
}

#[tokio::test]
async fn every_factual_sentence_of_the_article_is_cited() {
    let app = spawn_app().await;
    let text = article();
    let mut quotes = Vec::new();
    quotes_of(&Value::Array(whole_graph(&app).await), &mut quotes);
    // Headings and questions carry no fact; every other line's sentences must be cited.
    let mut uncited = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| l.split_whitespace().count() > 8)
    {
        for sentence in line
            .split_inclusive(['.', '!', '?'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let is_question = sentence.ends_with('?');
            let covered = quotes
                .iter()
                .any(|q| q.contains(sentence) || sentence.contains(q.as_str()));
            if !is_question && !covered && sentence.split_whitespace().count() > 3 {
                uncited.push(sentence.to_owned());
            }
        }
    }
    assert!(
        uncited.is_empty(),
        "sentences no node or link cites: {uncited:#?}"
    );
}

#[tokio::test]
async fn the_required_concepts_are_all_there() {
    let app = spawn_app().await;
    for (kind, slug) in [
        ("condition", "postpartum-low-back-pain"),
        ("condition", "epidural-related-back-pain"),
        ("condition", "spinal-stenosis"),
        ("condition", "labour-pain"),
        ("condition", "nerve-damage"),
        ("condition", "muscle-spasms"),
        ("condition", "arthritis-and-musculoskeletal-issues"),
        ("treatment", "epidural-anesthesia"),
        ("treatment", "massage"),
        ("treatment", "cold-and-hot-therapy"),
        ("treatment", "physical-therapy"),
        ("treatment", "surgery"),
        ("treatment", "muscle-relaxants"),
        ("treatment", "anti-inflammatory-medication"),
        ("cause", "epidural"),
        ("cause", "heavy-lifting"),
    ] {
        let q = format!("{{ {kind}(slug: \"{slug}\") {{ slug name }} }}");
        let data = app.data(&q, json!({})).await;
        assert_eq!(data[kind]["slug"], slug, "missing {kind} {slug}");
    }
}

/// Corrections a reader of the article found (issue 15): each fact sits where the sentence
/// puts it.
#[tokio::test]
async fn corrections_a_reader_found_are_in_the_graph() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
              epidural: condition(slug: "epidural-related-back-pain") {
                symptomLinks { symptom { slug } citations { quote } } }
              labour: condition(slug: "labour-pain") {
                causeLinks { cause { slug } negated citations { quote } } }
              back: condition(slug: "back-pain") {
                notCausedBy { cause { slug } negated citations { quote } } }
              pt: treatment(slug: "physical-therapy") { citations { quote } }
              cause: cause(slug: "epidural") { synonyms }
            }"#,
            serde_json::json!({}),
        )
        .await;
    let link = |links: &Value, end: &str, slug: &str| -> Value {
        links
            .as_array()
            .expect("links")
            .iter()
            .find(|l| l[end]["slug"] == slug)
            .cloned()
            .unwrap_or_else(|| panic!("no link to {slug}: {links}"))
    };
    let quotes = |v: &Value| -> Vec<String> {
        v["citations"]
            .as_array()
            .expect("citations")
            .iter()
            .map(|c| c["quote"].as_str().expect("quote").to_owned())
            .collect()
    };
    let acute = link(
        &data["epidural"]["symptomLinks"],
        "symptom",
        "acute-back-pain",
    );
    assert_eq!(
        quotes(&acute),
        ["However, women who have gone through the procedure complained of acute back pain."]
    );
    let birth = link(
        &data["labour"]["causeLinks"],
        "cause",
        "pregnancy-and-birth",
    );
    assert_eq!(birth["negated"], false);
    assert_eq!(
        quotes(&birth),
        ["Some women experience extreme pain when giving birth."]
    );
    let denial = link(&data["back"]["notCausedBy"], "cause", "epidural");
    assert_eq!(denial["negated"], true, "{denial}");
    assert!(
        quotes(&denial)
            .contains(&"Thus low back pain is not necessarily due to an epidural.".to_owned()),
        "{denial}"
    );
    assert!(
        quotes(&data["pt"]).contains(&"Physical therapy".to_owned()),
        "the heading names the treatment: {}",
        data["pt"]
    );
    assert_eq!(data["cause"]["synonyms"], serde_json::json!([]));
}
