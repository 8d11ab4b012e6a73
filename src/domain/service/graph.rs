//! Walking the graph in SQL: the neighbourhood of a node and the shortest paths between two.
//!
//! Both walk edges in either direction with one recursive CTE. Each step joins the frontier to
//! the edges touching it, so a cycle only ever revisits a node at a larger depth, and the
//! depth bound ends the walk. The walk is read lazily up to a row cap (both databases
//! evaluate recursive CTEs breadth first), so a hub in a large graph cannot make it scan
//! everything.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use entity::sea_orm_active_enums::{NodeKind, Predicate, Status};
use entity::{edge, node};
use sea_orm::{
    ActiveEnum as _, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::nodes;
use super::sql::{self, Params};
use crate::domain::{DomainError, Visibility};

/// Deepest neighbourhood an analyst may ask for.
pub const MAX_NEIGHBORHOOD_DEPTH: u32 = 3;
/// Longest path searched for.
pub const MAX_PATH_DEPTH: u32 = 6;
/// Most nodes a neighbourhood returns; the rest is cut and the result says so.
pub const MAX_NODES: usize = 500;
/// Most rows read from a walk (a node reached at several depths is several rows).
const MAX_WALK_ROWS: u64 = 5_000;
/// Most shortest paths returned.
pub const MAX_PATHS: usize = 20;

/// What a walk may follow.
#[derive(Clone, Debug, Default)]
pub struct WalkFilter {
    /// Only these predicates (all when empty).
    pub predicates: Vec<Predicate>,
    /// Only through nodes of these kinds (all when empty); the start is always included.
    pub kinds: Vec<NodeKind>,
    /// Follow links the source denies too.
    pub include_negated: bool,
}

/// The nodes within some hops of a centre and the links among them.
#[derive(Debug)]
pub struct Neighborhood {
    /// Each node with its distance from the centre, nearest first.
    pub nodes: Vec<(node::Model, u32)>,
    pub edges: Vec<edge::Model>,
    /// True when the neighbourhood was larger than `MAX_NODES` and was cut.
    pub truncated: bool,
}

/// Shortest paths: each a list of edges from `from` to `to`, with every node involved.
#[derive(Debug)]
pub struct Paths {
    pub nodes: HashMap<Uuid, node::Model>,
    pub edges: HashMap<Uuid, edge::Model>,
    /// Each path as the nodes it visits and the edges between them (one fewer).
    pub paths: Vec<(Vec<Uuid>, Vec<Uuid>)>,
    /// True when the walk hit its row cap before it could finish: a path may be missing.
    pub truncated: bool,
}

fn depth_error(field: &str, depth: i64, max: u32) -> DomainError {
    DomainError::invalid(field, format!("must be between 1 and {max} (got {depth})"))
}

/// Checks a requested depth against its bound.
pub fn checked_depth(field: &str, depth: i64, max: u32) -> Result<u32, DomainError> {
    u32::try_from(depth)
        .ok()
        .filter(|d| (1..=max).contains(d))
        .ok_or_else(|| depth_error(field, depth, max))
}

/// Distances from `start` to every node within `depth` hops, nearest first; true when cut.
async fn walk(
    db: &impl ConnectionTrait,
    start: Uuid,
    depth: u32,
    filter: &WalkFilter,
    vis: Visibility,
) -> Result<(BTreeMap<Uuid, u32>, bool), DomainError> {
    let mut p = Params::new(db.get_database_backend());
    let start = p.bind(start);
    let max_depth = p.bind(i64::from(depth));
    let mut conditions = edge_conditions(&mut p, "e", filter, vis);
    if vis == Visibility::PublishedOnly {
        conditions.push_str(&format!(
            " AND n.status = {}",
            p.bind(Status::Published.to_value())
        ));
    }
    if !filter.kinds.is_empty() {
        let kinds = p.bind_all(filter.kinds.iter().map(|k| k.to_value()));
        conditions.push_str(&format!(" AND n.kind IN ({kinds})"));
    }
    let cap = p.bind(sql::count(MAX_WALK_ROWS));
    let sql = format!(
        "WITH RECURSIVE walk (node_id, depth) AS ( \
           SELECT id, 0 FROM node WHERE id = {start} \
           UNION \
           SELECT n.id, w.depth + 1 \
           FROM walk w \
           JOIN edge e ON e.subject_id = w.node_id OR e.object_id = w.node_id \
           JOIN node n ON n.id = CASE WHEN e.subject_id = w.node_id THEN e.object_id ELSE e.subject_id END \
           WHERE w.depth < {max_depth}{conditions} \
         ) \
         SELECT node_id, CAST(depth AS BIGINT) AS depth FROM walk LIMIT {cap}"
    );
    let rows = db.query_all_raw(p.statement(sql)).await?;
    let truncated = rows.len() as u64 >= MAX_WALK_ROWS;
    let mut dist = BTreeMap::new();
    for row in &rows {
        let id: Uuid = row.try_get("", "node_id")?;
        let d: i64 = row.try_get("", "depth")?;
        let d = u32::try_from(d).unwrap_or(u32::MAX);
        dist.entry(id)
            .and_modify(|old: &mut u32| *old = (*old).min(d))
            .or_insert(d);
    }
    Ok((dist, truncated))
}

/// SQL conditions on an edge alias: visibility, predicates, negation.
fn edge_conditions(p: &mut Params, alias: &str, filter: &WalkFilter, vis: Visibility) -> String {
    let mut sql = String::new();
    if vis == Visibility::PublishedOnly {
        sql.push_str(&format!(
            " AND {alias}.status = {}",
            p.bind(Status::Published.to_value())
        ));
    }
    if !filter.predicates.is_empty() {
        let predicates = p.bind_all(filter.predicates.iter().map(|x| x.to_value()));
        sql.push_str(&format!(" AND {alias}.predicate IN ({predicates})"));
    }
    if !filter.include_negated {
        sql.push_str(&format!(" AND {alias}.negated = {}", p.bind(false)));
    }
    sql
}

/// The visible edges joining two nodes of `ids`, filtered like the walk.
async fn edges_among(
    db: &impl ConnectionTrait,
    ids: &BTreeSet<Uuid>,
    filter: &WalkFilter,
    vis: Visibility,
) -> Result<Vec<edge::Model>, DomainError> {
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let backend = db.get_database_backend();
    let mut select = edge::Entity::find()
        .filter(sql::one_of(backend, edge::Column::SubjectId, &ids))
        .filter(sql::one_of(backend, edge::Column::ObjectId, &ids));
    if vis == Visibility::PublishedOnly {
        select = select.filter(edge::Column::Status.eq(Status::Published));
    }
    if !filter.predicates.is_empty() {
        select = select.filter(edge::Column::Predicate.is_in(filter.predicates.iter().copied()));
    }
    if !filter.include_negated {
        select = select.filter(edge::Column::Negated.eq(false));
    }
    Ok(select.order_by_asc(edge::Column::Id).all(db).await?)
}

async fn nodes_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<node::Model>, DomainError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(node::Entity::find()
        .filter(sql::one_of(
            db.get_database_backend(),
            node::Column::Id,
            &ids,
        ))
        .all(db)
        .await?)
}

