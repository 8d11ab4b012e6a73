//! Loading a set of content (one source, its nodes and links, each with its quotes) through
//! the same services as the API: every row gets its audit event. Checked as a whole first, so
//! one run reports every problem; idempotent; never overwrites content edited since it was
//! loaded.

use std::collections::{BTreeSet, HashMap, HashSet};

use entity::sea_orm_active_enums::{NodeKind, Predicate, Status};
use entity::{citation, edge, node, source};
use sea_orm::{ActiveEnum as _, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::citations::NewCitation;
use super::edge_write::{self, NewLink};
use super::node_write::{self, NewNode};
use super::source_write;
use crate::domain::DomainError;
use crate::domain::rules::auth::Actor;
use crate::domain::rules::content::{
    Editable as _, LinkAttributes, LinkPatch, NodeContent, NodePatch,
};
use crate::domain::rules::predicate;
use crate::domain::rules::validate::{self, Quote, Slug};

/// The source every quote of a content set comes from.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    pub slug: String,
    pub title: String,
    pub url: Option<String>,
    pub publisher: Option<String>,
    /// The full text; every quote must be a verbatim passage of it.
    pub text: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub kind: NodeKind,
    pub slug: String,
    pub content: NodeContent,
    pub quotes: Vec<String>,
}

/// A link between two nodes named by slug (in this set or already in the database).
#[derive(Clone, Debug)]
pub struct LinkSpec {
    pub subject: String,
    pub predicate: Predicate,
    pub object: String,
    pub attributes: LinkAttributes,
    pub quotes: Vec<String>,
}

impl LinkSpec {
    /// How problems and reports name the link.
    pub fn label(&self) -> String {
        format!(
            "edge {} {} {}",
            self.subject,
            self.predicate.to_value(),
            self.object
        )
    }
}

#[derive(Clone, Debug)]
pub struct ContentSet {
    pub source: SourceSpec,
    pub nodes: Vec<NodeSpec>,
    pub links: Vec<LinkSpec>,
}

/// Every rule the set breaks, each prefixed with what breaks it, so one run shows them all.
/// The same rules the services apply, plus what only a whole set can break (a slug twice, a
/// link to a node not in the set).
pub fn problems(set: &ContentSet) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |at: &str, r: Result<(), DomainError>| {
        if let Err(e) = r {
            out.push(format!("{at}: {e}"));
        }
    };
    let s = &set.source;
    push("source", validate::slug("slug", &s.slug));
    push(
        "source",
        validate::text_line("title", &s.title, validate::TITLE_MAX),
    );
    let text = s.text.as_deref();

    let mut kinds: HashMap<&str, NodeKind> = HashMap::new();
    for n in &set.nodes {
        let at = format!("node {}", n.slug);
        push(&at, validate::slug("slug", &n.slug));
        if kinds.insert(&n.slug, n.kind).is_some() {
            push(&at, Err(DomainError::invalid("slug", "appears twice")));
        }
        push(&at, n.content.check(n.kind));
        push(&at, quotes(&n.quotes, text));
    }

    let mut triples = HashSet::new();
    for l in &set.links {
        let at = l.label();
        match (kinds.get(l.subject.as_str()), kinds.get(l.object.as_str())) {
            (Some(s), Some(o)) => push(&at, predicate::check(*s, l.predicate, *o)),
            _ => push(
                &at,
                Err(DomainError::invalid(
                    "subject/object",
                    "names a node not in this file",
                )),
            ),
        }
        if l.subject == l.object {
            push(
                &at,
                Err(DomainError::invalid(
                    "object",
                    "a node cannot be linked to itself",
                )),
            );
        }
        if !triples.insert((l.subject.as_str(), l.predicate, l.object.as_str())) {
            push(
                &at,
                Err(DomainError::invalid(
                    "predicate",
                    "the same link appears twice",
                )),
            );
        }
        push(&at, l.attributes.check(l.predicate));
        push(&at, quotes(&l.quotes, text));
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

/// What a load did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub nodes_added: usize,
    pub edges_added: usize,
    pub citations_added: usize,
    pub unchanged: usize,
    /// Things already in the database that differ from the set: edited since it was loaded,
    /// so left alone. Each entry names the thing.
    pub skipped: Vec<String>,
    /// Things already in the database that an import edited to match the set (on published
    /// content, as a pending edit for review). Each entry names the thing.
    pub edited: Vec<String>,
}

