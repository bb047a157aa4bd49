//! The ACL file (`aclfile`) and the users a server starts with: ACL LOAD
//! reads every line (`user <name> <rule>…`) into a new set of users and
//! takes it only if no line has an error; ACL SAVE writes the users back;
//! a server starts with the `user` lines of its configuration or its ACL
//! file, not both (Redis's `ACLLoadUsersAtStartup`).

use std::collections::BTreeMap;

use super::rules::{self, RuleError};
use crate::state::State;
use crate::state::acl::User;

/// The text of an I/O error as C's `strerror` gives it.
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Reads the ACL file at `path` into a new set of users (the default user
/// as the file defines it, or a fresh `on nopass ~* &* +@all` one), or
/// Redis's description of every error found.
pub fn load(state: &State, path: &[u8]) -> Result<BTreeMap<Vec<u8>, User>, String> {
    let name = String::from_utf8_lossy(path).into_owned();
    let text = std::fs::read(&name).map_err(|e| {
        format!(
            "Error loading ACLs, opening file '{name}': {}",
            strerror(&e)
        )
    })?;
    let all_channels = state.config.acl_all_channels_by_default();
    let mut users: BTreeMap<Vec<u8>, User> = BTreeMap::new();
    let mut errors = String::new();
    for (i, line) in text.split(|&c| c == b'\n').enumerate() {
        let line_no = i + 1;
        let line = trim(line, b" \t\r\n");
        if line.is_empty() {
            continue;
        }
        let argv: Vec<&[u8]> = line.split(|&c| c == b' ').collect();
        if argv[0] != b"user" || argv.len() < 2 {
            errors.push_str(&format!(
                "{name}:{line_no} should start with user keyword followed by the username. "
            ));
            continue;
        }
        let user_name = argv[1];
        if rules::has_spaces(user_name) {
            errors.push_str(&format!(
                "'{name}:{line_no}: username '{}' contains invalid characters. ",
                String::from_utf8_lossy(user_name)
            ));
            continue;
        }
        if users.contains_key(user_name) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{}' found on line {line_no}. ",
                String::from_utf8_lossy(user_name)
            ));
            continue;
        }
        let mut user = User::new(user_name, all_channels);
        match rules::merge_selectors(&argv[2..]) {
            Err(_) => errors.push_str(&format!(
                "{name}:{line_no}: Unmatched parenthesis in selector definition."
            )),
            Ok(ops) => {
                // Unknown commands are named (nothing secret there); of
                // the other errors only the first, which may cause the rest.
                let mut syntax_error = false;
                for op in ops {
                    let op = trim(&op, b"\t\r\n");
                    match rules::apply(&mut user, op, all_channels) {
                        Ok(()) => {}
                        Err(e @ RuleError::Unknown) => errors.push_str(&format!(
                            "{name}:{line_no}: Error in applying operation '{}': {}. ",
                            String::from_utf8_lossy(op),
                            e.text()
                        )),
                        Err(_) if syntax_error => {}
                        Err(e) => {
                            errors.push_str(&format!("{name}:{line_no}: {}. ", e.text()));
                            syntax_error = true;
                        }
                    }
                }
            }
        }
        users.insert(user_name.to_vec(), user);
    }
    if !errors.is_empty() {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        return Err(errors);
    }
    users
        .entry(b"default".to_vec())
        .or_insert_with(|| User::default_user(None));
    Ok(users)
}

fn trim<'a>(s: &'a [u8], chars: &[u8]) -> &'a [u8] {
    let start = s.iter().position(|c| !chars.contains(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !chars.contains(c))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// Writes every user to the ACL file at `path` (through a temporary file
/// renamed over it).
pub fn save(state: &State, path: &[u8]) -> std::io::Result<()> {
    let path = String::from_utf8_lossy(path).into_owned();
    let mut text = Vec::new();
    for u in state.acl.users.values() {
        text.extend_from_slice(&super::user_line(u));
        text.push(b'\n');
    }
    let tmp = format!("{path}.tmp-{}-{}", std::process::id(), state.now_ms);
    let written = std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Sets up the users a server starts with: the `user` lines of its
/// configuration (`name rule…` each), or its ACL file. Both at once is an
/// error, as is any rule refused, with Redis's log text.
pub fn load_at_startup(state: &mut State, lines: &[String]) -> Result<(), String> {
    let aclfile = state.config.aclfile().map(<[u8]>::to_vec);
    if aclfile.is_some() && !lines.is_empty() {
        return Err("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.".into());
    }
    let all_channels = state.config.acl_all_channels_by_default();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for line in lines {
        let words = crate::protocol::request::split_args(line.as_bytes())
            .ok_or_else(|| format!("Unbalanced quotes in user line '{line}'"))?;
        let Some((name, ops)) = words.split_first() else {
            return Err("A user line needs at least a username".into());
        };
        if seen.contains(name) {
            return Err(RuleError::Duplicate.text().into());
        }
        seen.push(name.clone());
        if rules::has_spaces(name) {
            return Err("Spaces not allowed in ACL usernames".into());
        }
        let ops: Vec<&[u8]> = ops.iter().map(Vec::as_slice).collect();
        let ops = rules::merge_selectors(&ops).map_err(|_| {
            format!(
                "Unmatched parenthesis in the rules of user '{}'",
                show(name)
            )
        })?;
        let mut user = match state.acl.users.remove(name.as_slice()) {
            Some(mut u) => {
                // Only the default user exists already: it is redefined.
                let _ = rules::apply(&mut u, b"reset", all_channels);
                u
            }
            None => User::new(name, all_channels),
        };
        for op in &ops {
            rules::apply(&mut user, op, all_channels).map_err(|e| {
                format!(
                    "Error loading ACL rule '{}' for the user named '{}': {}",
                    show(op),
                    show(name),
                    e.text()
                )
            })?;
        }
        state.acl.users.insert(name.clone(), user);
    }
    if let Some(path) = aclfile {
        let users = load(state, &path)
            .map_err(|e| format!("Aborting Redis startup because of ACL errors: {e}"))?;
        state.acl.users = users;
    }
    state.acl.generation += 1;
    Ok(())
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
