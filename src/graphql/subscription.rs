//! The subscription root: content changes as they are committed, over WebSocket.

use std::sync::Arc;

use async_graphql::{Context, Error, ErrorExtensions as _, ID, Result, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::graphql::error::{bad_input, code};
use crate::graphql::types::{ContentChange, ContentChangeKind};
use crate::live::ChangeHub;

/// Most ids or slugs one subscription may watch.
const MAX_WATCHED: usize = 100;

#[derive(Default)]
pub struct SubscriptionRoot;

/// Changes to published content as they are committed, over WebSocket.
#[Subscription]
impl SubscriptionRoot {
    /// Each change to published content from now on (a publish, an edit, a new or removed
    /// citation or coding, an archive, a revert, a deletion), whichever caregraph process or
    /// other writer committed it, in commit order. Only published content is reported, to
    /// every caller. Filters narrow it: `kinds`; `ids` (of nodes: a change to one of them,
    /// or to a link or citation on its page; or of links, citations, sources); `slugs` (of
    /// nodes or sources). Send it over WebSocket (`graphql-transport-ws`) to `/graphql`. A
    /// subscriber too slow to take the changes gets a `CHANGES_MISSED` error and the stream
    /// ends: read the gap with `changes(after:)` from its last `cursor`.
    async fn content_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes of these kinds.")] kinds: Option<Vec<ContentChangeKind>>,
        #[graphql(
            desc = "Only changes to these nodes (or on their pages), links, citations or sources."
        )]
        ids: Option<Vec<ID>>,
        #[graphql(desc = "Only changes to the nodes or sources with these slugs.")] slugs: Option<
            Vec<String>,
        >,
    ) -> Result<impl Stream<Item = Result<ContentChange>> + use<>> {
        for (field, len) in [
            ("ids", ids.as_ref().map_or(0, Vec::len)),
            ("slugs", slugs.as_ref().map_or(0, Vec::len)),
        ] {
            if len > MAX_WATCHED {
                return Err(bad_input(
                    field,
                    format!("at most {MAX_WATCHED} may be watched by one subscription"),
                ));
            }
        }
        let hub = ctx.data::<Arc<ChangeHub>>().map_err(|_| {
            Error::new("subscriptions are served over WebSocket at /graphql")
                .extend_with(|_, e| e.set("code", code::BAD_REQUEST))
        })?;
        let filter = Arc::new((kinds, ids, slugs));
        let receiver = hub.subscribe();
        Ok(futures_util::stream::unfold(
            Some(receiver),
            move |receiver| {
                let filter = Arc::clone(&filter);
                async move {
                    let mut receiver = receiver?;
                    loop {
                        match receiver.recv().await {
                            Ok(change) => {
                                let Some(change) = ContentChange::from_change(&change) else {
                                    continue;
                                };
                                let (kinds, ids, slugs) = &*filter;
                                if change.matches(
                                    kinds.as_deref(),
                                    ids.as_deref(),
                                    slugs.as_deref(),
                                ) {
                                    return Some((Ok(change), Some(receiver)));
                                }
                            }
                            Err(RecvError::Lagged(missed)) => {
                                let err = Error::new(format!(
                                    "this subscriber fell {missed} changes behind and missed \
                                     them; read them with changes(after:) from the last \
                                     cursor received, then subscribe again"
                                ))
                                .extend_with(|_, e| e.set("code", code::CHANGES_MISSED));
                                return Some((Err(err), None));
                            }
                            Err(RecvError::Closed) => return None,
                        }
                    }
                }
            },
        ))
    }
}
