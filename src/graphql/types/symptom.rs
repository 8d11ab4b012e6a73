//! `Symptom`.

use async_graphql::{Context, Result};
use entity::sea_orm_active_enums::{NodeKind as K, Predicate as P};

use super::Condition;
use super::link::ConditionLink;
use super::node::{LinkField, LinkSel, linked, links, node_object};

const CONDITIONS: LinkSel = LinkSel::incoming(P::HasSymptom, K::Condition);

/// The link fields and what each reads (`node::link_fields`).
pub(super) const LINK_FIELDS: &[LinkField] = &[
    LinkField::nodes("conditions", CONDITIONS),
    LinkField::links("conditionLinks", CONDITIONS),
];

node_object! {
    /// Something a patient notices, such as numbness or tingling around the injection area.
    Symptom {
        /// Conditions with this symptom.
        async fn conditions(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, CONDITIONS).await
        }
        /// Conditions with this symptom, with the link's attributes (such as timing) and citations.
        async fn condition_links(&self, ctx: &Context<'_>) -> Result<Vec<ConditionLink>> {
            links(ctx, self.0.id, CONDITIONS).await
        }
    }
}
