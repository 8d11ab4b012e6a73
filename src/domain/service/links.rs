//! Reading edges together with the node at their other end, in batches of many nodes.

use entity::sea_orm_active_enums::{NodeKind, Predicate, Status, TreatmentPlace};
use entity::{citation, edge, node, source};
use sea_orm::sea_query::{Expr, SelectStatement, UnionType};
use sea_orm::{
    ActiveEnum as _, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IdenStatic as _, JoinType, Order, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    QueryTrait as _, RelationDef, RelationTrait, Select, Statement,
};
use uuid::Uuid;

use super::rows::Columns;
use super::shapes::{self, By, Shape};
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

/// The bit of one side and relation in a set of them (32 bits hold every pair).
pub fn read_bit(dir: Direction, predicate: Predicate) -> u32 {
    1 << (predicate as u32 * 2 + dir as u32)
}

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

/// The far ends' own links, read in the same statement as the links that reach them: a page
/// listing a condition's treatments with each treatment's risks reads both levels at once.
#[derive(Clone, Copy, Debug)]
pub struct Onward<'a> {
    /// Whose far ends: those of the links with one of these relations.
    pub via: &'a [Predicate],
    /// Which of their links, by the side the far end is on and the relation. They are read
    /// without citations, with the statement's detail.
    pub reads: &'a [(Direction, Predicate)],
}

/// What [`of_nodes`] reads.
pub struct Levels {
    /// The links of the given nodes.
    pub near: Vec<Linked>,
    /// The far ends' links, each with the side of it the far end is on, ordered by the name of
    /// their own far end.
    pub onward: Vec<(Direction, Linked)>,
}

/// Every visible edge touching `ids` on the given side with one of `predicates` (any when
/// empty), with the node at its other end, in one statement, ordered by the other end's name.
/// Callers pick negation.
///
/// `cited` reads each edge's citations in the same statement (one row per citation, the
/// edge's columns repeated), so a page that shows the links' citations saves the statement
/// and round trip that would read them a level later.
///
/// `onward` reads the far ends' links too, in the same statement: one `UNION ALL` branch
/// per side of theirs, each row tagged with its branch.
#[expect(
    clippy::too_many_arguments,
    reason = "one read's parameters; a struct would only rename them"
)]
pub async fn of_nodes(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    dir: Direction,
    predicates: &[Predicate],
    vis: Visibility,
    detail: Detail,
    cited: bool,
    onward: Option<Onward<'_>>,
) -> Result<Levels, DomainError> {
    let backend = db.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    let onward = onward.filter(|o| !o.via.is_empty() && !o.reads.is_empty());
    let shape = Shape {
        postgres,
        by: By::Ids(if postgres { 0 } else { ids.len() }),
        dir,
        predicates: shapes::predicate_set(predicates),
        vis,
        detail,
        cited,
        onward: shapes::onward(onward),
    };
    let layout = Layout {
        detail,
        cited,
        padded: false,
    };
    // PostgreSQL binds the ids as one array whatever their number.
    let near = || {
        let stand_ins = shapes::ids(if postgres { 1 } else { ids.len() });
        sql::one_of(backend, ends(dir).0, &stand_ins)
    };
    let Some(onward) = onward else {
        let statement = shapes::statement(shape, "", ids, || {
            let select = branch(backend, dir, predicates, vis, cited, None, layout)
                .filter(near())
                .order_by_asc(node::Column::Name)
                .order_by_asc(edge::Column::Id);
            let select = if cited {
                select
                    .order_by_asc(citation::Column::CreatedAt)
                    .order_by_asc(citation::Column::Id)
            } else {
                select
            };
            select.build(backend)
        });
        let rows = db.query_all_raw(statement).await?;
        let ([near, _, _], _) = decode(&rows, false, layout)?;
        return Ok(Levels {
            near,
            onward: Vec::new(),
        });
    };
    let read = Read {
        dir,
        predicates,
        detail,
        cited,
    };
    let statement = shapes::statement(shape, "", ids, || {
        backend.build(&compound(
            backend,
            None,
            near(),
            read,
            vis,
            Some(onward),
            layout,
        ))
    });
    let rows = db.query_all_raw(statement).await?;
    let (levels, _) = decode(&rows, true, layout)?;
    Ok(into_levels(levels))
}

/// A node read by its slug with its links, in one statement ([`page`]).
pub struct Page {
    pub node: node::Model,
    /// The node's visible citations with their sources, oldest first, when read `cited`.
    pub citations: Vec<(citation::Model, source::Model)>,
    pub links: Levels,
}

