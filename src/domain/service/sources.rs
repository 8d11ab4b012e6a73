//! Reading sources.

use entity::source;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use uuid::Uuid;

use crate::domain::DomainError;

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<source::Model>, DomainError> {
    Ok(source::Entity::find()
        .order_by_asc(source::Column::Title)
        .all(db)
        .await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<source::Model, DomainError> {
    source::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound {
            what: format!("source {id}"),
        })
}
