//! The `pingan` binary's library half: configuration, start-up wiring and the
//! command-line tools. Business rules live in the other crates.

pub mod bench;
pub mod bench_appeals;
pub mod bench_ledger;
pub mod blobs;
pub mod classifier;
pub mod config;
pub mod demo;
pub mod demo_forces;
pub mod demo_prepaid;
pub mod ledger;
pub mod prepaid;
pub mod startup;
pub mod tables;
pub mod tokens;