async fn require_node(
    db: &impl ConnectionTrait,
    field: &str,
    id: Uuid,
    vis: Visibility,
) -> Result<node::Model, DomainError> {
    nodes::by_id(db, id, vis)
        .await?
        .ok_or_else(|| DomainError::NotFound {
            what: format!("node {id} ({field})"),
        })
}

/// The nodes within `depth` hops of `center` (either direction) and the links among them.
pub async fn neighborhood(
    db: &impl ConnectionTrait,
    center: Uuid,
    depth: u32,
    filter: &WalkFilter,
    vis: Visibility,
) -> Result<Neighborhood, DomainError> {
    require_node(db, "id", center, vis).await?;
    let (dist, cut) = walk(db, center, depth, filter, vis).await?;
    let mut by_depth: Vec<(Uuid, u32)> = dist.into_iter().collect();
    by_depth.sort_by_key(|&(id, d)| (d, id));
    let truncated = cut || by_depth.len() > MAX_NODES;
    by_depth.truncate(MAX_NODES);
    let depth_of: HashMap<Uuid, u32> = by_depth.iter().copied().collect();
    let ids: BTreeSet<Uuid> = depth_of.keys().copied().collect();
    let mut nodes: Vec<(node::Model, u32)> = nodes_by_id(db, ids.iter().copied())
        .await?
        .into_iter()
        .filter_map(|n| depth_of.get(&n.id).map(|&d| (n, d)))
        .collect();
    nodes.sort_by(|(a, da), (b, db_)| (da, &a.name, a.id).cmp(&(db_, &b.name, b.id)));
    let edges = edges_among(db, &ids, filter, vis).await?;
    Ok(Neighborhood {
        nodes,
        edges,
        truncated,
    })
}

