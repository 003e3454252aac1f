//! The integration tests, as one binary (one link, one test server). Each test that needs a database
//! gets its own (see `trato_tests::harness`).

mod audit;
mod client;
mod examples;
mod generated;
mod hardening;
mod isolation;
mod migrations;
mod multi_schema;
mod prisma;
mod query_api;
mod query_keys;
mod query_select;
mod repo;
mod rls;
mod roles;
mod send;
mod servers;
mod transactions;
