//! Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH
//! and PUBSUB.
//!
//! Subscriptions live in the client registry ([`crate::state::channels`]); these
//! commands change them and answer with the confirmation pushes Redis sends
//! (arrays in RESP2, push frames in RESP3), one per channel.

use super::error::{self, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx};
use crate::glob;
use crate::state::channels::{Kind, confirmation};

const GROUP: &str = "pubsub";

/// The pub/sub commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("subscribe", -2, subscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "2.0.0",
            "Listens for messages published to channels.",
        ),
    CommandSpec::new("unsubscribe", -1, unsubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "2.0.0",
            "Stops listening to messages posted to channels.",
        ),
    CommandSpec::new("psubscribe", -2, psubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "2.0.0",
            "Listens for messages published to channels that match patterns.",
        ),
    CommandSpec::new("punsubscribe", -1, punsubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "2.0.0",
            "Stops listening to messages published to channels that match patterns.",
        ),
    CommandSpec::new("ssubscribe", -2, ssubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE)
        .keys(1, -1, 1)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "7.0.0",
            "Listens for messages published to shard channels.",
        ),
    CommandSpec::new("sunsubscribe", -1, sunsubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE)
        .keys(1, -1, 1)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "7.0.0",
            "Stops listening to messages posted to shard channels.",
        ),
    CommandSpec::new("publish", 3, publish)
        .flags(PUBSUB | LOADING | STALE | FAST | SENTINEL)
        .acl("pubsub fast")
        .doc(GROUP, "2.0.0", "Posts a message to a channel."),
    CommandSpec::new("spublish", 3, spublish)
        .flags(PUBSUB | LOADING | STALE | FAST)
        .keys(1, 1, 1)
        .acl("pubsub fast")
        .doc(GROUP, "7.0.0", "Posts a message to a shard channel."),
    CommandSpec::container("pubsub", PUBSUB_SUBCOMMANDS)
        .acl("slow")
        .doc(
            GROUP,
            "2.8.0",
            "A container for pub/sub introspection commands.",
        ),
];

const PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("pubsub|channels", -2, pubsub_channels)
        .flags(PUBSUB | LOADING | STALE)
        .acl("pubsub slow")
        .doc(GROUP, "2.8.0", "Returns the active channels."),
    CommandSpec::new("pubsub|numsub", -2, pubsub_numsub)
        .flags(PUBSUB | LOADING | STALE)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "2.8.0",
            "Returns a count of subscribers to channels.",
        ),
    CommandSpec::new("pubsub|numpat", 2, pubsub_numpat)
        .flags(PUBSUB | LOADING | STALE)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "2.8.0",
            "Returns a count of unique pattern subscriptions.",
        ),
    CommandSpec::new("pubsub|shardchannels", -2, pubsub_shardchannels)
        .flags(PUBSUB | LOADING | STALE)
        .acl("pubsub slow")
        .doc(GROUP, "7.0.0", "Returns the active shard channels."),
    CommandSpec::new("pubsub|shardnumsub", -2, pubsub_shardnumsub)
        .flags(PUBSUB | LOADING | STALE)
        .acl("pubsub slow")
        .doc(
            GROUP,
            "7.0.0",
            "Returns the count of subscribers of shard channels.",
        ),
    CommandSpec::new("pubsub|help", 2, pubsub_help)
        .flags(LOADING | STALE)
        .acl("slow")
        .doc(
            GROUP,
            "6.2.0",
            "Returns helpful text about the different subcommands.",
        ),
];

/// The confirmation names of each kind: (subscribe, unsubscribe).
fn names(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Channel => ("subscribe", "unsubscribe"),
        Kind::Pattern => ("psubscribe", "punsubscribe"),
        Kind::Shard => ("ssubscribe", "sunsubscribe"),
    }
}

fn subscribe_to(ctx: &mut Ctx<'_>, kind: Kind) -> CmdResult {
    let id = ctx.client.id;
    for i in 1..ctx.argc() {
        let name = ctx.arg(i);
        ctx.state.subscribe(id, kind, name);
        let count = ctx.state.subscription_count(id, kind);
        confirmation(ctx.out, names(kind).0, Some(name), count);
    }
    Ok(())
}

fn unsubscribe_from(ctx: &mut Ctx<'_>, kind: Kind) -> CmdResult {
    let id = ctx.client.id;
    let what = names(kind).1;
    let targets: Vec<Vec<u8>> = if ctx.argc() > 1 {
        ctx.args[1..].iter().map(|a| a.to_vec()).collect()
    } else {
        ctx.state
            .subscriptions(id, kind)
            .into_iter()
            .map(|b| b.to_vec())
            .collect()
    };
    if targets.is_empty() {
        // Nothing to leave: one confirmation with a null name.
        let count = ctx.state.subscription_count(id, kind);
        confirmation(ctx.out, what, None, count);
        return Ok(());
    }
    for name in targets {
        ctx.state.unsubscribe(id, kind, &name);
        let count = ctx.state.subscription_count(id, kind);
        confirmation(ctx.out, what, Some(&name), count);
    }
    Ok(())
}

