//! Where a request may run in a cluster: the executor's cluster hook
//! ([`admit`]), Redis's `getNodeByQuery` with its redirections (`MOVED`,
//! `ASK`, `TRYAGAIN`, `CROSSSLOT`, `CLUSTERDOWN`), and its counterpart for
//! a script's `redis.call` ([`script_call`]).
//!
//! Only a server in cluster mode gets here: the executor's admit stage
//! calls [`admit`] when the state holds a cluster view, which is one
//! branch for a server without one.

use bytes::Bytes;

use crate::cluster::{ClusterView, key_slot};
use crate::cmd::error::{self, CmdError};
use crate::cmd::meta::CommandMeta;
use crate::cmd::meta::keys;
use crate::cmd::{Client, CommandSpec, flags};
use crate::state::State;

/// Why a request cannot run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// Keys in different slots.
    CrossSlot,
    /// A multi-key request during a migration of its slot.
    TryAgain,
    /// The cluster is down.
    Down,
    /// The cluster is down; reads only.
    DownReadOnly,
    /// The slot has no owner.
    Unbound,
    /// Another node serves the slot.
    Moved(u16, String),
    /// The slot is migrating and the key is gone: ask its importer.
    Ask(u16, String),
}

impl Redirect {
    /// The error a client is answered (Redis's `clusterRedirectClient`).
    pub fn error(&self) -> CmdError {
        match self {
            Redirect::CrossSlot => error::CROSSSLOT,
            Redirect::TryAgain => error::TRYAGAIN,
            Redirect::Down => error::CLUSTERDOWN,
            Redirect::DownReadOnly => error::CLUSTERDOWN_RO,
            Redirect::Unbound => error::CLUSTERDOWN_UNBOUND,
            Redirect::Moved(slot, at) => error::moved(*slot, at),
            Redirect::Ask(slot, at) => error::ask(*slot, at),
        }
    }
}

/// Whether `e` is one of the errors [`admit`] answers.
pub fn is_redirect(e: &CmdError) -> bool {
    matches!(
        e.code(),
        "MOVED" | "ASK" | "TRYAGAIN" | "CROSSSLOT" | "CLUSTERDOWN"
    )
}

/// What one request looks like to the router.
struct Request<'a> {
    cmd: &'a CommandMeta,
    args: &'a [Bytes],
}

/// The executor's cluster hook, after the ACL check: keeps the ASKING
/// flag for as long as Redis keeps it, and refuses a request whose keys
/// this node does not serve with the redirection Redis answers.
pub fn admit(
    state: &mut State,
    client: &Client,
    spec: &'static CommandSpec,
    args: &[Bytes],
    now: i64,
) -> Result<(), CmdError> {
    let Some(view) = state.cluster.as_deref_mut() else {
        return Ok(());
    };
    let id = client.id;
    let asking = view.asking.contains(&id);
    view.current_asking = asking;
    // Redis's `resetClient`: ASKING lasts one command, or a whole
    // transaction it precedes.
    let keeps = spec.name == "asking"
        || spec.name == "multi"
        || (client.multi.is_some() && !matches!(spec.name, "exec" | "discard"));
    if asking && !keeps {
        view.asking.remove(&id);
    }
    let Some(cmd) = crate::cmd::acl::check::acl_command(spec) else {
        return Ok(());
    };
    let is_exec = spec.name == "exec";
    if !is_exec && !cmd.has(flags::MOVABLE_KEYS) && cmd.key_specs.is_empty() {
        return Ok(());
    }
    let single = [Request { cmd, args }];
    let queued: Vec<Request<'_>>;
    let requests: &[Request<'_>] = if is_exec {
        let Some(multi) = &client.multi else {
            return Ok(());
        };
        queued = multi
            .queue
            .iter()
            .filter_map(|(spec, args)| {
                crate::cmd::acl::check::acl_command(spec).map(|cmd| Request { cmd, args })
            })
            .collect();
        &queued
    } else {
        &single
    };
    let write = requests.iter().any(|r| r.cmd.has(flags::WRITE));
    let flags = Flags {
        asking: asking || cmd.name == "restore-asking",
        readonly: view.readonly.contains(&id),
        write,
        pubsub_shard: matches!(
            cmd.name.as_str(),
            "spublish" | "ssubscribe" | "sunsubscribe"
        ),
        migrate: cmd.name == "migrate",
    };
    let (allow_reads, allow_shard) = down_policy(state);
    let view = state.cluster.as_deref().expect("checked above");
    let db = &state.dbs[0];
    let exists = |key: &[u8]| db.contains(key, now);
    match route(view, requests, flags, allow_reads, allow_shard, exists) {
        Ok(_) => Ok(()),
        Err(r) => Err(r.error()),
    }
}

/// `cluster-allow-reads-when-down` and
/// `cluster-allow-pubsubshard-when-down`, read only when the cluster is
/// down (the configuration is looked up by name).
fn down_policy(state: &State) -> (bool, bool) {
    let up = state.cluster.as_deref().is_none_or(ClusterView::is_ok);
    if up {
        return (false, false);
    }
    let yes = |name: &str| state.config.yes(name);
    (
        yes("cluster-allow-reads-when-down"),
        yes("cluster-allow-pubsubshard-when-down"),
    )
}

/// What the router needs to know of the client and the command.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    /// The client sent ASKING (or the command is RESTORE-ASKING).
    pub asking: bool,
    /// The client sent READONLY.
    pub readonly: bool,
    /// The request (or a command of the transaction) writes.
    pub write: bool,
    /// SPUBLISH, SSUBSCRIBE or SUNSUBSCRIBE: channels route as keys.
    pub pubsub_shard: bool,
    /// MIGRATE, which runs wherever a slot is open.
    pub migrate: bool,
}

