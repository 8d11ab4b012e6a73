//! Property tests (proptest): the domain's validation rules, the predicate table, and the HTTP
//! request path fed arbitrary bytes, JSON values and GraphQL-ish documents.
//!
//! `cargo fuzz` would need a nightly toolchain; this project pins stable Rust 1.95.0 and the
//! build machines can fetch no other toolchain, so the request path is fuzzed with proptest
//! against a real server instead. `PROPTEST_CASES=N` changes the number of cases of every
//! property; each test's default keeps the whole binary well under a minute in a debug build.
//! Tests that need a database run on a fresh SQLite file, or on a fresh PostgreSQL database
//! when `CAREGRAPH_TEST_DATABASE_URL` is a postgres URL, as `tests/api` does.

mod documents;
mod domain;
mod harness;
mod links;
mod request_path;
#[path = "../support/scratch_db.rs"]
mod scratch_db;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// `cases` cases unless `PROPTEST_CASES` says otherwise.
pub fn config(cases: u32) -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

/// Runs a property whose cases talk to a live server (state shared across cases, so failing
/// cases are not saved for replay); panics with the minimal failing case.
pub fn run<S: Strategy>(
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut config = config(cases);
    config.failure_persistence = None;
    let mut runner = TestRunner::new(config);
    if let Err(err) = runner.run(&strategy, test) {
        panic!("{err}");
    }
}

/// Runs `test` on a thread with a large stack: nested strategies (documents inside JSON inside
/// byte strings) recurse deeply when generating and shrinking in a debug build.
pub fn big_stack(test: impl FnOnce() + Send + 'static) {
    let thread = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(test)
        .expect("spawn a test thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}
