//! Queries and writes over any `ConnectionTrait` (a pool, a transaction, a counting wrapper).
//! Every write function expects to run inside a transaction (`tx::write`) and records its
//! audit event itself.

pub mod audit;
pub mod audit_log;
pub mod change_set;
pub mod changes;
pub mod citations;
pub mod codes;
pub mod edge_write;
pub mod generation;
pub mod graph;
pub mod import;
pub mod links;
pub mod node_write;
pub mod nodes;
pub mod page;
pub mod published;
pub mod rank;
pub mod review_due;
pub mod review_queue;
mod rows;
pub mod search;
mod shapes;
pub mod source_write;
pub mod sources;
pub mod sql;
pub mod tokens;
pub mod tx;
pub mod versioned;
pub mod workflow;
