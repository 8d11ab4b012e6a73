//! Queries and writes over any `ConnectionTrait` (a pool, a transaction, a counting wrapper).

pub mod links;
pub mod nodes;
pub mod sources;
