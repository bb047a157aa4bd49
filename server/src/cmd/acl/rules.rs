//! ACL rules: applying one (`on`, `>pass`, `~keys*`, `+@read`, `(…)`) to
//! a user, as Redis's `ACLSetUser` and `ACLSetSelector` do, and
//! describing a user back in rules (ACL LIST, GETUSER, SAVE), as Redis's
//! `ACLDescribeUser` does: `+@all` or `-@all`, the categories that fit
//! best, then the single commands that differ.
//!
//! Commands are Redis 7.0's ([`meta`]): a rule may name a command redsim
//! lacks, and `+@read` covers what Redis's `@read` covers.

use crate::cmd::meta::{self, CATEGORIES, CommandMeta, meta};
use crate::state::acl::{
    FUTURE_COMMANDS, KEY_READ, KEY_WRITE, KeyPattern, Selector, User, selector_flags as sf,
    user_flags as uf,
};

/// Why a rule was refused (Redis's errno values of `ACLSetUser`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleError {
    /// EINVAL: not a rule, or a pattern with blanks.
    Syntax,
    /// ENOENT: no such command or category.
    Unknown,
    /// EEXIST: a key pattern after `~*`.
    AfterAllKeys,
    /// EISDIR: a channel pattern after `&*`.
    AfterAllChannels,
    /// ENODEV: removing a password the user does not have.
    NoSuchPassword,
    /// EBADMSG: a hash that is not 64 lowercase hex digits.
    BadHash,
    /// ECHILD: a first argument of a subcommand.
    SubcommandFirstArg,
    /// EALREADY: a user defined twice in the configuration.
    Duplicate,
}

impl RuleError {
    /// Redis's `ACLSetUserStringError` text.
    pub fn text(self) -> &'static str {
        match self {
            RuleError::Syntax => "Syntax error",
            RuleError::Unknown => "Unknown command or category name in ACL",
            RuleError::AfterAllKeys => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            RuleError::AfterAllChannels => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
            }
            RuleError::NoSuchPassword => {
                "The password you are trying to remove from the user does not exist"
            }
            RuleError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            }
            RuleError::SubcommandFirstArg => "Allowing first-arg of a subcommand is not supported",
            RuleError::Duplicate => {
                "Duplicate user found. A user can only be defined once in config files"
            }
        }
    }
}

/// Whether `s` has blanks or NULs (refused in names and patterns).
pub fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| c == 0 || c.is_ascii_whitespace() || c == 0x0b)
}

fn is(op: &[u8], word: &str) -> bool {
    op.eq_ignore_ascii_case(word.as_bytes())
}

/// Allows or refuses `cmd` (and, for a container, every subcommand).
fn change_perm(s: &mut Selector, cmd: &CommandMeta, allow: bool) {
    set_bit(s, cmd.id, allow);
    s.first_args.remove(&cmd.id);
    for &sub in &cmd.subcommands {
        set_bit(s, sub, allow);
    }
}

fn set_bit(s: &mut Selector, id: usize, on: bool) {
    s.commands.set(id, on);
    if !on {
        s.flags &= !sf::ALLCOMMANDS;
    }
}

/// `+@cat` / `-@cat` over every command of the category.
fn set_category(s: &mut Selector, bit: u32, allow: bool) {
    let m = meta();
    for &top in &m.top {
        let cmd = &m.commands[top];
        if cmd.categories & bit != 0 {
            change_perm(s, cmd, allow);
        }
        for &sub in &cmd.subcommands {
            let sub = &m.commands[sub];
            if sub.categories & bit != 0 {
                change_perm(s, sub, allow);
            }
        }
    }
}

