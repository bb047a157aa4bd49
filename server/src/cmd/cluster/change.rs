//! The CLUSTER subcommands that change this node's view: slots
//! (ADDSLOTS, ADDSLOTSRANGE, DELSLOTS, DELSLOTSRANGE, FLUSHSLOTS,
//! SETSLOT), membership (MEET, FORGET, REPLICATE, RESET), epochs
//! (BUMPEPOCH, SET-CONFIG-EPOCH) and FAILOVER, with Redis 7.0's checks in
//! Redis's order. Each change is announced on the bus.

use super::{CmdResult, Ctx, error, keys_in_slot, slot_arg, view};
use crate::cluster::view::Failover;
use crate::cluster::{ClusterView, SLOTS};
use crate::cmd::error::CmdError;
use crate::cmd::is;

/// Applies a change's end: recount, tell the bus, answer OK.
fn done(ctx: &mut Ctx<'_>) -> CmdResult {
    if let Some(view) = ctx.state.cluster.as_deref_mut() {
        view.refresh();
        view.announce();
    }
    ctx.out.ok();
    Ok(())
}

/// Checks `start..=end` for ADDSLOTS (`del` false) or DELSLOTS (`del`
/// true), marking them in `seen` (Redis's `checkSlotAssignmentsOrReply`).
fn check_range(
    view: &ClusterView,
    seen: &mut [bool],
    del: bool,
    start: u16,
    end: u16,
) -> Result<(), CmdError> {
    for slot in start..=end {
        let owned = view.owner(slot).is_some();
        if del && !owned {
            return Err(error::slot_unassigned(slot));
        }
        if !del && owned {
            return Err(error::slot_busy(slot));
        }
        let mark = &mut seen[usize::from(slot)];
        if *mark {
            return Err(error::slot_repeated(slot));
        }
        *mark = true;
    }
    Ok(())
}

/// Assigns (or, with `del`, unassigns) the slots marked in `seen`.
fn update_slots(view: &mut ClusterView, seen: &[bool], del: bool) {
    let me = view.myself;
    for (slot, _) in seen.iter().enumerate().filter(|(_, s)| **s) {
        let slot = slot as u16;
        if del {
            view.assign(slot, None);
        } else {
            view.importing.remove(&slot);
            view.assign(slot, Some(me));
        }
    }
}

fn slots_cmd(ctx: &mut Ctx<'_>, del: bool) -> CmdResult {
    let slots = (2..ctx.argc())
        .map(|i| slot_arg(ctx.arg(i)))
        .collect::<Result<Vec<u16>, _>>()?;
    let view = view(ctx)?;
    let mut seen = vec![false; SLOTS];
    for &slot in &slots {
        check_range(view, &mut seen, del, slot, slot)?;
    }
    update_slots(view, &seen, del);
    done(ctx)
}

fn ranges_cmd(ctx: &mut Ctx<'_>, del: bool, name: &str) -> CmdResult {
    if ctx.argc() % 2 == 1 {
        return Err(error::wrong_arity(name));
    }
    let mut ranges = Vec::new();
    for i in (2..ctx.argc()).step_by(2) {
        let start = slot_arg(ctx.arg(i))?;
        let end = slot_arg(ctx.arg(i + 1))?;
        if start > end {
            return Err(error::slot_range_reversed(start, end));
        }
        ranges.push((start, end));
    }
    let view = view(ctx)?;
    let mut seen = vec![false; SLOTS];
    for &(start, end) in &ranges {
        check_range(view, &mut seen, del, start, end)?;
    }
    update_slots(view, &seen, del);
    done(ctx)
}

/// # Format
/// `CLUSTER ADDSLOTS slot [slot ...]`
pub(super) fn addslots(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    slots_cmd(ctx, false)
}

/// # Format
/// `CLUSTER DELSLOTS slot [slot ...]`
pub(super) fn delslots(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    slots_cmd(ctx, true)
}

/// # Format
/// `CLUSTER ADDSLOTSRANGE start end [start end ...]`
pub(super) fn addslotsrange(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    ranges_cmd(ctx, false, "cluster|addslotsrange")
}

/// # Format
/// `CLUSTER DELSLOTSRANGE start end [start end ...]`
pub(super) fn delslotsrange(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    ranges_cmd(ctx, true, "cluster|delslotsrange")
}

/// # Format
/// `CLUSTER FLUSHSLOTS`
pub(super) fn flushslots(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    if !ctx.state.dbs[0].is_empty() {
        return Err(error::CLUSTER_FLUSHSLOTS_KEYS);
    }
    let view = view(ctx)?;
    let me = view.myself;
    for slot in 0..SLOTS as u16 {
        if view.owner(slot) == Some(me) {
            view.assign(slot, None);
        }
    }
    done(ctx)
}

