//! [`Rule`]: which commands a fault applies to and what it does to them;
//! [`FaultGuard`]: the installed rule's lifetime and counters.
//!
//! A rule is a conjunction of matchers (command, key pattern, client name,
//! database, n-th call, count, probability) and one [`Verdict`]. Matching
//! is pure bookkeeping here; applying a verdict is the executor's (which
//! consults the registry as its gate) and the transports' (waiting,
//! dropping) business.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;

use super::hold::{Gauge, Release};
use crate::cmd::CommandSpec;

/// What a rule does to a command it matches.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Verdict {
    /// Nothing: the command runs. A rule that passes still counts its
    /// hits, so it can serve as a probe; later rules still apply.
    Pass,
    /// Reply with this error instead of running the command. The text
    /// starts with its code (`READONLY …`); see [`crate::errors`] for
    /// Redis's own texts.
    Error(String),
    /// Hold the command until the server clock has moved on by this much
    /// (with a [`ManualClock`](crate::ManualClock): until the test advances
    /// it), then run it.
    Delay(Duration),
    /// Hold the command for this much real time, whatever the server clock
    /// does, then run it.
    DelayReal(Duration),
    /// Close the connection without running the command.
    DropBefore,
    /// Run the command (its effects stay), then close the connection
    /// instead of replying: the client cannot tell whether it ran.
    DropAfter,
    /// Hold the command until the [`Release`] lets it go, then run it.
    Hang(Release),
}

/// A fault rule: which commands, and what happens to them. Build one with
/// [`Rule::command`], [`Rule::commands`] or [`Rule::any`], narrow it with
/// matchers (all must hold), end with a verdict, and install it with
/// [`Server::fault`](crate::Server::fault).
///
/// ```
/// use redsim::{Rule, Server, errors};
///
/// let server = Server::start().unwrap();
/// let rule = server.fault(
///     Rule::command("SET")
///         .key("lock:*")
///         .nth(2)
///         .error(errors::READONLY),
/// );
/// let mut con = server.connection();
/// redis::cmd("SET").arg("lock:a").arg(1).exec(&mut con).unwrap();
/// redis::cmd("SET").arg("other").arg(1).exec(&mut con).unwrap(); // no match
/// let err = redis::cmd("SET").arg("lock:b").arg(1).exec(&mut con).unwrap_err();
/// assert_eq!(err.code(), Some("READONLY"));
/// redis::cmd("SET").arg("lock:c").arg(1).exec(&mut con).unwrap(); // only the 2nd
/// assert_eq!(rule.hits(), 1);
/// ```
#[derive(Clone, Debug)]
#[must_use = "a rule does nothing until installed with Server::fault"]
pub struct Rule {
    commands: Vec<String>,
    key: Option<Vec<u8>>,
    client: Option<Vec<u8>>,
    db: Option<usize>,
    nth: Option<u64>,
    times: Option<u64>,
    probability: Option<f64>,
    verdict: Verdict,
}

impl Rule {
    /// A rule for every command.
    pub fn any() -> Self {
        Rule {
            commands: Vec::new(),
            key: None,
            client: None,
            db: None,
            nth: None,
            times: None,
            probability: None,
            verdict: Verdict::Pass,
        }
    }

    /// A rule for one command, named case-insensitively. A container names
    /// all its subcommands (`"CLIENT"`), or one of them as `"CLIENT|KILL"`
    /// or `"CLIENT KILL"`.
    pub fn command(name: &str) -> Self {
        Self::commands([name])
    }

