//! Reading edges together with the node at their other end, in batches of many nodes.

use std::collections::HashMap;

use entity::sea_orm_active_enums::{NodeKind, Predicate, Status, TreatmentPlace};
use entity::{citation, edge, node, source};
use sea_orm::sea_query::{Expr, SelectStatement, UnionType};
use sea_orm::{
    ActiveEnum as _, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IdenStatic as _, JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait as _,
    RelationDef, RelationTrait, Select, Statement,
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

/// How much of their citations a read fills; ordered, so the larger covers the smaller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cites {
    /// None.
    #[default]
    No,
    /// Each citation's id, quote and creation time, without its source: a link or node that
    /// shows `citations { quote }` needs three columns, not fourteen and a join. The other
    /// columns of the citation and its source are left at defaults nobody reads: only a
    /// selection that asks for none of them reads this way (`graphql::types::detail`).
    Quotes,
    /// Every column of the citation, and its source's but `content`.
    Sources,
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
    /// The edge's visible citations with their sources, oldest first, as the read's
    /// [`Cites`] fills them; empty when it reads none.
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
/// `cites` reads each edge's citations in the same statement (one row per citation, the
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
    cites: Cites,
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
        cites,
        onward: shapes::onward(onward),
    };
    let layout = Layout {
        detail,
        near: cites,
        own: Cites::No,
        padded: false,
    };
    // PostgreSQL binds the ids as one array whatever their number.
    let near = || {
        let stand_ins = shapes::ids(if postgres { 1 } else { ids.len() });
        sql::one_of(backend, ends(dir).0, &stand_ins)
    };
    let Some(onward) = onward else {
        let statement = shapes::statement(shape, "", ids, || {
            branch(backend, dir, predicates, vis, None, layout)
                .filter(near())
                .build(backend)
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
        cites,
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
    /// The node's visible citations, oldest first, as [`page`]'s `cites` fills them.
    pub citations: Vec<(citation::Model, source::Model)>,
    pub links: Levels,
}

/// Which links of a node [`page`] reads with it, as [`of_nodes`] takes them.
#[derive(Clone, Copy, Debug)]
pub struct Read<'a> {
    pub dir: Direction,
    pub predicates: &'a [Predicate],
    pub detail: Detail,
    pub cites: Cites,
}

/// The node of `kind` with `slug` when `vis` shows it (with as much of its own citations as
/// `cites` says), and the links `read` and `onward` pick, as [`of_nodes`] reads them for its
/// id: all in one statement, a `UNION ALL` whose first branch is the node itself. A page that
/// shows a node and its links costs one round trip instead of two.
pub async fn page(
    db: &impl ConnectionTrait,
    kind: NodeKind,
    slug: &str,
    vis: Visibility,
    cites: Cites,
    read: Read<'_>,
    onward: Option<Onward<'_>>,
) -> Result<Option<Page>, DomainError> {
    let backend = db.get_database_backend();
    let onward = onward.filter(|o| !o.via.is_empty() && !o.reads.is_empty());
    let shape = Shape {
        postgres: backend == DbBackend::Postgres,
        by: By::Slug(kind, cites),
        dir: read.dir,
        predicates: shapes::predicate_set(read.predicates),
        vis,
        detail: read.detail,
        cites: read.cites,
        onward: shapes::onward(onward),
    };
    let statement = shapes::statement(shape, slug, &[], || {
        page_statement(backend, kind, vis, cites, read, onward)
    });
    let rows = db.query_all_raw(statement).await?;
    let (levels, node) = decode(&rows, true, page_layout(read, cites))?;
    Ok(node.map(|(node, citations)| Page {
        node,
        citations,
        links: into_levels(levels),
    }))
}

fn page_layout(read: Read<'_>, cites: Cites) -> Layout {
    Layout {
        detail: read.detail,
        near: read.cites,
        own: cites,
        padded: true,
    }
}

/// [`page`]'s statement, for the node with the slug [`shapes::SLUG`].
fn page_statement(
    backend: DbBackend,
    kind: NodeKind,
    vis: Visibility,
    cites: Cites,
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
    let layout = page_layout(read, cites);
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
    own = cited(own, node::Relation::Citation.def(), vis, NODE_LEVEL, layout);
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
    /// The citations of the first level's links, and of [`page`]'s node. The far ends' links
    /// are read without.
    near: Cites,
    own: Cites,
    /// Every node column, NULL where `detail` reads none: a branch reads a whole node.
    padded: bool,
}

impl Layout {
    /// What the branch at `level` reads of its citations: [`branch`] selects it, [`decode`]
    /// reads it.
    fn cites_at(self, level: u8) -> Cites {
        match level {
            0 => self.near,
            NODE_LEVEL => self.own,
            _ => Cites::No,
        }
    }

    /// The citation columns every branch selects: as many as the fullest read fills, NULL
    /// in the rest.
    fn cites(self) -> Cites {
        self.near.max(self.own)
    }

    fn node_width(self) -> usize {
        if self.padded {
            LISTED_NODE.len() + REST_NODE.len()
        } else {
            node_width(self.detail)
        }
    }
}

/// The links `read` picks of the nodes whose ids `near` matches (a condition on the near
/// column), and the far ends' links `onward` picks, in branches tagged by level after `head`.
/// Unordered: [`decode`] orders the rows it reads.
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
        dir, predicates, ..
    } = read;
    let first = branch(backend, dir, predicates, vis, Some(0), layout)
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
            let next = branch(backend, side, &relations, vis, Some(level), layout)
                .filter(ends(side).0.in_subquery(far_ends.clone()));
            statement.union(UnionType::All, next.into_query());
        }
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
/// `predicates`, their far ends and as much of their citations as `layout` reads at `level`
/// (the first, when none), in the columns of `layout`; `level` first when the statement is a
/// branch of a compound one. Unordered.
fn branch(
    backend: DbBackend,
    dir: Direction,
    predicates: &[Predicate],
    vis: Visibility,
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
    select = cited(
        select,
        edge::Relation::Citation.def(),
        vis,
        level.unwrap_or(0),
        layout,
    );
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
/// all the first), and [`page`]'s node, each in listing order: links by their far end's name,
/// then id; citations oldest first. A cited edge or node spans one row per citation
/// (`Layout::cites_at`).
///
/// The statements leave the order to this: sorting the wide rows cost PostgreSQL about a
/// tenth of a condition page's statement (`bench/PLANS.md`); sorting the decoded links costs
/// the server next to nothing. Names compare by code point on both databases.
fn decode(
    rows: &[QueryResult],
    tagged: bool,
    layout: Layout,
) -> Result<([Vec<Linked>; 3], Option<Cited>), DomainError> {
    let full = layout.detail == Detail::Full;
    let start = usize::from(tagged);
    let linked_width = start + edge_width(layout.detail) + layout.node_width();
    let mut levels: [Vec<Linked>; 3] = Default::default();
    // Where each cited edge of the first level is in it.
    let mut cited_at: HashMap<Uuid, usize> = HashMap::new();
    let mut node: Option<Cited> = None;
    for row in rows {
        let mut columns = Columns::of(row)?;
        let level = if tagged {
            let level: i32 = columns.get()?;
            u8::try_from(level)
                .ok()
                .filter(|l| usize::from(*l) < levels.len() || *l == NODE_LEVEL)
                .ok_or_else(|| DbErr::Type(format!("a link read at level {level}")))?
        } else {
            0
        };
        let cites = layout.cites_at(level);
        if level == NODE_LEVEL {
            if node.is_none() {
                columns.skip_to(start + edge_width(layout.detail));
                let mut own = columns.listed_node()?;
                columns.rest_of_node(&mut own)?;
                node = Some((own, Vec::new()));
            }
            columns.skip_to(linked_width);
            if let Some(cited) = columns.citation(cites)?
                && let Some((_, citations)) = node.as_mut()
            {
                citations.push(cited);
            }
            continue;
        }
        let links = &mut levels[usize::from(level)];
        let seen = if cites == Cites::No {
            None
        } else {
            let id: Uuid = columns.get()?;
            let next = links.len();
            let at = *cited_at.entry(id).or_insert(next);
            (at < next).then_some(at)
        };
        let at = match seen {
            Some(at) => at,
            None => {
                columns.skip_to(start);
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
                links.len() - 1
            }
        };
        // An edge without citations has one row, its citation columns NULL.
        columns.skip_to(linked_width);
        if let Some(cited) = columns.citation(cites)? {
            links[at].citations.push(cited);
        }
    }
    for links in &mut levels {
        // Edge ids are unique within a level: an unstable sort orders them all the same.
        links.sort_unstable_by(|a, b| {
            (a.other.name.as_str(), a.edge.id).cmp(&(b.other.name.as_str(), b.edge.id))
        });
        for link in links {
            oldest_first(&mut link.citations);
        }
    }
    if let Some((_, citations)) = node.as_mut() {
        oldest_first(citations);
    }
    Ok((levels, node))
}

fn oldest_first(citations: &mut [(citation::Model, source::Model)]) {
    citations.sort_unstable_by_key(|(c, _)| (c.created_at, c.id));
}

/// The visible citations of each row (`to_citation`: the relation from its entity) as far as
/// `layout` reads them at `level`, then NULL up to its citation columns: a compound
/// statement's branches all select as many.
fn cited<E: EntityTrait>(
    select: Select<E>,
    to_citation: RelationDef,
    vis: Visibility,
    level: u8,
    layout: Layout,
) -> Select<E> {
    let cites = layout.cites_at(level);
    let mut select = match cites {
        Cites::No => select,
        cites => with_citations(select, to_citation, vis, cites),
    };
    for _ in citation_width(cites)..citation_width(layout.cites()) {
        select = select.expr(Expr::cust("NULL"));
    }
    select
}

/// Adds the visible citations of each row (`to_citation`: the relation from its entity), with
/// their sources when `cites` reads them: one row per citation, or one with NULL citation
/// columns for a row without.
pub(super) fn with_citations<E: EntityTrait>(
    select: Select<E>,
    to_citation: RelationDef,
    vis: Visibility,
    cites: Cites,
) -> Select<E> {
    let on = match vis {
        Visibility::PublishedOnly => to_citation.on_condition(|_, _| {
            Condition::all().add(citation::Column::Status.eq(Status::Published))
        }),
        Visibility::Everything => to_citation,
    };
    let select = select_citation(select, cites).join(JoinType::LeftJoin, on);
    if cites == Cites::Sources {
        select.join(JoinType::LeftJoin, citation::Relation::Source.def())
    } else {
        select
    }
}

/// The columns of [`Cites::Quotes`], then the rest of a citation's and its source's (without
/// `content`) for [`Cites::Sources`], in the order `rows::Columns::citation` reads them.
const QUOTED: [citation::Column; 3] = [
    citation::Column::Id,
    citation::Column::Quote,
    citation::Column::CreatedAt,
];
const REST_CITATION: [citation::Column; 4] = [
    citation::Column::SourceId,
    citation::Column::NodeId,
    citation::Column::EdgeId,
    citation::Column::Status,
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

fn citation_width(cites: Cites) -> usize {
    match cites {
        Cites::No => 0,
        Cites::Quotes => QUOTED.len(),
        Cites::Sources => QUOTED.len() + REST_CITATION.len() + SOURCE.len(),
    }
}

fn select_citation<E: EntityTrait>(mut select: Select<E>, cites: Cites) -> Select<E> {
    if cites == Cites::No {
        return select;
    }
    select = select.columns(QUOTED);
    if cites == Cites::Sources {
        select = select.columns(REST_CITATION);
        for (column, name) in SOURCE {
            select = select.column_as(column, name);
        }
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
    let mut select = select_citation(citation::Entity::find().select_only(), Cites::Sources)
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
                .citation(Cites::Sources)?
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

    /// [`decode`] tells an edge's rows, and a row without a citation, by the first column of
    /// each.
    #[test]
    fn edges_and_citations_read_their_id_first() {
        assert_eq!(LISTED_EDGE[0].as_str(), "id");
        assert_eq!(QUOTED[0].as_str(), "id");
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
        assert_eq!(
            sorted(QUOTED.iter().chain(&REST_CITATION).map(|c| c.as_str())),
            sorted(citation::Column::iter().map(|c| c.as_str()))
        );
    }
}