/// What a load does with content already in the database that differs from the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Leave it (the seed: whatever differs was edited since it was loaded).
    LeaveAlone,
    /// Edit it to match the set, through the same services as the API: published content
    /// gets a pending edit for review, its missing quotes become citations in review.
    Edit,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "added {} nodes, {} edges, {} citations; {} edited; {} already up to date; {} skipped",
            self.nodes_added,
            self.edges_added,
            self.citations_added,
            self.edited.len(),
            self.unchanged,
            self.skipped.len()
        )?;
        for s in &self.edited {
            write!(f, "\n  edited (a pending edit where published): {s}")?;
        }
        for s in &self.skipped {
            write!(f, "\n  skipped (edited since seeding, left as is): {s}")?;
        }
        Ok(())
    }
}

/// Loads `set` as `actor` (call inside one transaction, after `problems` found none): what is
/// new is created through the node, link and source services, what is there and the same is
/// left alone, what is there and differs is skipped or edited (`existing_content`).
pub async fn load(
    db: &impl ConnectionTrait,
    actor: &Actor,
    set: &ContentSet,
    existing_content: Existing,
) -> Result<ImportReport, DomainError> {
    let mut report = ImportReport::default();
    let source_id = source_id(db, actor, &set.source, &mut report).await?;
    let cite = |quotes: &[String]| -> Result<Vec<NewCitation>, DomainError> {
        quotes
            .iter()
            .enumerate()
            .map(|(i, q)| {
                Ok(NewCitation {
                    source_id,
                    quote: Quote::parse(&format!("quotes[{i}]"), q.clone())?,
                })
            })
            .collect()
    };

    let slugs: Vec<&str> = set.nodes.iter().map(|n| n.slug.as_str()).collect();
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
    for n in &set.nodes {
        if let Some(row) = existing.get(&n.slug) {
            ids.insert(&n.slug, row.id);
            let label = format!("node {}", n.slug);
            if row.kind != n.kind {
                return Err(DomainError::invalid(
                    "kind",
                    format!(
                        "{label} exists as a {:?}; a node's kind does not change",
                        row.kind
                    ),
                ));
            }
            let have = node_quotes.get(&row.id).cloned().unwrap_or_default();
            let same_content = NodeContent::of(row) == n.content;
            let same = same_content
                && row.status == Status::Published
                && have == n.quotes.iter().cloned().collect();
            if same || existing_content == Existing::LeaveAlone {
                tally(&mut report, same, label);
                continue;
            }
            if !same_content {
                node_write::update(db, actor, row.id, row.version, full_node_patch(&n.content))
                    .await
                    .map_err(|e| e.at(&label))?;
            }
            add_missing_quotes(db, actor, row.id, &n.quotes, &have, &cite)
                .await
                .map_err(|e| e.at(&label))?;
            report.edited.push(label);
            continue;
        }
        let new = NewNode {
            kind: n.kind,
            slug: Slug::parse("slug", n.slug.clone())?,
            content: n.content.clone(),
            citations: cite(&n.quotes)?,
        };
        let row = node_write::create(db, actor, new).await?;
        ids.insert(&n.slug, row.id);
        report.nodes_added += 1;
        report.citations_added += n.quotes.len();
    }

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

    for l in &set.links {
        let (s, o) = (ids[l.subject.as_str()], ids[l.object.as_str()]);
        if let Some(row) = existing_edges.get(&(s, l.predicate, o)) {
            let have = edge_quotes.get(&row.id).cloned().unwrap_or_default();
            let same_attributes = LinkAttributes::of(row) == l.attributes;
            let same = same_attributes
                && row.status == Status::Published
                && have == l.quotes.iter().cloned().collect();
            if same || existing_content == Existing::LeaveAlone {
                tally(&mut report, same, l.label());
                continue;
            }
            let label = l.label();
            if !same_attributes {
                edge_write::update(
                    db,
                    actor,
                    row.id,
                    row.version,
                    full_link_patch(&l.attributes),
                )
                .await
                .map_err(|e| e.at(&label))?;
            }
            add_missing_quotes(db, actor, row.id, &l.quotes, &have, &cite)
                .await
                .map_err(|e| e.at(&label))?;
            report.edited.push(label);
            continue;
        }
        let new = NewLink {
            subject_id: s,
            predicate: l.predicate,
            object_id: o,
            attributes: l.attributes.clone(),
            citations: cite(&l.quotes)?,
        };
        edge_write::create(db, actor, new).await?;
        report.edges_added += 1;
        report.citations_added += l.quotes.len();
    }
    Ok(report)
}

