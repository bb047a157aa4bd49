//! FUNCTION's side of the engine: loading a library (its code runs in the
//! load environment under a deadline), DUMP and RESTORE of all libraries,
//! and FCALL. The registry itself is in [`functions`].

use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::Bytes;
use mlua::{Table, Value};

use super::errors::{compile_message, lua_err};
use super::hook::{FunctionRun, LOAD_TIMEOUT};
use super::run::{Call, collect_if_full, invoke};
use super::{Engine, RunStart, functions, payload};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::protocol::Out;

impl<W: Default + Send + 'static> Engine<W> {
    /// FUNCTION LOAD: checks the library's header, compiles its code, runs
    /// it in the load environment (at most [`LOAD_TIMEOUT`]) and keeps the
    /// functions it registers, replacing a library of the same name only if
    /// `replace`. Returns the library's name.
    pub fn load_library(&mut self, code: &Bytes, replace: bool) -> Result<String, CmdError> {
        let name = functions::library_name(code)?;
        if self.libraries.contains(&name) && !replace {
            return Err(error::library_exists(&name));
        }
        // The header line becomes a comment, keeping line numbers.
        let mut source = b"--".to_vec();
        source.extend_from_slice(code);
        let chunk = self
            .lua
            .load(&source[..])
            .set_name("@user_function")
            .set_mode(mlua::chunk::ChunkMode::Text)
            .into_function()
            .map_err(|e| error::function_compile(&compile_message(&e)))?;
        self.hook.kill.store(false, Ordering::SeqCst);
        *self.hook.load_deadline.lock() = Some(Instant::now() + LOAD_TIMEOUT);
        let loaded: mlua::Result<(bool, Value)> = self.loader.call(chunk);
        *self.hook.load_deadline.lock() = None;
        collect_if_full(&self.lua, self.memory_limit);
        let registering = error::function_registering;
        let (ok, value) = loaded.map_err(|e| registering(&e.to_string()))?;
        if !ok {
            // The handler's {err=…}, or a bare message where Lua skips the
            // handler (a memory error).
            let text = match &value {
                Value::Table(t) => t
                    .raw_get::<Option<mlua::LuaString>>("err")
                    .ok()
                    .flatten()
                    .map(|s| s.to_string_lossy()),
                Value::String(s) => Some(s.to_string_lossy()),
                _ => None,
            };
            return Err(registering(
                &text.unwrap_or_else(|| error::UNKNOWN_ERROR.text().into()),
            ));
        }
        let Value::Table(value) = value else {
            return Err(registering(&error::UNEXPECTED_RESULT.text()));
        };
        let mut registered = Vec::new();
        for reg in value.sequence_values::<Table>() {
            let reg = reg.map_err(lua_err)?;
            let flag_table: Table = reg.raw_get("flags").map_err(lua_err)?;
            let mut flags = [false; 5];
            for (i, flag) in functions::FLAG_NAMES.iter().enumerate() {
                flags[i] = flag_table.raw_get::<bool>(*flag).unwrap_or(false);
            }
            registered.push(functions::Func {
                name: reg.raw_get("name").map_err(lua_err)?,
                description: reg.raw_get("description").map_err(lua_err)?,
                flags,
                callback: reg.raw_get("callback").map_err(lua_err)?,
            });
        }
        if registered.is_empty() {
            return Err(error::NO_FUNCTIONS_REGISTERED);
        }
        if let Some(f) = self.libraries.clash(&name, &registered) {
            return Err(error::function_exists(&f));
        }
        self.libraries.insert(
            name.clone(),
            functions::Library {
                // A copy: the argument may be a slice of a large read buffer.
                code: Bytes::copy_from_slice(code),
                functions: registered,
            },
        );
        Ok(name)
    }

    /// FUNCTION DUMP: every library's code in Redis's payload format.
    pub fn dump_libraries(&self) -> Vec<u8> {
        payload::dump(self.libraries.iter().map(|(_, lib)| &lib.code[..]))
    }

    /// FUNCTION RESTORE: loads the payload's libraries (each as FUNCTION
    /// LOAD would, into an empty set first), then keeps them beside the
    /// current ones (`replace`: in place of those of the same name) or,
    /// with `flush`, instead of them. Nothing changes on error.
    pub fn restore_libraries(
        &mut self,
        payload: &[u8],
        replace: bool,
        flush: bool,
    ) -> Result<(), CmdError> {
        let codes = payload::restore(payload).map_err(CmdError::fixed)?;
        let current = std::mem::take(&mut self.libraries);
        let mut loaded = Ok(());
        for code in codes {
            if let Err(e) = self.load_library(&Bytes::from(code), false) {
                loaded = Err(e);
                break;
            }
        }
        let restored = std::mem::replace(&mut self.libraries, current);
        loaded?;
        if flush {
            self.libraries = restored;
            Ok(())
        } else {
            self.libraries.join(restored, replace)
        }
    }

    /// The FUNCTION libraries.
    pub fn libraries(&self) -> &functions::Libraries {
        &self.libraries
    }

    /// The FUNCTION libraries, to delete from.
    pub fn libraries_mut(&mut self) -> &mut functions::Libraries {
        &mut self.libraries
    }

    /// Runs the library function `name` for FCALL (`ro`: FCALL_RO) in
    /// `world`, for the client `start` names, and writes its reply into
    /// `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn fcall(
        &mut self,
        world: &mut W,
        out: &mut Out,
        start: &RunStart<'_>,
        name: &[u8],
        keys: &[Bytes],
        argv: &[Bytes],
        ro: bool,
    ) -> CmdResult {
        let f = self
            .libraries
            .function(name)
            .ok_or(error::FUNCTION_NOT_FOUND)?;
        if ro && !f.no_writes() {
            return Err(error::WRITE_FUNCTION_READ_ONLY);
        }
        let parts = self.parts();
        let run = FunctionRun {
            name: f.name.clone(),
            command: start.command.to_vec(),
            libraries: self.libraries.library_count(),
            functions: self.libraries.function_count(),
        };
        let call = Call {
            func: &f.callback,
            runner: &self.fn_runner,
            name: &f.name,
            function: Some(run),
            read_only: f.no_writes(),
        };
        invoke(parts, world, out, start, call, keys, argv)
    }
}
