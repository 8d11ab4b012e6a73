pub use super::api_token::Entity as ApiToken;
pub use super::audit_event::Entity as AuditEvent;
pub use super::citation::Entity as Citation;
pub use super::edge::Entity as Edge;
pub use super::node::Entity as Node;
pub use super::source::Entity as Source;
