//! DataLoaders: one per kind of key, so nested fields cost one statement per level.

mod citations;
mod links;

pub(crate) use citations::{CitationRow, CitationsLoader, CitedBy};
pub(crate) use links::{Batch, LinkKey, LinkRow, LinksAhead, LinksLoader, Onward};
