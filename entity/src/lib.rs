//! SeaORM entities of caregraph: one module per table, plus the string enums its columns hold.
//! Nothing here knows about GraphQL or HTTP.

pub mod api_token;
pub mod audit_event;
pub mod citation;
pub mod edge;
pub mod node;
pub mod prelude;
pub mod sea_orm_active_enums;
pub mod source;
