//! Protection of the service: rate limits, CORS, database start-up retries, shutdown grace.

use clap::Args;

#[derive(Clone, Debug, Args)]
pub struct GuardConfig {}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {}
    }
}
