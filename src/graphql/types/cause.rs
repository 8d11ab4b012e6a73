//! `Cause`.

use async_graphql::{Context, Result};
use entity::sea_orm_active_enums::{NodeKind as K, Predicate as P};

use super::Condition;
use super::link::ConditionLink;
use super::node::{LinkField, LinkSel, linked, links, node_object};

const CONDITIONS: LinkSel = LinkSel::incoming(P::CausedBy, K::Condition);
const IS_CONDITION: LinkSel = LinkSel::out(P::IsCondition, K::Condition);

/// The link fields and what each reads (`node::link_fields`).
pub(super) const LINK_FIELDS: &[LinkField] = &[
    LinkField::nodes("conditions", CONDITIONS),
    LinkField::links("conditionLinks", CONDITIONS),
    LinkField::links("notCauseOf", CONDITIONS.denied()),
    LinkField::nodes("isCondition", IS_CONDITION),
];

node_object! {
    /// Something that brings a condition about, such as heavy lifting.
    Cause {
        /// Conditions this brings about. Conditions the source says it does not cause are
        /// never listed here: see `notCauseOf`.
        async fn conditions(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, CONDITIONS).await
        }
        /// Conditions this brings about, with the link's attributes and citations.
        async fn condition_links(&self, ctx: &Context<'_>) -> Result<Vec<ConditionLink>> {
            links(ctx, self.0.id, CONDITIONS).await
        }
        /// Conditions the source explicitly says this does NOT cause (`negated: true`).
        async fn not_cause_of(&self, ctx: &Context<'_>) -> Result<Vec<ConditionLink>> {
            links(ctx, self.0.id, CONDITIONS.denied()).await
        }
        /// The condition this cause is, when the cause is itself a condition.
        async fn is_condition(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, IS_CONDITION).await
        }
    }
}