/// Applies one selector rule (keys, channels, commands).
pub fn apply_to_selector(s: &mut Selector, op: &[u8]) -> Result<(), RuleError> {
    if is(op, "allkeys") || op == b"~*" {
        s.flags |= sf::ALLKEYS;
        s.keys.clear();
    } else if is(op, "resetkeys") {
        s.flags &= !sf::ALLKEYS;
        s.keys.clear();
    } else if is(op, "allchannels") || op == b"&*" {
        s.flags |= sf::ALLCHANNELS;
        s.channels.clear();
    } else if is(op, "resetchannels") {
        s.flags &= !sf::ALLCHANNELS;
        s.channels.clear();
    } else if is(op, "allcommands") || is(op, "+@all") {
        s.commands.fill(true);
        s.flags |= sf::ALLCOMMANDS;
        s.first_args.clear();
    } else if is(op, "nocommands") || is(op, "-@all") {
        s.commands.fill(false);
        s.flags &= !sf::ALLCOMMANDS;
        s.first_args.clear();
    } else if op[0] == b'~' || op[0] == b'%' {
        if s.has(sf::ALLKEYS) {
            return Err(RuleError::AfterAllKeys);
        }
        let mut access = 0;
        let mut offset = 1;
        if op[0] == b'%' {
            while offset < op.len() {
                match op[offset].to_ascii_uppercase() {
                    b'R' if access & KEY_READ == 0 => access |= KEY_READ,
                    b'W' if access & KEY_WRITE == 0 => access |= KEY_WRITE,
                    b'~' => {
                        offset += 1;
                        break;
                    }
                    _ => return Err(RuleError::Syntax),
                }
                offset += 1;
            }
            if access == 0 {
                return Err(RuleError::Syntax);
            }
        } else {
            access = KEY_READ | KEY_WRITE;
        }
        let pattern = &op[offset.min(op.len())..];
        if has_spaces(pattern) {
            return Err(RuleError::Syntax);
        }
        match s.keys.iter_mut().find(|k| k.pattern == pattern) {
            Some(existing) => existing.access |= access,
            None => s.keys.push(KeyPattern {
                access,
                pattern: pattern.to_vec(),
            }),
        }
        s.flags &= !sf::ALLKEYS;
    } else if op[0] == b'&' {
        if s.has(sf::ALLCHANNELS) {
            return Err(RuleError::AfterAllChannels);
        }
        let pattern = &op[1..];
        if has_spaces(pattern) {
            return Err(RuleError::Syntax);
        }
        if !s.channels.iter().any(|c| c == pattern) {
            s.channels.push(pattern.to_vec());
        }
        s.flags &= !sf::ALLCHANNELS;
    } else if op[0] == b'+' && op.get(1) != Some(&b'@') {
        allow_command(s, &op[1..])?;
    } else if op[0] == b'-' && op.get(1) != Some(&b'@') {
        let cmd = meta().lookup_name(&op[1..]).ok_or(RuleError::Unknown)?;
        change_perm(s, cmd, false);
    } else if (op[0] == b'+' || op[0] == b'-') && op.get(1) == Some(&b'@') {
        let bit = meta::category_bit(&op[2..]).ok_or(RuleError::Unknown)?;
        set_category(s, bit, op[0] == b'+');
    } else {
        return Err(RuleError::Syntax);
    }
    Ok(())
}

/// `+cmd`, `+cmd|sub`, or `+cmd|first-arg` of a command without
/// subcommands.
fn allow_command(s: &mut Selector, name: &[u8]) -> Result<(), RuleError> {
    let Some(bar) = name.iter().rposition(|&c| c == b'|') else {
        let cmd = meta().lookup_name(name).ok_or(RuleError::Unknown)?;
        change_perm(s, cmd, true);
        return Ok(());
    };
    let (base, sub) = (&name[..bar], &name[bar + 1..]);
    let cmd = meta().lookup_name(base).ok_or(RuleError::Unknown)?;
    if cmd.parent.is_some() {
        return Err(RuleError::SubcommandFirstArg);
    }
    if sub.is_empty() {
        return Err(RuleError::Syntax);
    }
    if !cmd.subcommands.is_empty() {
        let sub = meta().lookup_name(name).ok_or(RuleError::Unknown)?;
        change_perm(s, sub, true);
    } else {
        let args = s.first_args.entry(cmd.id).or_default();
        if !args.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
            args.push(sub.to_vec());
        }
    }
    Ok(())
}

