//! caregraph: a GraphQL backend for a telehealth knowledge graph of medical conditions,
//! their causes, symptoms, risks and treatments, each fact citing the sentence it came from.
//!
//! `main.rs` is a shim; everything testable lives here.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod graphql;
pub mod http;
pub mod jsonld;
pub mod live;
pub mod reads;
pub mod seed;
pub mod startup;
pub mod telemetry;
