//! The rules core: what valid content is and what each write may do, with no database and no
//! GraphQL. Services call it before they touch a row; nothing else writes content.
//!
//! - `kinds` and `predicate`: the node kinds with their fields, the predicate table.
//! - `validate`: the shape of values (slugs, names, quotes).
//! - `coding`: clinical codes on nodes: code systems, their checks, the ICD-10-CM roll-up.
//! - `content`: editable node content and link attributes, and the one pending-edit mechanism.
//! - `workflow`: the review state machine and the permission each step needs.
//! - `auth`: who may do what; `audit`: the closed set of actions the audit log records.

pub mod audit;
pub mod auth;
pub mod coding;
pub mod content;
pub mod kinds;
pub mod predicate;
pub mod validate;
pub mod workflow;
