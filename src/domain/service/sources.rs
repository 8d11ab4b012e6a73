//! Reading sources.

use entity::source;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::domain::DomainError;

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<source::Model>, DomainError> {
    Ok(source::Entity::find()
        .order_by_asc(source::Column::Title)
        .all(db)
        .await?)
}
