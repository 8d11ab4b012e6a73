//! Exporting the published graph for analysts: JSON, GraphML (Gephi, Cytoscape) or CSV.
//!
//! Only what anonymous readers see is written: PUBLISHED nodes, PUBLISHED edges whose two ends
//! are published, and the PUBLISHED citations of both. Denied links (`negated`) are exported as
//! denials, never dropped and never as plain assertions. Nodes are ordered by slug and edges by
//! subject slug, predicate and object slug (then id), compared byte by byte in Rust rather than
//! by the database's collation, so two exports of the same data are byte-identical on SQLite
//! and on PostgreSQL alike.
//!
//! The formats:
//! - **JSON**: one pretty-printed document,
//!   `{"format": "caregraph-export", "version": 2, "nodes": […], "edges": […], "sources": […]}`,
//!   with camelCase keys and enum values as the database stores them (`"CONDITION"`,
//!   `"caused_by"`, `"LAST_RESORT"`); absent values are `null`. Edges name their ends by slug;
//!   each citation carries its quote and its source's slug, title and URL; `sources` lists the
//!   cited sources by slug.
//! - **GraphML**: every attribute is declared by a `<key>` before the `<graph>`, so the file is
//!   valid against the GraphML schema and Gephi and Cytoscape import it with typed columns.
//!   Node ids are slugs and edge ids are the edges' UUIDs. Nodes carry the name as `label`
//!   (the attribute both tools display); edges carry the predicate as `label`, prefixed with
//!   `NOT ` when the link is denied, so a denial never reads as an assertion on screen. A
//!   `<data>` element is written only for a non-empty value, except `negated`, always written.
//! - **CSV**: one stream holding two tables: the `nodes` table (header row, then one row per
//!   node), an empty line, then the `edges` table (header row, then one row per edge). Columns
//!   are those of the JSON export; synonyms are joined with `"; "`, codings written
//!   `SYSTEM CODE (MATCH)` and joined with `"; "`, and citation quotes joined with `" | "`. A quoted field may itself span lines, so split the stream at the first empty line
//!   outside quotes; readers that skip empty lines (the csv crate, Python's `csv`) can also
//!   read it whole and find the edges table at its header row (`id,subject,predicate,…`).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use entity::sea_orm_active_enums::{NodeKind, Predicate, TreatmentPlace, TreatmentType};
use entity::{citation, edge, node, source};
use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesText, Event};
use sea_orm::{ActiveEnum as _, DatabaseConnection};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::rules::coding::Coding;
use crate::domain::service::published;

/// Output formats of `caregraph export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON document: nodes, edges, attributes and citations.
    Json,
    /// GraphML with every node and edge attribute declared by a `<key>`.
    Graphml,
    /// CSV: a nodes table and an edges table, one after the other.
    Csv,
}

/// What an export wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Published nodes written.
    pub nodes: usize,
    /// Published edges written (denied ones included).
    pub edges: usize,
}

/// Writes the published graph to `out` in `format`.
pub async fn export(
    db: &DatabaseConnection,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<ExportReport> {
    let graph = Graph::load(db).await?;
    match format {
        Format::Json => write_json(&graph, out),
        Format::Graphml => write_graphml(&graph, out),
        Format::Csv => write_csv(&graph, out),
    }
    .with_context(|| format!("cannot write the {format:?} export"))?;
    Ok(ExportReport {
        nodes: graph.nodes.len(),
        edges: graph.edges.len(),
    })
}

/// The published graph, in export order.
struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    /// The cited sources, by slug.
    sources: Vec<source::Model>,
}

struct Node {
    row: node::Model,
    synonyms: Vec<String>,
    codings: Vec<Coding>,
    citations: Vec<Quote>,
}

struct Edge {
    row: edge::Model,
    subject: String,
    object: String,
    citations: Vec<Quote>,
}

struct Quote {
    text: String,
    /// Index into `Graph::sources`.
    source: usize,
}

impl Graph {
    async fn load(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let published::Published {
            nodes,
            edges,
            citations,
        } = published::graph(db)
            .await
            .context("cannot read the published graph")?;
        Self::assemble(nodes, edges, citations)
    }