/// Which links of a node [`page`] reads with it, as [`of_nodes`] takes them.
#[derive(Clone, Copy, Debug)]
pub struct Read<'a> {
    pub dir: Direction,
    pub predicates: &'a [Predicate],
    pub detail: Detail,
    pub cited: bool,
}

/// The node of `kind` with `slug` when `vis` shows it (with its own citations when `cited`),
/// and the links `read` and `onward` pick, as [`of_nodes`] reads them for its id: all in one
/// statement, a `UNION ALL` whose first branch is the node itself. A page that shows a node
/// and its links costs one round trip instead of two.
pub async fn page(
    db: &impl ConnectionTrait,
    kind: NodeKind,
    slug: &str,
    vis: Visibility,
    cited: bool,
    read: Read<'_>,
    onward: Option<Onward<'_>>,
) -> Result<Option<Page>, DomainError> {
    let backend = db.get_database_backend();
    let onward = onward.filter(|o| !o.via.is_empty() && !o.reads.is_empty());
    let shape = Shape {
        postgres: backend == DbBackend::Postgres,
        by: By::Slug(kind, cited),
        dir: read.dir,
        predicates: shapes::predicate_set(read.predicates),
        vis,
        detail: read.detail,
        cited: read.cited,
        onward: shapes::onward(onward),
    };
    let statement = shapes::statement(shape, slug, &[], || {
        page_statement(backend, kind, vis, cited, read, onward)
    });
    let rows = db.query_all_raw(statement).await?;
    let layout = page_layout(read, cited);
    let (levels, node) = decode(&rows, true, layout)?;
    Ok(node.map(|(node, citations)| Page {
        node,
        citations,
        links: into_levels(levels),
    }))
}

fn page_layout(read: Read<'_>, cited: bool) -> Layout {
    Layout {
        detail: read.detail,
        cited: read.cited || cited,
        padded: true,
    }
}

/// [`page`]'s statement, for the node with the slug [`shapes::SLUG`].
fn page_statement(
    backend: DbBackend,
    kind: NodeKind,
    vis: Visibility,
    cited: bool,
    read: Read<'_>,
    onward: Option<Onward<'_>>,
) -> Statement {
    let the_node = |select: Select<node::Entity>| {
        let select = select
            .filter(node::Column::Slug.eq(shapes::SLUG))
            .filter(node::Column::Kind.eq(kind));
        super::nodes::visible(select, vis)
    };
    let id = the_node(node::Entity::find().select_only().column(node::Column::Id)).into_query();
    let near = ends(read.dir).0.in_subquery(id);
    let layout = page_layout(read, cited);
    // The node: no edge, every node column, its own citations. It is the first branch:
    // PostgreSQL types a `UNION`'s columns pair by pair, and two branches of NULL padding
    // would make a column `text` before it meets the node's typed one.
    let mut own = node::Entity::find()
        .select_only()
        .expr_as(Expr::cust(NODE_LEVEL.to_string()), "level");
    for _ in 0..edge_width(read.detail) {
        own = own.expr(Expr::cust("NULL"));
    }
    own = own.columns(LISTED_NODE).columns(REST_NODE);
    own = if cited {
        with_citations(own, node::Relation::Citation.def(), vis)
    } else if layout.cited {
        null_citation(own)
    } else {
        own
    };
    backend.build(&compound(
        backend,
        Some(the_node(own).into_query()),
        near,
        read,
        vis,
        onward,
        layout,
    ))
}

/// The `level` of [`page`]'s branch that reads the node itself: after its links'.
const NODE_LEVEL: u8 = 3;

/// The columns every branch of a compound statement selects.
#[derive(Clone, Copy)]
struct Layout {
    detail: Detail,
    /// Citation columns: some branch reads citations, the others select NULL there.
    cited: bool,
    /// Every node column, NULL where `detail` reads none: a branch reads a whole node.
    padded: bool,
}

impl Layout {
    fn node_width(self) -> usize {
        if self.padded {
            LISTED_NODE.len() + REST_NODE.len()
        } else {
            node_width(self.detail)
        }
    }
}

