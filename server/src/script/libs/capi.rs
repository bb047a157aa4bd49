//! What Redis's C libraries are written against, rebuilt on `mlua` for
//! the libraries here: the Lua 5.1 auxiliary library's argument checks,
//! conversions and error texts ([`Args`], `luaL_*`), C's number casts and
//! `%g` as glibc prints them, the C stack limit the libraries' depth errors
//! come from ([`MAX_C_STACK`]), and the Lua-table stack that lets deep
//! walkers hold few mlua references ([`LuaStack`]). It knows nothing of any
//! one library.

use mlua::{Lua, MultiValue, Table, Value};

/// Lua 5.1's `LUAI_MAXCSTACK`: the most stack slots a C function may use.
/// `lua_checkstack` fails past it, which is how Redis's libraries hit their
/// "excessive nesting" and "stack overflow" errors.
pub(crate) const MAX_C_STACK: usize = 8000;

/// The arguments of one library call, with the Lua 5.1 auxiliary library's
/// conversions and error texts (`luaL_check*`, `luaL_argerror`,
/// `luaL_error`).
pub(crate) struct Args<'a> {
    lua: &'a Lua,
    values: Vec<Value>,
}

impl<'a> Args<'a> {
    /// Wraps the values a Lua call passed.
    pub(crate) fn new(lua: &'a Lua, values: MultiValue) -> Self {
        Args {
            lua,
            values: values.into_iter().collect(),
        }
    }

    /// The arguments followed by a nil: what a C function that pushes a
    /// nil before reading its arguments sees (the next argument reads as
    /// nil rather than absent).
    pub(crate) fn with_trailing_nil(&self) -> Args<'a> {
        let mut values = self.values.clone();
        values.push(Value::Nil);
        Args {
            lua: self.lua,
            values,
        }
    }

    /// The Lua state.
    pub(crate) fn lua(&self) -> &'a Lua {
        self.lua
    }

    /// `lua_gettop`: how many arguments were passed.
    pub(crate) fn count(&self) -> usize {
        self.values.len()
    }

    /// Argument `n` (1-based), `None` when absent ("no value").
    pub(crate) fn get(&self, n: usize) -> Option<&Value> {
        n.checked_sub(1).and_then(|i| self.values.get(i))
    }

    /// `lua_isnoneornil`.
    pub(crate) fn is_none_or_nil(&self, n: usize) -> bool {
        matches!(self.get(n), None | Some(Value::Nil))
    }

    /// `luaL_error`: the message, after the position of the calling Lua
    /// function as `luaL_where(L, 1)` gives it (empty when the caller is a C
    /// function such as `pcall`).
    pub(crate) fn error(&self, msg: impl AsRef<str>) -> mlua::Error {
        let place = self
            .lua
            .inspect_stack(1, |d| {
                let line = d.current_line().filter(|&l| l > 0)?;
                let src = d.source().short_src?.into_owned();
                Some(format!("{src}:{line}: "))
            })
            .flatten()
            .unwrap_or_default();
        mlua::Error::RuntimeError(format!("{place}{}", msg.as_ref()))
    }

    /// `luaL_argerror`: names the function as Lua knows it at the call site
    /// (`?` when it cannot tell), and does not count `self` for a method.
    pub(crate) fn arg_error(&self, narg: i64, extra: impl AsRef<str>) -> mlua::Error {
        let extra = extra.as_ref();
        let (name, what) = self
            .lua
            .inspect_stack(0, |d| {
                let names = d.names();
                (names.name.map(|n| n.into_owned()), names.name_what)
            })
            .unwrap_or((None, None));
        let mut narg = narg;
        if what == Some("method") {
            narg -= 1;
            if narg == 0 {
                let name = name.unwrap_or_else(|| "?".into());
                return self.error(format!("calling '{name}' on bad self ({extra})"));
            }
        }
        let name = name.unwrap_or_else(|| "?".into());
        self.error(format!("bad argument #{narg} to '{name}' ({extra})"))
    }

    /// `luaL_typerror`: "X expected, got Y".
    pub(crate) fn type_error(&self, n: usize, expected: &str) -> mlua::Error {
        let got = type_name(self.get(n));
        self.arg_error(n as i64, format!("{expected} expected, got {got}"))
    }

    /// `luaL_argcheck`.
    pub(crate) fn check(&self, cond: bool, n: i64, extra: &str) -> mlua::Result<()> {
        if cond {
            Ok(())
        } else {
            Err(self.arg_error(n, extra))
        }
    }

    /// `lua_tonumber`: a number, or a string Lua reads as one.
    pub(crate) fn to_number(&self, n: usize) -> Option<f64> {
        match self.get(n)? {
            Value::String(_) => {
                let v = self.get(n)?.clone();
                self.lua.coerce_number(v).ok().flatten()
            }
            v => number(v),
        }
    }

    /// `luaL_checknumber`.
    pub(crate) fn check_number(&self, n: usize) -> mlua::Result<f64> {
        self.to_number(n)
            .ok_or_else(|| self.type_error(n, "number"))
    }

    /// `luaL_checkinteger`: the number truncated as C's cast to `ptrdiff_t`.
    pub(crate) fn check_integer(&self, n: usize) -> mlua::Result<i64> {
        self.check_number(n).map(c_long)
    }

    /// `luaL_checkint`: `luaL_checkinteger` cut to a C `int`.
    pub(crate) fn check_int(&self, n: usize) -> mlua::Result<i32> {
        self.check_integer(n).map(|v| v as i32)
    }

    /// `luaL_optinteger`.
    pub(crate) fn opt_integer(&self, n: usize, default: i64) -> mlua::Result<i64> {
        if self.is_none_or_nil(n) {
            Ok(default)
        } else {
            self.check_integer(n)
        }
    }

    /// `luaL_checklstring`: a string, or a number in Lua's `%.14g` form.
    pub(crate) fn check_bytes(&self, n: usize) -> mlua::Result<Vec<u8>> {
        match self.get(n) {
            Some(v @ (Value::String(_) | Value::Integer(_) | Value::Number(_))) => {
                match self.lua.coerce_string(v.clone())? {
                    Some(s) => Ok(s.as_bytes().to_vec()),
                    None => Err(self.type_error(n, "string")),
                }
            }
            _ => Err(self.type_error(n, "string")),
        }
    }

    /// `luaL_checkstring` as C code sees it: up to the first NUL byte.
    pub(crate) fn check_c_string(&self, n: usize) -> mlua::Result<Vec<u8>> {
        let mut s = self.check_bytes(n)?;
        if let Some(nul) = s.iter().position(|&b| b == 0) {
            s.truncate(nul);
        }
        Ok(s)
    }
}