    /// A rule for any of these commands (named as in [`Rule::command`]).
    pub fn commands<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut rule = Self::any();
        rule.commands = names
            .into_iter()
            .map(|n| n.trim().to_ascii_lowercase().replace(' ', "|"))
            .collect();
        rule
    }

    /// Only commands with a key argument matching this glob (`*`, `?`,
    /// `[a-z]`, as KEYS matches). Keys are found as COMMAND GETKEYS finds
    /// them, EVAL's and EVALSHA's `numkeys` keys included; a command
    /// without keys never matches.
    pub fn key(mut self, pattern: &str) -> Self {
        self.key = Some(pattern.as_bytes().to_vec());
        self
    }

    /// Only commands from clients whose name (CLIENT SETNAME, HELLO …
    /// SETNAME) matches this glob; a client without a name never matches.
    pub fn client(mut self, pattern: &str) -> Self {
        self.client = Some(pattern.as_bytes().to_vec());
        self
    }

    /// Only commands run with this database selected.
    pub fn db(mut self, db: usize) -> Self {
        self.db = Some(db);
        self
    }

    /// Only the `n`-th command that matches everything else (counting from
    /// 1, from installation); the others pass.
    pub fn nth(mut self, n: u64) -> Self {
        self.nth = Some(n);
        self
    }

    /// Fires at most `n` times, then passes.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Fires with probability `p` (clamped to 0..=1) per matching command.
    /// The draws come from a generator seeded from the server's
    /// [seed](crate::ServerBuilder::seed) and the rule's installation
    /// order: the same test with the same seed hits the same calls.
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = Some(if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) });
        self
    }

    /// Ends the rule with `verdict` (the methods below are shorthands).
    pub fn verdict(mut self, verdict: Verdict) -> Self {
        self.verdict = verdict;
        self
    }

    /// Replies with the error `text` (its code first, as in
    /// `"LOADING Redis is loading the dataset in memory"`) instead of
    /// running the command. See [`crate::errors`] for Redis's texts.
    pub fn error(self, text: impl Into<String>) -> Self {
        self.verdict(Verdict::Error(text.into()))
    }

    /// Runs the command once the server clock has moved on by `by`.
    pub fn delay(self, by: Duration) -> Self {
        self.verdict(Verdict::Delay(by))
    }

    /// Runs the command after `by` of real time.
    pub fn delay_real(self, by: Duration) -> Self {
        self.verdict(Verdict::DelayReal(by))
    }

    /// Closes the connection without running the command.
    pub fn drop_before(self) -> Self {
        self.verdict(Verdict::DropBefore)
    }

    /// Runs the command, then closes the connection instead of replying.
    pub fn drop_after(self) -> Self {
        self.verdict(Verdict::DropAfter)
    }

    /// Holds the command forever: its client can only time out, or see the
    /// connection close when the server shuts down or restarts.
    pub fn hang(self) -> Self {
        self.verdict(Verdict::Hang(Release::new()))
    }

    /// Holds the command until `release` lets it go.
    pub fn hang_until(self, release: &Release) -> Self {
        self.verdict(Verdict::Hang(release.clone()))
    }

    /// Whether the rule's fixed matchers (all but n-th, count and
    /// probability) accept this command.
    fn accepts(&self, call: &Call<'_>) -> bool {
        if !self.commands.is_empty()
            && !self
                .commands
                .iter()
                .any(|c| names_command(c, call.spec.name))
        {
            return false;
        }
        if self.db.is_some_and(|db| db != call.db) {
            return false;
        }
        if let Some(pattern) = &self.client {
            match call.name {
                Some(name) if crate::glob::matches(pattern, name, false) => {}
                _ => return false,
            }
        }
        if let Some(pattern) = &self.key {
            let keys = call.spec.key_args(call.args);
            if !keys.iter().any(|k| key_matches(pattern, k)) {
                return false;
            }
        }
        true
    }
}

/// Whether the rule's `name` (lowercase) names the command `full`
/// (`get`, `client|kill`): exactly, or as its container.
fn names_command(name: &str, full: &str) -> bool {
    full == name
        || full
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('|'))
}

fn key_matches(pattern: &[u8], key: &[u8]) -> bool {
    // As KEYS does: `*` is everything, the empty key included.
    pattern == b"*" || crate::glob::matches(pattern, key, false)
}

/// What a rule sees of a command.
pub(crate) struct Call<'a> {
    pub spec: &'static CommandSpec,
    pub args: &'a [Bytes],
    pub client: crate::state::ClientId,
    pub name: Option<&'a [u8]>,
    pub db: usize,
}

