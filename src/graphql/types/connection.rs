//! Relay connections over the node lists: keyset cursors, `totalCount`, bounded page sizes.

use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor};
use async_graphql::{Context, ErrorExtensions as _, Object, OutputType, Result};
use entity::sea_orm_active_enums::NodeKind;

use super::{NodeFilter, NodeOrder, NodeRef};
use crate::domain::service::nodes::{Cursor, ListQuery};
use crate::graphql::context::state;
use crate::graphql::error::bad_input;

/// Page size when `first` is not given.
pub(crate) const DEFAULT_PAGE: i32 = 20;
/// Largest page a client may ask for.
pub(crate) const MAX_PAGE: i32 = 100;

pub(crate) type NodeConnection<T> = Connection<OpaqueCursor<Cursor>, T, ListTotals, EmptyFields>;

/// Connection-wide fields of a node list.
pub(crate) struct ListTotals(ListQuery);

#[Object]
impl ListTotals {
    /// Number of nodes matching the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        self.0.count(&state(ctx)?.db).await.map_err(|e| e.extend())
    }
}

/// The arguments every node list takes.
pub(crate) struct NodeListArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub filter: Option<NodeFilter>,
    pub order_by: Option<NodeOrder>,
}

/// One page of the nodes of `kind` the caller may see.
pub(crate) async fn node_connection<T>(
    ctx: &Context<'_>,
    kind: NodeKind,
    args: NodeListArgs,
) -> Result<NodeConnection<T>>
where
    T: From<NodeRef> + OutputType,
{
    let state = state(ctx)?;
    let first = args.first.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(bad_input(
            "first",
            format!("must be between 0 and {MAX_PAGE} (got {first})"),
        ));
    }
    let after = match args.after.as_deref() {
        Some(raw) => Some(
            OpaqueCursor::<Cursor>::decode_cursor(raw)
                .map_err(|_| bad_input("after", "is not a cursor returned by this list"))?
                .0,
        ),
        None => None,
    };
    let name_contains = args.filter.and_then(|f| f.name_contains);
    if let Some(needle) = &name_contains {
        crate::domain::validate::optional_text("filter.nameContains", Some(needle), 200)
            .map_err(|e| e.extend())?;
    }
    let (order, direction) = args.order_by.unwrap_or_default().parts();
    let query = ListQuery {
        kind,
        name_contains,
        order,
        direction,
        visibility: state.visibility,
    };
    let (rows, has_next) = query
        .page(&state.db, after.as_ref(), u64::try_from(first).unwrap_or(0))
        .await
        .map_err(|e| e.extend())?;
    let mut connection =
        Connection::with_additional_fields(after.is_some(), has_next, ListTotals(query));
    connection.edges.extend(rows.into_iter().map(|row| {
        let cursor = OpaqueCursor(Cursor::of(&row, order));
        Edge::new(cursor, T::from(row.into()))
    }));
    Ok(connection)
}
