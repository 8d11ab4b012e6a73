//! What each request carries: its database handle, who is reading, and its DataLoaders.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Error, ErrorExtensions as _};

use crate::db::CountingConn;
use crate::domain::Visibility;
use crate::graphql::error::code;
use crate::graphql::loaders::{CitationsLoader, LinksLoader};

/// Per-request state, put into the request's data by the HTTP layer.
pub struct RequestState {
    pub db: CountingConn,
    pub visibility: Visibility,
    pub(crate) links: DataLoader<LinksLoader>,
    pub(crate) citations: DataLoader<CitationsLoader>,
}

impl RequestState {
    pub fn new(db: CountingConn, visibility: Visibility) -> Self {
        Self {
            links: DataLoader::new(LinksLoader::new(db.clone(), visibility), tokio::spawn),
            citations: DataLoader::new(CitationsLoader::new(db.clone()), tokio::spawn),
            db,
            visibility,
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
