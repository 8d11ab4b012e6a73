//! Loading seed content (the article graph in `data/`) into the database: validated as a whole
//! first, written in one transaction, idempotent, and never overwriting content edited since.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::Utc;
use entity::sea_orm_active_enums::{NodeKind, Predicate, Status, TreatmentPlace, TreatmentType};
use entity::{citation, edge, node, source};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
};
use serde::Deserialize;
use thiserror::Error;
use uuid::Uuid;

use crate::domain::{DomainError, predicate, validate};

/// The article graph, compiled into the binary so a server needs no data files at run time.
pub const BUNDLED: &str = include_str!("../data/back-pain-after-epidural.toml");
const BUNDLED_TEXTS: &[(&str, &str)] = &[(
    "sources/back-pain-after-epidural.txt",
    include_str!("../data/sources/back-pain-after-epidural.txt"),
)];

#[derive(Debug, Error)]
pub enum SeedError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{name} is not a valid seed file: {source}")]
    Parse {
        name: String,
        source: Box<toml::de::Error>,
    },
    #[error("{name} has {} problem(s):\n  - {}", .problems.len(), .problems.join("\n  - "))]
    Invalid { name: String, problems: Vec<String> },
    #[error("writing the seed failed, nothing was written: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// One seed file: one source and the nodes and edges it supports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    pub source: SeedSource,
    #[serde(default)]
    pub node: Vec<SeedNode>,
    #[serde(default)]
    pub edge: Vec<SeedEdge>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSource {
    pub slug: String,
    pub title: String,
    pub url: Option<String>,
    pub publisher: Option<String>,
    /// The source's full text, relative to the seed file; quotes are checked against it.
    pub text_file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedNode {
    pub slug: String,
    pub kind: NodeKind,
    pub name: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    pub summary: Option<String>,
    pub treatment_type: Option<TreatmentType>,
    pub icd10cm: Option<String>,
    pub snomed_ct: Option<String>,
    pub quotes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEdge {
    pub subject: String,
    pub predicate: Predicate,
    pub object: String,
    #[serde(default)]
    pub negated: bool,
    pub place: Option<TreatmentPlace>,
    pub timing: Option<String>,
    pub circumstance: Option<String>,
    pub how_to: Option<String>,
    pub note: Option<String>,
    pub quotes: Vec<String>,
}

/// A parsed, validated seed file with its source text.
#[derive(Debug)]
pub struct Seed {
    pub name: String,
    pub file: SeedFile,
    pub text: Option<String>,
}

impl Seed {
    /// The article graph bundled in the binary.
    pub fn bundled() -> Result<Self, SeedError> {
        let name = "data/back-pain-after-epidural.toml".to_owned();
        Self::parse(name, BUNDLED, |rel| {
            BUNDLED_TEXTS
                .iter()
                .find(|(p, _)| *p == rel)
                .map(|(_, t)| (*t).to_owned())
                .ok_or_else(|| SeedError::Io {
                    path: rel.into(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "not bundled"),
                })
        })
    }

    /// A seed file on disk; its `text_file` is read relative to it.
    pub fn from_path(path: &Path) -> Result<Self, SeedError> {
        let raw = std::fs::read_to_string(path).map_err(|source| SeedError::Io {
            path: path.into(),
            source,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Self::parse(path.display().to_string(), &raw, |rel| {
            let p = dir.join(rel);
            std::fs::read_to_string(&p).map_err(|source| SeedError::Io { path: p, source })
        })
    }

    fn parse(
        name: String,
        raw: &str,
        read_text: impl Fn(&str) -> Result<String, SeedError>,
    ) -> Result<Self, SeedError> {
        let file: SeedFile = toml::from_str(raw).map_err(|source| SeedError::Parse {
            name: name.clone(),
            source: Box::new(source),
        })?;
        let text = file
            .source
            .text_file
            .as_deref()
            .map(read_text)
            .transpose()?;
        let problems = problems(&file, text.as_deref());
        if !problems.is_empty() {
            return Err(SeedError::Invalid { name, problems });
        }
        Ok(Self { name, file, text })
    }
}

/// Every rule the file breaks, so one run shows them all.
fn problems(file: &SeedFile, text: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |at: String, r: Result<(), DomainError>| {
        if let Err(e) = r {
            out.push(format!("{at}: {e}"));
        }
    };
    let s = &file.source;
    push("source".into(), validate::slug("slug", &s.slug));
    push("source".into(), validate::text_line("title", &s.title, 300));

    let mut kinds: HashMap<&str, NodeKind> = HashMap::new();
    for n in &file.node {
        let at = format!("node {}", n.slug);
        push(at.clone(), validate::slug("slug", &n.slug));
        if kinds.insert(&n.slug, n.kind).is_some() {
            push(
                at.clone(),
                Err(DomainError::invalid("slug", "appears twice")),
            );
        }
        push(
            at.clone(),
            validate::text_line("name", &n.name, validate::NAME_MAX),
        );
        push(at.clone(), validate::synonyms("synonyms", &n.synonyms));
        push(
            at.clone(),
            validate::optional_text("summary", n.summary.as_deref(), validate::SUMMARY_MAX),
        );
        if n.treatment_type.is_some() && n.kind != NodeKind::Treatment {
            push(
                at.clone(),
                Err(DomainError::invalid(
                    "treatment_type",
                    "only treatments have one",
                )),
            );
        }
        if (n.icd10cm.is_some() || n.snomed_ct.is_some()) && n.kind != NodeKind::Condition {
            push(
                at.clone(),
                Err(DomainError::invalid(
                    "icd10cm",
                    "only conditions carry codes",
                )),
            );
        }
        push(at.clone(), quotes(&n.quotes, text));
    }

    let mut triples = HashSet::new();
    for e in &file.edge {
        let at = format!("edge {} {} {}", e.subject, e.predicate_name(), e.object);
        let (subject, object) = (kinds.get(e.subject.as_str()), kinds.get(e.object.as_str()));
        match (subject, object) {
            (Some(s), Some(o)) => push(at.clone(), predicate::check(*s, e.predicate, *o)),
            _ => push(
                at.clone(),
                Err(DomainError::invalid(
                    "subject/object",
                    "names a node not in this file",
                )),
            ),
        }
        if e.subject == e.object {
            push(
                at.clone(),
                Err(DomainError::invalid(
                    "object",
                    "a node cannot be linked to itself",
                )),
            );
        }
        if !triples.insert((e.subject.as_str(), e.predicate, e.object.as_str())) {
            push(
                at.clone(),
                Err(DomainError::invalid(
                    "predicate",
                    "the same link appears twice",
                )),
            );
        }
        if e.place.is_some() && e.predicate != Predicate::TreatedBy {
            push(
                at.clone(),
                Err(DomainError::invalid(
                    "place",
                    "only treated_by links have a place",
                )),
            );
        }
        for (field, value) in [
            ("timing", &e.timing),
            ("circumstance", &e.circumstance),
            ("how_to", &e.how_to),
            ("note", &e.note),
        ] {
            push(
                at.clone(),
                validate::optional_text(field, value.as_deref(), validate::ATTRIBUTE_MAX),
            );
        }
        push(at.clone(), quotes(&e.quotes, text));
    }
    out
}

fn quotes(quotes: &[String], text: Option<&str>) -> Result<(), DomainError> {
    if quotes.is_empty() {
        return Err(DomainError::invalid(
            "quotes",
            "every node and link cites at least one passage",
        ));
    }
    quotes
        .iter()
        .enumerate()
        .try_for_each(|(i, q)| validate::quote(&format!("quotes[{i}]"), q, text))
}

impl SeedEdge {
    fn predicate_name(&self) -> String {
        sea_orm::ActiveEnum::to_value(&self.predicate)
    }
}

/// What a seed run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub nodes_added: usize,
    pub edges_added: usize,
    pub citations_added: usize,
    pub unchanged: usize,
    /// Things already in the database that differ from the seed file: edited since seeding,
    /// so left alone. Each entry names the thing.
    pub skipped: Vec<String>,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "added {} nodes, {} edges, {} citations; {} already up to date; {} skipped",
            self.nodes_added,
            self.edges_added,
            self.citations_added,
            self.unchanged,
            self.skipped.len()
        )?;
        for s in &self.skipped {
            write!(f, "\n  skipped (edited since seeding, left as is): {s}")?;
        }
        Ok(())
    }
}

/// Loads a seed in one transaction: all of it lands, or none.
pub async fn apply(db: &DatabaseConnection, seed: &Seed) -> Result<SeedReport, SeedError> {
    let txn = db.begin().await?;
    let report = write(&txn, seed).await?;
    txn.commit().await?;
    Ok(report)
}

/// Seeds the bundled article graph when the database holds no nodes. Returns `None` when it
/// already had content.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<SeedReport>, SeedError> {
    if node::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let seed = Seed::bundled()?;
    match apply(db, &seed).await {
        Ok(report) => Ok(Some(report)),
        // Another replica starting at the same moment won the race: its seed is ours too.
        Err(SeedError::Db(_)) if node::Entity::find().count(db).await? > 0 => Ok(None),
        Err(e) => Err(e),
    }
}