/// The shortest paths from `from` to `to` of at most `max_depth` links, walking links in
/// either direction. Denied links are never part of a path.
pub async fn shortest_paths(
    db: &impl ConnectionTrait,
    from: Uuid,
    to: Uuid,
    max_depth: u32,
    vis: Visibility,
) -> Result<Paths, DomainError> {
    if from == to {
        return Err(DomainError::invalid(
            "to",
            "must differ from `from`: a node's path to itself is empty",
        ));
    }
    require_node(db, "from", from, vis).await?;
    require_node(db, "to", to, vis).await?;
    let filter = WalkFilter::default();
    let (from_dist, cut) = walk(db, from, max_depth, &filter, vis).await?;
    let Some(&length) = from_dist.get(&to) else {
        return Ok(Paths {
            nodes: HashMap::new(),
            edges: HashMap::new(),
            paths: Vec::new(),
            truncated: cut,
        });
    };
    // A node lies on a shortest path when its distances from both ends add up to the length.
    let (to_dist, cut_back) = walk(db, to, length, &filter, vis).await?;
    let on_path: BTreeSet<Uuid> = from_dist
        .iter()
        .filter(|(id, d)| to_dist.get(id).is_some_and(|t| **d + *t == length))
        .map(|(id, _)| *id)
        .collect();
    let edges: HashMap<Uuid, edge::Model> = edges_among(db, &on_path, &filter, vis)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    // Steps that move one hop further from `from`, in a stable order.
    let mut steps: BTreeMap<Uuid, Vec<(Uuid, Uuid)>> = BTreeMap::new();
    let mut sorted: Vec<&edge::Model> = edges.values().collect();
    sorted.sort_by_key(|e| e.id);
    for e in sorted {
        for (a, b) in [(e.subject_id, e.object_id), (e.object_id, e.subject_id)] {
            if from_dist
                .get(&a)
                .is_some_and(|da| from_dist.get(&b) == Some(&(da + 1)))
            {
                steps.entry(a).or_default().push((e.id, b));
            }
        }
    }
    let mut paths = Vec::new();
    extend(&steps, to, vec![from], Vec::new(), &mut paths);
    let nodes = nodes_by_id(db, on_path.iter().copied())
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    Ok(Paths {
        nodes,
        edges,
        paths,
        truncated: cut || cut_back,
    })
}

/// Depth-first enumeration of the layered steps, stopping at `MAX_PATHS`.
fn extend(
    steps: &BTreeMap<Uuid, Vec<(Uuid, Uuid)>>,
    to: Uuid,
    nodes: Vec<Uuid>,
    edges: Vec<Uuid>,
    out: &mut Vec<(Vec<Uuid>, Vec<Uuid>)>,
) {
    if out.len() >= MAX_PATHS {
        return;
    }
    let Some(&at) = nodes.last() else { return };
    if at == to {
        out.push((nodes, edges));
        return;
    }
    for &(edge, next) in steps.get(&at).map(Vec::as_slice).unwrap_or_default() {
        let mut n = nodes.clone();
        n.push(next);
        let mut e = edges.clone();
        e.push(edge);
        extend(steps, to, n, e, out);
    }
}