fn valid_hash(h: &[u8]) -> bool {
    h.len() == 64 && h.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// Applies one rule to a user (Redis's `ACLSetUser`); `all_channels` is
/// `acl-pubsub-default` (new selectors start with `&*` when it is
/// `allchannels`).
pub fn apply(user: &mut User, op: &[u8], all_channels: bool) -> Result<(), RuleError> {
    if op.is_empty() {
        return Ok(());
    }
    if is(op, "on") {
        user.flags = (user.flags | uf::ENABLED) & !uf::DISABLED;
    } else if is(op, "off") {
        user.flags = (user.flags | uf::DISABLED) & !uf::ENABLED;
    } else if is(op, "skip-sanitize-payload") {
        user.flags = (user.flags | uf::SKIP_SANITIZE) & !uf::SANITIZE;
    } else if is(op, "sanitize-payload") {
        user.flags = (user.flags | uf::SANITIZE) & !uf::SKIP_SANITIZE;
    } else if is(op, "nopass") {
        user.flags |= uf::NOPASS;
        user.passwords.clear();
    } else if is(op, "resetpass") {
        user.flags &= !uf::NOPASS;
        user.passwords.clear();
    } else if op[0] == b'>' || op[0] == b'#' {
        let hash = if op[0] == b'>' {
            crate::state::acl::hash_password(&op[1..])
        } else if valid_hash(&op[1..]) {
            String::from_utf8_lossy(&op[1..]).into_owned()
        } else {
            return Err(RuleError::BadHash);
        };
        if !user.passwords.contains(&hash) {
            user.passwords.push(hash);
        }
        user.flags &= !uf::NOPASS;
    } else if op[0] == b'<' || op[0] == b'!' {
        let hash = if op[0] == b'<' {
            crate::state::acl::hash_password(&op[1..])
        } else if valid_hash(&op[1..]) {
            String::from_utf8_lossy(&op[1..]).into_owned()
        } else {
            return Err(RuleError::BadHash);
        };
        let at = user
            .passwords
            .iter()
            .position(|p| *p == hash)
            .ok_or(RuleError::NoSuchPassword)?;
        user.passwords.remove(at);
    } else if op[0] == b'(' && op[op.len() - 1] == b')' && op.len() >= 2 {
        let mut selector = Selector::new(0, all_channels);
        // Unbalanced quotes inside give an empty selector, as in Redis.
        let inner = &op[1..op.len() - 1];
        for rule in crate::protocol::request::split_args(inner).unwrap_or_default() {
            apply_to_selector(&mut selector, &rule)?;
        }
        user.selectors.push(selector);
    } else if is(op, "clearselectors") {
        user.selectors.truncate(1);
    } else if is(op, "reset") {
        for rule in ["resetpass", "resetkeys", "resetchannels"] {
            apply(user, rule.as_bytes(), all_channels)?;
        }
        if all_channels {
            apply(user, b"allchannels", all_channels)?;
        }
        for rule in ["off", "sanitize-payload", "clearselectors", "-@all"] {
            apply(user, rule.as_bytes(), all_channels)?;
        }
    } else {
        apply_to_selector(&mut user.selectors[0], op)?;
    }
    Ok(())
}

/// Joins a selector written over several arguments (`(~a` `+get)`) into
/// one, as Redis's `ACLMergeSelectorArguments`: the index of an opening
/// parenthesis never closed is the error.
pub fn merge_selectors(ops: &[&[u8]]) -> Result<Vec<Vec<u8>>, usize> {
    let mut merged = Vec::new();
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (i, op) in ops.iter().enumerate() {
        if let Some((_, sel)) = &mut open {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if op.last() == Some(&b')') {
                let (_, sel) = open.take().expect("open above");
                merged.push(sel);
            }
            continue;
        }
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((i, op.to_vec()));
            continue;
        }
        merged.push(op.to_vec());
    }
    match open {
        Some((i, _)) => Err(i),
        None => Ok(merged),
    }
}

