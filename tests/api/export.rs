//! `caregraph export`: the published graph for analysts, as JSON, GraphML and CSV.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use caregraph::export::{ExportReport, Format, export};
use entity::sea_orm_active_enums::{Role, Status};
use entity::{edge, node};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::{Value, json};

use crate::helpers::{QUOTE, TestApp, article, spawn_app};

/// Exports through the library, as the CLI does.
async fn exported(app: &TestApp, format: Format) -> (String, ExportReport) {
    let mut out = Vec::new();
    let report = export(&app.db, format, &mut out)
        .await
        .unwrap_or_else(|e| panic!("{format:?} export fails: {e:#}"));
    (String::from_utf8(out).expect("UTF-8"), report)
}

async fn exported_json(app: &TestApp) -> Value {
    let (text, _) = exported(app, Format::Json).await;
    serde_json::from_str(&text).expect("the JSON export parses")
}

fn array<'v>(v: &'v Value, field: &str) -> &'v Vec<Value> {
    v[field]
        .as_array()
        .unwrap_or_else(|| panic!("{field} is not a list: {v}"))
}

fn slugs(json: &Value) -> BTreeSet<String> {
    array(json, "nodes")
        .iter()
        .map(|n| n["slug"].as_str().expect("slug").to_owned())
        .collect()
}

