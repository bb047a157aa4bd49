//! FUNCTION libraries (Redis 7.0): the `#!lua name=…` header, the
//! registry of libraries and their functions, and the checks FUNCTION LOAD
//! makes, with Redis's texts.
//!
//! A library's code runs once, at load, in the restricted environment
//! `sandbox.lua` sets up (`redis.register_function`, `redis.log` and the
//! constants, nothing else); what it registers is kept here and called by
//! FCALL with the full sandbox. Functions live in their own Lua state, as
//! in Redis: SCRIPT FLUSH does not touch them, FLUSHALL neither.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use mlua::Function;

use crate::cmd::CmdError;
use crate::cmd::error;

/// The flags a function may declare, in the order Redis lists them.
pub const FLAG_NAMES: [&str; 5] = [
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
];

/// One registered function.
pub struct Func {
    /// Its name as registered.
    pub name: String,
    /// Its description, if it gave one.
    pub description: Option<String>,
    /// Which of [`FLAG_NAMES`] it declared.
    pub flags: [bool; 5],
    /// The Lua callback.
    pub callback: Function,
}

impl Func {
    /// Whether it declared `no-writes` (FCALL_RO may call it; its writes
    /// are refused).
    pub fn no_writes(&self) -> bool {
        self.flags[0]
    }
}

/// One loaded library.
pub struct Library {
    /// Its code, as loaded (WITHCODE).
    pub code: Bytes,
    /// Its functions, in registration order.
    pub functions: Vec<Func>,
}

/// Every library, and every function by name.
#[derive(Default)]
pub struct Libraries {
    libs: BTreeMap<String, Library>,
    /// ASCII-lowercased function name → (library, index): FCALL finds a
    /// function whatever the case, as Redis does (ASCII only, as Redis's
    /// case-insensitive hash).
    index: HashMap<String, (String, usize)>,
    /// Functions in all libraries (FCALL records it for FUNCTION STATS).
    functions: usize,
}

impl Libraries {
    /// The function FCALL names, if any.
    pub fn function(&self, name: &[u8]) -> Option<&Func> {
        // Names are ASCII letters, digits and underscores: one without
        // capitals is looked up as it is, without a copy.
        let key = match std::str::from_utf8(name) {
            Ok(n) if !n.bytes().any(|b| b.is_ascii_uppercase()) => std::borrow::Cow::Borrowed(n),
            _ => std::borrow::Cow::Owned(String::from_utf8_lossy(name).to_ascii_lowercase()),
        };
        let (lib, i) = self.index.get(key.as_ref())?;
        self.libs.get(lib)?.functions.get(*i)
    }

    /// Whether a library of that name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.libs.contains_key(name)
    }

    /// The library's functions that another library already defines:
    /// the first one's name, as Redis reports it.
    pub fn clash(&self, library: &str, functions: &[Func]) -> Option<String> {
        functions.iter().find_map(|f| {
            let (owner, _) = self.index.get(&f.name.to_ascii_lowercase())?;
            (owner != library).then(|| f.name.clone())
        })
    }

    /// Adds `library` under `name`, replacing one of that name.
    pub fn insert(&mut self, name: String, library: Library) {
        self.remove(&name);
        self.functions += library.functions.len();
        for (i, f) in library.functions.iter().enumerate() {
            self.index
                .entry(f.name.to_ascii_lowercase())
                .or_insert_with(|| (name.clone(), i));
        }
        self.libs.insert(name, library);
    }

    /// Removes the library `name`; false if there was none.
    pub fn remove(&mut self, name: &str) -> bool {
        let Some(lib) = self.libs.remove(name) else {
            return false;
        };
        self.functions -= lib.functions.len();
        for f in &lib.functions {
            let key = f.name.to_ascii_lowercase();
            if self.index.get(&key).is_some_and(|(owner, _)| owner == name) {
                self.index.remove(&key);
            }
        }
        true
    }

    /// Adds every library of `other` (RESTORE): a library already here is
    /// an error unless `replace`, in which case it goes; a function whose
    /// name another library here already has is an error. Nothing changes
    /// on error.
    pub fn join(&mut self, other: Libraries, replace: bool) -> Result<(), CmdError> {
        for name in other.libs.keys() {
            if self.libs.contains_key(name) && !replace {
                return Err(error::restored_library_exists(name));
            }
        }
        for lib in other.libs.values() {
            for f in &lib.functions {
                if let Some((owner, _)) = self.index.get(&f.name.to_ascii_lowercase())
                    && !other.libs.contains_key(owner)
                {
                    return Err(error::function_exists(&f.name));
                }
            }
        }
        for (name, lib) in other.libs {
            self.insert(name, lib);
        }
        Ok(())
    }

    /// Libraries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Library)> {
        self.libs.iter()
    }

    /// Number of libraries.
    pub fn library_count(&self) -> usize {
        self.libs.len()
    }

    /// Number of functions.
    pub fn function_count(&self) -> usize {
        self.functions
    }
}

/// The library name from a `#!<engine> name=<name>` first line, checked as
/// Redis checks it (metadata, name, engine — in that order).
pub fn library_name(code: &[u8]) -> Result<String, CmdError> {
    if !code.starts_with(b"#!") {
        return Err(error::LIBRARY_METADATA_MISSING);
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err(error::LIBRARY_METADATA_INVALID);
    };
    let line = String::from_utf8_lossy(&code[2..end]);
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or("").to_string();
    let mut name = None;
    for part in parts {
        match part.strip_prefix("name=") {
            Some(_) if name.is_some() => {
                return Err(error::LIBRARY_NAME_REPEATED);
            }
            Some(value) => name = Some(value.to_string()),
            None => {
                return Err(error::invalid_metadata_value(part));
            }
        }
    }
    let Some(name) = name else {
        return Err(error::LIBRARY_NAME_MISSING);
    };
    if !valid_name(&name) {
        return Err(error::LIBRARY_NAME_CHARS);
    }
    if !engine.eq_ignore_ascii_case("lua") {
        return Err(error::engine_not_found(&engine));
    }
    Ok(name)
}

/// Letters, digits and underscores, at least one.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_errors_in_redis_order() {
        let err = |code: &str| {
            library_name(code.as_bytes())
                .unwrap_err()
                .text()
                .to_string()
        };
        assert_eq!(err("return 1"), "ERR Missing library metadata");
        assert_eq!(err("#!lua name=x"), "ERR Invalid library metadata");
        assert_eq!(err("#!lua\nx"), "ERR Library name was not given");
        assert_eq!(err("#!\nx"), "ERR Library name was not given");
        assert_eq!(
            err("#!lua name=a name=b\n"),
            "ERR Invalid metadata value, name argument was given multiple times"
        );
        assert_eq!(
            err("#!lua name=nm2 foo\n"),
            "ERR Invalid metadata value given: foo"
        );
        assert!(err("#!lu name=bad-name\n").starts_with("ERR Library names can only"));
        assert_eq!(err("#!lu name=x\n"), "ERR Engine 'lu' not found");
        assert_eq!(library_name(b"#!LUA  name=sp\n").unwrap(), "sp");
    }
}