/// The keys of one request as the router sees them: shard channels count
/// as keys.
fn routed_keys<'a>(r: &Request<'a>) -> Vec<&'a [u8]> {
    let name = r.cmd.name.as_str();
    if matches!(name, "spublish" | "ssubscribe" | "sunsubscribe") {
        return keys::channels(r.cmd, r.args)
            .iter()
            .map(|k| &r.args[k.pos][..])
            .collect();
    }
    keys::keys(r.cmd, r.args)
        .iter()
        .map(|k| &r.args[k.pos][..])
        .collect()
}

/// Redis's `getNodeByQuery`: `Ok(Some(slot))` when this node serves the
/// requests' keys (all in `slot`), `Ok(None)` when they name none.
fn route(
    view: &ClusterView,
    requests: &[Request<'_>],
    flags: Flags,
    allow_reads_when_down: bool,
    allow_shard_when_down: bool,
    exists: impl Fn(&[u8]) -> bool,
) -> Result<Option<u16>, Redirect> {
    let mut first: Option<&[u8]> = None;
    let mut slot = 0;
    let mut owner = None;
    let (mut migrating, mut importing, mut multiple) = (false, false, false);
    let (mut missing, mut existing) = (0, 0);
    for r in requests {
        for key in routed_keys(r) {
            let this = key_slot(key);
            match first {
                None => {
                    first = Some(key);
                    slot = this;
                    let Some(n) = view.owner(slot) else {
                        return Err(Redirect::Unbound);
                    };
                    owner = Some(n);
                    if n == view.myself && view.migrating.contains_key(&slot) {
                        migrating = true;
                    } else if view.importing.contains_key(&slot) {
                        importing = true;
                    }
                }
                Some(f) if f != key => {
                    if this != slot {
                        return Err(Redirect::CrossSlot);
                    }
                    multiple = true;
                }
                Some(_) => {}
            }
            if (migrating || importing) && !flags.pubsub_shard {
                if exists(key) {
                    existing += 1;
                } else {
                    missing += 1;
                }
            }
        }
    }
    let Some(owner) = owner else {
        return Ok(None);
    };
    if !view.is_ok() {
        if flags.pubsub_shard {
            if !allow_shard_when_down {
                return Err(Redirect::Down);
            }
        } else if !allow_reads_when_down {
            return Err(Redirect::Down);
        } else if flags.write {
            return Err(Redirect::DownReadOnly);
        }
    }
    if (migrating || importing) && flags.migrate {
        return Ok(Some(slot));
    }
    if migrating && missing > 0 {
        if existing > 0 {
            return Err(Redirect::TryAgain);
        }
        let to = view.migrating.get(&slot).and_then(|&n| view.node(n));
        return Err(Redirect::Ask(
            slot,
            to.map(|n| n.endpoint()).unwrap_or_default(),
        ));
    }
    if importing && flags.asking {
        if multiple && missing > 0 {
            return Err(Redirect::TryAgain);
        }
        return Ok(Some(slot));
    }
    let me = view.me();
    if (flags.readonly || flags.pubsub_shard)
        && !flags.write
        && me.is_replica()
        && view.primary_of(view.myself) == Some(owner)
    {
        return Ok(Some(slot));
    }
    if owner != view.myself {
        let at = view.node(owner).map(|n| n.endpoint()).unwrap_or_default();
        return Err(Redirect::Moved(slot, at));
    }
    Ok(Some(slot))
}

/// The cluster check of a script's `redis.call` (Redis's
/// `scriptVerifyClusterState`): the key must be this node's, and — unless
/// the script allows cross-slot access — in the slot of the script's
/// other keys, which `slot` remembers for the run.
pub fn script_call(
    state: &State,
    client: &Client,
    spec: &'static CommandSpec,
    args: &[Bytes],
    slot: &mut Option<u16>,
    now: i64,
) -> Result<(), CmdError> {
    let Some(view) = state.cluster.as_deref() else {
        return Ok(());
    };
    let Some(cmd) = crate::cmd::acl::check::acl_command(spec) else {
        return Ok(());
    };
    let flags = Flags {
        asking: view.current_asking,
        readonly: view.readonly.contains(&client.id),
        write: cmd.has(flags::WRITE),
        pubsub_shard: matches!(
            cmd.name.as_str(),
            "spublish" | "ssubscribe" | "sunsubscribe"
        ),
        migrate: cmd.name == "migrate",
    };
    let db = &state.dbs[0];
    let exists = |key: &[u8]| db.contains(key, now);
    let (allow_reads, allow_shard) = down_policy(state);
    match route(
        view,
        &[Request { cmd, args }],
        flags,
        allow_reads,
        allow_shard,
        exists,
    ) {
        Err(Redirect::DownReadOnly) => Err(error::SCRIPT_CLUSTER_DOWN_RO),
        Err(Redirect::Down) => Err(error::SCRIPT_CLUSTER_DOWN),
        Err(_) => Err(error::SCRIPT_NON_LOCAL_KEY),
        // EVAL scripts run in Redis 7.0's compatibility mode, which
        // allows keys of several slots (all this node's); the slot is
        // remembered for the shebang flags redsim does not model yet.
        Ok(None) => Ok(()),
        Ok(Some(this)) => {
            slot.get_or_insert(this);
            Ok(())
        }
    }
}
