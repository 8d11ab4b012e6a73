//! What each request carries: its database handle, who is reading, and its DataLoaders.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_graphql::dataloader::DataLoader;
use async_graphql::parser::types::OperationType;
use async_graphql::{Context, Error, ErrorExtensions as _};
use futures_util::future::BoxFuture;
use uuid::Uuid;

use crate::db::CountingConn;
use crate::domain::Visibility;
use crate::domain::rules::auth::{Actor, Permission, Viewer};
use crate::domain::service::links::{Cites, Direction, Levels};
use crate::graphql::error::code;
use crate::graphql::loaders::{
    Batch, CitationRow, CitationsLoader, CitedBy, LinkKey, LinkRow, LinksAhead, LinksLoader,
};

/// Most keys one batched statement carries; far below every database's parameter limit.
const MAX_BATCH: usize = 5000;

/// Per-request state, put into the request's data by the HTTP layer.
pub struct RequestState {
    pub db: CountingConn,
    pub viewer: Viewer,
    links: DataLoader<LinksLoader>,
    citations: DataLoader<CitationsLoader>,
    /// Bumped each time a resolver asks a loader for a key; see `settle`.
    activity: Arc<AtomicUsize>,
    /// What parents' statements read along for their children, so the fields that show it
    /// need no statement of their own; `None` when the request keeps nothing (see `new`).
    along: Option<ReadAlong>,
}

/// Citations read along, with how much of them was read.
type Citations = (Cites, Arc<[CitationRow]>);

/// Rows read for a field by the statement of its parent.
#[derive(Default)]
struct ReadAlong {
    /// A node's citations (`nodes::by_slug_cited`, `links::page`), with how much of them was
    /// read.
    citations: Mutex<HashMap<CitedBy, Citations>>,
    /// Links read ahead: far ends' links (`LinkKey::onward`), kept by the links loader, and
    /// a node's own, read with it (`links::page`).
    links: Arc<LinksAhead>,
}

impl RequestState {
    /// The state of a request running an operation of `kind`. Only a query keeps rows read
    /// along: between the fields of a mutation, or the events of a subscription, what was
    /// read may have changed.
    pub fn new(db: CountingConn, viewer: Viewer, kind: Option<OperationType>) -> Self {
        let activity = Arc::new(AtomicUsize::new(0));
        let visibility = viewer.visibility();
        let along = (kind == Some(OperationType::Query)).then(ReadAlong::default);
        let ahead = along.as_ref().map(|a| a.links.clone());
        Self {
            links: loader(LinksLoader::new(db.clone(), visibility, ahead), &activity),
            citations: loader(CitationsLoader::new(db.clone(), visibility), &activity),
            db,
            viewer,
            activity,
            along,
        }
    }

    /// What the caller may read: published content only, or drafts too.
    pub fn visibility(&self) -> Visibility {
        self.viewer.visibility()
    }

    /// The caller, when they hold `permission`; UNAUTHENTICATED or FORBIDDEN otherwise.
    pub(crate) fn require(&self, permission: Permission) -> Result<Actor, Error> {
        self.viewer
            .require(permission)
            .cloned()
            .map_err(|e| e.extend())
    }

    pub(crate) fn links(&self) -> &DataLoader<LinksLoader> {
        self.activity.fetch_add(1, Ordering::Relaxed);
        &self.links
    }

    /// Whether parents read rows along for their children in this request.
    pub(crate) fn reads_along(&self) -> bool {
        self.along.is_some()
    }

    /// Keeps the citations of `key` read along with their parent, as much of them as
    /// `cites` says, for [`Self::read_along`]. Two parents of one node (aliases) may read
    /// different amounts: the fuller read stays.
    pub(crate) fn keep_read_along(&self, key: CitedBy, cites: Cites, rows: Arc<[CitationRow]>) {
        if let Some(along) = &self.along {
            let mut kept = along
                .citations
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if kept.get(&key).is_none_or(|(had, _)| *had < cites) {
                kept.insert(key, (cites, rows));
            }
        }
    }

    /// The citations of `key`, when a parent's statement read at least as much of them as
    /// `shows`.
    pub(crate) fn read_along(&self, key: CitedBy, shows: Cites) -> Option<Arc<[CitationRow]>> {
        self.along.as_ref().and_then(|along| {
            along
                .citations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&key)
                .filter(|(read, _)| *read >= shows)
                .map(|(_, rows)| rows.clone())
        })
    }

    /// Keeps the links `links::page` read with `node` (`batch`, on the `dir` side), for its
    /// link fields.
    pub(crate) fn keep_page_links(
        &self,
        node: Uuid,
        dir: Direction,
        batch: &Batch,
        levels: Levels,
    ) {
        if let Some(along) = &self.along {
            along.links.keep_page(node, dir, batch, levels);
        }
    }

    /// The links `key` asks for, when the statement of its parent's links, or of the node
    /// itself, read them ahead.
    pub(crate) fn links_read_along(&self, key: &LinkKey) -> Option<Arc<[LinkRow]>> {
        self.along.as_ref().and_then(|along| along.links.get(key))
    }

    pub(crate) fn citations(&self) -> &DataLoader<CitationsLoader> {
        self.activity.fetch_add(1, Ordering::Relaxed);
        &self.citations
    }
}

/// A DataLoader whose batches close when the request stops asking for keys, not after a
/// fixed delay. async-graphql's default 1 ms timer splits a level into several statements
/// whenever resolving it takes longer than the timer (50 items in a debug build do), which
/// breaks the "statements grow with depth, not with results" rule; waiting for quiet also
/// saves the timer's latency on every level.
fn loader<L>(inner: L, activity: &Arc<AtomicUsize>) -> DataLoader<L> {
    let activity = activity.clone();
    DataLoader::new(inner, move |fetch: BoxFuture<'static, ()>| {
        let activity = activity.clone();
        tokio::spawn(async move {
            settle(&activity).await;
            fetch.await;
        })
    })
    .delay(Duration::ZERO)
    .max_batch_size(MAX_BATCH)
}

/// Returns once the request has gone two scheduler turns without asking for a new key: every
/// resolver of the current level that could still ask has run by then. Each HTTP worker runs
/// a single-threaded runtime, so a turn lets every runnable task of the worker run once.
async fn settle(activity: &AtomicUsize) {
    let mut quiet_turns = 0;
    while quiet_turns < 2 {
        let before = activity.load(Ordering::Relaxed);
        tokio::task::yield_now().await;
        if activity.load(Ordering::Relaxed) == before {
            quiet_turns += 1;
        } else {
            quiet_turns = 0;
        }
    }
}

/// The request state, or an INTERNAL error when the HTTP layer forgot to add it.
pub(crate) fn state<'a>(ctx: &Context<'a>) -> Result<&'a RequestState, Error> {
    ctx.data::<RequestState>().map_err(|_| {
        tracing::error!("GraphQL request executed without RequestState");
        Error::new("internal error").extend_with(|_, e| e.set("code", code::INTERNAL))
    })
}
