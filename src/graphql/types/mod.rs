//! One file per GraphQL type.

mod audit;
mod cause;
mod change;
mod citation;
mod coding;
mod condition;
mod connection;
pub(crate) mod detail;
mod enums;
pub(crate) mod explore;
mod jsonld;
mod link;
pub(crate) mod node;
pub(crate) mod review;
mod risk;
mod source;
mod symptom;
mod treatment;

pub(crate) use audit::{ApiToken, AuditEvent, AuditEventPage, CreatedToken};
pub(crate) use cause::Cause;
pub(crate) use change::{
    ChangePage, ContentChange, ContentChangeKind, position as change_position,
};
pub(crate) use citation::Citation;
pub(crate) use coding::{Coding, CodingInput, NodeCodingInput, parse_codings};
pub(crate) use condition::Condition;
pub(crate) use connection::{
    CauseConnection, ConditionConnection, NodeListArgs, Page, PageInfo, RiskConnection,
    SymptomConnection, TreatmentConnection, node_page, page_size,
};
pub(crate) use enums::{
    NodeFilter, NodeKind, NodeOrder, Predicate, Role, TreatmentPlace, TreatmentType,
};
pub(crate) use link::{SymptomLink, TreatmentLink};
pub(crate) use node::{Node, NodeRef};
pub(crate) use review::{Content, Link};
pub(crate) use risk::Risk;
pub(crate) use source::Source;
pub(crate) use symptom::Symptom;
pub(crate) use treatment::Treatment;
