//! Relay connections over the node lists: keyset cursors, `totalCount`, bounded page sizes.
//! Written out (not async-graphql's generic `Connection`) so every type carries a description.

use async_graphql::connection::{CursorType, OpaqueCursor};
use async_graphql::{Context, Error, ErrorExtensions as _, Object, Result, SimpleObject};
use entity::sea_orm_active_enums::NodeKind;

use super::{Cause, Condition, NodeFilter, NodeOrder, NodeRef, Risk, Symptom, Treatment};
use crate::domain::service::nodes::{Cursor, ListQuery};
use crate::graphql::context::state;
use crate::graphql::error::{bad_input, code};
use crate::graphql::request::limits::{PageSizeLimit, limit};

/// Page size when `first` is not given.
pub(crate) const DEFAULT_PAGE: i32 = 20;
/// Largest page a client may ask for when the schema carries no configured bound.
pub(crate) const MAX_PAGE: i32 = 100;

/// Where a page sits in its list.
#[derive(SimpleObject)]
pub(crate) struct PageInfo {
    /// True when more nodes follow this page: ask again with `after: endCursor`.
    pub(crate) has_next_page: bool,
    /// True when this page started after a cursor.
    pub(crate) has_previous_page: bool,
    /// Cursor of the first node of this page.
    pub(crate) start_cursor: Option<String>,
    /// Cursor of the last node of this page.
    pub(crate) end_cursor: Option<String>,
}

/// One page of a node list, before it is wrapped in its typed connection.
pub(crate) struct Page<T> {
    edges: Vec<(String, T)>,
    page_info: PageInfo,
    query: ListQuery,
}

/// The arguments every node list takes.
pub(crate) struct NodeListArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub filter: Option<NodeFilter>,
    pub order_by: Option<NodeOrder>,
}

/// One page of the nodes of `kind` the caller may see.
pub(crate) async fn node_page<T: From<NodeRef>>(
    ctx: &Context<'_>,
    kind: NodeKind,
    args: NodeListArgs,
) -> Result<Page<T>> {
    let state = state(ctx)?;
    let first = page_size(ctx, args.first)?;
    let after = match args.after.as_deref() {
        Some(raw) => Some(
            OpaqueCursor::<Cursor>::decode_cursor(raw)
                .map_err(|_| bad_input("after", "is not a cursor returned by this list"))?
                .0,
        ),
        None => None,
    };
    let name_contains = args.filter.and_then(|f| f.name_contains);
    crate::domain::rules::validate::optional_text(
        "filter.nameContains",
        name_contains.as_deref(),
        200,
    )
    .map_err(|e| e.extend())?;
    let (order, direction) = args.order_by.unwrap_or_default().parts();
    let query = ListQuery {
        kind,
        name_contains,
        order,
        direction,
        visibility: state.visibility(),
    };
    let limit = u64::try_from(first).unwrap_or(0);
    let (rows, has_next_page) = query
        .page(&state.db, after.as_ref(), limit)
        .await
        .map_err(|e| e.extend())?;
    let edges: Vec<(String, T)> = rows
        .into_iter()
        .map(|row| {
            (
                OpaqueCursor(Cursor::of(&row, order)).encode_cursor(),
                T::from(row.into()),
            )
        })
        .collect();
    let page_info = PageInfo {
        has_next_page,
        has_previous_page: after.is_some(),
        start_cursor: edges.first().map(|(c, _)| c.clone()),
        end_cursor: edges.last().map(|(c, _)| c.clone()),
    };
    Ok(Page {
        edges,
        page_info,
        query,
    })
}

/// The page size `first` asks for, within the configured bound (`--max-page-size`).
pub(crate) fn page_size(ctx: &Context<'_>, first: Option<i32>) -> Result<i32> {
    let max = ctx
        .data_opt::<PageSizeLimit>()
        .map_or(MAX_PAGE, |limit| limit.0);
    let first = first.unwrap_or(DEFAULT_PAGE.min(max));
    if first < 0 {
        return Err(bad_input(
            "first",
            format!("must be 0 or more (got {first})"),
        ));
    }
    if first > max {
        return Err(Error::new(format!(
            "`first` is {first}; a page holds at most {max} (limit pageSize)"
        ))
        .extend_with(|_, e| {
            e.set("code", code::LIMIT_EXCEEDED);
            e.set("limit", limit::PAGE_SIZE);
            e.set("max", max);
            e.set("field", "first");
        }));
    }
    Ok(first)
}

/// Defines a typed connection and its edge type.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ident, $conn_doc:literal, $edge_doc:literal) => {
        #[doc = $conn_doc]
        pub(crate) struct $conn(Page<$node>);

        impl From<Page<$node>> for $conn {
            fn from(page: Page<$node>) -> Self {
                Self(page)
            }
        }

        #[doc = $conn_doc]
        #[Object]
        impl $conn {
            /// The nodes of this page, each with its cursor.
            async fn edges(&self) -> Vec<$edge<'_>> {
                self.0
                    .edges
                    .iter()
                    .map(|(cursor, node)| $edge { cursor, node })
                    .collect()
            }
            /// The nodes of this page, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.0.edges.iter().map(|(_, node)| node).collect()
            }
            /// Where this page sits in the list.
            async fn page_info(&self) -> &PageInfo {
                &self.0.page_info
            }
            /// Number of nodes matching the filter, across all pages.
            async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
                self.0
                    .query
                    .count(&state(ctx)?.db)
                    .await
                    .map_err(|e| e.extend())
            }
        }

        #[doc = $edge_doc]
        pub(crate) struct $edge<'a> {
            cursor: &'a str,
            node: &'a $node,
        }

        #[doc = $edge_doc]
        #[Object]
        impl $edge<'_> {
            /// Opaque cursor: pass it as `after` to get the nodes after this one.
            async fn cursor(&self) -> &str {
                self.cursor
            }
            /// The node.
            async fn node(&self) -> &$node {
                self.node
            }
        }
    };
}

connection!(
    ConditionConnection,
    ConditionEdge,
    Condition,
    "A page of conditions.",
    "A condition in a page, with its cursor."
);
connection!(
    CauseConnection,
    CauseEdge,
    Cause,
    "A page of causes.",
    "A cause in a page, with its cursor."
);
connection!(
    SymptomConnection,
    SymptomEdge,
    Symptom,
    "A page of symptoms.",
    "A symptom in a page, with its cursor."
);
connection!(
    RiskConnection,
    RiskEdge,
    Risk,
    "A page of risks.",
    "A risk in a page, with its cursor."
);
connection!(
    TreatmentConnection,
    TreatmentEdge,
    Treatment,
    "A page of treatments.",
    "A treatment in a page, with its cursor."
);
