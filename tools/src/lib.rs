//! caregraph's tools, kept out of the server: synthetic graphs for benchmarks, the soak test,
//! and the benchmark's static baseline. One binary, `caregraph-tools`, runs them (see
//! `docs/tools.md`); the server's API tests use the generator through this library.

pub mod cli;
pub mod invalidation;
pub mod soak;
pub mod static_baseline;
pub mod synthetic;