/// Counts the commands of a category a selector's bitmap allows and
/// refuses.
fn count_category(bits: &Selector, bit: u32) -> (usize, usize) {
    let (mut on, mut off) = (0, 0);
    for cmd in &meta().commands {
        if cmd.categories & bit != 0 {
            if bits.commands.get(cmd.id) {
                on += 1;
            } else {
                off += 1;
            }
        }
    }
    (on, off)
}

/// The command rules of a selector, as Redis describes them: `+@all` or
/// `-@all`, the best-fitting categories, then single commands and first
/// arguments (single commands in name order, where Redis's follow its hash
/// table).
pub fn describe_commands(s: &Selector) -> String {
    let mut rules = String::new();
    let mut fake = Selector::default();
    let additive = !s.commands.get(FUTURE_COMMANDS);
    let start = if additive { "-@all" } else { "+@all" };
    rules.push_str(start);
    rules.push(' ');
    let _ = apply_to_selector(&mut fake, start.as_bytes());
    let mut temp = Selector {
        commands: s.commands.clone(),
        ..Selector::default()
    };
    let mut applied = [false; CATEGORIES.len()];
    loop {
        let mut best = None;
        let (mut min_diff, mut max_same) = (usize::MAX, 0);
        for (j, _) in CATEGORIES.iter().enumerate() {
            if applied[j] {
                continue;
            }
            let (on, off) = count_category(&temp, 1 << j);
            let (diff, same) = if additive { (off, on) } else { (on, off) };
            if same > diff && (diff < min_diff || (diff == min_diff && same > max_same)) {
                best = Some(j);
                min_diff = diff;
                max_same = same;
            }
        }
        let Some(j) = best else { break };
        let bit = 1 << j;
        set_category(&mut fake, bit, additive);
        set_category(&mut temp, bit, !additive);
        rules.push_str(if additive { "+@" } else { "-@" });
        rules.push_str(CATEGORIES[j]);
        rules.push(' ');
        applied[j] = true;
    }
    let m = meta();
    for &top in &m.top {
        describe_single(s, &mut fake, &m.commands[top], &mut rules);
    }
    rules.pop();
    rules
}

fn describe_single(s: &Selector, fake: &mut Selector, cmd: &CommandMeta, rules: &mut String) {
    let user_bit = s.commands.get(cmd.id);
    if user_bit != fake.commands.get(cmd.id) {
        rules.push(if user_bit { '+' } else { '-' });
        rules.push_str(&cmd.name);
        rules.push(' ');
        change_perm(fake, cmd, user_bit);
    }
    for &sub in &cmd.subcommands {
        describe_single(s, fake, &meta().commands[sub], rules);
    }
    if !user_bit && let Some(args) = s.first_args.get(&cmd.id) {
        for a in args {
            rules.push('+');
            rules.push_str(&cmd.name);
            rules.push('|');
            rules.push_str(&String::from_utf8_lossy(a));
            rules.push(' ');
        }
    }
}

/// A key pattern as a rule: `~p`, `%R~p` or `%W~p`.
pub fn key_rule(k: &KeyPattern) -> Vec<u8> {
    let prefix: &[u8] = match k.access {
        KEY_READ => b"%R~",
        KEY_WRITE => b"%W~",
        _ => b"~",
    };
    [prefix, &k.pattern].concat()
}