/// The links `read` picks of the nodes whose ids `near` matches (a condition on the near
/// column), and the far ends' links `onward` picks, in branches tagged by level after `head`,
/// ordered by position: the level, the far end's name, the edge's id, then the citation's
/// creation and id.
fn compound(
    backend: DbBackend,
    head: Option<SelectStatement>,
    near: Expr,
    read: Read<'_>,
    vis: Visibility,
    onward: Option<Onward<'_>>,
    layout: Layout,
) -> SelectStatement {
    let Read {
        dir,
        predicates,
        detail,
        cited,
    } = read;
    let first = branch(backend, dir, predicates, vis, cited, Some(0), layout)
        .filter(near.clone())
        .into_query();
    let mut statement = match head {
        Some(mut head) => {
            head.union(UnionType::All, first);
            head
        }
        None => first,
    };
    if let Some(onward) = onward {
        // The far ends of the first branch's links with a relation of `via`.
        let mut far_ends = edge::Entity::find()
            .select_only()
            .column(ends(dir).1)
            .filter(near)
            .filter(sql::one_of_values(
                backend,
                edge::Column::Predicate,
                onward.via.iter().map(|p| p.to_value()),
            ));
        if vis == Visibility::PublishedOnly {
            far_ends = far_ends.filter(edge::Column::Status.eq(Status::Published));
        }
        let far_ends = far_ends.into_query();
        for (level, side) in [(1, Direction::Out), (2, Direction::In)] {
            let relations: Vec<Predicate> = onward
                .reads
                .iter()
                .filter(|(d, _)| *d == side)
                .map(|(_, p)| *p)
                .collect();
            if relations.is_empty() {
                continue;
            }
            let next = branch(backend, side, &relations, vis, false, Some(level), layout)
                .filter(ends(side).0.in_subquery(far_ends.clone()));
            statement.union(UnionType::All, next.into_query());
        }
    }
    let edge_width = edge_width(detail);
    let mut order = vec![1, 1 + edge_width + NAME_IN_NODE + 1, 2];
    if layout.cited {
        let citation_at = 1 + edge_width + layout.node_width();
        order.extend([citation_at + CREATED_AT_IN_CITATION + 1, citation_at + 1]);
    }
    for position in order {
        statement.order_by_expr(Expr::cust(position.to_string()), Order::Asc);
    }
    statement
}

fn into_levels([near, out, incoming]: [Vec<Linked>; 3]) -> Levels {
    let onward = out
        .into_iter()
        .map(|l| (Direction::Out, l))
        .chain(incoming.into_iter().map(|l| (Direction::In, l)))
        .collect();
    Levels { near, onward }
}

/// The near and far side of an edge for `dir`: the column naming the given nodes, and the
/// relation to the node at the other end.
fn ends(dir: Direction) -> (edge::Column, edge::Column) {
    match dir {
        Direction::Out => (edge::Column::SubjectId, edge::Column::ObjectId),
        Direction::In => (edge::Column::ObjectId, edge::Column::SubjectId),
    }
}

/// Where the node's name is among [`LISTED_NODE`], and a citation's `created_at` among
/// [`CITATION`]: the compound statement orders by position.
const NAME_IN_NODE: usize = 3;
const CREATED_AT_IN_CITATION: usize = 6;

fn edge_width(detail: Detail) -> usize {
    match detail {
        Detail::Listing => LISTED_EDGE.len(),
        Detail::Full => LISTED_EDGE.len() + REST_EDGE.len(),
    }
}

fn node_width(detail: Detail) -> usize {
    match detail {
        Detail::Listing => LISTED_NODE.len(),
        Detail::Full => LISTED_NODE.len() + REST_NODE.len(),
    }
}

/// The edges on the `dir` side of some nodes (the caller filters which) with one of
/// `predicates`, their far ends and, `cited`, their citations, in the columns of `layout`;
/// `level` first when the statement is a branch of a compound one. Unordered.
fn branch(
    backend: DbBackend,
    dir: Direction,
    predicates: &[Predicate],
    vis: Visibility,
    cited: bool,
    level: Option<u8>,
    layout: Layout,
) -> Select<edge::Entity> {
    let detail = layout.detail;
    let far = match dir {
        Direction::Out => edge::Relation::Object,
        Direction::In => edge::Relation::Subject,
    };
    let full = detail == Detail::Full;
    let mut select = edge::Entity::find().select_only();
    if let Some(level) = level {
        select = select.expr_as(Expr::cust(level.to_string()), "level");
    }
    select = select.columns(LISTED_EDGE);
    let mut node_columns = LISTED_NODE.to_vec();
    if full {
        select = select.columns(REST_EDGE);
        node_columns.extend(REST_NODE);
    }
    for column in node_columns {
        select = select.column_as(column, format!("n_{}", column.as_str()));
    }
    for _ in node_width(detail)..layout.node_width() {
        select = select.expr(Expr::cust("NULL"));
    }
    select = select.join(JoinType::InnerJoin, far.def());
    if cited {
        select = with_citations(select, edge::Relation::Citation.def(), vis);
    } else if layout.cited {
        select = null_citation(select);
    }
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
    select
}

