//! Reading edges together with the node at their other end, in batches of many nodes.

use entity::sea_orm_active_enums::{Predicate, Status, TreatmentPlace};
use entity::{citation, edge, node, source};
use sea_orm::{
    ActiveEnum as _, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IdenStatic as _,
    JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait as _, RelationDef, RelationTrait,
    Select,
};
use uuid::Uuid;

use super::rows::Columns;
use super::sql;
use crate::domain::{DomainError, Visibility};

/// Which end of an edge the given nodes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// The nodes are subjects; the other end is the object.
    Out,
    /// The nodes are objects; the other end is the subject.
    In,
}

/// Which columns of a link and of its far end a read fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Detail {
    /// What a page lists: the edge's relation and wording (place, timing, circumstance, how
    /// to, note), its status, and the far end's id, kind, slug, name, treatment type and
    /// status. The other columns of both rows are left at their defaults, never read: only
    /// a selection that asks for none of them reads this way
    /// (`graphql::types::detail`).
    Listing,
    /// Every column.
    Full,
}

/// The columns of [`Detail::Listing`], in the order `rows::Columns` reads them; a full read
/// selects the `REST_*` columns after them.
const LISTED_EDGE: [edge::Column; 11] = [
    edge::Column::Id,
    edge::Column::SubjectId,
    edge::Column::Predicate,
    edge::Column::ObjectId,
    edge::Column::Negated,
    edge::Column::Place,
    edge::Column::Timing,
    edge::Column::Circumstance,
    edge::Column::HowTo,
    edge::Column::Note,
    edge::Column::Status,
];
pub(super) const LISTED_NODE: [node::Column; 6] = [
    node::Column::Id,
    node::Column::Kind,
    node::Column::Slug,
    node::Column::Name,
    node::Column::TreatmentType,
    node::Column::Status,
];
const REST_EDGE: [edge::Column; 8] = [
    edge::Column::Pending,
    edge::Column::PendingStatus,
    edge::Column::ReviewedBy,
    edge::Column::ReviewedAt,
    edge::Column::ReviewDue,
    edge::Column::Version,
    edge::Column::CreatedAt,
    edge::Column::UpdatedAt,
];
pub(super) const REST_NODE: [node::Column; 11] = [
    node::Column::Synonyms,
    node::Column::Summary,
    node::Column::Codings,
    node::Column::Pending,
    node::Column::PendingStatus,
    node::Column::ReviewedBy,
    node::Column::ReviewedAt,
    node::Column::ReviewDue,
    node::Column::Version,
    node::Column::CreatedAt,
    node::Column::UpdatedAt,
];

/// Where a link stands when a node's links are listed: treatments in the order the source
/// ranks them (first line … extreme cases), then links without a place.
pub fn place_rank(place: Option<TreatmentPlace>) -> u8 {
    match place {
        Some(TreatmentPlace::FirstLine) => 0,
        Some(TreatmentPlace::WhenSevere) => 1,
        Some(TreatmentPlace::LastResort) => 2,
        Some(TreatmentPlace::ExtremeCases) => 3,
        None => 4,
    }
}

/// A link as [`of_nodes`] reads it.
pub struct Linked {
    pub edge: edge::Model,
    /// The node at the edge's other end.
    pub other: node::Model,
    /// The edge's visible citations with their sources, oldest first, when the read was
    /// `cited`; empty otherwise.
    pub citations: Vec<(citation::Model, source::Model)>,
}

/// Every visible edge touching `ids` on the given side with one of `predicates` (any when
/// empty), with the node at its other end, in one statement, ordered by the other end's name.
/// Callers pick negation.
///
/// `cited` reads each edge's citations in the same statement (one row per citation, the
/// edge's columns repeated), so a page that shows the links' citations saves the statement
/// and round trip that would read them a level later.
pub async fn of_nodes(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    dir: Direction,
    predicates: &[Predicate],
    vis: Visibility,
    detail: Detail,
    cited: bool,
) -> Result<Vec<Linked>, DomainError> {
    let backend = db.get_database_backend();
    let (near, far) = match dir {
        Direction::Out => (edge::Column::SubjectId, edge::Relation::Object),
        Direction::In => (edge::Column::ObjectId, edge::Relation::Subject),
    };
    let full = detail == Detail::Full;
    let mut select = edge::Entity::find().select_only().columns(LISTED_EDGE);
    let mut node_columns = LISTED_NODE.to_vec();
    if full {
        select = select.columns(REST_EDGE);
        node_columns.extend(REST_NODE);
    }
    for column in node_columns {
        select = select.column_as(column, format!("n_{}", column.as_str()));
    }
    select = select.join(JoinType::InnerJoin, far.def());
    if cited {
        select = with_citations(select, edge::Relation::Citation.def(), vis);
    }
    select = select.filter(sql::one_of(backend, near, ids));
    if !predicates.is_empty() {
        select = select.filter(sql::one_of_values(
            backend,
            edge::Column::Predicate,
            predicates.iter().map(|p| p.to_value()),
        ));
    }
    if vis == Visibility::PublishedOnly {
        select = select
            .filter(edge::Column::Status.eq(Status::Published))
            .filter(node::Column::Status.eq(Status::Published));
    }
    select = select
        .order_by_asc(node::Column::Name)
        .order_by_asc(edge::Column::Id);
    if cited {
        select = select
            .order_by_asc(citation::Column::CreatedAt)
            .order_by_asc(citation::Column::Id);
    }
    let rows = db.query_all_raw(select.build(backend)).await?;
    // The edge's columns, then the far end's, then (cited) its citation's, as selected above.
    let linked_width = if full {
        LISTED_EDGE.len() + LISTED_NODE.len() + REST_EDGE.len() + REST_NODE.len()
    } else {
        LISTED_EDGE.len() + LISTED_NODE.len()
    };
    let mut links: Vec<Linked> = Vec::new();
    for row in &rows {
        let mut columns = Columns::of(row)?;
        // A cited edge spans one row per citation, next to each other (the order is by edge id
        // within a name): its edge and far end are decoded from the first row only.
        let seen = cited && {
            let id: Uuid = columns.get()?;
            links.last().is_some_and(|last| last.edge.id == id)
        };
        if seen {
            columns.skip_to(linked_width);
        } else {
            columns = Columns::of(row)?;
            let mut edge = columns.listed_edge()?;
            if full {
                columns.rest_of_edge(&mut edge)?;
            }
            let mut other = columns.listed_node()?;
            if full {
                columns.rest_of_node(&mut other)?;
            }
            links.push(Linked {
                edge,
                other,
                citations: Vec::new(),
            });
        }
        // An edge without citations has one row, its citation columns NULL.
        if cited
            && let Some(cited) = columns.citation()?
            && let Some(last) = links.last_mut()
        {
            last.citations.push(cited);
        }
    }
    Ok(links)
}

