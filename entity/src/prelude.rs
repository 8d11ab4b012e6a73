pub use super::citation::Entity as Citation;
pub use super::edge::Entity as Edge;
pub use super::node::Entity as Node;
pub use super::source::Entity as Source;
