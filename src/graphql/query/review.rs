//! `reviewQueue`: what waits for a reviewer.

use async_graphql::{Context, Enum, ID, Json, Object, Result, SimpleObject};
use entity::sea_orm_active_enums::NodeKind as StoredKind;

use crate::domain::rules::auth::Permission;
use crate::domain::service::review_queue::{self, FieldChange, Waiting};
use crate::domain::service::workflow::Reviewed;
use crate::graphql::context::state;
use crate::graphql::error::bad_input;
use crate::graphql::mutation::{as_content, gql, uuid};
use crate::graphql::types::Content;

/// What an item of the review queue is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentKind {
    /// A condition node.
    Condition,
    /// A cause node.
    Cause,
    /// A symptom node.
    Symptom,
    /// A risk node.
    Risk,
    /// A treatment node.
    Treatment,
    /// A link between two nodes.
    Link,
}

/// One field a submission changes.
#[derive(SimpleObject)]
pub(crate) struct ReviewFieldChange {
    /// The field, as the API names it (`summary`, `howTo`, `codings`…).
    field: String,
    /// Its published value; `null` for new content.
    before: Option<Json<serde_json::Value>>,
    /// Its value once published.
    after: Json<serde_json::Value>,
}

/// A submission waiting for a reviewer.
#[derive(SimpleObject)]
pub(crate) struct ReviewItem {
    /// The node or link, as content teams see it (its pending edit included).
    content: Content,
    /// True for an edit of published content, false for new content.
    is_edit: bool,
    /// Who submitted it.
    submitted_by: String,
    /// When.
    submitted_at: chrono::DateTime<chrono::Utc>,
    /// The change set of its last write (a page saved with `savePage`): `publishChangeSet`
    /// and `rejectChangeSet` decide the whole page at once.
    change_set_id: Option<ID>,
    /// What it changes, field by field: for an edit the fields it changes, before and after;
    /// for new content every field it sets.
    changes: Vec<ReviewFieldChange>,
    /// Pass as `after` to continue after this item.
    cursor: String,
}

/// A page of the review queue, oldest submission first.
#[derive(SimpleObject)]
pub(crate) struct ReviewQueuePage {
    /// The items of this page.
    items: Vec<ReviewItem>,
    /// True when more items follow: ask again with `after` set to the last item's `cursor`.
    has_next_page: bool,
}

#[derive(Default)]
pub struct ReviewQueueQuery;

#[Object]
impl ReviewQueueQuery {
    /// What waits for a reviewer: new content in review and edits of published content in
    /// review, oldest submission first, with who submitted each, when, and a field-by-field
    /// diff (content-team token).
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).", default = 20)] first: i32,
        #[graphql(desc = "`cursor` of the item after which to continue.")] after: Option<ID>,
        #[graphql(desc = "Only these kinds of content (all when absent or empty).")] kinds: Option<
            Vec<ContentKind>,
        >,
        #[graphql(desc = "Only submissions by this token name.")] submitted_by: Option<String>,
    ) -> Result<ReviewQueuePage> {
        let state = state(ctx)?;
        state.require(Permission::ReadDrafts)?;
        if !(1..=100).contains(&first) {
            return Err(bad_input("first", "must be between 1 and 100"));
        }
        let after = after.map(|a| uuid("after", &a)).transpose()?;
        let kinds = kinds.unwrap_or_default();
        let mut waiting: Vec<Waiting> =
            gql(review_queue::waiting(state.db.pool(), after, submitted_by.as_deref()).await)?
                .into_iter()
                .filter(|w| kinds.is_empty() || kinds.contains(&kind_of(&w.item)))
                .collect();
        let limit = usize::try_from(first).unwrap_or(20);
        let has_next_page = waiting.len() > limit;
        waiting.truncate(limit);
        let mut items = Vec::with_capacity(waiting.len());
        for w in waiting {
            items.push(ReviewItem {
                is_edit: w.edit,
                submitted_by: w.submitted_by,
                submitted_at: w.submitted_at,
                change_set_id: w.change_set.map(|id| ID(id.to_string())),
                changes: w.changes.into_iter().map(change).collect(),
                cursor: w.submission.to_string(),
                content: gql(as_content(state.db.pool(), w.item).await)?,
            });
        }
        Ok(ReviewQueuePage {
            items,
            has_next_page,
        })
    }
}

fn kind_of(item: &Reviewed) -> ContentKind {
    match item {
        Reviewed::Edge(_) => ContentKind::Link,
        Reviewed::Node(n) => match n.kind {
            StoredKind::Condition => ContentKind::Condition,
            StoredKind::Cause => ContentKind::Cause,
            StoredKind::Symptom => ContentKind::Symptom,
            StoredKind::Risk => ContentKind::Risk,
            StoredKind::Treatment => ContentKind::Treatment,
        },
    }
}

fn change(c: FieldChange) -> ReviewFieldChange {
    ReviewFieldChange {
        field: c.field,
        before: c.before.map(Json),
        after: Json(c.after),
    }
}
