//! The checker: reads a [`History`] and reports what broke the lock's
//! promises. It knows nothing of how the history was made.
//!
//! * **Mutual exclusion** ([`ViolationKind::Overlap`]). Each acquisition
//!   claims the lock over `[acquired, end)`: from the moment `acquire`
//!   returned to the earliest of its validity deadline (the latest one
//!   renewals gave it), its lost signal and its release call. That is the
//!   validity *as the client computes it* — a holder paused past its
//!   deadline does not claim anything after it, and protecting the
//!   resource from it is the fencing token's job. No two acquisitions'
//!   claims may overlap (half-open intervals: a release at `t` and an
//!   acquisition at the same `t` do not).
//! * **Tokens at the resource** ([`ViolationKind::TokenReused`]): across
//!   different acquisitions, the tokens of accepted writes strictly
//!   increase, so no two holders write with the same token.
//! * **Stale writes** ([`ViolationKind::StaleWrite`]): no write is
//!   accepted with a token below the highest accepted before it (the
//!   resource's own rule, checked again from the outside), and
//!   ([`ViolationKind::SupersededWrite`]) no write is accepted from an
//!   acquisition after a write of a *later* acquisition was accepted —
//!   the property fencing exists for, which holds only if tokens follow
//!   the order of acquisitions.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::history::{EventKind, Fault, History, Hold, Ms};

/// What a broken promise is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViolationKind {
    /// Two acquisitions claimed the lock at the same time.
    Overlap,
    /// Two acquisitions' writes were accepted with the same token.
    TokenReused,
    /// A write was accepted with a token below the highest accepted.
    StaleWrite,
    /// A write was accepted from an acquisition older than one whose
    /// write had already been accepted.
    SupersededWrite,
}

impl ViolationKind {
    /// Whether it is about fencing (the resource) rather than the lock.
    pub fn is_fencing(self) -> bool {
        self != ViolationKind::Overlap
    }
}

/// One broken promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which promise.
    pub kind: ViolationKind,
    /// From when (for an overlap, its start).
    pub at: Duration,
    /// Until when (for an overlap, its end; otherwise `at`).
    pub until: Duration,
    /// The acquisitions involved: for a write, the writer first.
    pub holds: Vec<Hold>,
    /// In words.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} at {}: {}", self.kind, Ms(self.at), self.detail)
    }
}

/// Counts that say what a run exercised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Successful acquisitions.
    pub holds: usize,
    /// Acquisitions that had to wait for another client: another
    /// client's claim was in force at some point between the acquire
    /// call and its success.
    pub contended: usize,
    /// Failed acquire calls.
    pub acquire_failures: usize,
    /// Writes the resource accepted.
    pub accepted: usize,
    /// Writes the resource rejected.
    pub rejected: usize,
    /// Writes by holders past their validity that were accepted (harmless
    /// if no later holder had written yet).
    pub late_accepted: usize,
    /// Writes by holders past their validity that were rejected.
    pub late_rejected: usize,
    /// Writes within validity that were rejected (the resource refused a
    /// legitimate holder: its token was behind, e.g. after a counter was
    /// lost).
    pub valid_rejected: usize,
    /// Acquisitions whose token was not above every earlier one's.
    pub token_regressions: usize,
    /// Faults injected during the run (pauses included; the servers'
    /// starting clock rates, recorded as drift events, are the scenario's
    /// setting, not injections).
    pub faults: usize,
}

/// What the checker found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every broken promise, in time order.
    pub violations: Vec<Violation>,
    /// What the run exercised.
    pub stats: Stats,
}

impl Report {
    /// No violation at all.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    /// Whether mutual exclusion held (no overlap).
    pub fn mutual_exclusion_held(&self) -> bool {
        !self
            .violations
            .iter()
            .any(|v| v.kind == ViolationKind::Overlap)
    }

    /// Whether the resource stayed safe (no fencing violation).
    pub fn fencing_held(&self) -> bool {
        !self.violations.iter().any(|v| v.kind.is_fencing())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:?}", self.stats)?;
        if self.violations.is_empty() {
            return writeln!(f, "no violations");
        }
        for v in &self.violations {
            writeln!(f, "VIOLATION {v}")?;
        }
        Ok(())
    }
}

/// One acquisition's claim, as the checker reconstructs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// Which acquisition.
    pub hold: Hold,
    /// When `acquire` returned.
    pub from: Duration,
    /// The earliest of: its final validity deadline, its lost signal,
    /// its release call.
    pub until: Duration,
    /// Its fencing token.
    pub fence: Option<u64>,
}