/// # Format
/// `CLUSTER SETSLOT slot IMPORTING node-id | MIGRATING node-id | STABLE |
/// NODE node-id`
pub(super) fn setslot(ctx: &mut Ctx<'_>) -> CmdResult {
    if view(ctx)?.me().is_replica() {
        return Err(error::CLUSTER_SETSLOT_REPLICA);
    }
    let slot = slot_arg(ctx.arg(2))?;
    let action = ctx.arg(3);
    let argc = ctx.argc();
    let node_arg = |ctx: &Ctx<'_>| ctx.arg(4).to_vec();
    if is(action, "migrating") && argc == 5 {
        let id = node_arg(ctx);
        let view = view(ctx)?;
        if view.owner(slot) != Some(view.myself) {
            return Err(error::not_slot_owner(slot));
        }
        let n = view.find(&id).ok_or_else(|| error::node_not_known(&id))?;
        if view.node(n).is_some_and(|n| n.is_replica()) {
            return Err(error::CLUSTER_TARGET_NOT_PRIMARY);
        }
        view.migrating.insert(slot, n);
    } else if is(action, "importing") && argc == 5 {
        let id = node_arg(ctx);
        let view = view(ctx)?;
        if view.owner(slot) == Some(view.myself) {
            return Err(error::already_slot_owner(slot));
        }
        let n = view.find(&id).ok_or_else(|| error::node_not_known(&id))?;
        if view.node(n).is_some_and(|n| n.is_replica()) {
            return Err(error::CLUSTER_TARGET_NOT_PRIMARY);
        }
        view.importing.insert(slot, n);
    } else if is(action, "stable") && argc == 4 {
        let view = view(ctx)?;
        view.migrating.remove(&slot);
        view.importing.remove(&slot);
    } else if is(action, "node") && argc == 5 {
        let id = node_arg(ctx);
        let keys = keys_in_slot(ctx, slot).count();
        let view = view(ctx)?;
        let n = view.find(&id).ok_or_else(|| error::unknown_node(&id))?;
        if view.node(n).is_some_and(|n| n.is_replica()) {
            return Err(error::CLUSTER_TARGET_NOT_PRIMARY);
        }
        let me = view.myself;
        let was_mine = view.owner(slot) == Some(me);
        if was_mine && n != me && keys != 0 {
            return Err(error::slot_has_keys(slot));
        }
        if keys == 0 {
            view.migrating.remove(&slot);
        }
        view.assign(slot, Some(n));
        if was_mine && n != me && view.slot_count(me) == 0 {
            // A primary left without slots follows the one that took them.
            let id = view.node(n).map(|n| n.id.clone());
            view.me_mut().primary = id;
            view.resync = true;
        }
        if n == me && view.importing.remove(&slot).is_some() {
            view.bump_epoch();
        }
    } else {
        return Err(error::CLUSTER_SETSLOT_SYNTAX);
    }
    done(ctx)
}