/// A Lua number's value, if `v` is a number (not a string).
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

/// `luaL_typename`: Lua's name for a value's type, "no value" when absent.
pub(crate) fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Integer(_) | Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::Thread(_)) => "thread",
        Some(_) => "userdata",
    }
}

/// C's cast of a double to a 64-bit integer on x86-64 (`cvttsd2si`):
/// truncation, and `i64::MIN` for NaN and anything out of range.
pub(crate) fn c_long(n: f64) -> i64 {
    if n > -9_223_372_036_854_775_809.0 && n < 9_223_372_036_854_775_808.0 {
        n as i64
    } else {
        i64::MIN
    }
}

/// C's cast of a double to a 32-bit `int` on x86-64: truncation, and
/// `i32::MIN` for NaN and anything out of range.
pub(crate) fn c_int(n: f64) -> i32 {
    if n > -2_147_483_649.0 && n < 2_147_483_648.0 {
        n as i32
    } else {
        i32::MIN
    }
}

/// C's `%.<precision>g` for any double, as glibc prints it (`inf`, `-nan`).
pub(crate) fn format_g(n: f64, precision: usize) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf" } else { "inf" }.into();
    }
    crate::num::format_g(n, precision)
}

/// Wraps a library function as a Lua function that receives its arguments
/// as [`Args`].
pub(crate) fn function<F>(lua: &Lua, f: F) -> mlua::Result<mlua::Function>
where
    F: Fn(&Args) -> mlua::Result<MultiValue> + Send + 'static,
{
    lua.create_function(move |lua, values: MultiValue| f(&Args::new(lua, values)))
}

/// A stack of Lua values stored in a Lua table, so that walking a deeply
/// nested structure holds a constant number of mlua references (see the
/// module docs).
pub(crate) struct LuaStack {
    table: Table,
    len: i64,
}

impl LuaStack {
    /// An empty stack.
    pub(crate) fn new(lua: &Lua) -> mlua::Result<Self> {
        Ok(LuaStack {
            table: lua.create_table()?,
            len: 0,
        })
    }

    /// Pushes a value (nil is kept as a slot too).
    pub(crate) fn push(&mut self, v: Value) -> mlua::Result<()> {
        self.len += 1;
        self.table.raw_set(self.len, v)
    }

    /// Pops the top value (nil when empty).
    pub(crate) fn pop(&mut self) -> mlua::Result<Value> {
        if self.len == 0 {
            return Ok(Value::Nil);
        }
        let v = self.table.raw_get(self.len)?;
        self.table.raw_set(self.len, Value::Nil)?;
        self.len -= 1;
        Ok(v)
    }
}