/// A node with its citations, as [`page`] reads it.
type Cited = (node::Model, Vec<(citation::Model, source::Model)>);

/// Rows of [`branch`] statements as links, by branch (the first column when `tagged`, else
/// all the first), and [`page`]'s node. A cited edge or node spans one row per citation, next
/// to each other (ordered by edge id within a name): it is decoded from the first row only.
fn decode(
    rows: &[QueryResult],
    tagged: bool,
    layout: Layout,
) -> Result<([Vec<Linked>; 3], Option<Cited>), DomainError> {
    let Layout { detail, cited, .. } = layout;
    let full = detail == Detail::Full;
    let start = usize::from(tagged);
    let linked_width = start + edge_width(detail) + layout.node_width();
    let mut levels: [Vec<Linked>; 3] = Default::default();
    let mut node: Option<Cited> = None;
    for row in rows {
        let mut columns = Columns::of(row)?;
        let level = if tagged {
            let level: i32 = columns.get()?;
            usize::try_from(level)
                .ok()
                .filter(|l| *l < levels.len() || *l == usize::from(NODE_LEVEL))
                .ok_or_else(|| DbErr::Type(format!("a link read at level {level}")))?
        } else {
            0
        };
        if level == usize::from(NODE_LEVEL) {
            if node.is_none() {
                columns.skip_to(start + edge_width(detail));
                let mut own = columns.listed_node()?;
                columns.rest_of_node(&mut own)?;
                node = Some((own, Vec::new()));
            }
            columns.skip_to(linked_width);
            if cited
                && let Some(cited) = columns.citation()?
                && let Some((_, citations)) = node.as_mut()
            {
                citations.push(cited);
            }
            continue;
        }
        let links = &mut levels[level];
        let seen = cited && {
            let id: Uuid = columns.get()?;
            links.last().is_some_and(|last| last.edge.id == id)
        };
        if seen {
            columns.skip_to(linked_width);
        } else {
            columns.skip_to(start);
            let mut edge = columns.listed_edge()?;
            if full {
                columns.rest_of_edge(&mut edge)?;
            }
            let mut other = columns.listed_node()?;
            if full {
                columns.rest_of_node(&mut other)?;
            }
            columns.skip_to(linked_width);
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
    Ok((levels, node))
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

/// A citation's columns, then its source's (without `content`), in the order
/// `rows::Columns::citation` reads them.
const CITATION: [citation::Column; 7] = [
    citation::Column::Id,
    citation::Column::SourceId,
    citation::Column::NodeId,
    citation::Column::EdgeId,
    citation::Column::Quote,
    citation::Column::Status,
    citation::Column::CreatedAt,
];
const SOURCE: [(source::Column, &str); 7] = [
    (source::Column::Slug, "source_slug"),
    (source::Column::Title, "source_title"),
    (source::Column::Url, "source_url"),
    (source::Column::Publisher, "source_publisher"),
    (source::Column::Version, "source_version"),
    (source::Column::CreatedAt, "source_created_at"),
    (source::Column::UpdatedAt, "source_updated_at"),
];

fn select_citation<E: EntityTrait>(mut select: Select<E>) -> Select<E> {
    select = select.columns(CITATION);
    for (column, name) in SOURCE {
        select = select.column_as(column, name);
    }
    select
}

/// NULL in place of [`select_citation`]'s columns: a compound statement's branch without
/// citations beside one with them.
fn null_citation<E: EntityTrait>(mut select: Select<E>) -> Select<E> {
    for _ in 0..CITATION.len() + SOURCE.len() {
        select = select.expr(Expr::cust("NULL"));
    }
    select
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

    /// The compound statement orders by column position: the positions name the columns.
    #[test]
    fn ordering_positions_name_their_columns() {
        assert_eq!(LISTED_NODE[NAME_IN_NODE].as_str(), "name");
        assert_eq!(CITATION[CREATED_AT_IN_CITATION].as_str(), "created_at");
        assert_eq!(CITATION[0].as_str(), "id");
        assert_eq!(LISTED_EDGE[0].as_str(), "id");
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