/// A patch that sets every field to `content`'s.
fn full_node_patch(content: &NodeContent) -> NodePatch {
    NodePatch {
        slug: None,
        name: Some(content.name.clone()),
        synonyms: Some(content.synonyms.clone()),
        summary: Some(content.summary.clone()),
        treatment_type: Some(content.treatment_type),
        codings: Some(content.codings.clone()),
    }
}

fn full_link_patch(a: &LinkAttributes) -> LinkPatch {
    LinkPatch {
        negated: Some(a.negated),
        place: Some(a.place),
        timing: Some(a.timing.clone()),
        circumstance: Some(a.circumstance.clone()),
        how_to: Some(a.how_to.clone()),
        note: Some(a.note.clone()),
    }
}

/// Cites the set's quotes the row lacks (as citations in review on published content).
async fn add_missing_quotes(
    db: &impl ConnectionTrait,
    actor: &Actor,
    target: Uuid,
    quotes: &[String],
    have: &BTreeSet<String>,
    cite: &impl Fn(&[String]) -> Result<Vec<NewCitation>, DomainError>,
) -> Result<(), DomainError> {
    let missing: Vec<String> = quotes
        .iter()
        .filter(|q| !have.contains(*q))
        .cloned()
        .collect();
    for citation in cite(&missing)? {
        source_write::add_citation(db, actor, target, citation).await?;
    }
    Ok(())
}

fn tally(report: &mut ImportReport, same: bool, what: String) {
    if same {
        report.unchanged += 1;
    } else {
        report.skipped.push(what);
    }
}

/// The source's id, creating the source when it is new.
async fn source_id(
    db: &impl ConnectionTrait,
    actor: &Actor,
    spec: &SourceSpec,
    report: &mut ImportReport,
) -> Result<Uuid, DomainError> {
    let found = source::Entity::find()
        .filter(source::Column::Slug.eq(&spec.slug))
        .one(db)
        .await?;
    if let Some(existing) = found {
        if existing.title != spec.title || existing.url != spec.url {
            report.skipped.push(format!("source {}", existing.slug));
        }
        return Ok(existing.id);
    }
    let row = source_write::create(
        db,
        actor,
        Slug::parse("slug", spec.slug.clone())?,
        spec.title.clone(),
        spec.url.clone(),
        spec.publisher.clone(),
        spec.text.clone(),
    )
    .await?;
    Ok(row.id)
}

/// The quotes from one source citing each of `ids` (nodes or edges, by `column`).
async fn quotes_by(
    db: &impl ConnectionTrait,
    source_id: Uuid,
    column: citation::Column,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, BTreeSet<String>>, DomainError> {
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

/// Whether the database holds any node yet.
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, DomainError> {
    Ok(node::Entity::find().one(db).await?.is_none())
}