/// Every acquisition's claim, in acquisition order.
pub fn claims(history: &History) -> Vec<Claim> {
    let mut claims: BTreeMap<Hold, (Claim, Duration)> = BTreeMap::new();
    let mut order = Vec::new();
    for e in &history.events {
        match &e.kind {
            EventKind::Acquired {
                hold,
                fence,
                valid_until,
                ..
            } => {
                order.push(*hold);
                let claim = Claim {
                    hold: *hold,
                    from: e.at,
                    until: Duration::MAX,
                    fence: *fence,
                };
                claims.insert(*hold, (claim, *valid_until));
            }
            EventKind::Renewed { hold, valid_until } => {
                if let Some((_, v)) = claims.get_mut(hold) {
                    *v = (*v).max(*valid_until);
                }
            }
            EventKind::Lost { hold, .. } | EventKind::Released { hold, .. } => {
                if let Some((c, _)) = claims.get_mut(hold) {
                    c.until = c.until.min(e.at);
                }
            }
            _ => {}
        }
    }
    order
        .into_iter()
        .map(|h| {
            let (mut c, valid_until) = claims[&h];
            c.until = c.until.min(valid_until).max(c.from);
            c
        })
        .collect()
}

/// Checks a history against the three promises (see the module docs).
pub fn check(history: &History) -> Report {
    let mut report = Report::default();
    let claims = claims(history);
    let by_hold: BTreeMap<Hold, Claim> = claims.iter().map(|c| (c.hold, *c)).collect();

    // Mutual exclusion, pairwise.
    for (i, a) in claims.iter().enumerate() {
        for b in &claims[i + 1..] {
            if a.hold.client == b.hold.client {
                continue;
            }
            let from = a.from.max(b.from);
            let until = a.until.min(b.until);
            if from < until {
                report.violations.push(Violation {
                    kind: ViolationKind::Overlap,
                    at: from,
                    until,
                    holds: vec![a.hold, b.hold],
                    detail: format!(
                        "{} [{}, {}) and {} [{}, {}) both held the lock for {}",
                        a.hold,
                        Ms(a.from),
                        Ms(a.until),
                        b.hold,
                        Ms(b.from),
                        Ms(b.until),
                        Ms(until - from)
                    ),
                });
            }
        }
    }

    // Contended acquisitions: another client held a claim while this one
    // was being acquired.
    for e in &history.events {
        if let EventKind::Acquired { hold, started, .. } = &e.kind {
            let waited = claims
                .iter()
                .any(|c| c.hold.client != hold.client && c.from < e.at && c.until > *started);
            report.stats.contended += usize::from(waited);
        }
    }

    // Tokens in acquisition order (a statistic: the resource decides).
    let mut highest_issued: Option<u64> = None;
    for c in &claims {
        if let Some(t) = c.fence {
            if highest_issued.is_some_and(|h| t <= h) {
                report.stats.token_regressions += 1;
            }
            highest_issued = highest_issued.max(Some(t));
        }
    }

    // The resource's view: accepted writes in order.
    let mut highest: Option<(u64, Hold)> = None;
    let mut newest_writer: Option<Hold> = None;
    for e in &history.events {
        match &e.kind {
            EventKind::Write {
                hold,
                fence,
                accepted,
                valid,
            } => {
                match (*accepted, *valid) {
                    (true, true) => report.stats.accepted += 1,
                    (true, false) => {
                        report.stats.accepted += 1;
                        report.stats.late_accepted += 1;
                    }
                    (false, true) => {
                        report.stats.rejected += 1;
                        report.stats.valid_rejected += 1;
                    }
                    (false, false) => {
                        report.stats.rejected += 1;
                        report.stats.late_rejected += 1;
                    }
                }
                if !accepted {
                    continue;
                }
                let write = |kind, other: Hold, detail: String| Violation {
                    kind,
                    at: e.at,
                    until: e.at,
                    holds: vec![*hold, other],
                    detail,
                };
                if let Some((top, top_hold)) = highest {
                    if *fence < top {
                        report.violations.push(write(
                            ViolationKind::StaleWrite,
                            top_hold,
                            format!(
                                "{hold}'s write with token {fence} accepted after {top_hold}'s with {top}"
                            ),
                        ));
                    } else if *fence == top && top_hold != *hold {
                        report.violations.push(write(
                            ViolationKind::TokenReused,
                            top_hold,
                            format!("{hold} and {top_hold} both wrote with token {fence}"),
                        ));
                    }
                }
                if let Some(newest) = newest_writer {
                    let older = |h: Hold| by_hold.get(&h).map(|c| c.from);
                    if newest != *hold && older(*hold) < older(newest) {
                        report.violations.push(write(
                            ViolationKind::SupersededWrite,
                            newest,
                            format!(
                                "{hold}'s write accepted after {newest}, acquired later, had written"
                            ),
                        ));
                    }
                }
                if highest.is_none_or(|(top, _)| *fence > top) {
                    highest = Some((*fence, *hold));
                }
                let from = |h: Hold| by_hold.get(&h).map(|c| c.from);
                if newest_writer.is_none_or(|n| from(*hold) > from(n)) {
                    newest_writer = Some(*hold);
                }
            }
            EventKind::Acquired { .. } => report.stats.holds += 1,
            EventKind::AcquireFailed { .. } => report.stats.acquire_failures += 1,
            EventKind::Fault(Fault::Drift { .. }) => {}
            EventKind::Fault(_) => report.stats.faults += 1,
            _ => {}
        }
    }
    report.violations.sort_by_key(|v| (v.at, v.kind));
    report
}
