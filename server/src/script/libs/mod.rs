//! TEMPORARY: replaced by the real libraries on merge.

/// Installs the libraries.
pub fn install(_lua: &mlua::Lua) -> mlua::Result<()> {
    Ok(())
}