/// Adds the visible citations of each row (`to_citation`: the relation from its entity) with
/// their sources: one row per citation, or one with NULL citation columns for a row without.
/// Order by the citations' `created_at` and id to read them oldest first.
pub(super) fn with_citations<E: EntityTrait>(
    select: Select<E>,
    to_citation: RelationDef,
    vis: Visibility,
) -> Select<E> {
    let on = match vis {
        Visibility::PublishedOnly => to_citation.on_condition(|_, _| {
            Condition::all().add(citation::Column::Status.eq(Status::Published))
        }),
        Visibility::Everything => to_citation,
    };
    select_citation(select)
        .join(JoinType::LeftJoin, on)
        .join(JoinType::LeftJoin, citation::Relation::Source.def())
}

/// Selects a citation's columns and its source's (without `content`), in the order
/// `rows::Columns::citation` reads them.
fn select_citation<E: EntityTrait>(select: Select<E>) -> Select<E> {
    select
        .columns([
            citation::Column::Id,
            citation::Column::SourceId,
            citation::Column::NodeId,
            citation::Column::EdgeId,
            citation::Column::Quote,
            citation::Column::Status,
            citation::Column::CreatedAt,
        ])
        .column_as(source::Column::Slug, "source_slug")
        .column_as(source::Column::Title, "source_title")
        .column_as(source::Column::Url, "source_url")
        .column_as(source::Column::Publisher, "source_publisher")
        .column_as(source::Column::Version, "source_version")
        .column_as(source::Column::CreatedAt, "source_created_at")
        .column_as(source::Column::UpdatedAt, "source_updated_at")
}

/// The citations of the given nodes and edges with their sources, in one statement. The
/// sources come without their `content`: nothing that lists citations shows it.
pub async fn citations_of(
    db: &impl ConnectionTrait,
    node_ids: &[Uuid],
    edge_ids: &[Uuid],
    vis: Visibility,
) -> Result<Vec<(citation::Model, source::Model)>, DomainError> {
    let backend = db.get_database_backend();
    let mut any = Condition::any();
    if !node_ids.is_empty() {
        any = any.add(sql::one_of(backend, citation::Column::NodeId, node_ids));
    }
    if !edge_ids.is_empty() {
        any = any.add(sql::one_of(backend, citation::Column::EdgeId, edge_ids));
    }
    let mut select = select_citation(citation::Entity::find().select_only())
        .join(JoinType::InnerJoin, citation::Relation::Source.def())
        .filter(any);
    if vis == Visibility::PublishedOnly {
        select = select.filter(citation::Column::Status.eq(Status::Published));
    }
    let statement = select
        .order_by_asc(citation::Column::CreatedAt)
        .order_by_asc(citation::Column::Id)
        .build(backend);
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| {
            Columns::of(row)?
                .citation()?
                .ok_or_else(|| DbErr::Type("a citation without an id".to_owned()).into())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable as _;

    use super::*;

    fn sorted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
        let mut names: Vec<&str> = names.collect();
        names.sort_unstable();
        names
    }

    /// A full read selects every column of both entities, each once: one added later must
    /// join a list (and `rows::Columns` read it).
    #[test]
    fn a_full_read_selects_every_column() {
        assert_eq!(
            sorted(LISTED_EDGE.iter().chain(&REST_EDGE).map(|c| c.as_str())),
            sorted(edge::Column::iter().map(|c| c.as_str()))
        );
        assert_eq!(
            sorted(LISTED_NODE.iter().chain(&REST_NODE).map(|c| c.as_str())),
            sorted(node::Column::iter().map(|c| c.as_str()))
        );
    }
}