/// # Format
/// `CLUSTER MEET ip port [cluster-bus-port]`
pub(super) fn meet(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    if ctx.argc() > 5 {
        return Err(error::cluster_subcommand_syntax(ctx.arg(1)));
    }
    let port = crate::num::parse_i64(ctx.arg(3)).ok_or_else(|| error::meet_bad_port(ctx.arg(3)))?;
    let bus_port = match ctx.argc() {
        5 => {
            crate::num::parse_i64(ctx.arg(4)).ok_or_else(|| error::meet_bad_bus_port(ctx.arg(4)))?
        }
        _ => port + 10000,
    };
    let ip = std::str::from_utf8(ctx.arg(2))
        .ok()
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let valid = |p: i64| (1..=65535).contains(&p);
    let (Some(ip), true, true) = (ip, valid(port), valid(bus_port)) else {
        return Err(error::meet_bad_address(ctx.arg(2), ctx.arg(3)));
    };
    let ip = ip.to_string();
    let view = view(ctx)?;
    view.count_sent("meet");
    if let Some(bus) = view.bus.clone() {
        bus.meet(&ip, port as u16, bus_port as u16);
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLUSTER FORGET node-id`
pub(super) fn forget(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.arg(2).to_vec();
    let now = ctx.now;
    let view = view(ctx)?;
    let n = view.find(&id).ok_or_else(|| error::unknown_node(&id))?;
    if n == view.myself {
        return Err(error::CLUSTER_FORGET_MYSELF);
    }
    if view.primary_of(view.myself) == Some(n) {
        return Err(error::CLUSTER_FORGET_PRIMARY);
    }
    let name = view.node(n).map(|n| n.id.clone()).unwrap_or_default();
    view.forgotten.insert(name, now + 60_000);
    view.remove(n);
    done(ctx)
}

/// # Format
/// `CLUSTER REPLICATE node-id` — the node's data is replaced by its new
/// primary's (at once for a primary in the same process).
pub(super) fn replicate(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.arg(2).to_vec();
    let empty = ctx.state.dbs[0].is_empty();
    let view = view(ctx)?;
    let n = view.find(&id).ok_or_else(|| error::unknown_node(&id))?;
    if n == view.myself {
        return Err(error::CLUSTER_REPLICATE_MYSELF);
    }
    let target = view.node(n).expect("found").clone();
    if target.is_replica() {
        return Err(error::CLUSTER_REPLICATE_REPLICA);
    }
    let me = view.myself;
    if !view.me().is_replica() && (view.slot_count(me) != 0 || !empty) {
        return Err(error::CLUSTER_REPLICATE_NOT_EMPTY);
    }
    view.migrating.clear();
    view.importing.clear();
    view.me_mut().primary = Some(target.id);
    view.resync = true;
    done(ctx)
}

/// # Format
/// `CLUSTER FAILOVER [FORCE|TAKEOVER]` — answered at once; the replica
/// takes over its primary's slots right after (having first copied the
/// primary's data when the primary is in the same process and, without
/// FORCE or TAKEOVER, reachable).
pub(super) fn failover(ctx: &mut Ctx<'_>) -> CmdResult {
    let mode = match ctx.argc() {
        2 => Failover::Default,
        3 if is(ctx.arg(2), "force") => Failover::Force,
        3 if is(ctx.arg(2), "takeover") => Failover::Takeover,
        3 => return Err(error::SYNTAX),
        _ => return Err(error::cluster_subcommand_syntax(ctx.arg(1))),
    };
    let view = view(ctx)?;
    if !view.me().is_replica() {
        return Err(error::CLUSTER_FAILOVER_PRIMARY);
    }
    let Some(primary) = view.primary_of(view.myself) else {
        return Err(error::CLUSTER_FAILOVER_NO_PRIMARY);
    };
    let down = view.node(primary).is_some_and(|p| p.fail || p.pfail);
    if mode == Failover::Default && down {
        return Err(error::CLUSTER_FAILOVER_PRIMARY_DOWN);
    }
    view.pending_failover = Some(mode);
    view.announce();
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLUSTER RESET [HARD|SOFT]`
pub(super) fn reset(ctx: &mut Ctx<'_>) -> CmdResult {
    let hard = match ctx.argc() {
        2 => false,
        3 if is(ctx.arg(2), "hard") => true,
        3 if is(ctx.arg(2), "soft") => false,
        3 => return Err(error::SYNTAX),
        _ => return Err(error::cluster_subcommand_syntax(ctx.arg(1))),
    };
    let empty = ctx.state.dbs[ctx.client.db].is_empty();
    let replica = view(ctx)?.me().is_replica();
    if !replica && !empty {
        return Err(error::CLUSTER_RESET_KEYS);
    }
    let new_id = hard.then(|| crate::state::random_hex(&mut ctx.state.rng, 40));
    if replica {
        for db in &mut ctx.state.dbs {
            db.clear();
        }
    }
    view(ctx)?.reset(new_id);
    done(ctx)
}

/// # Format
/// `CLUSTER BUMPEPOCH`
pub(super) fn bumpepoch(ctx: &mut Ctx<'_>) -> CmdResult {
    let view = view(ctx)?;
    let bumped = view.bump_epoch();
    let epoch = view.me().config_epoch;
    view.announce();
    let word = if bumped { "BUMPED" } else { "STILL" };
    ctx.out.simple(&format!("{word} {epoch}"));
    Ok(())
}

/// # Format
/// `CLUSTER SET-CONFIG-EPOCH config-epoch`
pub(super) fn set_config_epoch(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    let epoch = super::super::int_arg(ctx.arg(2))?;
    let view = view(ctx)?;
    if epoch < 0 {
        return Err(error::bad_config_epoch(epoch));
    }
    if view.nodes().count() > 1 {
        return Err(error::CLUSTER_EPOCH_NOT_ALONE);
    }
    if view.me().config_epoch != 0 {
        return Err(error::CLUSTER_EPOCH_SET);
    }
    view.me_mut().config_epoch = epoch as u64;
    view.current_epoch = view.current_epoch.max(epoch as u64);
    done(ctx)
}