async fn write(db: &impl ConnectionTrait, seed: &Seed) -> Result<SeedReport, SeedError> {
    let now = Utc::now();
    let file = &seed.file;
    let mut report = SeedReport::default();

    let source_id = match source::Entity::find()
        .filter(source::Column::Slug.eq(&file.source.slug))
        .one(db)
        .await?
    {
        Some(existing) => {
            if existing.title != file.source.title || existing.url != file.source.url {
                report.skipped.push(format!("source {}", existing.slug));
            }
            existing.id
        }
        None => {
            let id = Uuid::now_v7();
            source::Entity::insert(source::ActiveModel {
                id: Set(id),
                slug: Set(file.source.slug.clone()),
                title: Set(file.source.title.clone()),
                url: Set(file.source.url.clone()),
                publisher: Set(file.source.publisher.clone()),
                content: Set(seed.text.clone()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec(db)
            .await?;
            id
        }
    };

    let slugs: Vec<&str> = file.node.iter().map(|n| n.slug.as_str()).collect();
    let existing: HashMap<String, node::Model> = node::Entity::find()
        .filter(node::Column::Slug.is_in(slugs))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.slug.clone(), n))
        .collect();
    let existing_ids: Vec<Uuid> = existing.values().map(|n| n.id).collect();
    let node_quotes = quotes_by(db, source_id, citation::Column::NodeId, &existing_ids).await?;

    let mut ids: HashMap<&str, Uuid> = HashMap::new();
    let mut new_nodes = Vec::new();
    let mut new_citations = Vec::new();
    for n in &file.node {
        if let Some(row) = existing.get(&n.slug) {
            ids.insert(&n.slug, row.id);
            let same = row.kind == n.kind
                && row.name == n.name
                && row.synonyms == serde_json::json!(n.synonyms)
                && row.summary == n.summary
                && row.treatment_type == n.treatment_type
                && row.icd10cm == n.icd10cm
                && row.snomed_ct == n.snomed_ct
                && row.status == Status::Published
                && node_quotes.get(&row.id) == Some(&n.quotes.iter().cloned().collect());
            if same {
                report.unchanged += 1;
            } else {
                report.skipped.push(format!("node {}", n.slug));
            }
            continue;
        }
        let id = Uuid::now_v7();
        ids.insert(&n.slug, id);
        new_nodes.push(node::ActiveModel {
            id: Set(id),
            kind: Set(n.kind),
            slug: Set(n.slug.clone()),
            name: Set(n.name.clone()),
            synonyms: Set(serde_json::json!(n.synonyms)),
            summary: Set(n.summary.clone()),
            treatment_type: Set(n.treatment_type),
            icd10cm: Set(n.icd10cm.clone()),
            snomed_ct: Set(n.snomed_ct.clone()),
            status: Set(Status::Published),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            // No pending edit; not marked as reviewed by a person.
            ..Default::default()
        });
        new_citations.extend(
            n.quotes
                .iter()
                .map(|q| citation_row(source_id, Some(id), None, q, now)),
        );
    }
    report.nodes_added = new_nodes.len();
    insert_chunked(db, new_nodes).await?;

    let node_ids: Vec<Uuid> = ids.values().copied().collect();
    let existing_edges: HashMap<(Uuid, Predicate, Uuid), edge::Model> = edge::Entity::find()
        .filter(edge::Column::SubjectId.is_in(node_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| ((e.subject_id, e.predicate, e.object_id), e))
        .collect();
    let edge_ids: Vec<Uuid> = existing_edges.values().map(|e| e.id).collect();
    let edge_quotes = quotes_by(db, source_id, citation::Column::EdgeId, &edge_ids).await?;

    let mut new_edges = Vec::new();
    for e in &file.edge {
        let (s, o) = (ids[e.subject.as_str()], ids[e.object.as_str()]);
        if let Some(row) = existing_edges.get(&(s, e.predicate, o)) {
            let same = row.negated == e.negated
                && row.place == e.place
                && row.timing == e.timing
                && row.circumstance == e.circumstance
                && row.how_to == e.how_to
                && row.note == e.note
                && row.status == Status::Published
                && edge_quotes.get(&row.id) == Some(&e.quotes.iter().cloned().collect());
            if same {
                report.unchanged += 1;
            } else {
                report.skipped.push(format!(
                    "edge {} {} {}",
                    e.subject,
                    e.predicate_name(),
                    e.object
                ));
            }
            continue;
        }
        let id = Uuid::now_v7();
        new_edges.push(edge::ActiveModel {
            id: Set(id),
            subject_id: Set(s),
            predicate: Set(e.predicate),
            object_id: Set(o),
            negated: Set(e.negated),
            place: Set(e.place),
            timing: Set(e.timing.clone()),
            circumstance: Set(e.circumstance.clone()),
            how_to: Set(e.how_to.clone()),
            note: Set(e.note.clone()),
            status: Set(Status::Published),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        new_citations.extend(
            e.quotes
                .iter()
                .map(|q| citation_row(source_id, None, Some(id), q, now)),
        );
    }
    report.edges_added = new_edges.len();
    insert_chunked(db, new_edges).await?;
    report.citations_added = new_citations.len();
    insert_chunked(db, new_citations).await?;
    Ok(report)
}

fn citation_row(
    source_id: Uuid,
    node_id: Option<Uuid>,
    edge_id: Option<Uuid>,
    quote: &str,
    now: chrono::DateTime<Utc>,
) -> citation::ActiveModel {
    citation::ActiveModel {
        id: Set(Uuid::now_v7()),
        source_id: Set(source_id),
        node_id: Set(node_id),
        edge_id: Set(edge_id),
        quote: Set(quote.to_owned()),
        status: Set(Status::Published),
        created_at: Set(now),
    }
}

/// The quotes from one source citing each of `ids` (nodes or edges, by `column`).
async fn quotes_by(
    db: &impl ConnectionTrait,
    source_id: Uuid,
    column: citation::Column,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, BTreeSet<String>>, SeedError> {
    let mut out: HashMap<Uuid, BTreeSet<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = citation::Entity::find()
        .filter(citation::Column::SourceId.eq(source_id))
        .filter(column.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    for c in rows {
        if let Some(id) = c.node_id.or(c.edge_id) {
            out.entry(id).or_default().insert(c.quote);
        }
    }
    Ok(out)
}

/// Multi-row inserts, chunked below every database's bound-parameter limit.
async fn insert_chunked<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), SeedError>
where
    A: sea_orm::ActiveModelTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(500).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_article_graph_is_valid() {
        let seed = Seed::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert!(seed.file.node.len() >= 30);
        assert!(seed.file.edge.len() >= 40);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let raw = r#"
            [source]
            slug = "s"
            title = "T"
            [[node]]
            slug = "Bad Slug"
            kind = "CONDITION"
            name = " "
            quotes = ["not in the text"]
            [[edge]]
            subject = "Bad Slug"
            predicate = "has_symptom"
            object = "missing"
            quotes = []
        "#;
        let err = Seed::parse("t".into(), raw, |_| Ok(String::new())).unwrap_err();
        let SeedError::Invalid { problems, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(problems.len(), 4, "{problems:#?}");
    }
}
