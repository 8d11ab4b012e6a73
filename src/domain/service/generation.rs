//! The content generation: a counter the database's triggers bump on every change of content,
//! whoever writes it; caches compare it to know when to drop what they hold.

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// The current generation.
pub async fn current(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT value FROM content_generation WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("content_generation has no row".to_owned()))?;
    row.try_get::<i64>("", "value")
}
