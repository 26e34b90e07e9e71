//! Coverage bookkeeping: the outcome of every operation per account and
//! region (first failure wins), and the TTY progress display.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use palisade_model::{CoverageRecord, CoverageStatus};

use crate::ops::Operation;

type Key = (String, &'static str, &'static str); // region, service, api

/// Outcomes of the operations called for one account.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    inner: Arc<Mutex<BTreeMap<Key, Option<String>>>>,
}

impl Coverage {
    /// Records that `op` succeeded in `region` (unless it already failed there).
    pub fn ok(&self, op: &Operation, region: &str) {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry((region.to_owned(), op.service.as_str(), op.api))
            .or_insert(None);
    }

    /// Records that `op` failed in `region`; its data is missing.
    pub fn failed(&self, op: &Operation, region: &str, error: String) {
        tracing::warn!(service = op.service.as_str(), api = op.api, region, %error, "call failed");
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = map
            .entry((region.to_owned(), op.service.as_str(), op.api))
            .or_insert(None);
        if slot.is_none() {
            *slot = Some(error);
        }
    }

    /// The APIs of the failed records, in record order (for tests).
    #[cfg(test)]
    pub(crate) fn gap_apis(&self) -> Vec<String> {
        self.records()
            .into_iter()
            .filter(CoverageRecord::is_gap)
            .map(|r| r.api)
            .collect()
    }

    /// The records, sorted by service, region and API.
    pub fn records(&self) -> Vec<CoverageRecord> {
        let map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<CoverageRecord> = map
            .iter()
            .map(|((region, service, api), err)| CoverageRecord {
                service: (*service).to_owned(),
                region: region.clone(),
                api: (*api).to_owned(),
                status: if err.is_some() {
                    CoverageStatus::Failed
                } else {
                    CoverageStatus::Ok
                },
                error: err.clone(),
            })
            .collect();
        out.sort();
        out
    }
}

/// One line per finished service/region task on stderr, when enabled.
#[derive(Debug, Clone)]
pub struct Progress {
    enabled: bool,
    start: Instant,
    state: Arc<Mutex<(usize, usize)>>, // done, total
}

impl Progress {
    /// A progress display; silent unless `enabled`.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            start: Instant::now(),
            state: Arc::new(Mutex::new((0, 0))),
        }
    }

    /// Announces `n` more tasks.
    pub fn add_tasks(&self, n: usize) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 += n;
    }

    /// Reports a finished task with its counts.
    pub fn done(&self, account: &str, service: &str, region: &str, counts: &str, gaps: usize) {
        let (done, total) = {
            let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            s.0 += 1;
            *s
        };
        tracing::info!(account, service, region, counts, gaps, "collected");
        if !self.enabled {
            return;
        }
        let width = total.to_string().len();
        let gap_text = match gaps {
            0 => String::new(),
            1 => "  [1 failed call]".to_owned(),
            n => format!("  [{n} failed calls]"),
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "[{done:>width$}/{total}] {:>6.1}s  {account}  {service:<8} {region:<15} {}{gap_text}",
            self.start.elapsed().as_secs_f64(),
            sanitize(counts),
        );
    }
}

/// Strips control characters (cloud strings are untrusted on a terminal).
fn sanitize(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}
