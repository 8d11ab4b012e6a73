//! `changes`: the change feed, for consumers that keep copies of the content.

use async_graphql::{Context, Object, Result};

use crate::domain::DomainError;
use crate::domain::service::changes;
use crate::graphql::context::state;
use crate::graphql::mutation::gql;
use crate::graphql::types::{
    ChangePage, ContentChange, ContentChangeKind, change_position, page_size,
};

#[derive(Default)]
pub struct ChangesQuery;

#[Object]
impl ChangesQuery {
    /// Changes to published content (nodes, links, citations, sources: each publish, edit,
    /// archive, revert or deletion readers can see), oldest first, in the order they were
    /// committed. Start without `after` to read the feed from its beginning (which lists all
    /// the content there is), then keep `endCursor` and ask with `after: endCursor`: a
    /// consumer that stops and resumes misses nothing and gets nothing twice, whichever
    /// caregraph process it asks. Drafts and edits in review are not listed.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A cursor from this feed (`endCursor` or a change's `cursor`).")]
        after: Option<String>,
        #[graphql(desc = "Page size: 20 when not given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Only changes of these kinds.")] kinds: Option<Vec<ContentChangeKind>>,
    ) -> Result<ChangePage> {
        let state = state(ctx)?;
        let first = page_size(ctx, first)?;
        let position = after.as_deref().map(change_position).transpose()?;
        let kinds: Option<Vec<String>> =
            kinds.map(|kinds| kinds.iter().map(|k| k.stored().to_owned()).collect());
        let first = u64::try_from(first).unwrap_or(1);
        let mut rows = gql(
            changes::after(&state.db, position, first + 1, kinds.as_deref())
                .await
                .map_err(DomainError::from),
        )?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        Ok(ChangePage::new(
            rows.iter().filter_map(ContentChange::from_change).collect(),
            after,
            has_next_page,
        ))
    }
}
