//! Review-due dates: when published content is due for its next medical review, the list of
//! what is overdue, and a reviewer's own date for one item.

use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::Status;
use entity::{edge, node};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::versioned::{self, Versioned};
use super::workflow::Reviewed;
use crate::domain::DomainError;
use crate::domain::rules::audit::Action;
use crate::domain::rules::auth::{Actor, Permission};

/// Where a page of the overdue list starts: the due date and id of the last item shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "d")]
    pub due: DateTime<Utc>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

/// One overdue item.
pub struct Overdue {
    pub item: Reviewed,
    pub due: DateTime<Utc>,
}

/// Published nodes and links whose review was due before `now`, the longest overdue first:
/// up to `limit` after `after`, and whether more follow.
pub async fn overdue(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    after: Option<&Cursor>,
    limit: u64,
) -> Result<(Vec<Overdue>, bool), DomainError> {
    let nodes = page::<node::Entity>(db, now, after, limit + 1)
        .await?
        .into_iter()
        .filter_map(|n| {
            n.review_due.map(|due| Overdue {
                due,
                item: Reviewed::Node(n),
            })
        });
    let edges = page::<edge::Entity>(db, now, after, limit + 1)
        .await?
        .into_iter()
        .filter_map(|e| {
            e.review_due.map(|due| Overdue {
                due,
                item: Reviewed::Edge(e),
            })
        });
    let mut all: Vec<Overdue> = nodes.chain(edges).collect();
    all.sort_by_key(|o| (o.due, id_of(&o.item)));
    let more = all.len() as u64 > limit;
    all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((all, more))
}

/// How many published nodes and links are overdue for review at `now`.
pub async fn count_overdue(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, DomainError> {
    let nodes = node::Entity::find()
        .filter(node::Column::Status.eq(Status::Published))
        .filter(node::Column::ReviewDue.lt(now))
        .count(db)
        .await?;
    let edges = edge::Entity::find()
        .filter(edge::Column::Status.eq(Status::Published))
        .filter(edge::Column::ReviewDue.lt(now))
        .count(db)
        .await?;
    Ok(nodes + edges)
}

pub fn id_of(item: &Reviewed) -> Uuid {
    match item {
        Reviewed::Node(n) => n.id,
        Reviewed::Edge(e) => e.id,
    }
}

/// A table whose published rows carry a review-due date.
trait Due: Versioned {
    fn status_col() -> Self::Column;
    fn due_col() -> Self::Column;
    fn set_due(row: &mut Self::Model, due: DateTime<Utc>);
    fn status(row: &Self::Model) -> Status;
}

macro_rules! due {
    ($module:ident) => {
        impl Due for $module::Entity {
            fn status_col() -> Self::Column {
                $module::Column::Status
            }
            fn due_col() -> Self::Column {
                $module::Column::ReviewDue
            }
            fn set_due(row: &mut Self::Model, due: DateTime<Utc>) {
                row.review_due = Some(due);
            }
            fn status(row: &Self::Model) -> Status {
                row.status
            }
        }
    };
}

due!(node);
due!(edge);

async fn page<E: Due>(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    after: Option<&Cursor>,
    limit: u64,
) -> Result<Vec<E::Model>, DomainError> {
    let mut select = E::find()
        .filter(E::status_col().eq(Status::Published))
        .filter(E::due_col().lt(now));
    if let Some(c) = after {
        select = select.filter(
            Condition::any().add(E::due_col().gt(c.due)).add(
                Condition::all()
                    .add(E::due_col().eq(c.due))
                    .add(Expr::col(E::id_col()).gt(c.id)),
            ),
        );
    }
    Ok(select
        .order_by_asc(E::due_col())
        .order_by_asc(E::id_col())
        .limit(limit)
        .all(db)
        .await?)
}

/// Sets when published node or link `id` (at `version`) is next due for review: a reviewer's
/// decision, audited.
pub async fn set(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
    due: DateTime<Utc>,
) -> Result<Reviewed, DomainError> {
    actor.require(Permission::Review)?;
    if node::Entity::find_by_id(id).one(db).await?.is_some() {
        return Ok(Reviewed::Node(
            set_on::<node::Entity>(db, actor, id, version, due).await?,
        ));
    }
    Ok(Reviewed::Edge(
        set_on::<edge::Entity>(db, actor, id, version, due).await?,
    ))
}

async fn set_on<E>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
    due: DateTime<Utc>,
) -> Result<E::Model, DomainError>
where
    E: Due,
    E::Model: Serialize + sea_orm::IntoActiveModel<E::ActiveModel> + Clone,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let before = versioned::claim::<E>(db, id, version).await?;
    if E::status(&before) != Status::Published {
        return Err(DomainError::invalid(
            "id",
            "only published content has a review date: publish it first",
        ));
    }
    let mut row = before.clone();
    E::set_due(&mut row, due);
    versioned::save::<E>(db, actor, Action::SetReviewDue, &before, row, None).await
}
