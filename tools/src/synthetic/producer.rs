//! The producer: generates the whole graph's rows and sends them as batched inserts, in an
//! order the foreign keys accept; the synthetic sources that hold the quotes.

use chrono::Utc;
use entity::sea_orm_active_enums::Status;
use sea_orm::{ActiveEnum as _, DbBackend, Value};
use uuid::Uuid;

use super::batch::{
    Batch, Batcher, CITATION_COLUMNS, EDGE_COLUMNS, MAX_ROWS_PER_INSERT, NODE_COLUMNS,
    SOURCE_COLUMNS, opt_text, text, time, uuid,
};
use super::links::bundle;
use super::plan::Plan;
use super::text::node_text;

/// A source is closed once its text reaches this many bytes: about the size of a
/// consumer-health article (the bundled one is 5.8 kB), so citation reads stay realistic.
const SOURCE_TARGET_BYTES: usize = 5_000;
/// Who the synthetic content says reviewed it.
const REVIEWER: &str = "caregraph synthetic generator";

/// What the producer wrote, by table.
#[derive(Default)]
pub(super) struct Counts {
    pub(super) nodes: u64,
    pub(super) edges: u64,
    pub(super) citations: u64,
    pub(super) sources: u64,
}

/// Generates the whole graph, sending inserts in an order the foreign keys accept: every
/// node, then edges, sources and citations as they become ready. Returns `None` when the
/// loader stopped reading.
pub(super) fn produce(
    plan: &Plan,
    backend: DbBackend,
    tx: &tokio::sync::mpsc::Sender<Batch>,
) -> Option<Counts> {
    let send = |batches: Vec<Batch>| -> Option<()> {
        for b in batches {
            tx.blocking_send(b).ok()?;
        }
        Some(())
    };
    let now = Utc::now();
    let published = text(Status::Published.to_value());
    let mut counts = Counts::default();

    // Every node first: edges may point anywhere.
    let mut nodes = Batcher::new(backend, "node", NODE_COLUMNS, MAX_ROWS_PER_INSERT, true);
    let mut ids = Vec::with_capacity(plan.kinds.len());
    // Names are quoted by the edges that reach a node: kept rather than made again.
    let mut names: Vec<Box<str>> = Vec::with_capacity(plan.kinds.len());
    for pos in 0..plan.kinds.len() {
        let id = Uuid::now_v7();
        ids.push(id);
        let n = node_text(plan, pos);
        names.push(n.name.clone().into_boxed_str());
        nodes.push(
            [
                uuid(id),
                text(n.kind.to_value()),
                text(n.slug),
                text(n.name),
                Value::Json(Some(Box::new(serde_json::json!(n.synonyms)))),
                text(n.summary),
                opt_text(n.treatment_type.map(|t| t.to_value())),
                published.clone(),
                text(REVIEWER),
                time(now),
                Value::Int(Some(1)),
                time(now),
                time(now),
            ],
            (0, 0),
        );
        send(nodes.full((0, 0)))?;
    }
    send(nodes.all())?;
    counts.nodes = nodes.written;

    let mut edges = Batcher::new(backend, "edge", EDGE_COLUMNS, MAX_ROWS_PER_INSERT, true);
    // Sources are large (a few kB each): fewer per statement.
    let mut sources = Batcher::new(backend, "source", SOURCE_COLUMNS, 50, false);
    let mut citations = Batcher::new(
        backend,
        "citation",
        CITATION_COLUMNS,
        MAX_ROWS_PER_INSERT,
        false,
    );
    let mut source = OpenSource::new(plan.seed, 0);
    let mut edge_seq: u64 = 0;
    // The newest edge a citation so far needs: keeps the needs of the rows non-decreasing.
    let mut edge_need: u64 = 0;
    for pos in 0..plan.kinds.len() {
        let bundle = bundle(plan, pos, &names);
        for quote in &bundle.node_quotes {
            source.cite(Cited::Node(ids[pos]), quote);
        }
        for e in bundle.edges {
            let id = Uuid::now_v7();
            edge_seq += 1;
            source.cite(Cited::Edge(id, edge_seq), &e.quote);
            edges.push(
                [
                    uuid(id),
                    uuid(ids[e.subject]),
                    text(e.predicate.to_value()),
                    uuid(ids[e.object]),
                    Value::Bool(Some(e.negated)),
                    opt_text(e.place.map(|p| p.to_value())),
                    opt_text(e.timing),
                    opt_text(e.circumstance),
                    opt_text(e.how_to),
                    opt_text(e.note),
                    published.clone(),
                    text(REVIEWER),
                    time(now),
                    Value::Int(Some(1)),
                    time(now),
                    time(now),
                ],
                (0, 0),
            );
        }
        send(edges.full((0, 0)))?;
        let last = pos + 1 == plan.kinds.len();
        if source.content.len() >= SOURCE_TARGET_BYTES || (last && !source.cited.is_empty()) {
            let number = source.number;
            let finished = std::mem::replace(&mut source, OpenSource::new(plan.seed, number + 1));
            let source_seq = number + 1;
            for (cited, quote) in finished.cited {
                let (node_id, edge_id) = match cited {
                    Cited::Node(id) => (Some(id), None),
                    Cited::Edge(id, seq) => {
                        edge_need = edge_need.max(seq);
                        (None, Some(id))
                    }
                };
                citations.push(
                    [
                        uuid(Uuid::now_v7()),
                        uuid(finished.id),
                        Value::Uuid(node_id),
                        Value::Uuid(edge_id),
                        text(quote),
                        published.clone(),
                        time(now),
                    ],
                    (source_seq, edge_need),
                );
            }
            sources.push(
                [
                    uuid(finished.id),
                    text(finished.slug),
                    text(finished.title),
                    Value::String(None),
                    text(REVIEWER),
                    text(finished.content),
                    Value::Int(Some(1)),
                    time(now),
                    time(now),
                ],
                (0, 0),
            );
            send(sources.full((0, 0)))?;
        }
        send(citations.full((sources.written, edges.written)))?;
    }
    send(edges.all())?;
    send(sources.all())?;
    send(citations.all())?;
    counts.edges = edges.written;
    counts.sources = sources.written;
    counts.citations = citations.written;
    Some(counts)
}

#[derive(Clone, Copy)]
enum Cited {
    Node(Uuid),
    /// The edge and its sequence number (edges are written in that order).
    Edge(Uuid, u64),
}

/// The synthetic source being written: its text is the quotes that cite it.
struct OpenSource {
    id: Uuid,
    number: u64,
    slug: String,
    title: String,
    content: String,
    cited: Vec<(Cited, String)>,
}

impl OpenSource {
    fn new(seed: u64, number: u64) -> Self {
        let title = format!("Synthetic clinical reference {}, seed {seed}", number + 1);
        Self {
            id: Uuid::now_v7(),
            number,
            slug: format!("synthetic-s{seed}-reference-{}", number + 1),
            content: format!("{title}.\n\n"),
            title,
            cited: Vec::new(),
        }
    }

    fn cite(&mut self, what: Cited, quote: &str) {
        self.content.push_str(quote);
        self.content.push(' ');
        self.cited.push((what, quote.to_owned()));
    }
}
