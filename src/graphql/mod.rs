//! The GraphQL API: schema, roots split per domain, object types, loaders and error codes.
//! Resolvers stay thin: they read typed context and call `domain`.

mod context;
pub mod error;
mod loaders;
mod mutation;
mod query;
pub mod request;
mod schema;
mod subscription;
mod types;

pub use context::RequestState;
pub use schema::{AppSchema, GraphQl, build_schema, sdl};