/// An installed rule and its counters.
pub(crate) struct Installed {
    pub id: u64,
    rule: Rule,
    rng: fastrand::Rng,
    matched: u64,
    pub counters: Arc<Counters>,
}

/// What an installed rule's guard reads.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    hits: AtomicU64,
    /// Commands the rule delays or holds now.
    pub held: Arc<Gauge>,
}

impl Installed {
    pub fn new(id: u64, seed: u64, rule: Rule) -> Self {
        Installed {
            id,
            rule,
            rng: fastrand::Rng::with_seed(seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            matched: 0,
            counters: Arc::default(),
        }
    }

    /// Offers the command to the rule: its verdict if it fires.
    pub fn offer(&mut self, call: &Call<'_>) -> Option<&Verdict> {
        if !self.rule.accepts(call) {
            return None;
        }
        self.matched += 1;
        if self.rule.nth.is_some_and(|n| n != self.matched) {
            return None;
        }
        if self
            .rule
            .times
            .is_some_and(|t| self.counters.hits.load(Ordering::Relaxed) >= t)
        {
            return None;
        }
        if let Some(p) = self.rule.probability {
            // Drawn only for calls that got this far, so that the sequence
            // of draws depends on nothing but the matching calls.
            if self.rng.f64() >= p {
                return None;
            }
        }
        self.counters.hits.fetch_add(1, Ordering::Relaxed);
        Some(&self.rule.verdict)
    }
}

/// An installed fault rule. Dropping it removes the rule (commands it
/// already holds stay held until their wait ends); [`FaultGuard::keep`]
/// keeps the rule for the server's life instead.
///
/// ```
/// use redsim::{Rule, Server};
///
/// let server = Server::start().unwrap();
/// let mut con = server.connection();
/// {
///     let _guard = server.fault(Rule::command("PING").error("ERR injected"));
///     assert!(redis::cmd("PING").query::<String>(&mut con).is_err());
/// }
/// // The guard is gone, and so is the rule.
/// assert_eq!(redis::cmd("PING").query::<String>(&mut con).unwrap(), "PONG");
/// ```
#[derive(Debug)]
#[must_use = "dropping the guard removes the rule at once"]
pub struct FaultGuard {
    pub(crate) faults: Weak<super::Faults>,
    pub(crate) id: u64,
    pub(crate) counters: Arc<Counters>,
}

impl FaultGuard {
    /// How many times the rule fired (its verdict applied, or, for a
    /// [`Verdict::Pass`] rule, it matched).
    pub fn hits(&self) -> u64 {
        self.counters.hits.load(Ordering::Relaxed)
    }

    /// How many commands the rule delays or holds right now.
    pub fn held(&self) -> usize {
        self.counters.held.value()
    }

    /// Blocks the thread until the rule delays or holds at least `n`
    /// commands at once, or `timeout` passes; whether it does. The timeout
    /// guards against a broken test; from async code use
    /// [`FaultGuard::until_held`].
    pub fn wait_held(&self, n: usize, timeout: Duration) -> bool {
        self.counters.held.wait_at_least(n, timeout)
    }

    /// Waits until the rule delays or holds at least `n` commands at once.
    pub async fn until_held(&self, n: usize) {
        self.counters.held.at_least(n).await;
    }

    /// Keeps the rule installed for the rest of the server's life.
    pub fn keep(mut self) {
        // With no way back to the server, dropping removes nothing.
        self.faults = Weak::new();
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        if let Some(faults) = self.faults.upgrade() {
            faults.remove_rule(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_commands_and_containers() {
        assert!(names_command("get", "get"));
        assert!(!names_command("get", "getex"));
        assert!(names_command("client", "client|kill"));
        assert!(names_command("client|kill", "client|kill"));
        assert!(!names_command("client|kill", "client|list"));
        let r = Rule::command("Client Kill");
        assert_eq!(r.commands, ["client|kill"]);
    }

    #[test]
    fn probability_is_clamped() {
        assert_eq!(Rule::any().probability(2.0).probability, Some(1.0));
        assert_eq!(Rule::any().probability(f64::NAN).probability, Some(0.0));
    }
}