/// What anonymous readers of the API see: node slugs by kind.
async fn published_slugs_by_kind(app: &TestApp) -> BTreeMap<String, BTreeSet<String>> {
    let lists = [
        ("CONDITION", "conditions"),
        ("CAUSE", "causes"),
        ("SYMPTOM", "symptoms"),
        ("RISK", "risks"),
        ("TREATMENT", "treatments"),
    ];
    let query = lists
        .iter()
        .map(|(_, list)| format!("{list}(first: 100) {{ totalCount nodes {{ slug }} }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let data = app.data(&format!("{{ {query} }}"), json!({})).await;
    lists
        .iter()
        .map(|(kind, list)| {
            let nodes = array(&data[list], "nodes");
            assert_eq!(
                data[list]["totalCount"].as_u64(),
                Some(nodes.len() as u64),
                "{list} fit in one page"
            );
            let slugs = nodes
                .iter()
                .map(|n| n["slug"].as_str().expect("slug").to_owned())
                .collect();
            ((*kind).to_owned(), slugs)
        })
        .collect()
}

#[tokio::test]
async fn the_json_export_holds_exactly_the_published_graph_with_denials_as_denials() {
    // Given the seeded article graph.
    let app = spawn_app().await;

    // When it is exported as JSON, twice.
    let (text, report) = exported(&app, Format::Json).await;
    let (again, _) = exported(&app, Format::Json).await;
    let json: Value = serde_json::from_str(&text).expect("the JSON export parses");

    // Then the two exports are byte-identical, and the document says what it is.
    assert_eq!(text, again, "exports of the same data are byte-identical");
    assert_eq!(json["format"], "caregraph-export");
    assert_eq!(json["version"], 2);
    let nodes = array(&json, "nodes");
    let stenosis = nodes
        .iter()
        .find(|n| n["slug"] == "spinal-stenosis")
        .expect("spinal stenosis");
    assert_eq!(stenosis["codings"][0]["code"], "M48.00", "{stenosis}");
    assert_eq!(stenosis["codings"][0]["match"], "EXACT");
    assert!(stenosis["codings"][0]["source"]["name"].is_string());
    let edges = array(&json, "edges");
    assert_eq!(report.nodes, nodes.len());
    assert_eq!(report.edges, edges.len());
    assert!(nodes.len() >= 30 && edges.len() >= 40, "{report:?}");

    // Its nodes are exactly what the API publishes, kind by kind.
    let mut by_kind: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for n in nodes {
        by_kind
            .entry(n["kind"].as_str().expect("kind").to_owned())
            .or_default()
            .insert(n["slug"].as_str().expect("slug").to_owned());
    }
    let published = published_slugs_by_kind(&app).await;
    let published_non_empty: BTreeMap<_, _> = published
        .into_iter()
        .filter(|(_, s)| !s.is_empty())
        .collect();
    assert_eq!(by_kind, published_non_empty);

    // Nodes come by slug, edges by subject, predicate and object; every edge joins exported
    // nodes.
    let node_order: Vec<&str> = nodes
        .iter()
        .map(|n| n["slug"].as_str().expect("slug"))
        .collect();
    assert!(node_order.is_sorted(), "{node_order:?}");
    let edge_order: Vec<(&str, &str, &str)> = edges
        .iter()
        .map(|e| {
            (
                e["subject"].as_str().expect("subject"),
                e["predicate"].as_str().expect("predicate"),
                e["object"].as_str().expect("object"),
            )
        })
        .collect();
    assert!(edge_order.is_sorted(), "{edge_order:?}");
    let all = slugs(&json);
    for (s, _, o) in &edge_order {
        assert!(all.contains(*s) && all.contains(*o), "{s} → {o}");
    }

    // The article's denial is there, as a denial, and never also asserted.
    let epidural_causes: Vec<&Value> = edges
        .iter()
        .filter(|e| {
            e["subject"] == "postpartum-low-back-pain"
                && e["predicate"] == "caused_by"
                && e["object"] == "epidural"
        })
        .collect();
    assert_eq!(epidural_causes.len(), 1, "{epidural_causes:?}");
    assert_eq!(epidural_causes[0]["negated"], true);
    assert!(
        epidural_causes[0]["note"]
            .as_str()
            .expect("a note")
            .contains("denies the link")
    );

    // Enum values read as in the API; attributes survive.
    let last_resort = edges.iter().filter(|e| e["place"] == "LAST_RESORT").count();
    assert!(last_resort >= 1, "physical therapy is the last resort");
    assert!(
        nodes
            .iter()
            .any(|n| n["kind"] == "TREATMENT" && n["treatmentType"] == "SELF_CARE")
    );

    // Every node and edge cites the article, verbatim.
    let article = article();
    for item in nodes.iter().chain(edges) {
        let citations = array(item, "citations");
        assert!(!citations.is_empty(), "uncited: {item}");
        for c in citations {
            let quote = c["quote"].as_str().expect("quote");
            assert!(article.contains(quote), "not in the article: {quote:?}");
            assert_eq!(c["source"]["slug"], array(&json, "sources")[0]["slug"]);
        }
    }
    assert_eq!(
        array(&json, "sources").len(),
        1,
        "only the article is cited"
    );
}

/// What a GraphML file declares and holds, checked against the schema's rules while read.
struct Graphml {
    node_ids: BTreeSet<String>,
    /// id, source, target and the `<data>` values by key id.
    edges: Vec<(String, String, String, HashMap<String, String>)>,
    /// The `<data>` values of each node by key id.
    node_data: BTreeMap<String, HashMap<String, String>>,
    /// Key id → (for, attr.name, attr.type).
    keys: HashMap<String, (String, String, String)>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .expect("well-formed attributes")
        .map(|a| a.unescape_value().expect("escaped value").into_owned())
}

fn read_graphml(xml: &str) -> Graphml {
    assert!(
        xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
        "{}",
        &xml[..80.min(xml.len())]
    );
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut g = Graphml {
        node_ids: BTreeSet::new(),
        edges: Vec::new(),
        node_data: BTreeMap::new(),
        keys: HashMap::new(),
    };
    let mut stack: Vec<String> = Vec::new();
    let mut graph_seen = false;
    let mut current_node: Option<String> = None;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8(e.name().as_ref().to_vec()).expect("UTF-8 name");
        match (stack.last().map(String::as_str), name.as_str()) {
            (None, "graphml") => {
                assert_eq!(
                    attr(&e, "xmlns").as_deref(),
                    Some("http://graphml.graphdrawing.org/xmlns")
                );
                let location = attr(&e, "xsi:schemaLocation").expect("schema location");
                assert!(location.ends_with("/xmlns/1.0/graphml.xsd"), "{location}");
            }
            (Some("graphml"), "key") => {
                assert!(!graph_seen, "<key> after <graph>");
                let id = attr(&e, "id").expect("key id");
                let declared = (
                    attr(&e, "for").expect("key for"),
                    attr(&e, "attr.name").expect("attr.name"),
                    attr(&e, "attr.type").expect("attr.type"),
                );
                assert!(
                    g.keys.insert(id.clone(), declared).is_none(),
                    "key {id} twice"
                );
            }
            (Some("graphml"), "graph") => {
                graph_seen = true;
                assert_eq!(attr(&e, "edgedefault").as_deref(), Some("directed"));
            }
            (Some("graph"), "node") => {
                let id = attr(&e, "id").expect("node id");
                assert!(g.node_ids.insert(id.clone()), "node {id} twice");
                g.node_data.insert(id.clone(), HashMap::new());
                current_node = Some(id);
            }
            (Some("graph"), "edge") => {
                g.edges.push((
                    attr(&e, "id").expect("edge id"),
                    attr(&e, "source").expect("source"),
                    attr(&e, "target").expect("target"),
                    HashMap::new(),
                ));
            }
            (Some(parent @ ("node" | "edge")), "data") => {
                let key = attr(&e, "key").expect("data key");
                let (domain, _, _) = g
                    .keys
                    .get(&key)
                    .unwrap_or_else(|| panic!("<data key={key:?}> is not declared"));
                assert_eq!(
                    domain, parent,
                    "key {key} is for {domain}, used on {parent}"
                );
                let raw = reader.read_text(e.name()).expect("data text");
                let value = quick_xml::escape::unescape(&raw)
                    .expect("escaped text")
                    .into_owned();
                let values = match parent {
                    "node" => current_node.as_ref().and_then(|id| g.node_data.get_mut(id)),
                    _ => g.edges.last_mut().map(|e| &mut e.3),
                };
                values.expect("an element").insert(key, value);
                // read_text consumed the end tag.
                continue;
            }
            (parent, other) => panic!("unexpected <{other}> in {parent:?}"),
        }
        if !empty {
            stack.push(name);
        }
    }
    g
}

#[tokio::test]
async fn the_graphml_export_declares_every_attribute_and_joins_declared_nodes() {
    // Given the seeded article graph.
    let app = spawn_app().await;
    let json = exported_json(&app).await;

    // When it is exported as GraphML.
    let (xml, report) = exported(&app, Format::Graphml).await;
    let g = read_graphml(&xml);

    // Then the same nodes and edges are there, every edge between declared nodes.
    assert_eq!(g.node_ids, slugs(&json));
    assert_eq!(g.edges.len(), array(&json, "edges").len());
    assert_eq!(
        (report.nodes, report.edges),
        (g.node_ids.len(), g.edges.len())
    );
    for (id, source, target, _) in &g.edges {
        assert!(g.node_ids.contains(source), "edge {id}: source {source}");
        assert!(g.node_ids.contains(target), "edge {id}: target {target}");
    }

    // The tools' `label` and the typed `negated` are declared.
    let declared = |domain: &str, name: &str| {
        g.keys
            .values()
            .find(|(d, n, _)| d == domain && n == name)
            .map(|(_, _, ty)| ty.clone())
    };
    assert_eq!(declared("node", "label").as_deref(), Some("string"));
    assert_eq!(declared("edge", "label").as_deref(), Some("string"));
    assert_eq!(declared("edge", "negated").as_deref(), Some("boolean"));
    for name in ["kind", "synonyms", "summary", "treatmentType", "citations"] {
        assert!(declared("node", name).is_some(), "node key {name}");
    }
    for name in ["predicate", "place", "timing", "howTo", "note", "citations"] {
        assert!(declared("edge", name).is_some(), "edge key {name}");
    }

    // Node labels are names; the denial is flagged and labelled as one.
    let json_nodes = array(&json, "nodes");
    let spinal = json_nodes
        .iter()
        .find(|n| n["slug"] == "spinal-stenosis")
        .expect("spinal stenosis");
    assert_eq!(
        g.node_data["spinal-stenosis"]
            .get("n_label")
            .map(String::as_str),
        spinal["name"].as_str()
    );
    let denial = g
        .edges
        .iter()
        .find(|(_, s, t, d)| {
            s == "postpartum-low-back-pain"
                && t == "epidural"
                && d.get("e_predicate").map(String::as_str) == Some("caused_by")
        })
        .expect("the denied cause");
    assert_eq!(denial.3["e_negated"], "true");
    assert_eq!(denial.3["e_label"], "NOT caused_by");
    assert!(
        denial.3["e_citations"].contains("epidural is not the cause of low back pain"),
        "{}",
        denial.3["e_citations"]
    );
    let denials = g.edges.iter().filter(|(.., d)| d["e_negated"] == "true");
    let json_denials = array(&json, "edges")
        .iter()
        .filter(|e| e["negated"] == true);
    assert_eq!(denials.count(), json_denials.count());
}

/// The two CSV tables (each with its header row), split at the empty line between them. A
/// reader skips empty lines, counting them into the next record, so the edges table starts at
/// the record whose bytes open with a line break; an empty line inside a quoted field never does.
fn csv_tables(text: &str) -> (Vec<csv::StringRecord>, Vec<csv::StringRecord>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.expect("valid CSV");
        let start = record.position().expect("position").byte();
        let after_empty_line = text.as_bytes().get(start as usize) == Some(&b'\n');
        if after_empty_line {
            assert!(second.is_empty(), "one empty line only, at byte {start}");
        }
        if after_empty_line || !second.is_empty() {
            second.push(record);
        } else {
            first.push(record);
        }
    }
    (first, second)
}

