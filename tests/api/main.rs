//! Integration tests: the real server on a free port, spoken to over HTTP, on a fresh SQLite
//! file, or on a fresh PostgreSQL database when `CAREGRAPH_TEST_DATABASE_URL` is a postgres URL.

mod abuse;
mod article;
mod browser;
mod browser_subscription;
mod cache;
mod codes;
mod doc_examples;
mod errors;
mod explore;
mod explore_page;
mod export;
mod faults;
mod graphiql_examples;
mod helpers;
mod http;
mod import;
mod introspection;
mod limits;
mod live;
mod metrics;

mod n_plus_one;
mod order;
mod page_links;
mod pages;
mod pagination;
mod permissions;
mod protocol;
mod questions;
mod read_ahead;
mod replica;
mod review;
mod schema_sdl;
#[path = "../support/scratch_db.rs"]
mod scratch_db;
mod seed;
mod shutdown;
mod startup;
#[path = "../support/streaming_pair.rs"]
mod streaming_pair;
mod synthetic;
mod typed_client;
mod upgrade;
mod webdriver;
mod workflow;
mod ws_client;