/// A selector as rules (keys, channels, commands), as ACL LIST shows it.
pub fn describe_selector(s: &Selector) -> Vec<u8> {
    let mut out = Vec::new();
    if s.has(sf::ALLKEYS) {
        out.extend_from_slice(b"~* ");
    } else {
        for k in &s.keys {
            out.extend_from_slice(&key_rule(k));
            out.push(b' ');
        }
    }
    if s.has(sf::ALLCHANNELS) {
        out.extend_from_slice(b"&* ");
    } else {
        out.extend_from_slice(b"resetchannels ");
        for c in &s.channels {
            out.push(b'&');
            out.extend_from_slice(c);
            out.push(b' ');
        }
    }
    out.extend_from_slice(describe_commands(s).as_bytes());
    out
}

/// A user as rules: flags, password hashes, selectors — what follows
/// `user <name> ` in ACL LIST and in an ACL file.
pub fn describe_user(u: &User) -> Vec<u8> {
    let mut out = Vec::new();
    for (bit, name) in uf::NAMES {
        if u.flags & bit != 0 {
            out.extend_from_slice(name.as_bytes());
            out.push(b' ');
        }
    }
    for p in &u.passwords {
        out.push(b'#');
        out.extend_from_slice(p.as_bytes());
        out.push(b' ');
    }
    for (i, s) in u.selectors.iter().enumerate() {
        if i == 0 {
            out.extend_from_slice(&describe_selector(s));
        } else {
            out.extend_from_slice(b" (");
            out.extend_from_slice(&describe_selector(s));
            out.push(b')');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(rules: &str) -> User {
        let mut u = User::new(b"u", false);
        let ops: Vec<&[u8]> = rules.split(' ').map(str::as_bytes).collect();
        for op in merge_selectors(&ops).unwrap() {
            apply(&mut u, &op, false).unwrap();
        }
        u
    }

    #[test]
    fn users_are_described_as_redis_describes_them() {
        assert_eq!(
            String::from_utf8(describe_user(&User::default_user(None))).unwrap(),
            "on nopass ~* &* +@all"
        );
        assert_eq!(
            String::from_utf8(describe_user(&user("+@all -@dangerous ~*"))).unwrap(),
            "off ~* resetchannels +@all -@dangerous"
        );
        assert_eq!(
            String::from_utf8(describe_user(&user(
                "on nopass %R~r* %W~w* %RW~b* ~k* &c1 &c2 +@read -@dangerous +config|get (+set ~x*) (+get %R~y* &z)"
            )))
            .unwrap(),
            "on nopass %R~r* %W~w* ~b* ~k* resetchannels &c1 &c2 -@all +@read +config|get -keys -sort_ro (~x* resetchannels -@all +set) (%R~y* resetchannels &z -@all +get)"
        );
        assert_eq!(
            describe_commands(&user("-@all +select|0 +debug|object").selectors[0]),
            "-@all +debug|object +select|0"
        );
    }

    #[test]
    fn rules_are_refused_with_redis_reasons() {
        let mut u = User::new(b"u", false);
        let err = |u: &mut User, op: &str| apply(u, op.as_bytes(), false).unwrap_err();
        assert_eq!(err(&mut u, "bogus"), RuleError::Syntax);
        assert_eq!(err(&mut u, "+nosuch"), RuleError::Unknown);
        assert_eq!(err(&mut u, "+@nosuch"), RuleError::Unknown);
        assert_eq!(err(&mut u, "+config|get|x"), RuleError::SubcommandFirstArg);
        assert_eq!(err(&mut u, "-config|get|x"), RuleError::Unknown);
        assert_eq!(err(&mut u, "+config|"), RuleError::Syntax);
        assert_eq!(err(&mut u, "%~foo"), RuleError::Syntax);
        assert_eq!(err(&mut u, "#abc"), RuleError::BadHash);
        assert_eq!(err(&mut u, "<nope"), RuleError::NoSuchPassword);
        apply(&mut u, b"~*", false).unwrap();
        assert_eq!(err(&mut u, "~x"), RuleError::AfterAllKeys);
        assert_eq!(merge_selectors(&[b"on", b"(~x", b"+get"]), Err(1));
    }
}
