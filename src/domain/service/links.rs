//! Reading edges together with the node at their other end, in batches of many nodes.

use entity::sea_orm_active_enums::{Predicate, Status, TreatmentPlace};
use entity::{citation, edge, node, source};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use uuid::Uuid;

use crate::domain::{DomainError, Visibility};

/// Which end of an edge the given nodes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// The nodes are subjects; the other end is the object.
    Out,
    /// The nodes are objects; the other end is the subject.
    In,
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

/// Every visible edge touching `ids` on the given side with one of `predicates` (any when
/// empty), with the node at its other end, in one statement, ordered by the other end's name.
/// Callers pick negation.
pub async fn of_nodes(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    dir: Direction,
    predicates: &[Predicate],
    vis: Visibility,
) -> Result<Vec<(edge::Model, node::Model)>, DomainError> {
    let (near, far) = match dir {
        Direction::Out => (edge::Column::SubjectId, edge::Relation::Object),
        Direction::In => (edge::Column::ObjectId, edge::Relation::Subject),
    };
    let mut select = edge::Entity::find()
        .join(JoinType::InnerJoin, far.def())
        .filter(near.is_in(ids.iter().copied()));
    if !predicates.is_empty() {
        select = select.filter(edge::Column::Predicate.is_in(predicates.iter().copied()));
    }
    if vis == Visibility::PublishedOnly {
        select = select
            .filter(edge::Column::Status.eq(Status::Published))
            .filter(node::Column::Status.eq(Status::Published));
    }
    let rows = select
        .order_by_asc(node::Column::Name)
        .order_by_asc(edge::Column::Id)
        .select_also(node::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(e, n)| n.map(|n| (e, n)))
        .collect())
}

/// The citations of the given nodes and edges with their sources, in one statement.
pub async fn citations_of(
    db: &impl ConnectionTrait,
    node_ids: &[Uuid],
    edge_ids: &[Uuid],
    vis: Visibility,
) -> Result<Vec<(citation::Model, source::Model)>, DomainError> {
    let mut any = Condition::any();
    if !node_ids.is_empty() {
        any = any.add(citation::Column::NodeId.is_in(node_ids.iter().copied()));
    }
    if !edge_ids.is_empty() {
        any = any.add(citation::Column::EdgeId.is_in(edge_ids.iter().copied()));
    }
    let mut select = citation::Entity::find().filter(any);
    if vis == Visibility::PublishedOnly {
        select = select.filter(citation::Column::Status.eq(Status::Published));
    }
    let rows = select
        .find_also_related(source::Entity)
        .order_by_asc(citation::Column::CreatedAt)
        .order_by_asc(citation::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, s)| s.map(|s| (c, s)))
        .collect())
}
