//! The query log: the last 200 statements Studio ran, with their duration, rows and whether the tenant
//! was bound, captured from the runtime's own statement events (target `trato_hive::query`) through a
//! `tracing` dispatcher of Studio's own, set around each request (no global subscriber: an application
//! embedding Studio keeps its own). Only statement text is recorded; values are bound and never logged.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use maud::{html, Markup};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

const KEEP: usize = 200;

/// One statement run.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub statement: String,
    pub elapsed_us: u64,
    pub rows: Option<u64>,
    pub tenant_bound: bool,
    pub failed: Option<String>,
}

/// The captured statements, newest last.
pub type Log = Arc<Mutex<VecDeque<Entry>>>;

struct Capture(Log);

impl Visit for Entry {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "statement" {
            self.statement = value.to_string();
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "elapsed_us" => self.elapsed_us = value,
            "rows" => self.rows = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "tenant_bound" {
            self.tenant_bound = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "statement" => self.statement = format!("{value:?}").trim_matches('"').to_string(),
            "error" => self.failed = Some(format!("{value:?}")),
            "rows" => {
                self.rows = format!("{value:?}")
                    .trim_start_matches("Some(")
                    .trim_end_matches(')')
                    .parse()
                    .ok()
            }
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "trato_hive::query" {
            return;
        }
        let mut entry = Entry::default();
        event.record(&mut entry);
        if entry.statement.is_empty() {
            return;
        }
        if let Ok(mut log) = self.0.lock() {
            if log.len() == KEEP {
                log.pop_front();
            }
            log.push_back(entry);
        }
    }
}

/// A dispatcher that records into `log` (set around each request).
pub fn dispatch(log: &Log) -> tracing::Dispatch {
    tracing::Dispatch::new(tracing_subscriber::registry().with(Capture(log.clone())))
}

pub fn page(log: &Log) -> Markup {
    let entries: Vec<Entry> = log
        .lock()
        .map(|l| l.iter().rev().cloned().collect())
        .unwrap_or_default();
    html! {
        h1 { "Query log" }
        p { "The last " (KEEP) " statements Studio ran, newest first; values are bound and never recorded." }
        table.grid.wrap.log {
            thead { tr { th { "µs" } th { "rows" } th { "tenant bound" } th { "statement" } } }
            tbody {
                @for e in &entries {
                    tr {
                        td { (e.elapsed_us) }
                        td { @if let Some(r) = e.rows { (r) } }
                        td { @if e.tenant_bound { "yes" } }
                        td { code { (e.statement) } @if let Some(f) = &e.failed { br; span.fail { (f) } } }
                    }
                }
            }
        }
    }
}