    fn assemble(
        nodes: Vec<node::Model>,
        edges: Vec<edge::Model>,
        citations: Vec<(citation::Model, Option<source::Model>)>,
    ) -> anyhow::Result<Self> {
        let mut nodes = nodes
            .into_iter()
            .map(|row| {
                let synonyms = serde_json::from_value(row.synonyms.clone())
                    .with_context(|| format!("node {}: synonyms are not a list", row.slug))?;
                let codings = serde_json::from_value(row.codings.clone())
                    .with_context(|| format!("node {}: codings are not a list", row.slug))?;
                Ok(Node {
                    row,
                    synonyms,
                    codings,
                    citations: Vec::new(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        nodes.sort_by(|a, b| a.row.slug.cmp(&b.row.slug));
        let node_at: HashMap<Uuid, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.row.id, i))
            .collect();

        // A published edge may still join an unpublished node (a draft, an archived one):
        // readers never see it, so neither does an export.
        let mut edges: Vec<Edge> = edges
            .into_iter()
            .filter_map(|row| {
                let subject = nodes[*node_at.get(&row.subject_id)?].row.slug.clone();
                let object = nodes[*node_at.get(&row.object_id)?].row.slug.clone();
                Some(Edge {
                    row,
                    subject,
                    object,
                    citations: Vec::new(),
                })
            })
            .collect();
        edges.sort_by_cached_key(|e| {
            (
                e.subject.clone(),
                e.row.predicate.to_value(),
                e.object.clone(),
                e.row.id,
            )
        });
        let edge_at: HashMap<Uuid, usize> = edges
            .iter()
            .enumerate()
            .map(|(i, e)| (e.row.id, i))
            .collect();

        // Citations of content left out above are left out too.
        let mut citations: Vec<_> = citations
            .into_iter()
            .filter_map(|(c, s)| {
                let target = match (c.node_id, c.edge_id) {
                    (Some(id), _) => Target::Node(*node_at.get(&id)?),
                    (None, Some(id)) => Target::Edge(*edge_at.get(&id)?),
                    (None, None) => return None,
                };
                Some((c, s?, target))
            })
            .collect();
        citations.sort_by_key(|(c, ..)| (c.created_at, c.id));

        let by_slug: BTreeMap<String, source::Model> = citations
            .iter()
            .map(|(_, s, _)| (s.slug.clone(), s.clone()))
            .collect();
        let sources: Vec<source::Model> = by_slug.into_values().collect();
        let source_at: HashMap<Uuid, usize> =
            sources.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        for (c, s, target) in citations {
            let quote = Quote {
                text: c.quote,
                source: source_at[&s.id],
            };
            match target {
                Target::Node(i) => nodes[i].citations.push(quote),
                Target::Edge(i) => edges[i].citations.push(quote),
            }
        }
        Ok(Self {
            nodes,
            edges,
            sources,
        })
    }
}

/// Citation quotes in one field.
fn quotes(citations: &[Quote]) -> String {
    citations
        .iter()
        .map(|q| q.text.as_str())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Codings as one cell: `ICD-10-CM M48.00 (EXACT); SNOMED CT 76107001 (EXACT)`; a system
/// caregraph does not know is written by its URI.
fn codings(codings: &[Coding]) -> String {
    codings
        .iter()
        .map(|c| format!("{} {} ({})", c.system_name(), c.code, c.match_.as_str()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Clone, Copy)]
enum Target {
    Node(usize),
    Edge(usize),
}

// ---------------------------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonExport<'a> {
    format: &'static str,
    version: u32,
    nodes: Vec<JsonNode<'a>>,
    edges: Vec<JsonEdge<'a>>,
    sources: Vec<JsonSource<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonNode<'a> {
    id: Uuid,
    kind: NodeKind,
    slug: &'a str,
    name: &'a str,
    synonyms: &'a [String],
    summary: Option<&'a str>,
    treatment_type: Option<TreatmentType>,
    codings: &'a [Coding],
    reviewed_by: Option<&'a str>,
    reviewed_at: Option<DateTime<Utc>>,
    citations: Vec<JsonCitation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonEdge<'a> {
    id: Uuid,
    subject: &'a str,
    predicate: Predicate,
    object: &'a str,
    negated: bool,
    place: Option<TreatmentPlace>,
    timing: Option<&'a str>,
    circumstance: Option<&'a str>,
    how_to: Option<&'a str>,
    note: Option<&'a str>,
    citations: Vec<JsonCitation<'a>>,
}

#[derive(Serialize)]
struct JsonCitation<'a> {
    quote: &'a str,
    source: JsonCitedSource<'a>,
}

#[derive(Serialize)]
struct JsonCitedSource<'a> {
    slug: &'a str,
    title: &'a str,
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonSource<'a> {
    slug: &'a str,
    title: &'a str,
    url: Option<&'a str>,
    publisher: Option<&'a str>,
}

fn write_json(g: &Graph, out: &mut dyn Write) -> anyhow::Result<()> {
    let doc = JsonExport {
        format: "caregraph-export",
        version: 2,
        nodes: g
            .nodes
            .iter()
            .map(|n| JsonNode {
                id: n.row.id,
                kind: n.row.kind,
                slug: &n.row.slug,
                name: &n.row.name,
                synonyms: &n.synonyms,
                summary: n.row.summary.as_deref(),
                treatment_type: n.row.treatment_type,
                codings: &n.codings,
                reviewed_by: n.row.reviewed_by.as_deref(),
                reviewed_at: n.row.reviewed_at,
                citations: json_citations(g, &n.citations),
            })
            .collect(),
        edges: g
            .edges
            .iter()
            .map(|e| JsonEdge {
                id: e.row.id,
                subject: &e.subject,
                predicate: e.row.predicate,
                object: &e.object,
                negated: e.row.negated,
                place: e.row.place,
                timing: e.row.timing.as_deref(),
                circumstance: e.row.circumstance.as_deref(),
                how_to: e.row.how_to.as_deref(),
                note: e.row.note.as_deref(),
                citations: json_citations(g, &e.citations),
            })
            .collect(),
        sources: g
            .sources
            .iter()
            .map(|s| JsonSource {
                slug: &s.slug,
                title: &s.title,
                url: s.url.as_deref(),
                publisher: s.publisher.as_deref(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn json_citations<'a>(g: &'a Graph, quotes: &'a [Quote]) -> Vec<JsonCitation<'a>> {
    quotes
        .iter()
        .map(|q| {
            let s = &g.sources[q.source];
            JsonCitation {
                quote: &q.text,
                source: JsonCitedSource {
                    slug: &s.slug,
                    title: &s.title,
                    url: s.url.as_deref(),
                },
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Flat rows, shared by CSV (as columns) and GraphML (as keys) so the two never drift apart.

const NODE_COLUMNS: [&str; 11] = [
    "id",
    "kind",
    "slug",
    "name",
    "synonyms",
    "summary",
    "treatmentType",
    "codings",
    "reviewedBy",
    "reviewedAt",
    "citations",
];

const EDGE_COLUMNS: [&str; 11] = [
    "id",
    "subject",
    "predicate",
    "object",
    "negated",
    "place",
    "timing",
    "circumstance",
    "howTo",
    "note",
    "citations",
];

fn node_row(n: &Node) -> [String; 11] {
    let r = &n.row;
    [
        r.id.to_string(),
        r.kind.to_value(),
        r.slug.clone(),
        r.name.clone(),
        n.synonyms.join("; "),
        r.summary.clone().unwrap_or_default(),
        r.treatment_type.map(|t| t.to_value()).unwrap_or_default(),
        codings(&n.codings),
        r.reviewed_by.clone().unwrap_or_default(),
        r.reviewed_at.map(timestamp).unwrap_or_default(),
        quotes(&n.citations),
    ]
}

fn edge_row(e: &Edge) -> [String; 11] {
    let r = &e.row;
    [
        r.id.to_string(),
        e.subject.clone(),
        r.predicate.to_value(),
        e.object.clone(),
        r.negated.to_string(),
        r.place.map(|p| p.to_value()).unwrap_or_default(),
        r.timing.clone().unwrap_or_default(),
        r.circumstance.clone().unwrap_or_default(),
        r.how_to.clone().unwrap_or_default(),
        r.note.clone().unwrap_or_default(),
        quotes(&e.citations),
    ]
}

/// The same text as the JSON export's timestamps (RFC 3339, UTC, `Z`).
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

// ---------------------------------------------------------------------------------------------
// CSV

fn write_csv(g: &Graph, out: &mut dyn Write) -> anyhow::Result<()> {
    // Two writers on one stream: a csv::Writer insists every record has as many fields as the
    // first, and the edges table has fewer columns than the nodes table.
    let mut nodes = csv::Writer::from_writer(&mut *out);
    nodes.write_record(NODE_COLUMNS)?;
    for n in &g.nodes {
        nodes.write_record(node_row(n))?;
    }
    nodes.flush()?;
    drop(nodes);
    out.write_all(b"\n")?;
    let mut edges = csv::Writer::from_writer(&mut *out);
    edges.write_record(EDGE_COLUMNS)?;
    for e in &g.edges {
        edges.write_record(edge_row(e))?;
    }
    edges.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// GraphML

const GRAPHML_NS: &str = "http://graphml.graphdrawing.org/xmlns";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const GRAPHML_SCHEMA_LOCATION: &str =
    "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd";

/// A GraphML attribute: its key id, and its name as the tools show it.
struct Key {
    id: String,
    name: &'static str,
}

/// The node attributes: every column but `id`, which is the node's id (its slug). The name is
/// declared as `label`, the attribute Gephi and Cytoscape display.
fn node_keys() -> Vec<(usize, Key)> {
    NODE_COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, c)| **c != "id")
        .map(|(i, c)| {
            let name = if *c == "name" { "label" } else { c };
            (
                i,
                Key {
                    id: format!("n_{name}"),
                    name,
                },
            )
        })
        .collect()
}

/// The edge attributes: every column but those GraphML states as structure (`id`, `subject`,
/// `object`).
fn edge_keys() -> Vec<(usize, Key)> {
    EDGE_COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(**c, "id" | "subject" | "object"))
        .map(|(i, c)| {
            (
                i,
                Key {
                    id: format!("e_{c}"),
                    name: c,
                },
            )
        })
        .collect()
}

const EDGE_LABEL_KEY: &str = "e_label";

fn write_graphml(g: &Graph, out: &mut dyn Write) -> anyhow::Result<()> {
    let node_keys = node_keys();
    let edge_keys = edge_keys();
    let mut w = Writer::new_with_indent(&mut *out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("graphml")
        .with_attributes([
            ("xmlns", GRAPHML_NS),
            ("xmlns:xsi", XSI_NS),
            ("xsi:schemaLocation", GRAPHML_SCHEMA_LOCATION),
        ])
        .write_inner_content(|w| {
            // The schema wants every <key> before the <graph>.
            let declared = node_keys
                .iter()
                .map(|(_, k)| ("node", k.id.as_str(), k.name))
                .chain([("edge", EDGE_LABEL_KEY, "label")])
                .chain(
                    edge_keys
                        .iter()
                        .map(|(_, k)| ("edge", k.id.as_str(), k.name)),
                );
            for (domain, id, name) in declared {
                let ty = if name == "negated" {
                    "boolean"
                } else {
                    "string"
                };
                w.create_element("key")
                    .with_attributes([
                        ("id", id),
                        ("for", domain),
                        ("attr.name", name),
                        ("attr.type", ty),
                    ])
                    .write_empty()?;
            }
            w.create_element("graph")
                .with_attributes([("id", "caregraph"), ("edgedefault", "directed")])
                .write_inner_content(|w| {
                    for n in &g.nodes {
                        let row = node_row(n);
                        w.create_element("node")
                            .with_attribute(("id", n.row.slug.as_str()))
                            .write_inner_content(|w| {
                                for (i, key) in &node_keys {
                                    data(w, &key.id, &row[*i])?;
                                }
                                Ok(())
                            })?;
                    }
                    for e in &g.edges {
                        let row = edge_row(e);
                        let predicate = e.row.predicate.to_value();
                        let label = if e.row.negated {
                            format!("NOT {predicate}")
                        } else {
                            predicate
                        };
                        w.create_element("edge")
                            .with_attributes([
                                ("id", e.row.id.to_string().as_str()),
                                ("source", e.subject.as_str()),
                                ("target", e.object.as_str()),
                            ])
                            .write_inner_content(|w| {
                                data(w, EDGE_LABEL_KEY, &label)?;
                                for (i, key) in &edge_keys {
                                    data(w, &key.id, &row[*i])?;
                                }
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    out.write_all(b"\n")?;
    Ok(())
}

/// A `<data>` element, left out for an empty value: GraphML's "no value".
fn data<W: Write>(w: &mut Writer<W>, key: &str, value: &str) -> std::io::Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    w.create_element("data")
        .with_attribute(("key", key))
        // Quotes and apostrophes need no escaping in text; left as they are, the article's
        // sentences stay readable in the file.
        .write_text_content(BytesText::from_escaped(partial_escape(xml_chars(value))))?;
    Ok(())
}

/// Free text is stored unchecked for control characters, and XML 1.0 forbids most of them: one
/// would make Gephi and Cytoscape reject the whole file. They become U+FFFD, visibly.
fn xml_chars(value: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        !matches!(
            c,
            '\0'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}'
        )
    };
    if value.chars().all(allowed) {
        value.into()
    } else {
        value
            .chars()
            .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
            .collect::<String>()
            .into()
    }
}

/// Whether `err` is only the reader having closed the pipe (`caregraph export | head`), which
/// a command-line tool treats as a normal end. The writers wrap I/O errors in their own types.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(BrokenPipe)
            || cause.downcast_ref::<csv::Error>().is_some_and(
                |e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe),
            )
            || cause
                .downcast_ref::<quick_xml::Error>()
                .is_some_and(|e| matches!(e, quick_xml::Error::Io(io) if io.kind() == BrokenPipe))
    })
}