#[tokio::test]
async fn the_csv_export_holds_a_nodes_table_then_an_edges_table() {
    // Given the seeded article graph.
    let app = spawn_app().await;
    let json = exported_json(&app).await;

    // When it is exported as CSV.
    let (text, report) = exported(&app, Format::Csv).await;
    let (nodes, edges) = csv_tables(&text);

    // Then both tables have their header and one row per node or edge.
    let header = |t: &[csv::StringRecord]| -> Vec<String> {
        t.first()
            .expect("a header row")
            .iter()
            .map(str::to_owned)
            .collect()
    };
    let node_header = header(&nodes);
    let edge_header = header(&edges);
    for column in [
        "id",
        "kind",
        "slug",
        "name",
        "synonyms",
        "summary",
        "treatmentType",
        "citations",
    ] {
        assert!(node_header.iter().any(|c| c == column), "nodes.{column}");
    }
    for column in [
        "id",
        "subject",
        "predicate",
        "object",
        "negated",
        "place",
        "timing",
        "note",
        "citations",
    ] {
        assert!(edge_header.iter().any(|c| c == column), "edges.{column}");
    }
    assert_eq!(nodes.len() - 1, array(&json, "nodes").len());
    assert_eq!(edges.len() - 1, array(&json, "edges").len());
    assert_eq!(
        (report.nodes, report.edges),
        (nodes.len() - 1, edges.len() - 1)
    );

    // Rows carry the values, quoting and all: names with commas, joined synonyms and quotes.
    let col = |header: &[String], name: &str| {
        header
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let csv_slugs: BTreeSet<String> = nodes[1..]
        .iter()
        .map(|r| r[col(&node_header, "slug")].to_owned())
        .collect();
    assert_eq!(csv_slugs, slugs(&json));
    for (row, n) in nodes[1..].iter().zip(array(&json, "nodes")) {
        assert_eq!(row[col(&node_header, "name")], n["name"]);
        let synonyms: Vec<&str> = array(n, "synonyms")
            .iter()
            .map(|s| s.as_str().expect("synonym"))
            .collect();
        assert_eq!(row[col(&node_header, "synonyms")], synonyms.join("; "));
    }
    let denial = edges[1..]
        .iter()
        .find(|r| {
            &r[col(&edge_header, "subject")] == "postpartum-low-back-pain"
                && &r[col(&edge_header, "predicate")] == "caused_by"
                && &r[col(&edge_header, "object")] == "epidural"
        })
        .expect("the denied cause");
    assert_eq!(&denial[col(&edge_header, "negated")], "true");
    let quotes: Vec<&str> = denial[col(&edge_header, "citations")]
        .split(" | ")
        .collect();
    assert!(quotes.contains(
        &"It is vital to note that epidural is not the cause of low back pain after giving birth."
    ));
}

#[tokio::test]
async fn markup_quotes_commas_and_control_characters_survive_every_format() {
    // Given a published summary with everything a writer must escape, and a control character
    // (free text is not checked for them) that XML 1.0 cannot carry.
    let app = spawn_app().await;
    let hostile = "Tom & Jerry <b>\"bold\"</b>, it's; line one\n\nline two | \u{1} end";
    let mut row = node::Entity::find()
        .filter(node::Column::Slug.eq("spinal-stenosis"))
        .one(&app.db)
        .await
        .expect("read node")
        .expect("spinal stenosis")
        .into_active_model();
    row.summary = Set(Some(hostile.to_owned()));
    row.update(&app.db).await.expect("update summary");

    // When the graph is exported in every format.
    let json = exported_json(&app).await;
    let (xml, _) = exported(&app, Format::Graphml).await;
    let (csv_text, _) = exported(&app, Format::Csv).await;

    // Then JSON and CSV give the text back verbatim …
    let node = array(&json, "nodes")
        .iter()
        .find(|n| n["slug"] == "spinal-stenosis")
        .expect("the node");
    assert_eq!(node["summary"], hostile);
    let (nodes, edges) = csv_tables(&csv_text);
    assert_eq!(edges.len() - 1, array(&json, "edges").len());
    let summary = nodes[0]
        .iter()
        .position(|c| c == "summary")
        .expect("column");
    let slug = nodes[0].iter().position(|c| c == "slug").expect("column");
    let row = nodes
        .iter()
        .find(|r| &r[slug] == "spinal-stenosis")
        .expect("the row");
    assert_eq!(&row[summary], hostile);

    // … and GraphML stays well-formed, the control character visibly replaced.
    let g = read_graphml(&xml);
    assert_eq!(
        g.node_data["spinal-stenosis"]["n_summary"],
        hostile.replace('\u{1}', "\u{FFFD}")
    );
}

#[tokio::test]
async fn drafts_never_leak_into_any_format() {
    // Given an editor's draft symptom, linked to a published condition …
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let source = app.source_id().await;
    let created = app
        .data_as(
            &editor,
            r#"mutation($input: CreateNodeInput!) { createNode(input: $input) { id status } }"#,
            json!({ "input": {
                "kind": "SYMPTOM", "slug": "draft-only-twinge", "name": "Draft-only twinge",
                "synonyms": ["unreviewed synonym"],
                "citations": [{ "sourceId": source, "quote": QUOTE }],
            } }),
        )
        .await;
    assert_eq!(created["createNode"]["status"], "DRAFT");
    let condition = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { id } }"#,
            json!({}),
        )
        .await;
    let link = app
        .data_as(
            &editor,
            r#"mutation($input: LinkInput!) { link(input: $input) { id status } }"#,
            json!({ "input": {
                "subjectId": condition["condition"]["id"], "predicate": "HAS_SYMPTOM",
                "objectId": created["createNode"]["id"], "note": "draft-only note",
                "citations": [{ "sourceId": source, "quote": QUOTE }],
            } }),
        )
        .await;
    assert_eq!(link["link"]["status"], "DRAFT");
    // … whose link was published behind the workflow's back, so the edge itself passes the
    // status filter and only its unpublished end keeps it out.
    let link_id: uuid::Uuid = link["link"]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let mut row = edge::Entity::find_by_id(link_id)
        .one(&app.db)
        .await
        .expect("read edge")
        .expect("the edge")
        .into_active_model();
    row.status = Set(Status::Published);
    row.update(&app.db).await.expect("publish edge");

    // When the graph is exported in every format.
    for format in [Format::Json, Format::Graphml, Format::Csv] {
        let (text, report) = exported(&app, format).await;

        // Then neither the draft node, nor its link, nor their text is there.
        for leak in [
            "draft-only-twinge",
            "Draft-only twinge",
            "unreviewed synonym",
            "draft-only note",
            link["link"]["id"].as_str().expect("id"),
            created["createNode"]["id"].as_str().expect("id"),
        ] {
            assert!(!text.contains(leak), "{format:?} leaks {leak:?}");
        }
        let json = exported_json(&app).await;
        assert_eq!(report.nodes, array(&json, "nodes").len());
        assert_eq!(report.edges, array(&json, "edges").len());
    }
    let json = exported_json(&app).await;
    let published: BTreeSet<String> = published_slugs_by_kind(&app)
        .await
        .into_values()
        .flatten()
        .collect();
    assert_eq!(slugs(&json), published);
}

#[tokio::test]
async fn the_export_command_writes_graphml_to_a_file_and_reports_counts() {
    // Given the seeded article graph and a file to write.
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("caregraph.graphml");

    // When the real binary exports it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .args(["export", "--format", "graphml", "--out"])
        .arg(&path)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "off")
        .output()
        .expect("run caregraph export");

    // Then it succeeds, says what it wrote, and the file is what the library writes.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "the graph goes to the file only");
    let written = std::fs::read_to_string(&path).expect("the file is written");
    let (expected, report) = exported(&app, Format::Graphml).await;
    assert_eq!(written, expected);
    assert!(
        stderr.contains(&format!(
            "exported {} nodes and {} edges",
            report.nodes, report.edges
        )),
        "{stderr}"
    );
    let g = read_graphml(&written);
    assert_eq!(g.node_ids.len(), report.nodes);
}
