//! API tokens: random, shown once, stored as SHA-256.

use base64::Engine as _;
use chrono::Utc;
use entity::api_token;
use entity::sea_orm_active_enums::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{self, insertable};
use crate::domain::DomainError;
use crate::domain::rules::audit::{Action, Snapshot, TargetType};
use crate::domain::rules::auth::Actor;
use crate::domain::rules::validate;

/// Every token starts with this, so a leaked one is easy to recognise (and to scan for).
pub const PREFIX: &str = "cgt_";

/// A token as created: the secret is in `token`, shown this once.
pub struct Issued {
    pub row: api_token::Model,
    pub token: String,
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn generate() -> Result<String, DomainError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| DomainError::invalid("token", format!("no randomness available: {e}")))?;
    Ok(format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: &str,
    role: Role,
) -> Result<Issued, DomainError> {
    validate::text_line("name", name, 100)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
    {
        return Err(DomainError::invalid(
            "name",
            "use letters, digits and . _ @ - only",
        ));
    }
    if api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .one(db)
        .await?
        .is_some()
    {
        return Err(DomainError::invalid(
            "name",
            format!("a token named {name:?} exists already"),
        ));
    }
    let token = generate()?;
    let row = api_token::Model {
        id: Uuid::now_v7(),
        name: name.to_owned(),
        role,
        token_hash: hash(&token),
        created_at: Utc::now(),
        revoked_at: None,
    };
    api_token::Entity::insert(insertable::<_, api_token::ActiveModel>(row.clone()))
        .exec_without_returning(db)
        .await?;
    audit::record(
        db,
        actor,
        Action::CreateToken,
        TargetType::ApiToken,
        row.id,
        None,
        Some(redacted(&row)),
    )
    .await?;
    Ok(Issued { row, token })
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<api_token::Model>, DomainError> {
    Ok(api_token::Entity::find()
        .order_by_asc(api_token::Column::Name)
        .all(db)
        .await?)
}

pub async fn revoke(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: &str,
) -> Result<api_token::Model, DomainError> {
    let before = api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound {
            what: format!("token {name:?}"),
        })?;
    if before.revoked_at.is_some() {
        return Err(DomainError::invalid(
            "name",
            format!("token {name:?} is already revoked"),
        ));
    }
    let mut row = before.clone();
    row.revoked_at = Some(Utc::now());
    insertable::<_, api_token::ActiveModel>(row.clone())
        .update(db)
        .await?;
    audit::record(
        db,
        actor,
        Action::RevokeToken,
        TargetType::ApiToken,
        row.id,
        Some(redacted(&before)),
        Some(redacted(&row)),
    )
    .await?;
    Ok(row)
}

/// The holder of a presented token, when it is known and not revoked.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Actor>, DomainError> {
    if !token.starts_with(PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(row.map(|r| Actor::person(r.name, r.role)))
}

/// The audit log never holds token hashes.
fn redacted(row: &api_token::Model) -> Snapshot {
    let mut s = Snapshot::of(row);
    if let Some(obj) = s.row.as_object_mut() {
        obj.remove("token_hash");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let (a, b) = (generate().unwrap(), generate().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 43);
        assert_eq!(
            hash("x"),
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        );
    }
}
