//! Reading nodes: by id, by slug, and as keyset-paginated lists.

use entity::sea_orm_active_enums::{NodeKind, Status};
use entity::{citation, node, source};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait as _, RelationTrait as _, Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::links::{self, Cites};
use super::rows::Columns;
use crate::domain::{DomainError, Visibility};

pub async fn by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
    vis: Visibility,
) -> Result<Option<node::Model>, DomainError> {
    Ok(visible(node::Entity::find_by_id(id), vis).one(db).await?)
}

pub async fn by_slug(
    db: &impl ConnectionTrait,
    kind: Option<NodeKind>,
    slug: &str,
    vis: Visibility,
) -> Result<Option<node::Model>, DomainError> {
    let mut select = node::Entity::find().filter(node::Column::Slug.eq(slug));
    if let Some(kind) = kind {
        select = select.filter(node::Column::Kind.eq(kind));
    }
    Ok(visible(select, vis).one(db).await?)
}

/// [`by_slug`] together with the node's visible citations and their sources, oldest first, in
/// one statement (one row per citation): a page that shows them needs no second statement.
pub async fn by_slug_cited(
    db: &impl ConnectionTrait,
    kind: Option<NodeKind>,
    slug: &str,
    vis: Visibility,
) -> Result<Option<(node::Model, Vec<(citation::Model, source::Model)>)>, DomainError> {
    let backend = db.get_database_backend();
    let mut select = node::Entity::find()
        .select_only()
        .columns(links::LISTED_NODE)
        .columns(links::REST_NODE);
    select = links::with_citations(select, node::Relation::Citation.def(), vis, Cites::Sources)
        .filter(node::Column::Slug.eq(slug));
    if let Some(kind) = kind {
        select = select.filter(node::Column::Kind.eq(kind));
    }
    let statement = visible(select, vis)
        .order_by_asc(citation::Column::CreatedAt)
        .order_by_asc(citation::Column::Id)
        .build(backend);
    let rows = db.query_all_raw(statement).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut columns = Columns::of(first)?;
    let mut node = columns.listed_node()?;
    columns.rest_of_node(&mut node)?;
    let width = links::LISTED_NODE.len() + links::REST_NODE.len();
    let mut citations = Vec::new();
    for row in &rows {
        let mut columns = Columns::of(row)?;
        columns.skip_to(width);
        // A node without citations has one row, its citation columns NULL.
        if let Some(cited) = columns.citation(Cites::Sources)? {
            citations.push(cited);
        }
    }
    Ok(Some((node, citations)))
}

/// Sort keys of the node lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderField {
    Name,
    Slug,
    /// Ids are UUID v7, so id order is creation order.
    CreatedAt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// Where a page starts: the sort value and id of the last row of the previous page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub key: String,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn of(row: &node::Model, field: OrderField) -> Self {
        let key = match field {
            OrderField::Name => row.name.clone(),
            OrderField::Slug => row.slug.clone(),
            OrderField::CreatedAt => String::new(),
        };
        Self { key, id: row.id }
    }
}

/// A list of one kind of node.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub kind: NodeKind,
    pub name_contains: Option<String>,
    pub order: OrderField,
    pub direction: Direction,
    pub visibility: Visibility,
}

impl ListQuery {
    fn select(&self) -> Select<node::Entity> {
        let mut select = node::Entity::find().filter(node::Column::Kind.eq(self.kind));
        if let Some(needle) = self.name_contains.as_deref().filter(|n| !n.is_empty()) {
            // Case-insensitive on both databases; the user's % and _ match themselves.
            let pattern = format!("%{}%", escape_like(&needle.to_lowercase()));
            select = select.filter(
                Expr::expr(Func::lower(Expr::col((node::Entity, node::Column::Name))))
                    .like(LikeExpr::new(pattern).escape('\\')),
            );
        }
        visible(select, self.visibility)
    }

    /// One page: up to `limit` rows after `after`, plus whether more follow.
    pub async fn page(
        &self,
        db: &impl ConnectionTrait,
        after: Option<&Cursor>,
        limit: u64,
    ) -> Result<(Vec<node::Model>, bool), DomainError> {
        let (order, cmp_after): (Order, fn(Expr, Expr) -> Expr) = match self.direction {
            Direction::Asc => (Order::Asc, |a, b| a.gt(b)),
            Direction::Desc => (Order::Desc, |a, b| a.lt(b)),
        };
        let key_col = match self.order {
            OrderField::Name => Some(node::Column::Name),
            OrderField::Slug => Some(node::Column::Slug),
            OrderField::CreatedAt => None,
        };
        let mut select = self.select();
        if let Some(cursor) = after {
            let id_after = cmp_after(
                Expr::col((node::Entity, node::Column::Id)),
                Expr::val(cursor.id),
            );
            let cond = match key_col {
                Some(col) => Condition::any()
                    .add(cmp_after(
                        Expr::col((node::Entity, col)),
                        Expr::val(cursor.key.clone()),
                    ))
                    .add(
                        Condition::all()
                            .add(Expr::col((node::Entity, col)).eq(cursor.key.clone()))
                            .add(id_after),
                    ),
                None => Condition::all().add(id_after),
            };
            select = select.filter(cond);
        }
        if let Some(col) = key_col {
            select = select.order_by(col, order.clone());
        }
        let select = select.order_by(node::Column::Id, order);
        Ok(super::sql::one_page(db, select, limit).await?)
    }

    pub async fn count(&self, db: &impl ConnectionTrait) -> Result<u64, DomainError> {
        Ok(self.select().count(db).await?)
    }
}

/// Restricts a select to what the viewer may see.
pub(crate) fn visible(select: Select<node::Entity>, vis: Visibility) -> Select<node::Entity> {
    match vis {
        Visibility::PublishedOnly => select.filter(node::Column::Status.eq(Status::Published)),
        Visibility::Everything => select,
    }
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_match_themselves() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
