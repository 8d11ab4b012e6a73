//! `Treatment`.

use async_graphql::{Context, Result};
use entity::sea_orm_active_enums::{NodeKind as K, Predicate as P};

use super::enums::TreatmentType;
use super::link::{ConditionLink, RiskLink};
use super::node::{LinkField, LinkSel, linked, links, node_object};
use super::{Condition, Risk};

const CONDITIONS: LinkSel = LinkSel::incoming(P::TreatedBy, K::Condition);
const RISKS: LinkSel = LinkSel::out(P::HasAdverseRisk, K::Risk);

/// The link fields and what each reads (`node::link_fields`).
pub(super) const LINK_FIELDS: &[LinkField] = &[
    LinkField::nodes("conditions", CONDITIONS),
    LinkField::links("conditionLinks", CONDITIONS),
    LinkField::nodes("risks", RISKS),
    LinkField::links("riskLinks", RISKS),
];

node_object! {
    /// Anything done about a condition: self-care, therapy, medication, a procedure, diagnosis
    /// or surgery.
    Treatment {
        /// What kind of intervention this is.
        async fn treatment_type(&self) -> Option<TreatmentType> {
            self.0.treatment_type.map(Into::into)
        }
        /// Conditions this treats.
        async fn conditions(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, CONDITIONS).await
        }
        /// Conditions this treats, with its place, when it applies, how to do it, and citations.
        async fn condition_links(&self, ctx: &Context<'_>) -> Result<Vec<ConditionLink>> {
            links(ctx, self.0.id, CONDITIONS).await
        }
        /// Dangers of this treatment.
        async fn risks(&self, ctx: &Context<'_>) -> Result<Vec<Risk>> {
            linked(ctx, self.0.id, RISKS).await
        }
        /// Dangers of this treatment, with the link's attributes and citations.
        async fn risk_links(&self, ctx: &Context<'_>) -> Result<Vec<RiskLink>> {
            links(ctx, self.0.id, RISKS).await
        }
    }
}
