//! Limits on what one GraphQL request may ask for.

use clap::Args;

/// Every limit has a safe default and a flag with an environment fallback.
#[derive(Clone, Debug, Args)]
pub struct LimitsConfig {}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {}
    }
}
