//! Reading edges together with the node at their other end, in batches of many nodes.

use entity::sea_orm_active_enums::{NodeKind, Predicate, Status, TreatmentPlace, TreatmentType};
use entity::{citation, edge, node, source};
use sea_orm::prelude::{DateTimeUtc, Json};
use sea_orm::{
    ActiveEnum as _, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    IdenStatic as _, Iterable as _, JoinType, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait as _, RelationTrait,
};
use uuid::Uuid;

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

/// The node at a link's far end, its columns aliased `n_…` beside the edge's own: read flat,
/// without the per-column formatted prefix of SeaORM's two-model select.
#[derive(FromQueryResult)]
struct FarEnd {
    n_id: Uuid,
    n_kind: NodeKind,
    n_slug: String,
    n_name: String,
    n_synonyms: Json,
    n_summary: Option<String>,
    n_treatment_type: Option<TreatmentType>,
    n_codings: Json,
    n_status: Status,
    n_pending: Option<Json>,
    n_pending_status: Option<Status>,
    n_reviewed_by: Option<String>,
    n_reviewed_at: Option<DateTimeUtc>,
    n_review_due: Option<DateTimeUtc>,
    n_version: i32,
    n_created_at: DateTimeUtc,
    n_updated_at: DateTimeUtc,
}

impl From<FarEnd> for node::Model {
    fn from(n: FarEnd) -> Self {
        Self {
            id: n.n_id,
            kind: n.n_kind,
            slug: n.n_slug,
            name: n.n_name,
            synonyms: n.n_synonyms,
            summary: n.n_summary,
            treatment_type: n.n_treatment_type,
            codings: n.n_codings,
            status: n.n_status,
            pending: n.n_pending,
            pending_status: n.n_pending_status,
            reviewed_by: n.n_reviewed_by,
            reviewed_at: n.n_reviewed_at,
            review_due: n.n_review_due,
            version: n.n_version,
            created_at: n.n_created_at,
            updated_at: n.n_updated_at,
        }
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
    let backend = db.get_database_backend();
    let (near, far) = match dir {
        Direction::Out => (edge::Column::SubjectId, edge::Relation::Object),
        Direction::In => (edge::Column::ObjectId, edge::Relation::Subject),
    };
    let mut select = edge::Entity::find();
    for column in node::Column::iter() {
        select = select.column_as(column, format!("n_{}", column.as_str()));
    }
    select = select
        .join(JoinType::InnerJoin, far.def())
        .filter(sql::one_of(backend, near, ids));
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
    let statement = select
        .order_by_asc(node::Column::Name)
        .order_by_asc(edge::Column::Id)
        .build(backend);
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| {
            let edge = edge::Model::from_query_result(row, "")?;
            let far = FarEnd::from_query_result(row, "")?;
            Ok::<_, DomainError>((edge, far.into()))
        })
        .collect()
}

/// A citation with the columns of its source that readers are shown, read flat: the
/// source's text (kilobytes, compressed out of line by PostgreSQL) is left in the database,
/// and unprefixed columns spare SeaORM a formatted name per column and row.
#[derive(FromQueryResult)]
struct CitedRow {
    id: Uuid,
    source_id: Uuid,
    node_id: Option<Uuid>,
    edge_id: Option<Uuid>,
    quote: String,
    status: Status,
    created_at: DateTimeUtc,
    source_slug: String,
    source_title: String,
    source_url: Option<String>,
    source_publisher: Option<String>,
    source_version: i32,
    source_created_at: DateTimeUtc,
    source_updated_at: DateTimeUtc,
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
    let mut select = citation::Entity::find()
        .select_only()
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
        .join(JoinType::InnerJoin, citation::Relation::Source.def())
        .filter(any);
    if vis == Visibility::PublishedOnly {
        select = select.filter(citation::Column::Status.eq(Status::Published));
    }
    let rows = select
        .order_by_asc(citation::Column::CreatedAt)
        .order_by_asc(citation::Column::Id)
        .into_model::<CitedRow>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let source = source::Model {
                id: r.source_id,
                slug: r.source_slug,
                title: r.source_title,
                url: r.source_url,
                publisher: r.source_publisher,
                content: None,
                version: r.source_version,
                created_at: r.source_created_at,
                updated_at: r.source_updated_at,
            };
            let citation = citation::Model {
                id: r.id,
                source_id: r.source_id,
                node_id: r.node_id,
                edge_id: r.edge_id,
                quote: r.quote,
                status: r.status,
                created_at: r.created_at,
            };
            (citation, source)
        })
        .collect())
}