/// # Format
/// `SUBSCRIBE channel [channel ...]`
fn subscribe(ctx: &mut Ctx<'_>) -> CmdResult {
    subscribe_to(ctx, Kind::Channel)
}

/// # Format
/// `UNSUBSCRIBE [channel [channel ...]]`
fn unsubscribe(ctx: &mut Ctx<'_>) -> CmdResult {
    unsubscribe_from(ctx, Kind::Channel)
}

/// # Format
/// `PSUBSCRIBE pattern [pattern ...]`
fn psubscribe(ctx: &mut Ctx<'_>) -> CmdResult {
    subscribe_to(ctx, Kind::Pattern)
}

/// # Format
/// `PUNSUBSCRIBE [pattern [pattern ...]]`
fn punsubscribe(ctx: &mut Ctx<'_>) -> CmdResult {
    unsubscribe_from(ctx, Kind::Pattern)
}

/// # Format
/// `SSUBSCRIBE shardchannel [shardchannel ...]`
fn ssubscribe(ctx: &mut Ctx<'_>) -> CmdResult {
    subscribe_to(ctx, Kind::Shard)
}

/// # Format
/// `SUNSUBSCRIBE [shardchannel [shardchannel ...]]`
fn sunsubscribe(ctx: &mut Ctx<'_>) -> CmdResult {
    unsubscribe_from(ctx, Kind::Shard)
}

/// # Format
/// `PUBLISH channel message`
fn publish(ctx: &mut Ctx<'_>) -> CmdResult {
    let (channel, message) = (ctx.arg(1), ctx.arg(2));
    let n = ctx.state.publish(channel, message, false);
    ctx.out.int(n as i64);
    Ok(())
}

/// # Format
/// `SPUBLISH shardchannel message`
fn spublish(ctx: &mut Ctx<'_>) -> CmdResult {
    let (channel, message) = (ctx.arg(1), ctx.arg(2));
    let n = ctx.state.publish(channel, message, true);
    ctx.out.int(n as i64);
    Ok(())
}

fn list_channels(ctx: &mut Ctx<'_>, shard: bool) -> CmdResult {
    if ctx.argc() > 3 {
        return Err(error::subcommand_syntax(ctx.arg(1), "pubsub"));
    }
    let pattern = (ctx.argc() == 3).then(|| ctx.arg(2));
    let map = if shard {
        &ctx.state.pubsub.shard_channels
    } else {
        &ctx.state.pubsub.channels
    };
    let names: Vec<Vec<u8>> = map
        .keys()
        .filter(|c| pattern.is_none_or(|p| glob::matches(p, c, false)))
        .map(|c| c.to_vec())
        .collect();
    ctx.out.array(names.len());
    for n in names {
        ctx.out.bulk(&n);
    }
    Ok(())
}

fn count_subscribers(ctx: &mut Ctx<'_>, shard: bool) -> CmdResult {
    let map = if shard {
        &ctx.state.pubsub.shard_channels
    } else {
        &ctx.state.pubsub.channels
    };
    let counts: Vec<(Vec<u8>, usize)> = ctx.args[2..]
        .iter()
        .map(|c| (c.to_vec(), map.get(&c[..]).map_or(0, Vec::len)))
        .collect();
    ctx.out.map(counts.len());
    for (c, n) in counts {
        ctx.out.bulk(&c);
        ctx.out.int(n as i64);
    }
    Ok(())
}

/// # Format
/// `PUBSUB CHANNELS [pattern]`
fn pubsub_channels(ctx: &mut Ctx<'_>) -> CmdResult {
    list_channels(ctx, false)
}

/// # Format
/// `PUBSUB NUMSUB [channel [channel ...]]`
fn pubsub_numsub(ctx: &mut Ctx<'_>) -> CmdResult {
    count_subscribers(ctx, false)
}

/// # Format
/// `PUBSUB NUMPAT`
fn pubsub_numpat(ctx: &mut Ctx<'_>) -> CmdResult {
    let n = ctx.state.pubsub.patterns.len();
    ctx.out.int(n as i64);
    Ok(())
}

/// # Format
/// `PUBSUB SHARDCHANNELS [pattern]`
fn pubsub_shardchannels(ctx: &mut Ctx<'_>) -> CmdResult {
    list_channels(ctx, true)
}

/// # Format
/// `PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]`
fn pubsub_shardnumsub(ctx: &mut Ctx<'_>) -> CmdResult {
    count_subscribers(ctx, true)
}

/// # Format
/// `PUBSUB HELP`
fn pubsub_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    List the channels with at least one subscriber, optionally filtered by a glob.",
            "NUMPAT",
            "    Count the distinct patterns subscribed to.",
            "NUMSUB [<channel> ...]",
            "    Count the subscribers of each channel (pattern subscribers not included).",
            "SHARDCHANNELS [<pattern>]",
            "    List the shard channels with at least one subscriber.",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Count the subscribers of each shard channel.",
        ],
    );
    Ok(())
}

/// Whether `name` (a full command name) may run on a RESP2 connection in
/// subscribed mode.
pub fn allowed_when_subscribed(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "unsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "ssubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}
